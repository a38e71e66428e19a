"""What every template can use: language tags, formatting, status wording."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import g
from flask_babel import format_date, format_datetime, gettext, lazy_gettext as _l
from babel.dates import format_skeleton
from markupsafe import Markup

from .auth import WARN_BEFORE_SECONDS, seconds_left
from .deps import locale, platform
from .display import current_display
from .forms import identifiers
from .forms.builder import options_for
from .i18n import html_lang
from .platform import LocalText

LANGUAGES = [  # (locale, name in its own language, lang tag)
    ("zh_Hans_CN", "简体中文"),
    ("en", "English"),
]

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "rejected": _l("Not approved"),
    "withdrawn": _l("Withdrawn"),
}


HELPER_KINDS = {
    "community_worker": _l("community grid worker"),
    "counter_clerk": _l("service counter helper"),
    "volunteer": _l("volunteer"),
    "family": _l("family member"),
}

ACCESS_ACTIONS = {
    "view_profile": _l("Started helping you"),
    "view_applications": _l("Looked at your applications in progress"),
    "view_application": _l("Looked at an application"),
    "view_draft": _l("Looked at an unfinished application"),
    "start_draft": _l("Started or continued an application"),
    "save_answer": _l("Answered a question of an application"),
    "submit": _l("Sent an application for you"),
    "withdraw": _l("Withdrew an application"),
    "supplement": _l("Sent more material"),
    "grant": _l("You authorised a helper"),
    "revoke": _l("You ended an authorisation"),
}


LICENCE_NAMES = {
    "disability_card": _l("disability card"),
    "social_security_card": _l("social security card"),
    "id_card": _l("ID card"),
}


def helper_label(helper) -> str:
    """"周建华 (community grid worker, 示例社区)": who a helper is, in one phrase."""
    if helper is None:
        return gettext("a helper who is no longer registered")
    kind = HELPER_KINDS.get(helper.kind, helper.kind)
    if helper.organisation:
        return gettext("%(name)s (%(kind)s, %(organisation)s)", name=helper.name, kind=kind,
                       organisation=helper.organisation)
    return gettext("%(name)s (%(kind)s)", name=helper.name, kind=kind)


def error_target(field, question=None) -> str:
    """The id of the first input of a field, where an error-summary link goes."""
    kind = question.type if question else None
    if kind == "date":
        return field.part_id("year")
    if kind == "address":
        return field.part_id("region")
    if kind in ("radio", "yesno", "checkboxes"):
        return f"{field.id}-1"
    return field.id


def error_list(form) -> list[tuple[str, str]]:
    """(target id, message) for the error summary, in the order of the fields."""
    question = getattr(form, "question", None)
    questions = getattr(form, "questions", {})  # forms that ask several questions
    return [(error_target(field, questions.get(field.name, question)), message)
            for field in form if field.errors and field.name != "csrf_token"
            for message in field.errors]


def lang_mark(text) -> Markup:
    """` lang="…"` when platform content is in another language than the page."""
    text_lang = getattr(text, "lang", None)
    if text_lang and text_lang != locale():
        return Markup(' lang="%s"') % html_lang(text_lang)
    return Markup("")


def local_datetime(value: datetime) -> str:
    return format_datetime(value.replace(tzinfo=UTC), "medium")


def long_date(value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "long")


def month_year(value: date) -> str:
    """"2027年4月" / "April 2027": a month as the locale writes it."""
    return format_skeleton("yMMMM", value, locale=locale())


def init_app(app):
    app.jinja_env.filters.update(
        month_year=month_year,
        as_chinese=lambda text: LocalText(text, "zh_Hans_CN"),
        long_date=long_date,
        local_datetime=local_datetime,
        mask_id=identifiers.mask_id_number,
        mask_mobile=identifiers.mask_mobile,
        mask_account=identifiers.mask_bank_account,
        mask_name=identifiers.mask_name,
    )
    app.jinja_env.globals.update(lang_mark=lang_mark, options_for=options_for,
                                 error_list=error_list,
                                 status_label=lambda s: STATUS_LABELS[s],
                                 helper_label=helper_label, licence_name=LICENCE_NAMES.get,
                                 access_action=ACCESS_ACTIONS.get,
                                 helper_of=lambda helper_id: platform().helper(helper_id))

    @app.context_processor
    def page_context():
        current = locale()
        return {
            "page_lang": html_lang(current),
            "page_dir": "ltr",
            "languages": [(code, name, html_lang(code), code == current)
                          for code, name in LANGUAGES],
            "current_user": g.get("user"),
            "current_helper": g.get("helper"),
            "acting": g.get("acting"),
            "display": current_display(),
            # For the time-out warning (base.html, yiban.js); None when signed out.
            "session_expires_in": seconds_left(),
            "session_warn_before": WARN_BEFORE_SECONDS,
        }
