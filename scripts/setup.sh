#!/usr/bin/env bash
# Install what Yiban needs on a Debian machine with Python 3.11: system packages
# (Chromium for the audits, espeak-ng for speech), a virtualenv with the Python
# dependencies, and from the npm registry htmx and the audit's checkers. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium chromium-headless-shell espeak-ng libespeak-ng1 fonts-wqy-microhei nodejs npm wrk)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# A machine with its own node/npm (not from apt) does not need Debian's.
if command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
# The Nu HTML Checker (the audit's HTML validator) is a Java program.
command -v java >/dev/null || missing+=(default-jre-headless)
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

# htmx for the pages; IBM Equal Access and the Nu HTML Checker for the audit
# (a11y_tests/engines.py reads them from node_modules/); s3rver, an S3-compatible
# server the tests store files in (tests/test_file_store.py).
if [ ! -f static/vendor/htmx.min.js ] || [ package-lock.json -nt static/vendor/htmx.min.js ] \
    || [ ! -f node_modules/accessibility-checker-engine/ace.js ] \
    || [ ! -x node_modules/.bin/s3rver ] \
    || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then
  # (vnu-jar's install script only downloads a Java, which apt provides above.)
  npm ci --no-audit --no-fund --silent --ignore-scripts
  mkdir -p static/vendor
  cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
  touch static/vendor/htmx.min.js
fi

# Fingerprinted, gzip- and brotli-compressed copies of static/ (app/core/static_files.py),
# made again when a file (or the way they are made) changed since.
if [ ! -f static/cache_manifest.json ] || [ app/core/static_files.py -nt static/cache_manifest.json ] \
   || [ -n "$(find static -newer static/cache_manifest.json \
     -type f ! -name '*.gz' ! -name '*.br' -print -quit)" ]; then
  .venv/bin/python -m app.core.static_files static >/dev/null
fi
