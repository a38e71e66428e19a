"""好差评: when an application is finished, its owner rates how it was handled on the
national five-level scale, with an optional comment; one rating per application,
which can be changed for a while (the platform says how long). Routes of the
applications blueprint (我的办件)."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ..assisted.acting import acting_helper_id
from ..core.auth import login_required
from ..core.deps import platform
from ..forms.declared import radio_field, textarea_field
from ..platform import RATING_LEVELS, RatingRefused
from ..core.templating import RATING_LABELS
from .blueprint import bp, own_application

COMMENT_MAX = 500


class RatingForm(FlaskForm):
    level = radio_field(
        _l("How satisfied are you with how your application was handled?"),
        [(str(level), RATING_LABELS[level]) for level in RATING_LEVELS],
        hint=_l("Your rating goes to the departments and helps them do better. It does not change the result of your application."))
    comment = textarea_field(
        _l("Tell us why (optional)"), COMMENT_MAX,
        hint=_l("What went well, or what should be better. Do not write ID or bank card numbers here."))


def rating_form(data: dict | None = None) -> RatingForm:
    return RatingForm(formdata=request.form if request.method == "POST" else None,
                      data=data or {})


@bp.route("/applications/<number>/rating", methods=["GET", "POST"])
@login_required
def rating(number):
    application, service = own_application(number)
    if not application.can_rate:
        # Not finished yet, or the rating can no longer be changed: the detail says so.
        return redirect(url_for("applications.detail", number=number))
    current = application.rating
    form = rating_form({"level": str(current.level), "comment": current.comment}
                       if current else None)
    if request.method == "POST" and form.validate():
        try:
            platform().rate(number, g.user.id, int(form.level.data),
                            (form.comment.data or "").strip(), acted_by=acting_helper_id())
        except RatingRefused:
            return redirect(url_for("applications.detail", number=number))
        return redirect(url_for("applications.detail", number=number, rated=1))
    return render_template("applications/rating.html", application=application,
                           service=service, form=form, changing=bool(current))

