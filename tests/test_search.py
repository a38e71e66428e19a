import pytest

import app.catalogue.search as search_module
from app.catalogue.search import SearchEntry, SearchIndex

# Deliberately not listed with the expected winner first, so ranking matters.
ENTRIES = [
    SearchEntry("tsgz", "特殊工种提前退休核准"),
    SearchEntry("cjr", "残疾人服务一件事"),
    SearchEntry("xse", "新生儿出生一件事"),
    SearchEntry("sbk", "社会保障卡居民服务一件事"),
    SearchEntry("jyfy", "就医费用报销一件事"),
    SearchEntry("shsh", "个人身后一件事"),
    SearchEntry("lnfl", "老年人福利补贴申请", keywords=("高龄津贴",)),
    SearchEntry("tx", "退休一件事", keywords=("养老金领取",)),
]


@pytest.fixture(scope="module")
def index():
    return SearchIndex(ENTRIES)


@pytest.mark.parametrize("query", ["退休", "tuixiu", "tx", "TuiXiu", " tui xiu ", "退xiu", "ｔｕｉｘｉｕ"])
def test_retirement_queries_find_retirement_service_first(index, query):
    results = index.search(query)
    assert results[0] == "tx"


def test_chinese_query_also_finds_names_containing_it_lower(index):
    assert index.search("退休") == ["tx", "tsgz"]


def test_pinyin_query_also_finds_names_containing_it_lower(index):
    assert index.search("tuixiu") == ["tx", "tsgz"]


@pytest.mark.parametrize("query", ["gaoling", "gljt", "高龄"])
def test_keyword_finds_entry_by_chinese_pinyin_or_initials(index, query):
    assert index.search(query) == ["lnfl"]


def test_initials_find_disabled_persons_service(index):
    assert index.search("cjr")[0] == "cjr"


@pytest.mark.parametrize("query", ["", "   ", "，。！", "xyz", "ｘｙｚ", "火星"])
def test_unmatched_or_empty_query_finds_nothing(index, query):
    assert index.search(query) == []


def test_mixed_query_matches_only_where_characters_and_pinyin_agree(index):
    assert index.search("退xiu") == ["tx", "tsgz"]
    assert index.search("退xiang") == []


def test_chinese_only_query_does_not_match_homophones():
    index = SearchIndex([SearchEntry("a", "身后事"), SearchEntry("b", "时间")])
    assert index.search("事") == ["a"]


def test_punctuation_in_query_is_ignored(index):
    assert index.search("退-休！") == ["tx", "tsgz"]


def test_chinese_tiers_rank_exact_prefix_infix_keyword():
    index = SearchIndex(
        [
            SearchEntry("keyword", "养老服务", keywords=("退休",)),
            SearchEntry("infix", "申请退休"),
            SearchEntry("prefix", "退休金"),
            SearchEntry("exact", "退休"),
        ]
    )
    assert index.search("退休") == ["exact", "prefix", "infix", "keyword"]


def test_pinyin_tiers_rank_full_start_initials_start_full_contain_initials_contain_keyword():
    # Listed worst first, so the result order comes from ranking alone.
    index = SearchIndex(
        [
            SearchEntry("keyword", "其他", keywords=("上海",)),  # keyword "shanghai"
            SearchEntry("initials_contain", "办四海"),  # bansihai / bsh
            SearchEntry("full_contain", "办事"),  # banshi / bs
            SearchEntry("initials_start", "四海"),  # sihai / sh
            SearchEntry("full_start", "上海"),  # shanghai / sh
        ]
    )
    assert index.search("sh") == [
        "full_start",
        "initials_start",
        "full_contain",
        "initials_contain",
        "keyword",
    ]


def test_ties_keep_entry_order():
    entries = [SearchEntry(str(i), name) for i, name in enumerate(["退休甲", "退休乙", "退休丙"])]
    assert SearchIndex(entries).search("退休") == ["0", "1", "2"]
    assert SearchIndex(reversed(entries)).search("退休") == ["2", "1", "0"]


def test_limit_caps_results(index):
    assert index.search("yijianshi", limit=2) == ["cjr", "xse"]
    assert len(index.search("yijianshi")) == 6
    assert index.search("yijianshi", limit=0) == []


@pytest.mark.parametrize(
    "name, queries",
    [
        ("银行", ["yinhang", "yinxing", "yh", "yx"]),
        ("重庆", ["chongqing", "zhongqing", "cq", "zq"]),
    ],
)
def test_polyphonic_characters_are_found_by_each_reading(name, queries):
    index = SearchIndex([SearchEntry("k", name)])
    for query in queries:
        assert index.search(query) == ["k"], query


def test_polyphone_late_in_long_name_still_indexed_under_cap():
    # Many polyphonic characters before 行; it must still be found as "xing".
    name = "社会保障卡重新申领长期服务一件事银行"
    index = SearchIndex([SearchEntry("k", name)])
    assert index.search("yinhang") == ["k"]
    assert index.search("yinxing") == ["k"]


def test_non_chinese_characters_pass_through_lower_cased():
    index = SearchIndex([SearchEntry("k", "ETC办理")])
    assert index.search("etc") == ["k"]
    assert index.search("etcbanli") == ["k"]
    assert index.search("etcbl") == ["k"]


def test_search_makes_no_pypinyin_calls_for_entries(monkeypatch):
    index = SearchIndex(ENTRIES)

    def forbidden(*args, **kwargs):
        raise AssertionError("pypinyin called during search")

    monkeypatch.setattr(search_module, "pinyin", forbidden)
    assert index.search("tuixiu")[0] == "tx"
    assert index.search("tx")[0] == "tx"
    assert index.search("退休")[0] == "tx"
