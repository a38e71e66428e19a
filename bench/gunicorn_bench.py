"""The one gunicorn setting bench/pages.py gives hello world and Yiban alike."""
workers = 2
worker_class = "gthread"
threads = 4
accesslog = None
timeout = 90
