"""The embedded platform served over HTTP as its own process, for tests: `flask --app app
platform serve` on a free port, on a test app's data folder and platform database, so
the test's own embedded platform (the back office: advance, raise_supplement) and the
served one share their data. Stopped with SIGKILL, as a crash would; started again on
the same port."""
from __future__ import annotations

import os
import signal
import socket
import subprocess  # nosec B404 - starts our own platform server
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-service-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedPlatform:
    def __init__(self, config: dict, log_dir: Path, settings: dict | None = None):
        """`settings`: more of the process's environment (a deployment's data keys)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"platform-{self.port}.log"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("YIBAN_") and k != "SECRET_KEY"}
        self.env = {**env, "YIBAN_DATA_DIR": str(config["DATA_DIR"]),
                    "YIBAN_PLATFORM_DATABASE_URL": config["PLATFORM_DATABASE_URL"],
                    "YIBAN_DATABASE_URL": config["FRONT_DATABASE_URL"],
                    "YIBAN_SINGLE_INSTANCE": "1", "YIBAN_AUTO_MIGRATE": "0",
                    "YIBAN_PLATFORM_TOKEN": TOKEN, "YIBAN_WORKER": "0", **(settings or {})}
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self, timeout: float = 60) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 - the child writes it
        self.process = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "flask", "--app", "app", "platform", "serve",
             "--port", str(self.port), "--workers", "1"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/v1/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise AssertionError("the platform did not start:\n" + self.log_path.read_text())

    def stop(self) -> None:
        """Kill the server and its workers at once (a crash, not a shutdown)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def pause(self) -> None:
        """The platform hangs: its processes stop answering, connections still open."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)
