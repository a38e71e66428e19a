"""消息中心 pages: the list (unread ones marked in words), one message, and "mark all as
read". A helper acting for a citizen sees the messages within their consent, and
reading them does not mark them read for the citizen."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_wtf import FlaskForm

from ..core.auth import login_required
from .access import centre, visible_to_viewer
from .text import describe

bp = Blueprint("messages", __name__, url_prefix="/my/messages")


@bp.get("/")
@login_required
def index():
    messages = centre().messages_of(g.user.id, visible_to_viewer)
    return render_template("messages/index.html",
                           messages=[(m, describe(m)) for m in messages],
                           unread=sum(1 for m in messages if m.read_at is None))


@bp.get("/<int:message_id>")
@login_required
def detail(message_id):
    message = centre().get(g.user.id, message_id)
    if message is None or not visible_to_viewer(message):
        abort(404)
    was_unread = message.read_at is None
    if g.get("acting") is None:
        centre().mark_read(g.user.id, message_id)
    return render_template("messages/detail.html", message=message, text=describe(message),
                           was_unread=was_unread)


@bp.post("/read")
@login_required
def read_all():
    if FlaskForm().validate_on_submit() and g.get("acting") is None:
        centre().mark_all_read(g.user.id)
    return redirect(url_for("messages.index"))
