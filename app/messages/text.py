"""What a message says, made when it is shown (in the reader's language) or texted
(in Chinese). A text carries no identifiers and masks names: the application number,
the service, the department and a date are all it needs; the details wait behind the
sign-in."""
from __future__ import annotations

import re
from dataclasses import dataclass
from flask import url_for
from flask_babel import force_locale, gettext as _

from ..core.deps import locale, platform
from ..forms.identifiers import mask_name
from ..forms.numbers import spaced_application_number
from ..core.templating import GENERAL_HOTLINE, helper_label, licence_name, long_date
from .model import ACTED_FOR, MessageRow

SMS_LOCALE = "zh_Hans_CN"
# A run of 10+ digits standing alone is an ID, mobile, card or account number: never
# texted, whatever a department wrote. (Application numbers are glued to "YB".)
PERSONAL_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{10,}[0-9Xx]?")


@dataclass(frozen=True)
class Described:
    title: str
    lines: tuple[str, ...] = ()
    link: str | None = None  # where to act on it
    link_text: str | None = None
    quote: str | None = None  # a department's own words (Chinese)


def service_name(code: str | None) -> str:
    service = platform().service(code, locale()) if code else None
    # The name keeps its language (LocalText): a line that is only the name gets its lang.
    return service.name if service else (code or "")


def describe(message: MessageRow, with_links: bool = True) -> Described:
    p = message.params or {}
    kind = message.kind
    number, department = p.get("number", ""), p.get("department") or ""
    service = service_name(p.get("service_code"))

    def detail_link(text):
        return (url_for("applications.detail", number=number) if with_links else None, text)

    if kind in ACTED_FOR and p.get("helper_id"):
        helper = helper_label(platform().helper(p["helper_id"]))
        title = (_("%(helper)s sent application %(number)s (%(service)s) for you", helper=helper,
                   number=spaced_application_number(number), service=service) if kind == "submitted" else
                 _("%(helper)s withdrew application %(number)s (%(service)s) for you",
                   helper=helper, number=spaced_application_number(number), service=service))
        return Described(title, (), *detail_link(_("See your application")))
    if kind == "submitted":
        return Described(_("Application %(number)s was sent", number=number),
                         (_("%(service)s. We will tell you about each step.", service=service),),
                         *detail_link(_("See your application")))
    if kind == "accepted":
        return Described(_("Application %(number)s was accepted", number=number),
                         (_("The service centre accepted your application for %(service)s. Each department now handles its part.", service=service),),
                         *detail_link(_("See your application")))
    if kind == "part_accepted":
        return Described(_("%(department)s accepted its part of application %(number)s",
                           department=department, number=number), (service,),
                         *detail_link(_("See your application")))
    if kind == "department":
        return Described(_("%(department)s finished its part of application %(number)s",
                           department=department, number=number), (service,),
                         *detail_link(_("See your application")))
    if kind == "part_rejected":
        return Described(_("%(department)s did not approve its part of application %(number)s",
                           department=department, number=number), (service,),
                         *detail_link(_("See why")), quote=p.get("note"))
    if kind == "supplement_requested":
        lines = [service]
        if p.get("deadline"):
            lines.append(_("Please answer by %(date)s.", date=long_date(p["deadline"])))
        link = (url_for("applications.supplement", number=number,
                        supplement_id=p["supplement_id"])
                if with_links and p.get("supplement_id") else None)
        return Described(_("%(department)s needs more from you for application %(number)s",
                           department=department, number=number), tuple(lines), link,
                         _("Answer the request"), quote=p.get("note"))
    if kind == "reminder_supplement":
        link = (url_for("applications.supplement", number=number,
                        supplement_id=p["supplement_id"])
                if with_links and p.get("supplement_id") else None)
        return Described(_("Reminder: %(department)s is waiting for your answer",
                           department=department),
                         (_("Application %(number)s. Please answer by %(date)s.", number=number,
                            date=long_date(p["deadline"])),), link, _("Answer the request"))
    if kind == "done":
        link = url_for("applications.rating", number=number) if with_links else None
        return Described(_("Application %(number)s is finished", number=number),
                         (_("%(service)s is done. Tell us how it went.", service=service),),
                         link, _("Rate how it was handled"))
    if kind == "rejected":
        return Described(_("Application %(number)s was not approved", number=number),
                         (service,), *detail_link(_("See why")), quote=p.get("note"))
    if kind == "withdrawn":
        return Described(_("Application %(number)s was withdrawn", number=number), (service,),
                         *detail_link(_("See your application")))
    if kind in ("consent_granted", "consent_ended"):
        # Named in full with their organisation, in the text too: the citizen must
        # recognise whom they let in (or see that it was not them).
        who = helper_label(platform().helper(p.get("helper_id", "")))
        link = url_for("consent.authorisations") if with_links else None
        if kind == "consent_granted":
            return Described(_("%(helper)s can now apply for you", helper=who),
                             (_("Until %(date)s. You can end it at any time.",
                                date=long_date(p["until"])),) if p.get("until") else (),
                             link, _("Who can apply for me"))
        return Described(_("%(helper)s can no longer apply for you", helper=who), (), link,
                         _("Who can apply for me"))
    if kind == "reminder_renewal":
        link = (url_for("catalogue.service", code=p["service_code"])
                if with_links and p.get("service_code") else None)
        return Described(_("Your %(licence)s expires on %(date)s. You can renew it now.",
                           licence=licence_name(p.get("licence", "")),
                           date=long_date(p["until"])), (), link, _("Renew it now"))
    return Described(kind)


def done_for_the_citizen(message: MessageRow) -> bool:
    """Something someone else did in the citizen's name: they must be able to say no."""
    return message.kind == "consent_granted" or bool((message.params or {}).get("helper_id")) \
        and message.kind in ACTED_FOR


def sms_text(message: MessageRow, name: str) -> str:
    """The text message: who it is for (name masked), what happened, where to look,
    and, when someone else acted in their name, whom to call if it was not them."""
    with force_locale(SMS_LOCALE):
        described = describe(message, with_links=False)
        text = _("[Yiban] %(name)s: %(title)s. Sign in to Yiban to see more.",
                 name=mask_name(name), title=described.title)
        if done_for_the_citizen(message):
            text += " " + _("Not you? Call %(hotline)s at once.", hotline=GENERAL_HOTLINE)
    return PERSONAL_NUMBER.sub("****", text)

