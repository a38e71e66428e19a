"""消息中心: the citizen's messages in the front (status changes, requests for more,
consent changes, reminders), a count of unread ones in the header, and a pluggable
sender for texts and e-mails (app/messages/senders.py); its pages in
app/messages/views.py.

Reading the platform's events (and texting what is due) and making the reminders of
supplements are jobs of the background worker (app/core/background.py), never work
inside a page; `flask messages sync` does one round by hand. `flask messages outbox`
shows what the embedded sender would have texted."""
from __future__ import annotations

import logging
import os

import click
from flask import current_app, g
from flask.cli import AppGroup

from ..core import background
from ..core.clock import china_date
from ..platform import PlatformUnavailable
from .access import centre, visible_to_viewer
from .centre import MessageCentre
from .senders import OutboxSender, load_sender
from .views import bp

log = logging.getLogger(__name__)

REMIND_EVERY_SECONDS = 600  # supplements due soon: looked for this often

messages_cli = AppGroup("messages", help="The message centre (app/messages).")


def init_app(app) -> None:
    sender = load_sender(app, app.config.get("MESSAGE_SENDER")
                         or os.environ.get("YIBAN_MESSAGE_SENDER"))
    app.extensions["messages"] = MessageCentre(
        app.extensions["front_store"].db, lambda: app.extensions["platform"], sender,
        clock=lambda: app.extensions["clock"](), app=app)
    if not app.extensions.get("schema_behind"):  # else `db upgrade` must run first
        try:
            app.extensions["messages"].start()
        except PlatformUnavailable:  # a front starts without its platform: the first
            log.warning("the platform is unavailable; the message centre starts "
                        "reading its events when it is back")  # sync starts it then
    background.register(app, "messages", lambda a: a.config["MESSAGES_SYNC_SECONDS"],
                        lambda a: a.extensions["messages"].sync())
    background.register(app, "reminders", lambda a: REMIND_EVERY_SECONDS,
                        lambda a: a.extensions["messages"].remind(
                            china_date(a.extensions["clock"]())))
    # Texts of the messages made by the jobs above or by pages (consent, 服务找人).
    background.register(app, "texts", lambda a: a.config["MESSAGES_SYNC_SECONDS"],
                        lambda a: a.extensions["messages"].send_due_texts())
    app.context_processor(unread_in_header)
    app.cli.add_command(messages_cli)
    app.register_blueprint(bp)


def unread_in_header() -> dict:
    if g.get("user") is None:
        return {"unread_messages": None}
    if g.get("acting") is None:  # the citizen themself: every message of theirs counts
        return {"unread_messages": centre().unread_count_kept(g.user.id)}
    return {"unread_messages": centre().unread_count(g.user.id, visible_to_viewer)}


@messages_cli.command("sync")
def sync_command():
    """Read the platform's new events into messages, make due reminders and send the
    texts due, now (the background worker does it every few seconds)."""
    read = centre().sync()
    reminded = centre().remind(china_date(current_app.extensions["clock"]()))
    texted = centre().send_due_texts()
    click.echo(f"{read} platform events read, {reminded} reminders made, {texted} texts sent")


@messages_cli.command("outbox")
@click.option("--limit", default=20, show_default=True, help="How many, newest first.")
def outbox_command(limit):
    """Show what the embedded sender would have texted or e-mailed."""
    sender = centre().sender
    if not isinstance(sender, OutboxSender):
        raise click.UsageError("a real sender is configured: its messages left this machine")
    from ..forms.identifiers import mask_mobile
    rows = sender.sent(limit)
    for row in rows:
        recipient = mask_mobile(row.recipient) if row.channel == "sms" else row.recipient
        click.echo(f"{row.created_at:%Y-%m-%d %H:%M} UTC  {row.channel}  to {recipient}  "
                   f"{row.body}")
    if not rows:
        click.echo("the outbox is empty", err=True)
