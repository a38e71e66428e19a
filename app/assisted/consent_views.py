"""The citizen's side of assisted mode: whom they authorised (granting and ending it)
and 谁查看或办理了我的信息, the log of everyone else who saw or changed their data."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..core.auth import citizen_required
from .consent import AuthorisationNotFound
from .visits import visits
from ..core.deps import consents, locale, platform
from ..messages.access import centre as message_centre
from ..forms.declared import checkboxes_field, duration_field, radio_field
from ..forms.widgets import TextInput

bp = Blueprint("consent", __name__, url_prefix="/my")

REMOTE_HOURS = ("4", "24", "168", "720")


class GrantForm(FlaskForm):
    helper = StringField(_l("Helper's code or mobile number"), widget=TextInput(),
                         description=_l("Ask your helper: the code looks like HB1001."),
                         validators=[InputRequired(_l("Enter the helper's code or mobile number"))])
    scope = radio_field(_l("Which services may they apply for?"),
                        [("all", _l("All services")), ("chosen", _l("Only the services I choose"))],
                        message=_l("Choose which services the helper may apply for"))
    # Its choices are the platform's services, set on the form in the request.
    services = checkboxes_field(_l("Services they may apply for"),
                                hint=_l("Only needed if you chose “Only the services I choose”."))
    hours = duration_field(REMOTE_HOURS, default="24")


def helpers_by_id(ids) -> dict:
    return {helper_id: platform().helper(helper_id) for helper_id in set(ids)}


@bp.get("/helpers")
@citizen_required
def authorisations():
    granted = consents().authorisations_of_citizen(g.user.id)
    return render_template("assisted/authorisations.html", authorisations=granted,
                           helpers=helpers_by_id(a.helper_id for a in granted),
                           services={s.code: s for s in platform().services(locale())})


def starting_form(services) -> GrantForm:
    """The form as first shown: what the back link of the confirm step carries, and,
    when the citizen came from a service, that service alone as the scope (never all
    services by default)."""
    code = request.args.get("service")
    scope = {"scope": "chosen", "services": [code]} if code in {s.code for s in services} else {}
    return GrantForm(formdata=request.args if "helper" in request.args else None, **scope)


def change_url(form) -> str:
    """Back from the confirm step to the form, everything typed kept."""
    return url_for("consent.grant", helper=form.helper.data, scope=form.scope.data,
                   services=form.services.data, hours=form.hours.data)


@bp.route("/helpers/new", methods=["GET", "POST"])
@citizen_required
def grant():
    """Two steps: the code typed, then who that is (name, organisation, kind) and
    what they may do, confirmed with a button. Nothing is granted before that."""
    services = platform().services(locale())
    form = GrantForm() if request.method == "POST" else starting_form(services)
    form.services.choices = [SelectChoice(s.code, s.name) for s in services]
    if form.validate_on_submit():
        helper = platform().find_helper(form.helper.data)
        chosen = [code for code in form.services.data if code in {s.code for s in services}]
        if helper is None:
            form.helper.errors.append(_("There is no helper with this code or mobile number. Check it with your helper."))
        elif form.scope.data == "chosen" and not chosen:
            form.services.errors.append(_("Choose at least one service, or choose “All services”."))
        elif request.form.get("confirm") != "1":
            return render_template("assisted/grant_confirm.html", form=form, helper=helper,
                                   chosen=[s for s in services if s.code in chosen],
                                   change_url=change_url(form))
        else:
            authorisation = consents().grant(
                g.user.id, helper.id, chosen if form.scope.data == "chosen" else None,
                int(form.hours.data), "remote")
            message_centre().consent_changed(g.user.id, True, authorisation)
            flash(_("%(name)s can now apply for you.", name=helper.name))
            return redirect(url_for("consent.authorisations"))
    return render_template("assisted/grant.html", form=form)


@bp.post("/helpers/<int:authorisation_id>/end")
@citizen_required
def end(authorisation_id):
    try:
        authorisation = consents().revoke(authorisation_id, g.user.id)
    except AuthorisationNotFound:
        abort(404)
    if authorisation.revoked_at is not None:
        message_centre().consent_changed(g.user.id, False, authorisation)
    flash(_("The authorisation has ended. The helper can no longer see or do anything for you."))
    return redirect(url_for("consent.authorisations"))


@bp.get("/access-log")
@citizen_required
def access_log():
    entries = consents().access_log_of(g.user.id, limit=500)
    return render_template("assisted/access_log.html", visits=visits(entries),
                           services={s.code: s for s in platform().services(locale())},
                           helpers=helpers_by_id(e.actor_id for e in entries
                                                 if e.actor_kind == "helper"))
