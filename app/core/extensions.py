"""Flask extensions, created once and initialised in create_app."""
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from flask_compress import Compress
from htmx_flask import Htmx

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
# Pages (and JSON) compressed: brotli where the browser accepts it, else gzip.
compress = Compress()
