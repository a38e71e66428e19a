"""What one request costs in process, side by side with Flask's hello world: where a
signed-in page's time goes, without gunicorn, sockets or wrk in the way.

    .venv/bin/python -m bench.request_costs [--requests 500] [--rounds 3]

Makes a fresh data folder (`flask prepare-data`), signs a demo citizen in through the
real sign-in form on Flask's test client and opens an application, then alternates,
`--rounds` times: bench/hello.py's hello world, Yiban's `/healthz` with that session
cookie (Flask's request machinery and every hook a signed-in page runs, and no page),
My applications, the first question page and check answers. Prints the median CPU
time of this thread per request (time.thread_time: another process on the machine
does not count) and its multiple of hello world's.

bench/pages.py measures requests/s through gunicorn; this says which part of a
signed-in page is the page and which the machinery every request pays for."""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess  # nosec B404: runs the app's own prepare-data command
import sys
import tempfile
import time

from .pages import APP_ENV, SERVICE, sign_in_form


def cost_ms(client, url: str, requests: int) -> float:
    """CPU milliseconds of this thread per GET of url (each must answer 200)."""
    started = time.thread_time()
    for _ in range(requests):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return (time.thread_time() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="yiban-bench-")
    os.environ.update({**APP_ENV, "YIBAN_DATA_DIR": data})
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "prepare-data"],  # nosec B603
                       check=True, stdout=subprocess.DEVNULL)
        from app import create_app

        from .hello import app as hello

        yiban = create_app().test_client()
        yiban.post("/sign-in", data=sign_in_form(yiban.get("/sign-in").get_data(as_text=True)))
        question = yiban.get(f"/apply/{SERVICE}").headers["Location"]
        pages = [("hello world (a bare Flask app)", hello.test_client(), "/"),
                 ("/healthz, signed in (the hooks, no page)", yiban, "/healthz"),
                 ("My applications (/my/), signed in", yiban, "/my/"),
                 (f"{question} (signed in)", yiban, question),
                 (f"/apply/{SERVICE}/check (signed in)", yiban, f"/apply/{SERVICE}/check")]
        for _name, client, url in pages:  # warm up: templates, catalogue, caches
            cost_ms(client, url, 50)
        results: dict[str, list[float]] = {name: [] for name, _, _ in pages}
        for _ in range(args.rounds):
            for name, client, url in pages:
                results[name].append(cost_ms(client, url, args.requests))
    finally:
        shutil.rmtree(data, ignore_errors=True)
    base = statistics.median(results[pages[0][0]])
    print(f"\nCPU per request in process (Flask test client), {args.requests} requests × "
          f"{args.rounds} alternating rounds, median; load: {os.getloadavg()[0]:.1f}")
    print(f"{'request':50} {'ms':>7} {'× hello':>8}")
    for name, values in results.items():
        ms = statistics.median(values)
        print(f"{name:50} {ms:7.3f} {ms / base:8.1f}")


if __name__ == "__main__":
    main()
