"""好差评: when an application is finished, its owner rates how it was handled on the
national five-level scale, with an optional comment; one rating per application,
which can be changed for a while (the platform says how long). Routes of the
applications blueprint (我的办件)."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..assisted.acting import acting_helper_id
from ..core.auth import login_required
from ..core.deps import platform
from ..forms.builder import build_field
from ..platform import RATING_LEVELS, Option, Question, RatingRefused
from ..core.templating import RATING_LABELS
from .blueprint import bp, own_application

COMMENT_MAX = 500


def rating_questions() -> dict[str, Question]:
    return {
        "level": Question(
            key="level", type="radio", label=_("How satisfied are you with how your application was handled?"),
            hint=_("Your rating goes to the departments and helps them do better. It does not change the result of your application."),
            options=tuple(Option(str(level), str(RATING_LABELS[level])) for level in RATING_LEVELS)),
        "comment": Question(
            key="comment", type="textarea", required=False, validation={"max_length": COMMENT_MAX},
            label=_("Tell us why (optional)"),
            hint=_("What went well, or what should be better. Do not write ID or bank card numbers here.")),
    }


def rating_form(questions: dict[str, Question], data: dict | None = None) -> FlaskForm:
    cls = type("RatingForm", (FlaskForm,),
               {key: build_field(q) for key, q in questions.items()})
    form = cls(formdata=request.form if request.method == "POST" else None, data=data or {})
    form.questions = questions
    return form


@bp.route("/applications/<number>/rating", methods=["GET", "POST"])
@login_required
def rating(number):
    application, service = own_application(number)
    if not application.can_rate:
        # Not finished yet, or the rating can no longer be changed: the detail says so.
        return redirect(url_for("applications.detail", number=number))
    questions = rating_questions()
    current = application.rating
    form = rating_form(questions, {"level": str(current.level), "comment": current.comment}
                       if current else None)
    if request.method == "POST" and form.validate():
        try:
            platform().rate(number, g.user.id, int(form.level.data),
                            (form.comment.data or "").strip(), acted_by=acting_helper_id())
        except RatingRefused:
            return redirect(url_for("applications.detail", number=number))
        return redirect(url_for("applications.detail", number=number, rated=1))
    return render_template("applications/rating.html", application=application,
                           service=service, form=form, questions=questions, changing=bool(current))

