"""Speech synthesis with pyttsx3 (espeak-ng driver) in worker processes.

pyttsx3 is not thread-safe and espeak-ng keeps one global state per process, so the
web process never touches it: a small process pool (forkserver, so no worker is a
fork of the threaded web server) runs one engine per worker, made once. Requests
only submit jobs and wait on futures, so they neither block nor can crash each other;
a worker that dies or wedges is replaced and the batch retried once.

pyttsx3 2.99's espeak driver has ordering quirks, measured here and guarded against:
- its first runAndWait returns before the audio is written (the loop ends before
  synthesis starts), so the next save_to_file could receive that audio or find its
  own file missing: each worker spends that first call on a warm-up utterance, and
  every job waits for the driver's "finished-utterance" notification, not only for
  runAndWait;
- setProperty("rate") reaches espeak asynchronously and is often applied one
  utterance late (or not at all after a voice change): the rate is given instead as
  an espeak embedded command (\\x01<wpm>S) at the start of the job's own text, which
  cannot lag. Rendered text never contains \\x01 (text.clean removes it);
- one save_to_file per runAndWait, a fresh file name per job, and the WAV's length
  checked against the text (empty, truncated or someone else's audio is retried
  once, then refused)."""
from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from . import encode
from .voices import DEFAULT_VOICE

# Per web process; gunicorn.conf.py gives each web worker its share of the cores, so
# speech processes do not multiply with web workers. Started on first synthesis.
WORKERS = max(1, int(os.environ.get("YIBAN_SPEECH_WORKERS", "2")))
BATCH_TIMEOUT = 60.0      # seconds for one request's batch
UTTERANCE_TIMEOUT = 15.0  # seconds for one sentence inside a worker


class SynthesisError(RuntimeError):
    pass


@dataclass(frozen=True)
class Clip:
    mp3: bytes
    seconds: float


# ---- web-process side -----------------------------------------------------------
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_stats_lock = threading.Lock()
stats = {"clips": 0, "batches": 0}  # what was synthesised (tests count cache misses)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
                else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload([__name__])  # import once, fork workers fast
            _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=context,
                                        initializer=_start_worker, initargs=(os.getpid(),))
        return _pool


def _drop_pool(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


@atexit.register
def shutdown() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


# A multiprocessing child (e.g. an audit worker running the app) runs no atexit
# handlers, and on exit it joins its own child processes first - these workers, which
# would wait forever. Its exit finalizers with a priority run before that join, highest
# first; above 10, because at 10 the pool's own queue closes its feeder thread and the
# workers' stop signals would never be sent.
multiprocessing.util.Finalize(None, shutdown, exitpriority=100)


def warm_up() -> None:
    """Start the workers (and their engines) before the first reading is asked for."""
    pool = _get_pool()
    for future in [pool.submit(_ping) for _ in range(WORKERS)]:
        future.result(timeout=BATCH_TIMEOUT)


def synthesise(jobs: list[tuple[str, str, int]]) -> list[Clip]:
    """Clips for (text, voice, words per minute) jobs, made in parallel, in order."""
    if not jobs:
        return []
    with _stats_lock:
        stats["clips"] += len(jobs)
        stats["batches"] += 1
    for attempt in (1, 2):
        pool = _get_pool()
        futures = []
        try:
            futures = [pool.submit(_job, *job) for job in jobs]
            deadline = time.monotonic() + BATCH_TIMEOUT
            return [f.result(timeout=max(0.0, deadline - time.monotonic())) for f in futures]
        except BrokenProcessPool:
            _drop_pool(pool)
            if attempt == 2:
                raise SynthesisError("the speech workers stopped") from None
        except TimeoutError:
            for future in futures:
                future.cancel()
            raise SynthesisError("speech synthesis took too long") from None
    raise AssertionError("unreachable")


# ---- worker side ----------------------------------------------------------------
_engine = None
_finished: threading.Event | None = None
WARM_UP_TEXT = "预备"


def _start_worker(web_pid: int) -> None:
    global _engine, _finished
    threading.Thread(target=_exit_with, args=(web_pid,), name="speech-orphan-watch",
                     daemon=True).start()
    # The driver prints a line for every file it saves; kept open for the worker's life.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    import pyttsx3

    _engine = pyttsx3.init("espeak")
    _finished = threading.Event()
    _engine.connect("finished-utterance", lambda name, completed: _finished.set())
    _speak(WARM_UP_TEXT, DEFAULT_VOICE, 175)  # the driver's first runAndWait is not waited on


def _exit_with(web_pid: int) -> None:
    """A web process killed outright (SIGKILL, the OOM killer) cannot stop its pool,
    and a worker waiting for jobs would wait forever: it leaves when that process has
    gone."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(web_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass  # a process with that id exists


def _ping() -> int:
    return os.getpid()


def _speak(text: str, voice: str, wpm: int) -> bytes:
    """The WAV bytes of one utterance (one save_to_file per runAndWait)."""
    fd, path = tempfile.mkstemp(prefix="yiban-speech-", suffix=".wav")
    os.close(fd)
    os.remove(path)  # the driver creates it when the audio is complete
    try:
        _finished.clear()
        _engine.setProperty("voice", voice)
        _engine.save_to_file(f"\x01{int(wpm)}S{text}", path)
        _engine.runAndWait()
        if not _finished.wait(UTTERANCE_TIMEOUT):
            os._exit(70)  # a wedged engine: let the pool put a fresh process in its place
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""
    finally:
        if os.path.exists(path):
            os.remove(path)


_UNITS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|\d|[^\W\d_]+")


def plausible_seconds(text: str, wpm: int) -> tuple[float, float]:
    """Bounds, generous both ways, for how long espeak takes to say `text`: a clip
    outside them is empty, cut short or another utterance's."""
    units = len(_UNITS.findall(text))
    slowness = 175 / wpm
    return 0.05 * units * slowness, 2.0 + 1.0 * len(text) * slowness


def _job(text: str, voice: str, wpm: int) -> Clip:
    low, high = plausible_seconds(text, wpm)
    seconds = -1.0
    for _attempt in (1, 2):
        data = _speak(text, voice, wpm)
        if len(data) > 44:
            pcm, rate, seconds = encode.read_wav(data)
            if low <= seconds <= high:
                return Clip(encode.to_mp3(pcm, rate), seconds)
    raise SynthesisError(f"no plausible audio for {text[:40]!r} ({seconds:.2f} s, "
                         f"expected {low:.2f}–{high:.2f} s)")
