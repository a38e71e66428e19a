"""The helper's side of assisted mode (帮办): sign in, the worklist of citizens who
authorised them, acting for one of them, and consent given in person on this device."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..core.auth import act_for, helper_required, safe_next, sign_in_helper
from .consent import authorisation_ref
from ..core.deps import consents, locale, platform, store
from ..messages.access import centre as message_centre
from ..account.sign_in import attempt_sign_in
from .forms import HelperSignInForm, InPersonConsentForm

bp = Blueprint("assisted", __name__, url_prefix="/helper")

OPEN_STATUSES = ("submitted", "accepted", "in_progress")
@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = HelperSignInForm()
    next_path = safe_next(request.values.get("next"), url_for("assisted.worklist"))
    if form.validate_on_submit():
        helper = attempt_sign_in(
            form, platform().authenticate_helper, find_helper_id,
            _("The helper code, mobile number or password is not right. Check them and try again."))
        if helper is not None:
            sign_in_helper(helper.id)
            return redirect(next_path)
    return render_template("account/sign_in.html", form=form, next_path=next_path,
                           action=url_for("assisted.sign_in"), heading=_("Sign in as a helper"),
                           login_hint=_("Your helper code, for example HB1001, or your mobile number"))


@bp.get("/")
@helper_required
def worklist():
    """Citizens who authorised this helper, with what is in progress for each."""
    services = {s.code: s for s in platform().services(locale())}
    citizens = []
    for authorisation in consents().authorisations_for_helper(g.helper.id):
        citizen = platform().person(authorisation.citizen_id)
        if citizen is None:
            continue
        drafts = [d for d in store().open_drafts(citizen.id) if authorisation.covers(d.service_code)]
        waiting = [a for a in platform().applications_of(citizen.id)
                   if authorisation.covers(a.service_code) and a.status in OPEN_STATUSES]
        # The worklist shows what is in progress for the citizen: that is a view too.
        consents().record_access(citizen.id, g.helper.id, "helper", "view_applications",
                                 authorisation_ref(authorisation.id))
        citizens.append({"authorisation": authorisation, "citizen": citizen,
                         "drafts": drafts, "waiting": waiting})
    return render_template("assisted/worklist.html", citizens=citizens, services=services,
                           expiring=consents().expiring_soon(g.helper.id))


@bp.post("/act/<int:authorisation_id>")
@helper_required
def act(authorisation_id):
    authorisation = next((a for a in consents().authorisations_for_helper(g.helper.id)
                          if a.id == authorisation_id), None)
    if authorisation is None:
        flash(_("That authorisation has ended. You can no longer act for this citizen."))
        return redirect(url_for("assisted.worklist"))
    act_for(authorisation.citizen_id)
    consents().record_access(authorisation.citizen_id, g.helper.id, "helper", "view_profile",
                             authorisation_ref(authorisation.id))
    return redirect(url_for("applications.index"))


@bp.post("/leave")
@helper_required
def leave():
    act_for(None)
    return redirect(url_for("assisted.worklist"))


def find_helper_id(login: str) -> str | None:
    helper = platform().find_helper(login)
    return f"helper:{helper.id}" if helper else None


@bp.route("/in-person", methods=["GET", "POST"])
@helper_required
def in_person():
    """The citizen, beside the helper, confirms with their own sign-in details."""
    form = InPersonConsentForm()
    if form.validate_on_submit():
        citizen = attempt_sign_in(
            form, platform().authenticate, platform().find_person_id,
            _("The mobile number, ID number or password is not right. Check them and try again."))
        if citizen is not None:
            authorisation = consents().grant(citizen.id, g.helper.id, None,
                                             int(form.hours.data), "in_person")
            message_centre().consent_changed(citizen.id, True, authorisation)
            act_for(citizen.id)
            consents().record_access(citizen.id, g.helper.id, "helper", "view_profile",
                                     authorisation_ref(authorisation.id))
            flash(_("Thank you. The citizen's consent is on record."))
            return redirect(url_for("applications.index"))
    return render_template("assisted/in_person.html", form=form)
