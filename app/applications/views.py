"""我的办件: drafts in progress, submitted applications, their timeline and withdrawal."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..apply.answers import display_answer
from ..assisted.acting import acting_helper_id, covers
from ..core.auth import login_required
from ..apply.bundles import journey
from ..core.deps import locale, outbox, platform, store
from ..messages.texting import text_application_number
from ..platform import WithdrawRefused
from .blueprint import bp, helpers_of, own_application

@bp.get("/")
@login_required
def index():
    services = {s.code: s for s in platform().services(locale())}
    return render_template("applications/index.html",
                           drafts=[d for d in store().open_drafts(g.user.id)
                                   if covers(d.service_code)],
                           applications=[a for a in platform().applications_of(g.user.id)
                                         if covers(a.service_code)],
                           sending=[e for e in outbox().unfinished(g.user.id)
                                    if covers(e.service_code)],
                           services=services)


@bp.get("/applications/<number>/confirmation")
@login_required
def confirmation(number):
    application, service = own_application(number)
    return render_template("applications/confirmation.html", application=application,
                           service=service, helpers=helpers_of(application))


@bp.post("/applications/<number>/text-number")
@login_required
def text_number(number):
    """Send the application number to the citizen's own mobile (the message sender)."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    application, service = own_application(number)
    if not text_application_number(application, service):
        flash(_("We could not send the text. Please write the number down."))
    else:
        flash(_("We sent the application number to your mobile phone."))
    return redirect(url_for("applications.confirmation", number=number))


@bp.get("/applications/<number>")
@login_required
def detail(number):
    application, service = own_application(number)
    questions = journey(service, platform().form_schema(application.service_code, locale()))
    answers = [(q, display_answer(q, application.answers.get(q.key), masked=True), None)
               for q in questions if q.key in application.answers]
    return render_template("applications/detail.html", application=application,
                           service=service, answers=answers,
                           can_withdraw=application.can_withdraw,
                           helpers=helpers_of(application))


@bp.route("/applications/<number>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(number):
    """Ask once more, then withdraw (MIIT: undo within 10 minutes)."""
    application, service = own_application(number)
    form = FlaskForm()
    refused = not application.can_withdraw
    if form.validate_on_submit() and not refused:
        try:
            platform().withdraw(number, g.user.id, acted_by=acting_helper_id())
        except WithdrawRefused:
            refused = True
        else:
            return redirect(url_for("applications.detail", number=number, withdrawn=1))
    return render_template("applications/withdraw.html", application=application,
                           service=service, form=form, refused=refused)


@bp.get("/submissions/<int:entry_id>")
@login_required
def submission(entry_id):
    """A submission the front has stored: "saved, being sent", "sent" with its number,
    or "could not be sent". A plain page with a link to look again: it never
    refreshes or moves focus by itself."""
    entry = outbox().get(entry_id)
    if entry is None or entry.owner_id != g.user.id:
        abort(404)
    if not covers(entry.service_code):
        abort(403)
    service = platform().service(entry.service_code, locale())
    return render_template("applications/submission.html", entry=entry,
                           service_name=service.name if service else entry.service_code)

