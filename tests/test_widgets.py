"""Each component's widget: a field (label, hint, errors, value) becomes the params of one
macro, and the HTML it renders wires the label, the hint and the error slot for a
screen reader. Any form renders through them, so no form needs a platform `Question`."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from app.account.sign_in import SignInForm
from app.core.templating import error_list
from app.forms import widgets
from app.forms.builder import WIDGETS, build_form
from app.platform import LocalText, Option, Question

from conftest import ROOT, inputs, seed_catalogue


@pytest.fixture
def ctx(module_app_no_csrf):
    with module_app_no_csrf.test_request_context("/"):
        yield module_app_no_csrf


def question(type_, key="answer", **kwargs) -> Question:
    return Question(key=key, type=type_, label=LocalText("问题"), **kwargs)


def sent(q: Question, formdata: dict):
    """The form for `q` after `formdata` was posted and checked."""
    form = build_form(q, formdata=MultiDict(formdata))
    form.validate()
    return form.field


def tag(html: str, name: str, id_: str) -> str:
    match = re.search(rf'<{name}\b[^>]*\bid="{id_}"[^>]*>', html, re.S)
    assert match, f"no <{name} id={id_}>"
    return match.group(0)


def attribute(html_tag: str, name: str) -> str | None:
    match = re.search(rf'\s{name}="([^"]*)"', html_tag)
    return match.group(1) if match else None


def error_slot(html: str, field_id: str) -> str:
    match = re.search(rf'<div class="error-slot" id="{field_id}-error" aria-live="polite">(.*?)</div>',
                      html, re.S)
    assert match, "the error slot is missing or not a polite live region"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


# ---- text input ------------------------------------------------------------------------
def test_text_input_params_carry_label_hint_errors_value_and_attributes(ctx):
    field = sent(question("mobile", key="mobile", hint=LocalText("11位")), {"mobile": "1234"})
    params = field.widget.params(field, heading=True, validate_url="/check")
    assert params["id"] == params["name"] == "mobile"
    assert params["label"] == "问题" and params["hint"] == "11位" and params["heading"]
    assert params["errors"] == list(field.errors) and params["errors"]
    assert params["value"] == "1234" and params["type"] == "text"  # numeric keypad by inputmode
    assert params["attributes"] == {"autocomplete": "tel-national", "inputmode": "numeric",
                                    "dir": "ltr"}
    assert params["validate_url"] == "/check"


def test_text_input_renders_a_labelled_described_input_with_its_error_beside_it(ctx):
    field = sent(question("mobile", key="mobile", hint=LocalText("11位")), {"mobile": "1234"})
    html = str(field(heading=True, validate_url="/check"))
    assert re.search(r'<h1 class="label-heading"><label class="label label--page" for="mobile">问题</label></h1>', html)
    assert '<div class="hint" id="mobile-hint">11位</div>' in html
    assert error_slot(html, "mobile").endswith(str(field.errors[0]))
    assert '<span class="visually-hidden">' in html  # "Error:" said before the message
    box = tag(html, "input", "mobile")
    assert attribute(box, "aria-describedby") == "mobile-hint mobile-error"
    assert attribute(box, "aria-invalid") == "true"
    assert (attribute(box, "autocomplete"), attribute(box, "inputmode"), attribute(box, "dir")) \
        == ("tel-national", "numeric", "ltr")
    assert 'data-hx-post="/check"' in tag(html, "div", "mobile-group")


def test_a_field_without_hint_or_error_is_described_by_its_empty_error_slot_only(ctx):
    field = build_form(question("text")).field
    html = str(field())
    assert 'id="answer-hint"' not in html
    assert attribute(tag(html, "input", "answer"), "aria-describedby") == "answer-error"
    assert "aria-invalid" not in tag(html, "input", "answer")
    assert error_slot(html, "answer") == ""
    assert "<h1" not in html  # a label, not the page's heading, unless asked


def test_password_is_never_written_back_into_the_page(ctx):
    form = SignInForm(formdata=MultiDict({"login": "13800000001", "password": "secret"}))
    html = str(form.password())
    assert "secret" not in html
    assert attribute(tag(html, "input", "password"), "type") == "password"
    assert attribute(tag(html, "input", "password"), "autocomplete") == "current-password"
    assert form.password.widget.params(form.password)["value"] is None


def test_sign_in_login_takes_its_hint_from_the_page_and_autocomplete_can_be_turned_off(ctx):
    form = SignInForm(formdata=MultiDict({"login": "", "password": ""}))
    form.validate()
    html = str(form.login(hint="用手机号", attributes={"autocomplete": "off"}))
    box = tag(html, "input", "login")
    assert '<div class="hint" id="login-hint">用手机号</div>' in html
    assert attribute(box, "aria-describedby") == "login-hint login-error"
    assert attribute(box, "autocomplete") == "off" and attribute(box, "dir") == "ltr"
    assert error_slot(html, "login").endswith(str(form.login.errors[0]))


# ---- textarea ----------------------------------------------------------------------------
def test_textarea_has_its_limit_and_is_described_by_its_count(ctx):
    field = build_form(question("textarea", validation={"max_length": 80})).field
    params = field.widget.params(field)
    assert params["limit"] == 80
    html = str(field())
    area = tag(html, "textarea", "answer")
    assert attribute(area, "data-character-limit") == "80"
    assert attribute(area, "aria-describedby") == "answer-error answer-count"
    assert 'id="answer-count"' in html


# ---- date and address ------------------------------------------------------------------------
def test_date_parts_are_labelled_inputs_and_a_birthday_is_filled_by_the_browser(ctx):
    field = sent(question("date", key="born", prefill="person.birth_date"),
                 {"born-year": "1966", "born-month": "13", "born-day": "1"})
    params = field.widget.params(field)
    assert [p["id"] for p in params["parts"]] == ["born-year", "born-month", "born-day"]
    assert [p["autocomplete"] for p in params["parts"]] == ["bday-year", "bday-month", "bday-day"]
    html = str(field())
    assert attribute(tag(html, "input", "born-month"), "value") == "13"
    assert attribute(tag(html, "input", "born-year"), "inputmode") == "numeric"
    assert re.search(r'<label class="label date-input__label" for="born-day">日</label>', html)
    assert re.search(r'<fieldset class="fieldset" role="group" aria-describedby="born-error">', html)
    assert error_slot(html, "born")
    assert widgets.first_input_id(field) == "born-year"


def test_a_date_that_is_not_a_birthday_gets_no_autocomplete(ctx):
    field = build_form(question("date")).field
    assert all(p["autocomplete"] is None for p in field.widget.params(field)["parts"])


def test_address_parts_say_what_goes_where(ctx):
    field = build_form(question("address", key="home")).field
    html = str(field())
    assert attribute(tag(html, "input", "home-region"), "autocomplete") == "address-level2"
    assert attribute(tag(html, "input", "home-detail"), "autocomplete") == "address-line1"
    assert widgets.first_input_id(field) == "home-region"


# ---- choices ----------------------------------------------------------------------------
def test_radios_number_their_options_from_one_and_describe_an_option_by_its_hint(ctx):
    q = question("radio", key="way", options=(Option("a", LocalText("甲"), LocalText("说明")),
                                              Option("b", LocalText("乙"))))
    field = build_form(q, stored_answer="b").field
    params = field.widget.params(field)
    assert [(i["id"], i["value"], i["checked"], i["hint"]) for i in params["items"]] == \
        [("way-1", "a", False, "说明"), ("way-2", "b", True, None)]
    assert params["validate_url"] is None  # nothing half-made to check inline
    html = str(field(validate_url="/check"))
    assert "hx-post" not in html
    assert attribute(tag(html, "input", "way-1"), "aria-describedby") == "way-1-hint"
    assert "aria-describedby" not in tag(html, "input", "way-2")
    assert "checked" in tag(html, "input", "way-2")
    assert widgets.first_input_id(field) == "way-1"


def test_checkboxes_say_select_all_that_apply_and_keep_every_choice(ctx):
    q = question("checkboxes", options=(Option("x", LocalText("一")), Option("y", LocalText("二"))))
    field = build_form(q, stored_answer=["x", "y"]).field
    html = str(field())
    assert [a["type"] for a in inputs(html)] == ["checkbox", "checkbox"]
    assert all("checked" in a for a in inputs(html))
    assert '<div class="checkboxes">' in html


# ---- file upload ------------------------------------------------------------------------
def test_file_upload_says_its_rules_and_the_file_already_kept(ctx):
    q = question("file", validation={"file_types": ["pdf", "jpg"], "max_mb": 3})
    field = build_form(q).field
    params = field.widget.params(field, stored_file={"filename": "户口本.pdf"})
    assert (params["accept"], params["max_mb"], params["stored_file"]) == (".pdf,.jpg,.jpeg", 3, "户口本.pdf")
    html = str(field(stored_file={"filename": "户口本.pdf"}))
    box = tag(html, "input", "answer")
    assert attribute(box, "accept") == ".pdf,.jpg,.jpeg"
    assert attribute(box, "aria-describedby") == "answer-error answer-rules answer-stored"
    assert "户口本.pdf" in html


# ---- licence fact -------------------------------------------------------------------------
def test_licence_fact_sends_the_answer_back_hidden_and_links_to_correct_it(ctx):
    field = build_form(question("date", key="born"), stored_answer="1966-10-12").field
    html = str(widgets.licence_fact(field, licence="身份证", lines=["1966年10月12日"],
                                    correct_url="/fix"))
    assert '<h1 class="label-heading">问题</h1>' in html
    assert '<a href="/fix">' in html and "1966年10月12日" in html
    hidden = [(a["name"], a["value"]) for a in inputs(html) if a.get("type") == "hidden"]
    assert hidden == [("born-year", "1966"), ("born-month", "10"), ("born-day", "12")]


def test_a_licence_fact_of_an_identifier_reads_as_a_number(ctx):
    field = build_form(question("id_number", key="id_number"), stored_answer="110101196610129114").field
    html = str(widgets.licence_fact(field, licence="身份证", lines=["110101196610129114"]))
    assert 'class="licence-fact__line number"' in html


# ---- any form -------------------------------------------------------------------------------
def test_error_summary_links_go_to_each_fields_first_input(ctx):
    class Two(FlaskForm):
        name = StringField("姓名", widget=widgets.TextInput())

    form = Two(formdata=MultiDict())
    form.name.errors = ["请填写"]
    assert error_list(form) == [("name", "请填写")]
    born = build_form(question("date", key="born"),
                      formdata=MultiDict({"born-year": "x", "born-month": "1", "born-day": "1"}))
    assert not born.validate()
    assert [target for target, _message in error_list(born)] == ["born-year"]


def test_every_field_type_of_the_seed_has_a_widget():
    types = {q["type"] for _code, questions in seed_catalogue() for q in questions}
    assert types <= set(WIDGETS), types - set(WIDGETS)


@pytest.mark.parametrize("lang", ["ug", "en"])
def test_a_chinese_label_on_another_language_page_is_marked(ctx, lang):
    field = build_form(Question(key="a", type="text", label=LocalText("姓名", "zh_Hans_CN"))).field
    with force_locale(lang):
        html = str(field())
    assert re.search(r'<label class="label" for="a" lang="zh-Hans-CN"( dir="ltr")?>姓名</label>', html)


def question_constructions(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Question"]


# The platform owns questions; app/forms turns them into fields. The only other maker is
# the bundle journey, whose "which matters" page is a real question of the journey.
QUESTION_MAKERS = {"app/platform", "app/forms", "app/apply/bundles.py"}


def test_no_form_builds_a_stand_in_question_to_reach_the_field_components():
    found = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if any(relative == allowed or relative.startswith(allowed + "/")
               for allowed in QUESTION_MAKERS):
            continue
        if lines := question_constructions(path):
            found[relative] = lines
    assert found == {}, f"Question(...) built outside the platform and the form builder: {found}"


def test_the_question_check_finds_a_stand_in_question(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("from app.platform import Question\n"
                      "q = Question(key='a', type='radio', label='?')\n")
    assert question_constructions(sample) == [2]
