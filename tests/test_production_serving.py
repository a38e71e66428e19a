"""Production serving (gunicorn.conf.py): a fresh data folder boots with several
workers every time, the schema is made once before they fork, and speech processes
neither start with the web workers nor outlive one that is killed."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# Real processes (or Hypothesis): in CI and ./test.sh, not in ./test.sh --quick.
pytestmark = pytest.mark.slow


ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Served:
    def __init__(self, data_dir: Path, workers: int, **more_env):
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "YIBAN_DATA_DIR": str(data_dir), "HOST": "127.0.0.1",
               "PORT": str(self.port), "WEB_CONCURRENCY": str(workers), **more_env}
        env.pop("YIBAN_AUTO_MIGRATE", None)
        self.log = open(data_dir.parent / f"gunicorn-{self.port}.log", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if _get(self.base + "/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError("gunicorn did not serve in time\n" + self.output())

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.timeout(900)
def test_four_gunicorn_workers_boot_on_a_fresh_data_folder_every_time(tmp_path):
    for attempt in range(3):
        served = Served(tmp_path / f"fresh-{attempt}" / "data", workers=4)
        try:
            served.wait_ready()
            for path in ("/", "/services/retirement", "/sign-in"):
                status, _ = _get(served.base + path)
                assert status == 200, (path, served.output())
            assert len(served.worker_pids()) == 4
            assert "Traceback" not in served.output()
        finally:
            served.stop()


@pytest.mark.timeout(600)
def test_web_workers_start_no_speech_processes_and_a_killed_one_leaves_none(tmp_path):
    served = Served(tmp_path / "data", workers=2)
    try:
        served.wait_ready()
        for _ in range(6):
            _get(served.base + "/")
        workers = served.worker_pids()
        # Nothing has been read aloud: no web worker has started speech processes.
        assert all(_descendants(w) == [] for w in workers), \
            {w: _descendants(w) for w in workers}
        # Read pages aloud until a worker has its synthesis pool, then kill it hard.
        with_pool = []
        for _ in range(20):
            cookie_jar = urllib.request.HTTPCookieProcessor()
            opener = urllib.request.build_opener(cookie_jar)
            page = opener.open(served.base + "/services/retirement", timeout=30).read().decode()
            audio = page.split('class="speech-player__link" href="', 1)[1].split('"', 1)[0]
            with opener.open(served.base + audio.replace("&amp;", "&"), timeout=120) as r:
                assert r.status == 200 and r.read(2) in (b"ID", b"\xff\xfb", b"\xff\xf3")
            with_pool = [w for w in served.worker_pids() if _descendants(w)]
            if with_pool:
                break
        assert with_pool, "no worker synthesised"
        victim = with_pool[0]
        speech_processes = _descendants(victim)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in speech_processes):
            time.sleep(0.2)
        assert not any(_alive(p) for p in speech_processes), "orphaned speech processes"
    finally:
        served.stop()


@pytest.mark.timeout(300)
def test_metrics_add_up_every_worker_s_requests(tmp_path):
    """A scrape is answered by one worker, but counts what all of them served."""
    from concurrent.futures import ThreadPoolExecutor
    # Sync workers take one request at a time, so eight at once reach both of them.
    served = Served(tmp_path / "data", workers=2, GUNICORN_CMD_ARGS="--worker-class sync")
    try:
        served.wait_ready()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _get(served.base + "/healthz")[0], range(40)))
        assert statuses == [200] * 40
        line = re.compile(r'^yiban_request_seconds_count\{[^}]*route="/healthz"[^}]*\} (\S+)$', re.M)
        for _ in range(3):
            status, body = _get(served.base + "/metrics")
            assert status == 200
            assert sum(float(n) for n in line.findall(body.decode())) == 40, body.decode()
    finally:
        served.stop()


@pytest.mark.timeout(300)
def test_a_connection_kept_alive_through_a_citizen_s_pause_still_answers(tmp_path):
    """A citizen reads a page for up to 15 s (bench/load.py) before the next click, and a
    browser sends that click on the connection it kept. The server must not close it
    meanwhile: a request sent as the server closes an idle connection is reset
    (issue 16's failed requests at `keepalive = 5`)."""
    import http.client
    import select

    sys.path.insert(0, str(ROOT))
    from bench.load import THINK, think_range
    pause = think_range(THINK)[1] + 1
    served = Served(tmp_path / "data", workers=1)
    try:
        served.wait_ready()
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
        connection.request("GET", "/healthz")
        assert connection.getresponse().read() and connection.sock is not None
        kept = connection.sock
        time.sleep(pause)
        # Still open: the server has neither closed nor reset it (it would be readable).
        assert select.select([kept], [], [], 0)[0] == [], "the server closed the connection"
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        assert response.status == 200 and connection.sock is kept
    finally:
        served.stop()
