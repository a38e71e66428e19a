#!/usr/bin/env bash
# Set up (first time) and serve Yiban on the embedded reference platform with gunicorn:
# http://127.0.0.1:5000 (data in ./instance unless YIBAN_DATA_DIR says otherwise).
# gunicorn.conf.py makes the schema and seeds once (flask --app app prepare-data)
# before its workers start. For development: .venv/bin/flask --app app run --debug
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-5000}"
exec .venv/bin/gunicorn -c gunicorn.conf.py "$@"
