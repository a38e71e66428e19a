#!/usr/bin/env bash
# Set up (first time) and run every test: unit, route and browser tests (keyboard
# journeys, the speech player, the audit command's own tests). The audit of every page
# state is python -m a11y_tests (see .ci/run).
#   ./test.sh --quick   the local gate (about 7 minutes on two cores): unit and route
#                       tests, then the audit of every page state in the standard display
#                       mode, 简体中文, JavaScript on and off, all three engines (report:
#                       a11y-report-quick/)
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
if [[ "${1:-}" == "--quick" ]]; then
  shift
  .venv/bin/python -m pytest -p no:cacheprovider -q -n auto tests "$@"
  exec .venv/bin/python -m a11y_tests --js both --modes standard --locales zh_Hans_CN \
      --crawl none --baseline a11y_tests/baseline.yaml --report a11y-report-quick
fi
exec .venv/bin/python -m pytest "$@"
