"""Service catalogue search by Chinese words, full pinyin ("tuixiu") or initials ("tx").

Many older users type pinyin, or only its initials, more easily than characters,
so every name and keyword is indexed in all three forms once, at startup.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from pypinyin import Style, pinyin
from pypinyin.constants import RE_HANS

# Readings indexed per string. Polyphonic characters multiply the combinations,
# so the cap keeps index size bounded for long names.
MAX_READINGS = 8


@dataclass(frozen=True)
class SearchEntry:
    key: str  # the service code
    name: str  # Chinese service name, e.g. "退休一件事"
    keywords: tuple[str, ...] = ()  # extra Chinese words (synonyms, matter names)


def normalize(text: str) -> str:
    """NFKC (full-width -> ASCII), lower-case, keep only letters and digits."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _readings(text: str, style: Style) -> tuple[str, ...]:
    """Pinyin spellings of normalized `text`, most likely first, at most MAX_READINGS.

    Chinese characters become pinyin in `style`; anything else passes through.
    """
    # In-context reading first: pypinyin's phrase dictionary picks 银行 -> yinhang
    # and 重庆 -> chongqing. The errors callback keeps one item per character.
    preferred = [item[0] for item in pinyin(text, style=style, errors=list)]
    if len(preferred) != len(text):  # not expected; fall back to no context
        preferred = [pinyin(ch, style=style, errors=list)[0][0] for ch in text]
    choices = []
    for ch, best in zip(text, preferred):
        if RE_HANS.match(ch):
            others = pinyin(ch, style=style, heteronym=True)[0]
            choices.append(list(dict.fromkeys([best, *others])))
        else:
            choices.append([ch])
    return tuple(_combine(choices))


def _combine(choices: list[list[str]]) -> list[str]:
    """Join one reading per character (choices[i][0] = preferred), at most MAX_READINGS.

    Order matters because of the cap: first the preferred spelling; then "every
    polyphonic character at its k-th reading", which covers every reading of
    every character in a few strings however long the name (e.g. "zhongqing"
    as well as "chongqing"); then all other combinations, fewest swaps first.
    Everything is lazy, so a long name never builds a huge product.
    """
    preferred = [options[0] for options in choices]
    polyphonic = [i for i, options in enumerate(choices) if len(options) > 1]
    most = max((len(choices[i]) for i in polyphonic), default=1)

    def spell(swaps: dict[int, str]) -> str:
        return "".join(swaps.get(i, reading) for i, reading in enumerate(preferred))

    candidates = itertools.chain(
        [spell({})],
        (
            spell({i: choices[i][k] for i in polyphonic if k < len(choices[i])})
            for k in range(1, most)
        ),
        (
            spell(dict(zip(positions, readings)))
            for swaps in range(1, len(polyphonic) + 1)
            for positions in itertools.combinations(polyphonic, swaps)
            for readings in itertools.product(*(choices[i][1:] for i in positions))
        ),
    )
    found: dict[str, None] = {}  # insertion-ordered set
    for spelling in candidates:
        found[spelling] = None
        if len(found) == MAX_READINGS:
            break
    return list(found)


def _has_han(text: str) -> bool:
    return any(RE_HANS.match(ch) for ch in text)


def _has_latin(text: str) -> bool:
    return any("a" <= ch <= "z" for ch in text)


@dataclass(frozen=True)
class _Indexed:
    key: str
    name: str
    keywords: tuple[str, ...]
    name_full: tuple[str, ...]  # full pinyin readings of the name
    name_initials: tuple[str, ...]
    keyword_pinyin: tuple[str, ...]  # full pinyin and initials of all keywords

    @classmethod
    def build(cls, entry: SearchEntry) -> _Indexed:
        name = normalize(entry.name)
        keywords = tuple(k for k in map(normalize, entry.keywords) if k)
        keyword_pinyin = tuple(
            reading
            for keyword in keywords
            for style in (Style.NORMAL, Style.FIRST_LETTER)
            for reading in _readings(keyword, style)
        )
        return cls(
            key=entry.key,
            name=name,
            keywords=keywords,
            name_full=_readings(name, Style.NORMAL),
            name_initials=_readings(name, Style.FIRST_LETTER),
            keyword_pinyin=keyword_pinyin,
        )


def _starts(readings: tuple[str, ...], queries: tuple[str, ...]) -> bool:
    return any(r.startswith(q) for r in readings for q in queries)


def _contains(readings: tuple[str, ...], queries: tuple[str, ...]) -> bool:
    return any(q in r for r in readings for q in queries)


def _rank(e: _Indexed, q: str, full_qs: tuple[str, ...], initial_qs: tuple[str, ...]) -> int | None:
    """Lower is better; None means no match."""
    tiers = (
        e.name == q,
        e.name.startswith(q),
        q in e.name,
        any(q in k for k in e.keywords),
        _starts(e.name_full, full_qs),
        _starts(e.name_initials, initial_qs),
        _contains(e.name_full, full_qs),
        _contains(e.name_initials, initial_qs),
        _contains(e.keyword_pinyin, full_qs + initial_qs),
    )
    return next((tier for tier, matched in enumerate(tiers) if matched), None)


class SearchIndex:
    def __init__(self, entries: Iterable[SearchEntry]):
        self._entries = [_Indexed.build(entry) for entry in entries]

    def search(self, query: str, limit: int = 20) -> list[str]:
        """Keys of matching entries, best first; ties keep the given order."""
        q = normalize(query)
        if not q:
            return []
        if not _has_han(q):
            # Plain letters: may be full pinyin or initials.
            full_qs = initial_qs = (q,)
        elif _has_latin(q):
            # Mixed, e.g. "退xiu": spell the characters out and match full pinyin.
            full_qs, initial_qs = _readings(q, Style.NORMAL), ()
        else:
            # Only characters: match them as written, not by sound, so "事"
            # does not pull in every name containing a homophone "shi".
            full_qs = initial_qs = ()
        ranked = [
            (rank, e.key)
            for e in self._entries
            if (rank := _rank(e, q, full_qs, initial_qs)) is not None
        ]
        ranked.sort(key=lambda pair: pair[0])  # stable: ties keep entry order
        return [key for _, key in ranked[: max(limit, 0)]]
