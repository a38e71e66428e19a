"""Schema → WTForms: every field type validates, stores and keeps answers as it should.

The forms are built and validated inside a request of the default locale
(zh_Hans_CN). Each expected message is named by its msgid and rendered in that locale
(`zh`), which also checks that the catalogue translates it – so a test proves both
which message was chosen and that the citizen reads it in Chinese.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict

from app.apply.journey import active_questions, is_shown
from app.forms import widgets
from app.forms.builder import answer_value, build_form, is_blank, prefill_value
from app.platform import LocalText, Option, Question

from conftest import DEFAULT_LOCALE, LIU, PDF_BYTES, PNG_BYTES, WANG, ZHANG, translate

MAX_LENGTH = "Your answer must be %(num)d character or fewer – it is %(length)d now"
MAX_LENGTH_PLURAL = "Your answer must be %(num)d characters or fewer – it is %(length)d now"
MIN_LENGTH = "Your answer must be at least %(num)d character"
MIN_LENGTH_PLURAL = "Your answer must be at least %(num)d characters"


@pytest.fixture
def ctx(module_app_no_csrf):
    """A request of the default locale; CSRF off so only the question is validated.
    Building and validating forms changes nothing, so one app serves the module."""
    with module_app_no_csrf.test_request_context("/"):
        assert str(get_locale()) == DEFAULT_LOCALE
        yield module_app_no_csrf


def zh(msgid, plural=None, num=None, **variables) -> str:
    """A message as the default locale says it (and it must be translated)."""
    return translate(current_app._get_current_object(), msgid, plural, num, **variables)


def q(type_, key="answer", **kwargs) -> Question:
    return Question(key=key, type=type_, label=LocalText("问题"), **kwargs)


RADIO = dict(options=(Option("normal", LocalText("正常退休")),
                      Option("flexible_late", LocalText("弹性延迟退休"))))
CHECKBOXES = dict(options=(Option("pension", LocalText("社会保险")),
                           Option("medical", LocalText("医疗保险")),
                           Option("housing_fund", LocalText("住房公积金"))))


def submit(question, formdata: dict, stored=None, has_stored_file=False):
    """Build the form from posted data and validate it: (valid?, form)."""
    data = MultiDict()
    for name, value in formdata.items():
        for item in (value if isinstance(value, list) else [value]):
            data.add(name, item)
    form = build_form(question, stored, data, has_stored_file=has_stored_file)
    return form.validate(), form


def date_parts(key, year, month, day) -> dict:
    return {f"{key}-year": year, f"{key}-month": month, f"{key}-day": day}


def upload(content: bytes, filename: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=filename,
                       content_type="application/octet-stream")


def assert_refused(question, formdata, message, **kwargs):
    valid, form = submit(question, formdata, **kwargs)
    assert not valid
    assert form.field.errors == [message]
    return form


# ---- text ----------------------------------------------------------------------------
def test_text_answer_is_stored_without_surrounding_spaces(ctx):
    question = q("text", validation={"max_length": 40})
    valid, form = submit(question, {"answer": "  海南省三亚市 "})
    assert valid
    assert answer_value(question, form.field) == "海南省三亚市"


def test_text_longer_than_max_length_is_refused_with_its_length_and_kept(ctx):
    question = q("text", validation={"max_length": 40})
    typed = "海" * 41
    form = assert_refused(question, {"answer": typed},
                          zh(MAX_LENGTH, MAX_LENGTH_PLURAL, 40, length=41))
    assert form.field.data == typed


def test_text_shorter_than_min_length_is_refused(ctx):
    question = q("text", validation={"min_length": 20, "max_length": 20})
    assert_refused(question, {"answer": "4301021954"},
                   zh(MIN_LENGTH, MIN_LENGTH_PLURAL, 20))


def test_text_without_max_length_allows_200_characters_and_no_more(ctx):
    question = q("text")
    assert submit(question, {"answer": "字" * 200})[0]
    assert_refused(question, {"answer": "字" * 201},
                   zh(MAX_LENGTH, MAX_LENGTH_PLURAL, 200, length=201))


def test_blank_required_text_asks_for_an_answer(ctx):
    assert_refused(q("text"), {"answer": "   "}, zh("Enter your answer"))


# ---- name ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["张建国", "买买提·艾力", "欧阳娜娜"],
                         ids=["han", "uyghur-with-middle-dot", "compound-surname"])
def test_name_is_accepted_and_stored(ctx, name):
    question = q("name")
    valid, form = submit(question, {"answer": f" {name} "})
    assert valid
    assert answer_value(question, form.field) == name


def test_name_with_digits_is_refused_and_kept(ctx):
    form = assert_refused(q("name"), {"answer": "张建国2"}, zh("A name cannot contain digits"))
    assert form.field.data == "张建国2"


def test_name_longer_than_50_characters_is_refused(ctx):
    assert_refused(q("name"), {"answer": "张" * 51},
                   zh("A name can be at most %(num)d character",
                      "A name can be at most %(num)d characters", 50))


def test_blank_name_asks_for_the_full_name(ctx):
    assert_refused(q("name"), {"answer": ""}, zh("Enter your full name"))


# ---- id_number -----------------------------------------------------------------------
@pytest.mark.parametrize("typed, stored", [
    ("110101196610129114", "110101196610129114"),
    ("110101 19661012 9114", "110101196610129114"),
    ("11010119810905957x", "11010119810905957X"),
    ("１１０１０１１９８１０９０５９５７Ｘ", "11010119810905957X"),
], ids=["plain", "spaces", "lower-case-x", "full-width"])
def test_id_number_is_stored_normalised(ctx, typed, stored):
    question = q("id_number")
    valid, form = submit(question, {"answer": typed})
    assert valid
    assert answer_value(question, form.field) == stored


@pytest.mark.parametrize("typed, message", [
    ("1101011966101291", "An ID number has 18 characters"),
    ("11010119661012911A", "An ID number has 17 digits followed by a digit or the letter X"),
    ("110101196613129114", "Digits 7 to 14 of an ID number are a date of birth – check them against your ID card"),
    ("110101196610129115", "This ID number is not valid – check each digit against your ID card"),
], ids=["too-short", "letter-inside", "impossible-birth-date", "wrong-check-digit"])
def test_wrong_id_number_gives_its_problem_and_is_kept(ctx, typed, message):
    form = assert_refused(q("id_number"), {"answer": typed}, zh(message))
    assert form.field.data == typed


def test_blank_id_number_asks_for_18_digits(ctx):
    assert_refused(q("id_number"), {"answer": ""}, zh("Enter your 18-digit ID number"))


# ---- mobile --------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["13800000001", "138 0000 0001", "+86 138-0000-0001",
                                   "１３８００００００01"],
                         ids=["plain", "spaces", "country-code-and-dashes", "full-width"])
def test_mobile_is_stored_as_11_digits(ctx, typed):
    question = q("mobile")
    valid, form = submit(question, {"answer": typed})
    assert valid
    assert answer_value(question, form.field) == "13800000001"


@pytest.mark.parametrize("typed, message", [
    ("1380000000", "A mobile number has 11 digits"),
    ("1380000000a", "A mobile number can only contain digits"),
    ("12800000001", "A mobile number starts with 13 to 19"),
], ids=["10-digits", "letter", "starts-with-12"])
def test_wrong_mobile_gives_its_problem_and_is_kept(ctx, typed, message):
    form = assert_refused(q("mobile"), {"answer": typed}, zh(message))
    assert form.field.data == typed


def test_blank_mobile_asks_for_the_number(ctx):
    assert_refused(q("mobile"), {"answer": ""}, zh("Enter your mobile number"))


# ---- bank_account ----------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["6200000000000000101", "6200 0000 0000 0000 101",
                                   "6200-0000-0000-0000-101"])
def test_bank_account_is_stored_as_digits(ctx, typed):
    question = q("bank_account")
    valid, form = submit(question, {"answer": typed})
    assert valid
    assert answer_value(question, form.field) == "6200000000000000101"


@pytest.mark.parametrize("typed, message", [
    ("12345678901", "An account number has 12 to 19 digits"),
    ("62000000000000001234", "An account number has 12 to 19 digits"),
    ("62000000000000O101", "An account number can only contain digits"),
], ids=["11-digits", "20-digits", "letter-O"])
def test_wrong_bank_account_gives_its_problem_and_is_kept(ctx, typed, message):
    form = assert_refused(q("bank_account"), {"answer": typed}, zh(message))
    assert form.field.data == typed


def test_blank_bank_account_asks_for_the_number(ctx):
    assert_refused(q("bank_account"), {"answer": ""}, zh("Enter the account number"))


# ---- date ----------------------------------------------------------------------------
def test_date_parts_are_stored_as_an_iso_date(ctx):
    question = q("date", validation={"date": "past"})
    valid, form = submit(question, date_parts("answer", "1960", "3", "21"))
    assert valid
    assert answer_value(question, form.field) == "1960-03-21"


def test_date_parts_accept_leading_zeros_and_spaces(ctx):
    question = q("date")
    valid, form = submit(question, date_parts("answer", " 1960", "03 ", "08"))
    assert valid
    assert answer_value(question, form.field) == "1960-03-08"


@pytest.mark.parametrize("parts, message", [
    (("", "3", "21"), "The date must include a year"),
    (("1960", "", "21"), "The date must include a month"),
    (("1960", "3", ""), "The date must include a day"),
    (("一九六〇", "3", "21"), "Enter the date in numbers, for example 1960 3 21"),
    (("60", "3", "21"), "The year must have 4 digits"),
    (("1961", "2", "30"), ("%(month)s has only %(days)d days", {"month": "2月", "days": 28})),
    (("1960", "2", "30"), ("%(month)s has only %(days)d days", {"month": "2月", "days": 29})),
    (("1960", "4", "31"), ("%(month)s has only %(days)d days", {"month": "4月", "days": 30})),
    (("1960", "13", "1"), "Enter a real date"),
    (("1960", "1", "32"), ("%(month)s has only %(days)d days", {"month": "1月", "days": 31})),
    (("1899", "12", "31"), "The year must be 1900 or later"),
], ids=["no-year", "no-month", "no-day", "chinese-numerals", "2-digit-year", "30-february",
        "30-february-leap-year", "31-april", "month-13", "32-january", "before-1900"])
def test_wrong_date_gives_its_problem_and_keeps_each_part(ctx, parts, message):
    message, values = message if isinstance(message, tuple) else (message, {})
    form = assert_refused(q("date"), date_parts("answer", *parts), zh(message, **values))
    assert form.field.data == dict(zip(("year", "month", "day"), parts))


def test_past_date_rule_refuses_today_and_later(ctx):
    question = q("date", validation={"date": "past"})
    today = date.today()
    assert_refused(question, date_parts("answer", str(today.year), str(today.month),
                                        str(today.day)), zh("The date must be in the past"))


def test_future_date_rule_refuses_today_and_earlier(ctx):
    question = q("date", validation={"date": "future"})
    today = date.today()
    assert_refused(question, date_parts("answer", str(today.year), str(today.month),
                                        str(today.day)), zh("The date must be in the future"))
    tomorrow = today + timedelta(days=1)
    assert submit(question, date_parts("answer", str(tomorrow.year), str(tomorrow.month),
                                       str(tomorrow.day)))[0]


def test_blank_date_asks_for_the_date(ctx):
    assert_refused(q("date"), date_parts("answer", "", "", ""), zh("Enter the date"))


def test_date_of_birth_younger_than_min_age_is_refused(ctx):
    question = q("date", validation={"date": "past", "min_age": 80})
    # 张建国 is 60: too young for the 80+ old-age allowance.
    assert_refused(question, date_parts("answer", "1966", "10", "12"),
                   zh("You must be at least %(num)d year old to apply",
                      "You must be at least %(num)d years old to apply", 80))


# ---- radio / yesno / checkboxes ------------------------------------------------------
def test_radio_stores_the_chosen_value(ctx):
    question = q("radio", **RADIO)
    valid, form = submit(question, {"answer": "flexible_late"})
    assert valid
    assert answer_value(question, form.field) == "flexible_late"


def test_radio_without_a_choice_asks_to_select_an_answer(ctx):
    assert_refused(q("radio", **RADIO), {}, zh("Select an answer"))


def test_radio_refuses_a_value_that_is_not_an_option(ctx):
    # The same message as no answer (not WTForms' own, which repeats the value).
    assert_refused(q("radio", **RADIO), {"answer": "retire_tomorrow"}, zh("Select an answer"))


@pytest.mark.parametrize("choice", ["yes", "no"])
def test_yesno_stores_yes_or_no(ctx, choice):
    question = q("yesno")
    valid, form = submit(question, {"answer": choice})
    assert valid
    assert answer_value(question, form.field) == choice


def test_yesno_without_a_choice_asks_for_yes_or_no(ctx):
    assert_refused(q("yesno"), {}, zh("Select yes or no"))


def test_yesno_refuses_anything_but_yes_or_no(ctx):
    assert not submit(q("yesno"), {"answer": "maybe"})[0]


def test_checkboxes_store_a_list_of_the_ticked_values(ctx):
    question = q("checkboxes", **CHECKBOXES)
    valid, form = submit(question, {"answer": ["pension", "housing_fund"]})
    assert valid
    assert answer_value(question, form.field) == ["pension", "housing_fund"]


def test_checkboxes_with_none_ticked_ask_for_one(ctx):
    assert_refused(q("checkboxes", **CHECKBOXES), {}, zh("Select at least one option"))


def test_checkboxes_below_min_choices_are_refused_and_kept(ctx):
    question = q("checkboxes", validation={"min_choices": 2}, **CHECKBOXES)
    form = assert_refused(question, {"answer": ["medical"]},
                          zh("Select at least %(num)d option",
                             "Select at least %(num)d options", 2))
    assert form.field.data == ["medical"]


def test_checkboxes_refuse_a_value_that_is_not_an_option(ctx):
    assert not submit(q("checkboxes", **CHECKBOXES), {"answer": ["pension", "lottery"]})[0]


# ---- address -------------------------------------------------------------------------
def test_address_is_stored_as_region_and_detail(ctx):
    question = q("address")
    valid, form = submit(question, {"answer-region": " 湖南省长沙市芙蓉区 ",
                                    "answer-detail": "示例路 18 号"})
    assert valid
    assert answer_value(question, form.field) == {"region": "湖南省长沙市芙蓉区",
                                                  "detail": "示例路 18 号"}


@pytest.mark.parametrize("region, detail, message", [
    ("", "示例路 18 号", "Enter the province, city and district"),
    ("湖南省长沙市芙蓉区", "", "Enter the street and house number"),
    ("湖" * 61, "示例路 18 号", "The address is too long"),
    ("湖南省长沙市芙蓉区", "路" * 121, "The address is too long"),
], ids=["no-region", "no-detail", "region-too-long", "detail-too-long"])
def test_incomplete_or_long_address_gives_its_problem_and_is_kept(ctx, region, detail, message):
    form = assert_refused(q("address"), {"answer-region": region, "answer-detail": detail},
                          zh(message))
    assert form.field.data == {"region": region, "detail": detail}


def test_blank_address_asks_for_the_address(ctx):
    assert_refused(q("address"), {"answer-region": "", "answer-detail": ""},
                   zh("Enter the address"))


# ---- textarea ------------------------------------------------------------------------
def test_textarea_up_to_max_length_is_stored(ctx):
    question = q("textarea", validation={"max_length": 300})
    valid, form = submit(question, {"answer": "情" * 300})
    assert valid
    assert answer_value(question, form.field) == "情" * 300


def test_textarea_over_max_length_says_how_long_it_is_and_keeps_it(ctx):
    question = q("textarea", validation={"max_length": 300})
    form = assert_refused(question, {"answer": "情" * 301},
                          zh(MAX_LENGTH, MAX_LENGTH_PLURAL, 300, length=301))
    assert form.field.data == "情" * 301


def test_textarea_without_max_length_allows_500_characters(ctx):
    question = q("textarea")
    assert submit(question, {"answer": "情" * 500})[0]
    assert_refused(question, {"answer": "情" * 501},
                   zh(MAX_LENGTH, MAX_LENGTH_PLURAL, 500, length=501))


# ---- file ----------------------------------------------------------------------------
FILE_RULES = {"file_types": ["pdf", "jpg", "png"], "max_mb": 1}


@pytest.mark.parametrize("content, filename", [
    (PNG_BYTES, "证明.png"), (PNG_BYTES, "PHOTO.PNG"), (PDF_BYTES, "证明.pdf"),
    (b"\xff\xd8\xff\xe0jpeg", "photo.jpeg"),
], ids=["png", "upper-case-PNG", "pdf", "jpeg"])
def test_file_of_an_allowed_type_is_accepted(ctx, content, filename):
    valid, _form = submit(q("file", validation=FILE_RULES),
                          {"answer": upload(content, filename)})
    assert valid


@pytest.mark.parametrize("filename", ["setup.exe", "photo.png.exe", "no-extension"])
def test_file_of_another_type_is_refused_naming_the_allowed_types(ctx, filename):
    assert_refused(q("file", validation=FILE_RULES), {"answer": upload(b"MZ\x90\x00", filename)},
                   zh("The file must be a %(types)s", types="PDF / JPG / PNG"))


def test_empty_file_is_refused(ctx):
    assert_refused(q("file", validation=FILE_RULES), {"answer": upload(b"", "empty.png")},
                   zh("The selected file is empty"))


def test_file_over_max_mb_is_refused(ctx):
    big = PNG_BYTES + b"\0" * (1024 * 1024)
    assert_refused(q("file", validation=FILE_RULES), {"answer": upload(big, "big.png")},
                   zh("The file is %(size)s MB, more than the %(mb)d MB allowed. Make it smaller: take the photo again at a lower quality, or scan it in black and white.", size="1.0", mb=1))


def test_no_file_asks_for_one(ctx):
    assert_refused(q("file", validation=FILE_RULES), {}, zh("Choose a file to upload"))


def test_no_new_file_is_fine_when_one_was_uploaded_before(ctx):
    valid, form = submit(q("file", validation=FILE_RULES), {}, has_stored_file=True)
    assert valid
    assert is_blank(form.field)


# ---- the component each type is shown by -----------------------------------------------
@pytest.mark.parametrize("type_, component, macro, attributes", [
    ("text", widgets.TextInput, "text_input", {}),
    ("name", widgets.TextInput, "text_input", {"autocomplete": "name", "spellcheck": "false"}),
    ("id_number", widgets.TextInput, "text_input",
     {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters", "dir": "ltr"}),
    ("mobile", widgets.TextInput, "text_input",
     {"autocomplete": "tel-national", "inputmode": "numeric", "dir": "ltr"}),
    ("bank_account", widgets.TextInput, "text_input",
     {"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false", "dir": "ltr"}),
    ("textarea", widgets.CharacterCount, "textarea", None),
    ("date", widgets.DateInput, "date_input", None),
    ("address", widgets.AddressInput, "address_input", None),
    ("radio", widgets.Choices, "choices", None),
    ("yesno", widgets.Choices, "choices", None),
    ("checkboxes", widgets.Choices, "choices", None),
    ("file", widgets.FileUpload, "file_upload", None),
])
def test_each_field_type_is_shown_by_its_component(ctx, type_, component, macro, attributes):
    question = q(type_, hint=LocalText("提示"), **(RADIO if type_ in ("radio", "checkboxes") else {}))
    field = build_form(question).field
    assert type(field.widget) is component and field.widget.macro == macro
    params = field.widget.params(field)
    assert (params["label"], params["hint"]) == ("问题", "提示")
    if attributes is not None:
        assert params["attributes"] == attributes


def test_a_textarea_counts_down_from_its_own_limit(ctx):
    field = build_form(q("textarea", validation={"max_length": 120})).field
    assert field.widget.params(field)["limit"] == 120


def test_the_components_follow_the_file_rules_the_checks_use(ctx):
    field = build_form(q("file", validation=FILE_RULES)).field
    params = field.widget.params(field)
    assert (params["types"], params["max_mb"]) == (("pdf", "jpg", "png"), 1)


def test_a_yes_no_question_offers_translated_yes_and_no(ctx):
    field = build_form(q("yesno")).field
    labels = [item["label"] for item in field.widget.params(field)["items"]]
    assert labels == [zh("Yes"), zh("No")]


def test_an_unknown_field_type_is_refused_by_name(ctx):
    with pytest.raises(ValueError, match="'signature'"):
        build_form(q("signature"))


# ---- fields a form declares itself --------------------------------------------------------
def test_a_rating_comment_is_checked_like_a_textarea_question(ctx):
    from app.applications.ratings import COMMENT_MAX, RatingForm
    form = RatingForm(formdata=MultiDict({"level": "5", "comment": "好" * (COMMENT_MAX + 1)}))
    assert not form.validate()
    assert form.comment.errors == [zh(MAX_LENGTH, MAX_LENGTH_PLURAL, COMMENT_MAX,
                                      length=COMMENT_MAX + 1)]
    assert form.level.errors == []


def test_a_rating_needs_a_level_and_refuses_one_that_is_not_offered(ctx):
    from app.applications.ratings import RatingForm
    for sent in ({}, {"level": "9"}):
        form = RatingForm(formdata=MultiDict(sent))
        assert not form.validate()
        assert form.level.errors == [zh("Select an answer")]


def test_a_declared_file_field_refuses_what_a_file_question_refuses(ctx):
    from app.forms.declared import file_field

    class Upload(FlaskForm):
        upload = file_field(LocalText("文件"), ("pdf",), 1, required=True)

    form = Upload(formdata=MultiDict({"upload": upload(PNG_BYTES, "photo.png")}))
    assert not form.validate()
    assert form.upload.errors == [zh("The file must be a %(types)s", types="PDF")]
    assert not Upload(formdata=MultiDict()).validate()


# ---- optional questions ----------------------------------------------------------------
@pytest.mark.parametrize("question, formdata", [
    (q("text", required=False), {"answer": ""}),
    (q("name", required=False), {"answer": "  "}),
    (q("id_number", required=False), {"answer": ""}),
    (q("mobile", required=False), {"answer": ""}),
    (q("bank_account", required=False), {"answer": ""}),
    (q("textarea", required=False, validation={"max_length": 300}), {"answer": ""}),
    (q("date", required=False), date_parts("answer", "", "", "")),
    (q("address", required=False), {"answer-region": "", "answer-detail": ""}),
    (q("radio", required=False, **RADIO), {}),
    (q("yesno", required=False), {}),
    (q("checkboxes", required=False, validation={"min_choices": 1}, **CHECKBOXES), {}),
    (q("file", required=False), {}),
], ids=lambda v: v.type if isinstance(v, Question) else "")
def test_optional_question_left_blank_passes(ctx, question, formdata):
    valid, form = submit(question, formdata)
    assert valid, form.field.errors
    assert is_blank(form.field)


def test_optional_checkboxes_left_blank_store_an_empty_list(ctx):
    question = q("checkboxes", required=False, **CHECKBOXES)
    valid, form = submit(question, {})
    assert valid
    assert answer_value(question, form.field) == []


# ---- a form shown again keeps the stored answer ---------------------------------------
def test_stored_date_is_shown_as_its_parts(ctx):
    form = build_form(q("date"), "1954-03-08")
    assert form.field.data == {"year": "1954", "month": "3", "day": "8"}


def test_stored_address_is_shown_as_its_parts(ctx):
    stored = {"region": "北京市东城区", "detail": "示例路 1 号"}
    assert build_form(q("address"), stored).field.data == stored


def test_stored_checkboxes_are_ticked_again(ctx):
    assert build_form(q("checkboxes", **CHECKBOXES), ["medical"]).field.data == ["medical"]


@pytest.mark.parametrize("kind", ["id_number", "mobile", "bank_account"])
def test_identifier_question_with_nothing_to_show_opens_empty(ctx, kind):
    form = build_form(q(kind), None)
    assert not form.field.data


# ---- prefill (WCAG 3.3.7: nothing the platform knows is asked again) -----------------
@pytest.fixture
def person(ctx):
    return lambda citizen: ctx.extensions["platform"].person(citizen.id)


@pytest.mark.parametrize("source, expected", [
    ("person.name", "张建国"),
    ("person.id_number", "110101196610129114"),
    ("person.mobile", "13800000001"),
    ("person.birth_date", "1966-10-12"),
    ("person.address", "北京市东城区东华门街道示例路 1 号"),
    ("licence.social_security_card.bank_account", "6200000000000000101"),
    ("licence.hukou.number", "110101900001"),
    ("licence.id_card.valid_until", "2030-06-18"),
], ids=lambda value: value if value.startswith(("person", "licence")) else "")
def test_prefill_reads_the_person_and_their_licences(person, source, expected):
    assert prefill_value(q("text", prefill=source), person(ZHANG)) == expected


def test_prefill_from_a_licence_of_that_person_only(person):
    source = "licence.disability_card.number"
    assert prefill_value(q("text", prefill=source), person(WANG)) == "43010219540308922442"
    assert prefill_value(q("text", prefill=source), person(ZHANG)) is None


@pytest.mark.parametrize("source", [None, "person.password_hash", "licence.hukou",
                                    "somewhere.else"])
def test_no_prefill_without_a_known_source(person, source):
    assert prefill_value(q("text", prefill=source), person(ZHANG)) is None


def test_no_prefill_without_a_person(ctx):
    assert prefill_value(q("text", prefill="person.name"), None) is None


def test_prefilled_birth_date_fills_the_three_parts(person):
    question = q("date", prefill="person.birth_date")
    form = build_form(question, prefill_value(question, person(WANG)))
    assert form.field.data == {"year": "1954", "month": "3", "day": "8"}


def test_prefilled_address_is_split_into_region_and_detail(person):
    question = q("address", prefill="person.address")
    form = build_form(question, prefill_value(question, person(WANG)))
    assert form.field.data == {"region": "湖南省长沙市芙蓉区",
                               "detail": "示例路 18 号示例小区 3 栋 102 室"}


def test_prefilled_bank_account_comes_from_the_social_security_card(person):
    question = q("bank_account", prefill="licence.social_security_card.bank_account")
    form = build_form(question, prefill_value(question, person(WANG)))
    assert form.field.data == "6200000000000000202"


def test_citizen_without_the_licence_gets_no_prefill(person):
    # 刘洋 has no social security card.
    question = q("bank_account", prefill="licence.social_security_card.bank_account")
    assert prefill_value(question, person(LIU)) is None


# ---- show_if -------------------------------------------------------------------------
CERTIFICATE = q("file", key="only_child_certificate",
                show_if={"field": "is_only_child_parent", "equals": "yes"})
NEW_MOBILE = q("mobile", key="new_mobile", show_if={"field": "what_to_change", "equals": "mobile"})


def test_question_without_show_if_is_always_shown():
    assert is_shown(q("text"), {})


@pytest.mark.parametrize("answers, shown", [
    ({"is_only_child_parent": "yes"}, True),
    ({"is_only_child_parent": "no"}, False),
    ({}, False),
])
def test_show_if_asks_only_when_the_earlier_answer_matches(answers, shown):
    assert is_shown(CERTIFICATE, answers) is shown


@pytest.mark.parametrize("ticked, shown", [
    (["mobile"], True), (["address", "mobile"], True), (["address"], False), ([], False),
])
def test_show_if_on_checkboxes_means_includes(ticked, shown):
    assert is_shown(NEW_MOBILE, {"what_to_change": ticked}) is shown


def test_active_questions_of_retirement_follow_the_chosen_matters(ctx):
    """The certificate belongs to the only-child reward alone: asked only when that
    matter is chosen, in its place in the journey."""
    from conftest import journey_of
    questions = journey_of(ctx, "retirement")
    chosen = [x.key for x in active_questions(questions, {"matters": ["only_child_reward"]})]
    not_chosen = [x.key for x in active_questions(questions, {"matters": ["housing_fund"]})]
    assert "only_child_certificate" in chosen
    assert "only_child_certificate" not in not_chosen
    assert [k for k in chosen if k != "only_child_certificate"] == not_chosen
    assert chosen.index("only_child_certificate") == chosen.index("retire_kind") + 1
