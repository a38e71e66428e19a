"""消息中心: the citizen's messages in the front (status changes, requests for more,
consent changes, reminders), a count of unread ones in the header, and a pluggable
sender for texts and e-mails (app/messages/senders.py); its pages in
app/messages/views.py.

`flask messages sync` reads the platform's events and makes reminders (for cron);
pages do the same for the citizen who opens them. `flask messages outbox` shows what
the embedded sender would have texted."""
from __future__ import annotations

import logging
import os
import time

import click
from flask import current_app, g, request, session
from flask.cli import AppGroup

from ..core.clock import china_date
from .access import centre, visible_to_viewer
from .centre import MessageCentre
from .senders import OutboxSender, load_sender
from .views import bp

log = logging.getLogger(__name__)

REMIND_EVERY_SECONDS = 600  # a signed-in citizen's renewal reminders, at most this often
QUIET_ENDPOINTS = ("static",)
QUIET_BLUEPRINTS = ("speech", "offline")

messages_cli = AppGroup("messages", help="The message centre (app/messages).")


def init_app(app) -> None:
    sender = load_sender(app, app.config.get("MESSAGE_SENDER")
                         or os.environ.get("YIBAN_MESSAGE_SENDER"))
    app.extensions["messages"] = MessageCentre(
        app.extensions["front_store"].db, lambda: app.extensions["platform"], sender,
        clock=lambda: app.extensions["clock"](), app=app)
    if not app.extensions.get("schema_behind"):  # else `db upgrade` must run first
        app.extensions["messages"].start()
    app.before_request(catch_up)
    app.context_processor(unread_in_header)
    app.cli.add_command(messages_cli)
    app.register_blueprint(bp)


_last_sync = float("-inf")


def _sync_now_and_then() -> None:
    """Read the platform's event feed at most every MESSAGES_SYNC_SECONDS per process
    (0: before every signed-in page), not on every page under load."""
    global _last_sync
    interval = current_app.config.get("MESSAGES_SYNC_SECONDS", 0)
    now = time.monotonic()
    if interval and now - _last_sync < interval:
        return
    _last_sync = now
    centre().sync()


def catch_up():
    """Before a signed-in citizen's page: new platform events become messages (and
    texts), and now and then their reminders are made."""
    if g.get("user") is None or request.endpoint in QUIET_ENDPOINTS \
            or request.blueprint in QUIET_BLUEPRINTS or request.htmx:
        return
    try:
        _sync_now_and_then()
        if g.get("acting") is None and time.time() - session.get("reminded", 0) > REMIND_EVERY_SECONDS:
            from ..core.deps import now, platform
            from ..proactive.rules import applied_services, suggestions
            today = china_date(now())
            centre().remind(today)
            applied = applied_services(platform().applications_of(g.user.id))
            centre().remind_renewals(g.user.id, suggestions(g.user, today, applied))
            session["reminded"] = time.time()
    except Exception:  # the page matters more than the messages: they catch up later
        log.exception("the message centre could not catch up")


def unread_in_header() -> dict:
    if g.get("user") is None:
        return {"unread_messages": None}
    return {"unread_messages": centre().unread_count(g.user.id, visible_to_viewer)}


@messages_cli.command("sync")
def sync_command():
    """Read the platform's new events into messages and make due reminders (cron)."""
    read = centre().sync()
    reminded = centre().remind(china_date(current_app.extensions["clock"]()))
    click.echo(f"{read} platform events read, {reminded} reminders made")


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
