"""The one gunicorn setting bench/pages.py gives hello world and Yiban alike: 2 sync
workers, as the issue that set the targets measured them (and the LandRegistry peer's
0.087 with them).

Not gthread (the production setting, gunicorn.conf.py): wrk opens its 16 keep-alive
connections once, and with threads each stays with the worker that accepted it, so a
run where one worker took most of them uses one core. A signed-in page measured so was
bimodal (check answers 241–243 or 545–552 requests/s in alternate rounds of one run, 3
Dec); sync workers answer one connection at a time and the kernel hands each new one
to a free worker."""
workers = 2
worker_class = "sync"
accesslog = None
timeout = 90
