#!/usr/bin/env bash
# Set up (first time) and run every test: unit, route and browser tests (keyboard
# journeys, the speech player, the audit command's own tests). The audit of every page
# state is python -m a11y_tests (see .ci/run).
#   ./test.sh --quick   the local gate: unit and route tests (not those marked slow:
#                       real gunicorn and platform processes, Hypothesis), then the audit
#                       of every page state in the standard display mode, 简体中文,
#                       JavaScript on and off, all three engines (report:
#                       a11y-report-quick/)
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
if [[ "${1:-}" == "--quick" ]]; then
  shift
  # The audit's seeded history (about 40 s of browser work) is made while pytest runs.
  seeded=$(mktemp -d -t yiban-quick-seed-XXXX)
  .venv/bin/python -m a11y_tests --seed-only --js both --seeded-data "$seeded/seeded" \
      > "$seeded/seeding.log" 2>&1 &
  seeding=$!
  trap 'kill "$seeding" 2>/dev/null || true; rm -rf "$seeded"' EXIT
  .venv/bin/python -m pytest -p no:cacheprovider -q -n auto -m "not slow" tests "$@"
  wait "$seeding" || { cat "$seeded/seeding.log"; exit 1; }
  .venv/bin/python -m a11y_tests --js both --modes standard --locales zh_Hans_CN \
      --crawl none --seeded-data "$seeded/seeded" --baseline a11y_tests/baseline.yaml \
      --report a11y-report-quick
  exit
fi
exec .venv/bin/python -m pytest "$@"
