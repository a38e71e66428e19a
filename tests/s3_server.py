"""A real S3-compatible server for tests: s3rver (from the npm registry, installed by
scripts/setup.sh into node_modules) on a free port, keeping its objects in a folder,
with one bucket. Used by tests/test_file_store.py (the store's contract) and
tests/test_two_instances.py (two fronts sharing one bucket)."""
from __future__ import annotations

import socket
import subprocess  # nosec B404: starts the S3-compatible test server
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
S3RVER = ROOT / "node_modules" / ".bin" / "s3rver"
BUCKET = "yiban-files"
# s3rver's own well-known keys; boto3 reads them from the environment.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER",
               "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    def __init__(self, folder: Path, timeout: float = 30):
        if not S3RVER.exists():
            raise AssertionError("s3rver is missing: run scripts/setup.sh")
        port = _free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(  # nosec B603
            [str(S3RVER), "-d", str(folder), "-a", "127.0.0.1", "-p", str(port), "--silent",
             "--configure-bucket", BUCKET], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(self.process.stderr.read().decode()) from None
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError("s3rver did not start") from None
                time.sleep(0.1)

    def env(self, prefix: str) -> dict:
        """What an instance needs to keep its files in the bucket, under `prefix`."""
        return {"YIBAN_FILE_STORE": f"s3://{BUCKET}/{prefix}",
                "YIBAN_S3_ENDPOINT_URL": self.endpoint, **CREDENTIALS}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
