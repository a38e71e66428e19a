"""How Yiban is served in production: `gunicorn -c gunicorn.conf.py 'app:create_app()'`
(./run.sh does this). Settings can be overridden on the command line or with
GUNICORN_CMD_ARGS; HOST, PORT and WEB_CONCURRENCY are read here."""
import glob
import multiprocessing
import os
import subprocess
import sys
import tempfile

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# Pages are CPU-bound Python: two processes per core plus one, the usual rule.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A few threads per worker, so a request that waits (speech synthesis, a slow platform,
# a slow upload) does not hold a whole process.
worker_class = "gthread"
threads = int(os.environ.get("YIBAN_WEB_THREADS", "4"))
timeout = 90  # a request's speech batch may take up to 60 s (app/speech/engine.py)
graceful_timeout = 30
# An idle kept-alive connection is closed after this many seconds. Longer than a
# citizen's pause on a page (bench/load.py: 5-15 s): at 5 s the server closed connections
# just as clients sent on them again, and the request was reset (issue 16). With gthread an
# idle connection waits in the worker's poller and holds no thread, only a socket. Behind
# nginx with upstream keep-alive, nginx's keepalive_timeout (60 s) must stay shorter than
# this, so that nginx, not gunicorn, closes an idle connection (docs/deploy.md).
keepalive = 75
accesslog = "-"
# No query strings in the log: a search typed by a citizen can hold personal words.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
max_requests = 5000  # a slow leak cannot grow a worker forever
max_requests_jitter = 500
wsgi_app = "app:create_app()"


def on_starting(server):
    """Before any worker forks: migrate and seed once (app/core/prepare.py), then tell
    the workers it is done, so they only check the schema instead of racing to change it."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "prepare-data"],
                   check=True)
    os.environ["YIBAN_AUTO_MIGRATE"] = "0"
    # Speech synthesis processes start in a worker only when it first synthesises,
    # and each worker's share of the cores is what its pool may use.
    os.environ.setdefault("YIBAN_SPEECH_WORKERS",
                          str(max(1, multiprocessing.cpu_count() // server.cfg.workers)))
    os.environ.setdefault("YIBAN_SPEECH_PREWARM", "0")
    # /metrics adds up every worker's numbers (app/operations): each writes its own to
    # a fresh folder, set before any worker imports prometheus_client.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:  # the operator's: last run's values go, nothing else
        os.makedirs(folder, mode=0o700, exist_ok=True)
        for name in glob.glob(os.path.join(folder, "*.db")):
            os.remove(name)
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="yiban-metrics-")


def child_exit(server, worker):
    """A worker that is gone: its live gauges no longer count (its totals still do)."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)

# No post_fork: app/core/db.py empties inherited connection pools in every forked child
# (os.register_at_fork), whoever forks it.
