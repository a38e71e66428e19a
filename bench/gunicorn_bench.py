"""The one gunicorn setting bench/pages.py gives hello world and Yiban alike (wrk's
runs switch them to sync workers: bench/pages.py WRK_SERVER_ARGS). Also the two
instances of tests/test_two_instances.py: their citizen's keep-alive connection stays
with one worker, as a browser's does."""
workers = 2
worker_class = "gthread"
threads = 4
accesslog = None
timeout = 90
