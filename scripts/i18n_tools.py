"""Translation chores that scripts/i18n.sh runs, and the translator's export/import.

    python scripts/i18n_tools.py fill-hant              zh_Hant .po: fill empty entries from zh_Hans_CN (OpenCC)
    python scripts/i18n_tools.py seed-hant              seed phrasebook: zh_Hant for every Chinese seed text (OpenCC)
    python scripts/i18n_tools.py export LOCALE [FILE]   untranslated messages of LOCALE as JSON (stdout or FILE)
    python scripts/i18n_tools.py import LOCALE FILE     fill LOCALE's empty messages from such a JSON file
    python scripts/i18n_tools.py machine-made           list zh_Hant messages still marked machine-converted
    python scripts/i18n_tools.py seed-export LOCALE [FILE]  seed texts without LOCALE, as JSON {Chinese: ""}
    python scripts/i18n_tools.py seed-import LOCALE FILE    add such a JSON file's translations to the phrasebook

Traditional Chinese is machine-converted with OpenCC's `s2hk` configuration (Hong Kong
standard characters, mainland vocabulary kept: 社區 stays 社區, where `s2twp` would
turn it into Taiwan's 社群). Only *empty* zh_Hant entries are filled, so a reviewer's
edits are never overwritten; each filled entry gets the translator comment
MACHINE_MARK, which the reviewer deletes once the entry is checked.

The JSON of export/import is a list of {"msgid", "plural" (or null), "context" (or
null), "msgstr"} where msgstr is a string, or a list of plural forms. Import fills
only entries that are still empty (unless --overwrite) and refuses a translation whose
placeholders differ from the msgid's.
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
SEED_DIR = ROOT / "app" / "platform" / "embedded" / "seed"
PHRASEBOOK = SEED_DIR / "translations.yaml"
OPENCC_CONFIG = "s2hk"
MACHINE_MARK = f"machine: OpenCC {OPENCC_CONFIG} from zh_Hans_CN, not reviewed"
HANT, HANS = "zh_Hant", "zh_Hans_CN"
CJK = re.compile(r"[\u3400-\u9fff]")

PLACEHOLDER = re.compile(r"%\([^)]*\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[diouxXeEfFgGcrsa]"
                         r"|(?<!\{)\{[A-Za-z_]\w*\}(?!\})")


def po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"


def read(locale: str):
    with open(po_path(locale), "rb") as f:
        return read_po(f, locale=locale)


def write(locale: str, catalog) -> bool:
    """Write the catalogue back (unwrapped, as pybabel --no-wrap does); True if changed."""
    path = po_path(locale)
    out = io.BytesIO()
    write_po(out, catalog, width=None, ignore_obsolete=True)
    if path.read_bytes() == out.getvalue():
        return False
    tmp = path.with_suffix(".po.tmp")
    tmp.write_bytes(out.getvalue())
    os.replace(tmp, path)
    return True


def forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def is_empty(message) -> bool:
    return not all((s or "").strip() for s in forms(message))


def converter():
    try:
        import opencc
    except ImportError:
        sys.exit("OpenCC is not installed: .venv/bin/pip install 'opencc>=1.1' "
                 "(scripts/setup.sh installs it with the test extras)")
    return opencc.OpenCC(OPENCC_CONFIG).convert


# ---- zh_Hant catalogue ------------------------------------------------------------
def fill_hant() -> int:
    convert = converter()
    source = read(HANS)
    target = read(HANT)
    filled = 0
    for message in target:
        if not message.id or not is_empty(message):
            continue
        original = source.get(message.id, message.context)
        if original is None or is_empty(original):
            continue  # zh_Hans_CN has no translation yet either
        converted = [convert(s) for s in forms(original)]
        message.string = tuple(converted) if message.pluralizable else converted[0]
        message.flags.discard("fuzzy")
        if MACHINE_MARK not in message.user_comments:
            message.user_comments.append(MACHINE_MARK)
        filled += 1
    write(HANT, target)
    print(f"{HANT}: {filled} message(s) filled from {HANS} with OpenCC {OPENCC_CONFIG}")
    return 0


def machine_made() -> int:
    marked = [m for m in read(HANT) if m.id and MACHINE_MARK in m.user_comments]
    for m in marked:
        print(m.id[0] if m.pluralizable else m.id)
    print(f"{HANT}: {len(marked)} machine-converted message(s) not reviewed yet", file=sys.stderr)
    return 0


# ---- seed phrasebook ---------------------------------------------------------------
def seed_texts() -> list[str]:
    """Every Chinese text of the seed catalogue (services.yaml) that a page can show:
    the zh_Hans_CN side of each translated value, and plain Chinese strings (matter and
    material names, departments). Search keywords are not shown, so not collected."""
    import yaml
    with open(SEED_DIR / "services.yaml", encoding="utf-8") as f:
        catalogue = yaml.safe_load(f)
    found: dict[str, None] = {}

    def walk(value, key=None):
        if key == "keywords":
            return
        if isinstance(value, dict):
            if HANS in value and isinstance(value[HANS], str):
                found.setdefault(value[HANS].strip())
                return
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and CJK.search(value):
            found.setdefault(value.strip())

    walk(catalogue)
    return list(found)


def load_phrasebook() -> dict:
    import yaml
    if not PHRASEBOOK.exists():
        return {}
    with open(PHRASEBOOK, encoding="utf-8") as f:
        return (yaml.safe_load(f) or {}).get("texts") or {}


PHRASEBOOK_HEADER = """\
# Translations of the seed catalogue's Chinese texts, keyed by the Simplified Chinese
# text itself (services.yaml stays as it is). The embedded platform answers in the
# asked locale when an entry has it, else in Chinese marked lang="zh-Hans-CN".
#   zh_Hant  machine-converted by OpenCC s2hk (scripts/i18n_tools.py seed-hant, run by
#            scripts/i18n.sh; only missing entries are filled, edits are kept)
#   ug       translated by hand, not by a native speaker (scripts/i18n_tools.py
#            seed-export ug / seed-import ug); a new seed text is shown in Chinese until then
# Regenerated in place by scripts/i18n.sh: keep edits inside the entries.
"""


def dump_phrasebook(texts: dict) -> None:
    import yaml
    body = yaml.safe_dump({"texts": texts}, allow_unicode=True, sort_keys=False, width=10**6)
    content = PHRASEBOOK_HEADER + body
    if not PHRASEBOOK.exists() or PHRASEBOOK.read_text(encoding="utf-8") != content:
        tmp = PHRASEBOOK.with_suffix(".yaml.tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, PHRASEBOOK)


def seed_hant() -> int:
    convert = converter()
    texts = load_phrasebook()
    added = 0
    for source in seed_texts():
        entry = texts.setdefault(source, {})
        if not entry.get(HANT):
            entry[HANT] = convert(source)
            added += 1
    dump_phrasebook(texts)
    print(f"seed phrasebook: {added} zh_Hant text(s) added with OpenCC {OPENCC_CONFIG}")
    return 0


def seed_export(locale: str, file: str | None = None) -> int:
    texts = load_phrasebook()
    todo = {source: "" for source in seed_texts() if not texts.get(source, {}).get(locale)}
    text = json.dumps(todo, ensure_ascii=False, indent=1)
    if file:
        Path(file).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    print(f"seed phrasebook: {len(todo)} text(s) without {locale}", file=sys.stderr)
    return 0


def seed_import(locale: str, file: str) -> int:
    texts = load_phrasebook()
    given = json.loads(Path(file).read_text(encoding="utf-8"))
    known = set(seed_texts())
    added = 0
    for source, translation in given.items():
        if translation.strip() and source in known:
            texts.setdefault(source, {})[locale] = translation.strip()
            added += 1
    dump_phrasebook(texts)
    print(f"seed phrasebook: {added} {locale} text(s) added")
    return 0


# ---- export / import for a translator ------------------------------------------------
def export(locale: str, file: str | None = None) -> int:
    items = []
    for m in read(locale):
        if m.id and (is_empty(m) or m.fuzzy):
            items.append({"msgid": m.id[0] if m.pluralizable else m.id,
                          "plural": m.id[1] if m.pluralizable else None,
                          "context": m.context,
                          "msgstr": list(forms(m)) if m.pluralizable else (m.string or "")})
    text = json.dumps(items, ensure_ascii=False, indent=1)
    if file:
        Path(file).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    print(f"{locale}: {len(items)} message(s) to translate", file=sys.stderr)
    return 0


def placeholder_set(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def import_(locale: str, file: str, overwrite: bool = False) -> int:
    catalog = read(locale)
    items = json.loads(Path(file).read_text(encoding="utf-8"))
    filled, problems = 0, []
    for item in items:
        key = (item["msgid"], item["plural"]) if item.get("plural") else item["msgid"]
        message = catalog.get(key if isinstance(key, str) else key[0], item.get("context"))
        if message is None:
            problems.append(f"not in the catalogue (any more): {item['msgid']!r}")
            continue
        if not (overwrite or is_empty(message) or message.fuzzy):
            continue
        strings = item["msgstr"] if isinstance(item["msgstr"], list) else [item["msgstr"]]
        if not all(s.strip() for s in strings):
            continue
        sources = [item["msgid"]] + ([item["plural"]] if item.get("plural") else [])
        wanted = [placeholder_set(s) for s in sources]
        bad = [s for s in strings if placeholder_set(s) not in wanted]
        if bad:
            problems.append(f"placeholders differ: {item['msgid']!r} -> {bad!r}")
            continue
        if message.pluralizable:
            n = catalog.num_plurals
            strings = (strings + strings[-1:] * n)[:n]
            message.string = tuple(strings)
        else:
            message.string = strings[0]
        message.flags.discard("fuzzy")
        filled += 1
    write(locale, catalog)
    print(f"{locale}: {filled} message(s) filled from {file}")
    for problem in problems:
        print("  " + problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, args = argv[0], argv[1:]
    if command == "fill-hant":
        return fill_hant()
    if command == "seed-hant":
        return seed_hant()
    if command == "machine-made":
        return machine_made()
    if command == "seed-export" and 1 <= len(args) <= 2:
        return seed_export(*args)
    if command == "seed-import" and len(args) == 2:
        return seed_import(*args)
    if command == "export" and 1 <= len(args) <= 2:
        return export(*args)
    if command == "import" and len(args) >= 2:
        return import_(args[0], args[1], overwrite="--overwrite" in args[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
