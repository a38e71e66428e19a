#!/usr/bin/env bash
# Set up (first time) and run every test: unit, route and the browser accessibility audits.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
