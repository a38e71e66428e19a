"""What every template can use: language tags, formatting, status wording."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, g
from flask_babel import (format_date, format_datetime, format_time, get_locale,
                         get_translations, gettext, lazy_gettext as _l)
from babel.dates import format_skeleton
from babel.lists import format_list
from jinja2 import pass_context
from markupsafe import Markup, escape

from .auth import WARN_BEFORE_SECONDS, seconds_left
from . import fragments, urls
from .deps import locale
from ..display.preferences import current_display
from ..forms import identifiers, numbers
from ..forms.widgets import first_input_id, licence_fact
from .i18n import LANGUAGES, html_lang, text_direction
from ..platform import LocalText

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "rejected": _l("Not approved"),
    "withdrawn": _l("Withdrawn"),
    # Still in the front's outbox (app/outbox): not yet at the platform, or refused by it.
    "sending": _l("Sending"),
    "not_sent": _l("Not sent"),
    # A department's part of an application: in review, or waiting for the
    # citizen to send more (补正).
    "in_review": _l("In review"),
    "supplement": _l("Waiting for you"),
    # Shown, not kept: an open application one of whose parts was refused.
    "partly_rejected": _l("Partly not approved"),
}
STILL_OPEN = ("submitted", "accepted", "in_progress")


def shown_status(application) -> str:
    """The status at the top of an application: never "in progress" alone while a
    department has refused its part (the citizen has something to do)."""
    if application.status in STILL_OPEN and any(
            part.status == "rejected" for part in getattr(application, "parts", ())):
        return "partly_rejected"
    return application.status


# 好差评, the national five-level scale: 非常满意 满意 基本满意 不满意 非常不满意.
RATING_LABELS = {
    5: _l("Very satisfied"),
    4: _l("Satisfied"),
    3: _l("Fairly satisfied"),
    2: _l("Dissatisfied"),
    1: _l("Very dissatisfied"),
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
    "view_messages": _l("Looked at your messages"),
    "rate": _l("Rated an application for you"),
    "view_suggestions": _l("Looked at the services suggested for you"),
    "text_number": _l("Sent an application number to your mobile phone"),
    "view_page": _l("Looked at a page with your information"),
}


LICENCE_NAMES = {
    "disability_card": _l("disability card"),
    "social_security_card": _l("social security card"),
    "id_card": _l("ID card"),
    "hukou": _l("household register"),
    "marriage_certificate": _l("marriage certificate"),
    "residence_permit": _l("residence permit"),
    "birth_medical_certificate": _l("birth medical certificate"),
}


def licence_name(licence_type: str) -> str:
    """"social security card": a licence type in words (its code if unknown)."""
    return str(LICENCE_NAMES.get(licence_type, licence_type))


def isolate(text) -> str:
    """Names and masks (王**, 周建华, 示例社区) inside right-to-left text: wrapped in
    Unicode first-strong isolates, so "王**" is not shown as "**王" and brackets around
    them stay in place. Plain text (it also goes into titles and attributes); on a
    left-to-right page it is returned as it is."""
    if text is None or text_direction(locale()) != "rtl":
        return text
    return f"\u2068{text}\u2069"


def helper_label(helper) -> str:
    """"周建华 (community grid worker, 示例社区)": who a helper is, in one phrase."""
    if helper is None:
        return gettext("a helper who is no longer registered")
    kind = HELPER_KINDS.get(helper.kind, helper.kind)
    if helper.organisation:
        return gettext("%(name)s (%(kind)s, %(organisation)s)", name=isolate(helper.name),
                       kind=kind, organisation=isolate(helper.organisation))
    return gettext("%(name)s (%(kind)s)", name=isolate(helper.name), kind=kind)


def error_list(form) -> list[tuple[str, str]]:
    """(target id, message) for the error summary, in the order of the fields: each
    link goes to the field's first input (its widget knows which)."""
    return [(first_input_id(field), message)
            for field in form if field.errors and field.name != "csrf_token"
            for message in field.errors]


@pass_context
def lang_mark(context, text) -> Markup:
    """` lang="…"` when platform content is in another language than the page, and
    ` dir="…"` too when that language runs the other way (Chinese on a Uyghur page),
    so its punctuation and numbers stay in place. The page's locale comes from the
    template's context where it has one (a page asks for each piece of content)."""
    text_lang = getattr(text, "lang", None)
    page = context.get("page_locale") or locale()
    if not text_lang or text_lang == page:
        return Markup("")
    mark = Markup(' lang="%s"') % html_lang(text_lang)
    direction = text_direction(text_lang)
    if direction != text_direction(page):
        mark += Markup(' dir="%s"') % direction
    return mark


