#!/usr/bin/env bash
# Bring the translation catalogues in step with the source strings.
#
#   scripts/i18n.sh          (from anywhere; it works from the repository root)
#
# 1. Extract every msgid from app/**.py and templates/**.html (babel.cfg) into
#    locales/messages.pot, with locations, sorted, unwrapped. The .pot is only
#    rewritten when a message changed, so a bare re-run leaves no diff.
# 2. For each locale in app/core/config.py LOCALES: `pybabel init` when its .po does not
#    exist yet, else `pybabel update` with --no-fuzzy-matching (a changed msgid comes
#    out untranslated, never as a fuzzy guess) and --ignore-obsolete (entries whose
#    msgid left the sources are dropped).
# 3. Fill the *empty* zh_Hant entries from zh_Hans_CN with OpenCC (s2hk), marking each
#    with a "machine: OpenCC" translator comment (a reviewer's edits are never
#    overwritten), and add zh_Hant to the seed phrasebook
#    (app/platform/embedded/seed/translations.yaml) the same way. ug (and zh_Hans_CN)
#    are translated by people: `python scripts/i18n_tools.py export ug todo.json`, then
#    `... import ug todo.json` (see scripts/i18n_tools.py).
# 4. Fill the English catalogue with identity translations (msgstr = msgid; plurals:
#    msgstr[0] = msgid, msgstr[1] = msgid_plural).
# 5. List what still needs a translator; tests/test_catalogues.py fails until it is done.
#
# The app compiles .po to .mo itself at startup (app/core/i18n.py), so there is no compile step.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "usage: scripts/i18n.sh   (no arguments; see --help)" >&2; exit 2 ;;
esac

if [ -x .venv/bin/pybabel ]; then
  PYBABEL=.venv/bin/pybabel PYTHON=.venv/bin/python
else
  PYBABEL=pybabel PYTHON=python3
fi
LOCALES_DIR=locales
POT=$LOCALES_DIR/messages.pot

# The supported locales, read from app/core/config.py without running it (load() creates
# the data folder and a secret key).
LOCALES=$("$PYTHON" - <<'EOF'
import ast, pathlib, sys
tree = ast.parse(pathlib.Path("app/core/config.py").read_text(encoding="utf-8"))
for node in ast.walk(tree):
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and key.value == "LOCALES":
                print(" ".join(ast.literal_eval(value)))
                sys.exit(0)
sys.exit("scripts/i18n.sh: no literal LOCALES list found in app/core/config.py")
EOF
)

# ---- 1. extract ------------------------------------------------------------------
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
mkdir -p "$LOCALES_DIR"
NEW_POT=$(mktemp "${TMPDIR:-/tmp}/yiban-messages.XXXXXX.pot")
trap 'rm -f "$NEW_POT"' EXIT
"$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext --sort-output --no-wrap \
  --add-comments=TRANSLATORS: --project=Yiban --version="${VERSION:-0}" \
  --copyright-holder="Yiban contributors" -o "$NEW_POT" .
# Only the creation date differs? Keep the old file.
if [ -f "$POT" ] && cmp -s <(grep -v '^"POT-Creation-Date:' "$POT") \
                             <(grep -v '^"POT-Creation-Date:' "$NEW_POT"); then
  echo "messages.pot: unchanged"
else
  cp "$NEW_POT" "$POT"
  echo "messages.pot: updated"
fi

# ---- 2. init or update each locale ---------------------------------------------------
# `pybabel update` matches messages on msgid alone: a message whose msgid_plural changed
# would keep its old translation unflagged, one that became (or stopped being) plural
# would come out fuzzy. Drop such entries first so that they come out untranslated.
"$PYTHON" - "$POT" "$LOCALES_DIR" $LOCALES <<'EOF'
import io, os, sys
from babel.messages.pofile import read_po, write_po

pot, locales_dir, locales = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(pot, "rb") as f:
    template = read_po(f)
for locale in locales:
    path = os.path.join(locales_dir, locale, "LC_MESSAGES", "messages.po")
    if not os.path.exists(path):
        continue
    with open(path, "rb") as f:
        original = f.read()
    catalog = read_po(io.BytesIO(original), locale=locale)
    changed = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if message.pluralizable else message.id
        new = template.get(msgid, message.context)
        if new is not None and new.id != message.id:
            changed.append(message)
    if changed:
        for message in changed:
            catalog.delete(message.id, message.context)
            print(f"{locale}: the plural of {message.id!r} changed: translation cleared")
        out = io.BytesIO()
        write_po(out, catalog, width=None)
        with open(path + ".tmp", "wb") as f:
            f.write(out.getvalue())
        os.replace(path + ".tmp", path)
EOF

for locale in $LOCALES; do
  po="$LOCALES_DIR/$locale/LC_MESSAGES/messages.po"
  if [ -f "$po" ]; then
    "$PYBABEL" -q update -i "$POT" -d "$LOCALES_DIR" -l "$locale" \
      --no-wrap --no-fuzzy-matching --ignore-obsolete
  else
    # (For a one-form language such as Chinese, babel warns "msg has more translations
    # than num_plurals" once per plural message here: harmless, the .po gets one form.)
    "$PYBABEL" -q init -i "$POT" -d "$LOCALES_DIR" -l "$locale" --no-wrap
    echo "$locale: new catalogue $po"
  fi
done

# ---- 3. zh_Hant: machine conversion of what is still empty --------------------------------
case " $LOCALES " in
  *" zh_Hant "*)
    if "$PYTHON" -c "import opencc" 2>/dev/null; then
      "$PYTHON" scripts/i18n_tools.py fill-hant
      "$PYTHON" scripts/i18n_tools.py seed-hant
    else
      echo "zh_Hant: OpenCC is not installed (.venv/bin/pip install 'opencc>=1.1'):" \
           "empty zh_Hant entries stay empty" >&2
    fi ;;
esac

# ---- 4. English is the source language: identity translations ---------------------------
# ---- 5. report what is left to translate -------------------------------------------------
"$PYTHON" - "$LOCALES_DIR" $LOCALES <<'EOF'
import io, os, sys
from babel.messages.pofile import read_po, write_po

locales_dir, locales = sys.argv[1], sys.argv[2:]
SOURCE_LOCALE = "en"

def po_path(locale):
    return os.path.join(locales_dir, locale, "LC_MESSAGES", "messages.po")

if SOURCE_LOCALE in locales:
    path = po_path(SOURCE_LOCALE)
    with open(path, "rb") as f:
        original = f.read()
    catalog = read_po(io.BytesIO(original), locale=SOURCE_LOCALE)
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            message.string = (singular,) + (plural,) * (catalog.num_plurals - 1)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, catalog, width=None, ignore_obsolete=True)
    if out.getvalue() != original:
        with open(path + ".tmp", "wb") as f:
            f.write(out.getvalue())
        os.replace(path + ".tmp", path)

status = 0
for locale in locales:
    with open(po_path(locale), "rb") as f:
        catalog = read_po(f, locale=locale)
    todo = [m for m in catalog if m.id and (m.fuzzy or not all(
        (m.string if isinstance(m.string, (list, tuple)) else [m.string])))]
    total = sum(1 for m in catalog if m.id)
    print(f"{locale}: {total} messages, {len(todo)} to translate")
    for m in todo:
        msgid = m.id[0] if isinstance(m.id, (list, tuple)) else m.id
        print(f"    {'fuzzy: ' if m.fuzzy else ''}{msgid}")
EOF
