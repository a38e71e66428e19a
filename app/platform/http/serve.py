"""`flask --app app platform serve`: the embedded platform as its own process, under
gunicorn (the server the front runs under too)."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .server import create_server


class PlatformServer(BaseApplication):
    def __init__(self, make_platform, token: str, options: dict):
        self.make_platform, self.token, self.options = make_platform, token, options
        super().__init__()

    def load_config(self):
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        # In each worker: its own platform, so no connection crosses a fork.
        return create_server(self.make_platform(), self.token)


def serve(make_platform, token: str, host: str, port: int, workers: int,
          threads: int = 4) -> None:
    PlatformServer(make_platform, token, {
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
        "threads": threads, "timeout": 30, "graceful_timeout": 10, "keepalive": 5,
        "accesslog": "-", "proc_name": "yiban-platform",
        # Beside a front's gunicorn on one host: no shared control socket to fight over.
        "control_socket_disable": True,
        # Paths only: no personal data travels in them (the contract keeps it in bodies).
        "access_log_format": '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms',
    }).run()