def join_list(items) -> Markup:
    """Items (already HTML-safe or escaped here) joined as the locale writes a list:
    "A、B和C", "A, B, and C"."""
    items = [escape(item) for item in items]
    if not items:
        return Markup("")
    # Every item is escaped above; the separators are Babel's locale data.
    return Markup(format_list(items, locale=locale()))  # nosec B704


def ltr(value) -> Markup:
    """A number that reads left to right even inside right-to-left text (ID, mobile
    and application numbers): isolated, so the text around cannot reorder it."""
    return Markup('<bdi class="number" dir="ltr">%s</bdi>') % value


def acting_for_label(person) -> str:
    """Whom a helper acts for: the full name and the last four digits of the ID."""
    return gettext("You are applying for %(citizen)s (ID ending in %(digits)s)",
                   citizen=isolate(person.name),
                   digits=identifiers.normalize_id_number(person.id_number or "")[-4:])


# 12345, the government service hotline (政务服务便民热线): answers for every department.
GENERAL_HOTLINE = "12345"


def phone_link(number: str) -> Markup:
    """A phone number a phone can call with one tap."""
    return Markup('<a class="number" dir="ltr" href="tel:%s">%s</a>') % (number, number)


def actions_done(counts: list[tuple[str, int]]) -> Markup:
    """What one visit in the access log did, as a list: "Looked at … (5 times) and …"."""
    return join_list(
        gettext("%(what)s (%(count)s times)", what=ACCESS_ACTIONS.get(action, action), count=n)
        if n > 1 else ACCESS_ACTIONS.get(action, action) for action, n in counts)


def local_datetime(value: datetime) -> str:
    return format_datetime(value.replace(tzinfo=UTC), "medium")


def local_time(value: datetime) -> str:
    return format_time(value.replace(tzinfo=UTC), "medium")


def long_date(value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "long")


def month_year(value: date) -> str:
    """"2027年4月" / "April 2027": a month as the locale writes it."""
    return format_skeleton("yMMMM", value, locale=locale())


def translations():
    """This request's catalogue, looked up once per request (and again whenever the
    locale changes, as under force_locale) rather than through Flask-Babel's domain and
    locale lookups for each of the ~30 strings a page still translates."""
    held = g.get("_translations")
    # Flask-Babel keeps the request's locale on g._flask_babel once it has been asked
    # (force_locale puts another there): read so, not through get_locale's lookups.
    current = getattr(g.get("_flask_babel"), "babel_locale", None)
    if held is None or current is None or held[0] is not current:
        current = get_locale()
        held = g._translations = (current, get_translations())
    return held[1]


def init_app(app):
    fragments.init_app(app)
    urls.init_app(app)
    # The callables Flask-Babel installed, with the catalogue found once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.filters.update(
        month_year=month_year,
        join_list=join_list,
        ltr=ltr,
        as_chinese=lambda text: LocalText(text, "zh_Hans_CN"),
        long_date=long_date,
        local_datetime=local_datetime,
        local_time=local_time,
        mask_id=identifiers.mask_id_number,
        masked_number=lambda value, kind="id_number": numbers.masked(kind, value),
        grouped_number=lambda value, kind="id_number": numbers.grouped(kind, value),
        mask_mobile=identifiers.mask_mobile,
        mask_account=identifiers.mask_bank_account,
        mask_name=lambda name: isolate(identifiers.mask_name(name)),
        isolate=isolate,
    )
    app.jinja_env.globals.update(GENERAL_HOTLINE=GENERAL_HOTLINE, phone_link=phone_link,
                                 acting_for_label=acting_for_label)
    app.jinja_env.globals.update(lang_mark=lang_mark, licence_fact=licence_fact,
                                 error_list=error_list,
                                 status_label=lambda s: STATUS_LABELS[s],
                                 shown_status=shown_status,
                                 helper_label=helper_label, licence_name=licence_name,
                                 helper_kind=lambda kind: HELPER_KINDS.get(kind, kind),
                                 rating_label=lambda level: RATING_LABELS[level],
                                 access_action=ACCESS_ACTIONS.get, actions_done=actions_done)

    @app.context_processor
    def page_context():
        current = locale()
        return {
            "page_locale": current,
            "page_lang": html_lang(current),
            "page_dir": text_direction(current),
            "languages": [(code, name, html_lang(code), code == current)
                          for code, name in LANGUAGES
                          if code in current_app.config["LOCALES"]],
            "current_user": g.get("user"),
            "current_helper": g.get("helper"),
            "acting": g.get("acting"),
            "offline_blank": g.get("offline_blank", False),
            "display": current_display(),
            # For the time-out warning (base.html, yiban.js); None when signed out.
            "session_expires_in": seconds_left(),
            "session_warn_before": WARN_BEFORE_SECONDS,
        }
