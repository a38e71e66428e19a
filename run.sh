#!/usr/bin/env bash
# Set up (first time) and serve Yiban on the embedded reference platform:
# http://127.0.0.1:5000 (data in ./instance unless YIBAN_DATA_DIR says otherwise).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/flask --app app run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" "$@"
