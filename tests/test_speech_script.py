"""The reading script: what a page says, in screen-reader order, split into sentences."""
from __future__ import annotations

import pytest

from app.speech import script, text
from app.speech.script import READABLE, build


def page(body: str, lang: str = "zh-CN") -> str:
    return f'<!doctype html><html lang="{lang}"><head><title>不读</title></head><body>{body}</body></html>'


def texts(html: str, main_only: bool = False) -> list[str]:
    return [s.text for s in build(html)[1] if s.main or not main_only]


def test_question_first_then_what_stood_before_it_then_hints_and_errors():
    html = page("""
      <header><p>页头</p></header>
      <main><div class="error-summary"><h2>有问题需要修改</h2><ul><li><a href="#x">请输入姓名</a></li></ul></div>
      <h1><label for="x">您的姓名是什么？</label></h1>
      <div class="hint">与身份证上的姓名一致</div>
      <div class="error-slot"><p class="error-message"><span class="visually-hidden">错误：</span>请输入姓名</p></div>
      <input id="x"><button>继续</button></main>
      <footer><p>页脚</p></footer>""")
    assert texts(html) == ["页头", "您的姓名是什么？", "有问题需要修改", "请输入姓名",
                           "与身份证上的姓名一致", "错误：请输入姓名", "继续", "页脚"]
    # Continuous reading: the main content, less the button (read only when pointed at).
    assert texts(html, main_only=True) == texts(html)[1:-2]


def test_without_a_heading_in_main_the_page_order_stands():
    html = page('<main><p class="caption">退休一件事</p><h2>小标题</h2><p>正文</p></main>')
    assert texts(html) == ["退休一件事", "小标题", "正文"]


def test_buttons_are_not_sentences_of_continuous_reading_but_keep_their_index():
    html = page('<main><h1>标题</h1><p>正文</p><button>继续</button>'
                '<a class="button" href="/x">开始申请</a><a href="/y">链接</a></main>')
    sentences = build(html)[1]
    assert [(s.text, s.element, s.main) for s in sentences] == [
        ("标题", 0, True), ("正文", 1, True), ("继续", 2, False), ("开始申请", 3, False)]


def test_element_indexes_count_every_readable_element_in_document_order():
    html = page('<main><h1><label>问题</label></h1><p>一。二。</p><ul><li>甲</li><li>乙</li></ul></main>')
    sentences = build(html)[1]
    # h1 (0) has no text of its own: its label (1) is read; p is 2, the items 3 and 4.
    assert [(s.text, s.element) for s in sentences] == [
        ("问题", 1), ("一。", 2), ("二。", 2), ("甲", 3), ("乙", 4)]


def test_hidden_aria_hidden_scripts_templates_and_the_player_are_not_read():
    html = page("""<main><p hidden>藏</p><div aria-hidden="true"><p>藏</p></div>
      <script>var p = "<p>藏</p>";</script><style>p::before{content:"藏"}</style>
      <template><p>藏</p></template><noscript><p>藏</p></noscript>
      <div data-speech-player><a class="button">朗读本页</a><p>藏</p></div>
      <p>读<span class="visually-hidden">也读</span></p><textarea>不读输入</textarea></main>""")
    assert texts(html) == ["读也读"]


def test_text_of_a_readable_element_around_a_readable_child_is_not_lost():
    html = page('<main><p>先 <a class="button" href="/x">按钮</a> 后<img alt="图片说明"></p></main>')
    assert texts(html) == ["先 后", "按钮", "图片说明"]


def test_language_comes_from_the_nearest_lang_attribute_and_main_is_marked():
    html = page('<nav><p>导航</p></nav><main><p>中文。</p><p lang="en">English here. Two.</p>'
                '<div lang="en"><h2>Heading</h2></div></main>', lang="zh-Hans-CN")
    lang, sentences = build(html)
    assert lang == "zh-Hans-CN"
    assert [(s.text, s.lang, s.main) for s in sentences] == [
        ("导航", "zh-Hans-CN", False), ("中文。", "zh-Hans-CN", True),
        ("English here.", "en", True), ("Two.", "en", True), ("Heading", "en", True)]


def test_implied_end_tags_match_what_a_browser_builds():
    # <p> is closed by a block, <li> by the next <li>: the same elements as in a browser.
    html = page("<main><p>段落<div><p>块</p></div><ul><li>一<li>二</ul></main>")
    assert [(s.text, s.element) for s in build(html)[1]] == [
        ("段落", 0), ("块", 1), ("一", 2), ("二", 3)]


@pytest.mark.parametrize("raw, expected", [
    ("你好。这是第二句！是吗？对；", ["你好。", "这是第二句！", "是吗？", "对；"]),
    ("English here. Pi is 3.14 today! Done", ["English here.", "Pi is 3.14 today!", "Done"]),
    ("“你好。”他说。", ["“你好。”", "他说。"]),
    ("第一行\n第二行", ["第一行", "第二行"]),
    ("  空白   很多  ", ["空白 很多"]),
    ("——", []),  # nothing to say
])
def test_sentences(raw, expected):
    assert text.sentences(raw) == expected


def test_long_sentences_are_split_at_a_comma():
    long = "，".join(["这是一个比较长的分句"] * 30) + "。"
    parts = text.sentences(long)
    assert len(parts) > 1
    assert all(len(p) <= text.MAX_SENTENCE for p in parts)
    assert "".join(parts) == long
    assert all(p.endswith(("，", "。")) for p in parts)


def test_control_characters_never_reach_the_engine():
    # \x01 starts an espeak embedded command: rendered text must not be able to send one.
    assert text.sentences("读\x01200S这个") == ["读 200S这个"]


def test_a_page_has_at_most_max_sentences():
    html = page("<main>" + "".join(f"<p>第{i}句。</p>" for i in range(1000)) + "</main>")
    assert len(build(html)[1]) == script.MAX_SENTENCES


def test_readable_selector_is_one_list_of_simple_selectors():
    # speech.js uses READABLE as is with querySelectorAll; the server parses the same string.
    parsed = script._parse_selector(READABLE)
    assert len(parsed) == len(READABLE.split(","))
    assert script.matches("a", {"class": "button big", "href": "/"})
    assert not script.matches("a", {"href": "/"})
    assert script.matches("div", {"role": "status"})
    assert script.matches("img", {"alt": ""})
    with pytest.raises(ValueError):
        script._parse_selector("main > p")
