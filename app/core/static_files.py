"""Static files: fingerprinted, precompressed, served before the app is reached.

At setup (`python -m app.core.static_files`, run by scripts/setup.sh) Flask-Static-Digest
copies every file under static/ to a name carrying its MD5 (css/yiban-<md5>.css) with
.gz and .br siblings, and writes static/cache_manifest.json. Our own scripts and
stylesheets are then minified in those copies (rjsmin, rcssmin: comments and
indentation out, ~30 % fewer bytes gzipped); the sources stay as written. `url_for('static', ...)`
gives the fingerprinted name when the manifest has one, so templates are unchanged.
Every .gz sibling is then made with Zopfli (`zopfli`: gzip that any browser reads, 2–5 %
smaller than gzip -9, slower to make, which happens once at setup): a first visit by
a browser that takes gzip, not brotli (Chromium over plain HTTP to another host), is
about 0.9 KB lighter.

WhiteNoise answers /static/ in front of Flask: no session, database or platform is
touched, the .br/.gz sibling is sent to a client that accepts it, and a fingerprinted
file is cached for a year as immutable (a changed file has a new name). Unhashed names
(a service worker, say) keep a short max-age."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from whitenoise import WhiteNoise

MANIFEST = "cache_manifest.json"
_FINGERPRINTED = re.compile(r"-[0-9a-f]{32}\.\w+$")
SHORT_MAX_AGE = 300


def compile_static(static_dir: Path) -> None:
    from flask_static_digest.digester import clean, compile

    clean(str(static_dir), [], True, True)
    compile(str(static_dir), str(static_dir), [], True, True)
    minify(static_dir)
    regzip(static_dir)


def gzipped(data: bytes) -> bytes:
    import zopfli.gzip

    return zopfli.gzip.compress(data, numiterations=15)


def regzip(static_dir: Path) -> None:
    """Every fingerprinted file's .gz sibling made again with Zopfli."""
    manifest = json.loads((static_dir / MANIFEST).read_text())
    for copy in manifest.values():
        packed = static_dir / (copy + ".gz")
        if packed.exists():
            packed.write_bytes(gzipped((static_dir / copy).read_bytes()))


def minify(static_dir: Path) -> None:
    """The fingerprinted copies of our scripts and stylesheets (not vendor/), minified,
    with their .br sibling made again (the .gz: regzip)."""
    import brotli
    import rcssmin
    import rjsmin

    manifest = json.loads((static_dir / MANIFEST).read_text())
    for source, copy in manifest.items():
        if source.startswith("vendor/") or not source.endswith((".js", ".css")):
            continue
        path = static_dir / copy
        text = path.read_text(encoding="utf-8")
        small = (rcssmin.cssmin(text) if source.endswith(".css") else rjsmin.jsmin(text))
        data = small.encode()
        path.write_bytes(data)
        path.with_name(path.name + ".br").write_bytes(brotli.compress(data))


def _immutable(path: str, url: str) -> bool:
    return bool(_FINGERPRINTED.search(url))


def _headers(headers, path: str, url: str) -> None:
    from .security import HEADERS, STATIC_CSP

    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    headers["Content-Security-Policy"] = STATIC_CSP
    if _immutable(path, url):
        headers["Cache-Control"] = "public, max-age=31536000, immutable"


class FingerprintedFiles(WhiteNoise):
    """WhiteNoise, less the validators on fingerprinted files: such a file is never
    asked for again (a changed file has a new name), so Last-Modified and ETag would
    only be ~70 bytes more on each of a first visit's six files. (WhiteNoise needs them
    itself, so they are dropped from what it sends, not from what it reads.)"""

    VALIDATORS = frozenset({"last-modified", "etag"})

    def get_static_file(self, path, url, stat_cache=None):
        static_file = super().get_static_file(path, url, stat_cache)
        if _immutable(path, url):
            static_file.alternatives = [
                (encoding, file_path, [(name, value) for name, value in headers
                                       if name.lower() not in self.VALIDATORS])
                for encoding, file_path, headers in static_file.alternatives]
        return static_file


def init_app(app) -> None:
    static_dir = Path(app.static_folder)
    manifest_path = static_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])

    # No Access-Control-Allow-Origin: * (WhiteNoise's default): no other site needs to
    # read our files, and it is 32 bytes on every one.
    app.wsgi_app = FingerprintedFiles(app.wsgi_app, root=str(static_dir), prefix="static/",
                                      max_age=SHORT_MAX_AGE, immutable_file_test=_immutable,
                                      add_headers_function=_headers, allow_all_origins=False)


if __name__ == "__main__":
    compile_static(Path(sys.argv[1] if len(sys.argv) > 1 else "static"))
