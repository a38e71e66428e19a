"""The yardstick for bench/pages.py: Flask's hello world."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
