"""The translation catalogues are complete, correct and in step with the source strings.

`scripts/i18n.sh` extracts the strings, updates every catalogue and fills English; these
tests say what it (or a translator) still has to do, naming each message concerned.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES_DIR = ROOT / "locales"
TEMPLATE = LOCALES_DIR / "messages.pot"
FIX = "run scripts/i18n.sh, then translate"


def configured_locales() -> list[str]:
    """LOCALES as app/core/config.py's load() returns it (today ["zh_Hans_CN", "en"]).

    Read from the source rather than by calling load(), which creates the data folder
    and writes a secret key."""
    tree = ast.parse((ROOT / "app" / "core" / "config.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "LOCALES":
                    return list(ast.literal_eval(value))
    raise RuntimeError("app/core/config.py no longer has a literal LOCALES list: "
                       "update configured_locales() in tests/test_catalogues.py")


LOCALES = configured_locales()


# ---- reading -----------------------------------------------------------------------
def key(message: Message) -> tuple[str, str | None, str | None]:
    """What identifies a message: msgid, msgid_plural and context."""
    if message.pluralizable:
        return message.id[0], message.id[1], message.context
    return message.id, None, message.context


def shown(k: tuple[str, str | None, str | None]) -> str:
    msgid, plural, context = k
    text = repr(msgid) + (f" / plural {plural!r}" if plural else "")
    return text + (f" (context {context!r})" if context else "")


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} does not exist: {FIX}")
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


@cache
def template() -> Catalog:
    return read_catalogue(TEMPLATE)


@cache
def catalogue(locale: str) -> Catalog:
    return read_catalogue(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", locale)


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def forms(message: Message) -> list[str]:
    """The msgstr of a message as a list: one entry per plural form."""
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string]


# ---- placeholders --------------------------------------------------------------------
PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                     r"[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"(?<!\{)\{(?P<field>[A-Za-z_]\w*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def placeholders(text: str) -> set[str]:
    """%(name)s-style placeholders as written; positional %s ones with their position
    (order matters for those); {n}-style brace placeholders."""
    found, position = set(), 0
    for match in PERCENT.finditer(text):
        if match["type"] == "%":
            continue  # "%%" is a literal percent sign
        if match["name"] is None:
            position += 1
            found.add(f"{match[0]} (#{position})")
        else:
            found.add(match[0])
    found.update(match[0] for match in BRACE.finditer(text))
    return found


def placeholder_problems(message: Message, nplurals: int) -> list[str]:
    if not message.pluralizable:
        expected = placeholders(message.id)
        got = placeholders(message.string or "")
        return [] if not message.string or got == expected else [
            f"{shown(key(message))}: msgstr has {sorted(got)}, msgid has {sorted(expected)}"]
    singular, plural = placeholders(message.id[0]), placeholders(message.id[1])
    problems = []
    for index, text in enumerate(forms(message)):
        if not text:
            continue  # reported as untranslated
        got = placeholders(text)
        if nplurals == 1:
            # One form stands for every number: either msgid's or msgid_plural's set.
            allowed = [singular] if singular == plural else [singular, plural]
        else:
            allowed = [singular] if index == 0 else [plural]
        if got not in allowed:
            problems.append(f"{shown(key(message))}: msgstr[{index}] has {sorted(got)}, "
                            f"expected {' or '.join(str(sorted(a)) for a in allowed)}")
    return problems


# ---- the template is in step with the sources ----------------------------------------------
@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[tuple]:
    """The messages the sources hold now, extracted as scripts/i18n.sh does."""
    out = tmp_path_factory.mktemp("extract") / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
         "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "."],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"extraction failed:\n{result.stderr}"
    return {key(m) for m in messages(read_catalogue(out))}


def test_every_source_string_is_in_the_template(extracted):
    in_template = {key(m) for m in messages(template())}
    missing = sorted(extracted - in_template, key=str)
    assert not missing, (f"{len(missing)} string(s) in the sources but not in "
                         f"locales/messages.pot ({FIX}):\n"
                         + "\n".join(shown(k) for k in missing))


def test_template_holds_no_string_gone_from_the_sources(extracted):
    in_template = {key(m) for m in messages(template())}
    stale = sorted(in_template - extracted, key=str)
    assert not stale, (f"{len(stale)} string(s) in locales/messages.pot that the sources "
                       f"no longer use ({FIX}):\n" + "\n".join(shown(k) for k in stale))


# ---- each catalogue -----------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_header_names_the_language_and_its_plural_forms(locale):
    text = (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    fields = dict(re.findall(r'^"([A-Za-z-]+): (.*?)\\n"$', header, re.MULTILINE))
    assert fields.get("Language") == locale
    assert fields.get("Plural-Forms") == str(get_plural(locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_every_message_of_the_template(locale):
    present = {key(m) for m in messages(catalogue(locale))}
    missing = [key(m) for m in messages(template()) if key(m) not in present]
    assert not missing, (f"{locale}: {len(missing)} message(s) of messages.pot missing "
                         f"({FIX}):\n" + "\n".join(shown(k) for k in missing))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    catalog = catalogue(locale)
    wanted = {key(m) for m in messages(template())}
    untranslated = []
    for message in messages(catalog):
        if key(message) not in wanted:
            continue
        strings = forms(message)
        expected_forms = catalog.num_plurals if message.pluralizable else 1
        if len(strings) != expected_forms or not all(s.strip() for s in strings):
            untranslated.append(shown(key(message)))
    assert not untranslated, (f"{locale}: {len(untranslated)} message(s) without a "
                              f"translation in every form:\n" + "\n".join(untranslated))


@pytest.mark.parametrize("locale", LOCALES)
def test_no_message_is_fuzzy(locale):
    catalog = catalogue(locale)
    assert not catalog.fuzzy, f"{locale}: the catalogue header is marked fuzzy"
    fuzzy = [shown(key(m)) for m in messages(catalog) if m.fuzzy]
    assert not fuzzy, (f"{locale}: {len(fuzzy)} fuzzy message(s) – check the translation "
                       f"and remove the flag:\n" + "\n".join(fuzzy))


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_of_the_msgid(locale):
    catalog = catalogue(locale)
    problems = [problem for message in messages(catalog)
                for problem in placeholder_problems(message, catalog.num_plurals)]
    assert not problems, (f"{locale}: placeholders differ from the msgid:\n"
                          + "\n".join(problems))
