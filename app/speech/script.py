"""The reading script of a rendered page: its sentences in screen-reader (DOM) order,
except that the page's heading (a question) is read before what stands above it.

The page's readable elements are those matching READABLE, in document order, less
the hidden ones (`hidden`, `aria-hidden="true"`), the speech player itself and what a
browser does not build as elements (<template>, <noscript> with scripting on). Each
gets an index k, its position in that list; the player (static/js/speech.js) finds
element k with the very same selector string, so server and browser agree.

An element's text is its *own* text: that of its subtree less the subtrees of readable
elements inside it (which are read on their own). For a leaf this is all its text;
for, say, a <p> holding an inline readable child, no words are lost. Visually hidden
text is read (a screen reader reads it); alt text counts as text."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser

from . import text as sentence_text

READABLE = ("h1,h2,h3,h4,h5,h6,p,li,dt,dd,th,td,caption,figcaption,summary,legend,"
            "label,button,a.button,img[alt],[role=status],[role=alert],.hint,"
            ".error-message,.inset")
# The speech player is marked with this attribute and never read.
PLAYER_ATTRIBUTE = "data-speech-player"
# Text a visitor chose through the address (a search query) is never synthesised:
# anyone could otherwise have any text spoken by linking to it. Marks text only
# (never a readable element), so the element list is the same as speech.js's.
UNREAD_ATTRIBUTE = "data-speech-unread"
# Same test as speech.js: an element inside any of these is not in the list.
SKIP_SELECTOR = f"[hidden],[aria-hidden=true],[{PLAYER_ATTRIBUTE}],template,noscript"
MAX_SENTENCES = 400

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}
# Their content is no element (or not read as part of the text around it).
_OPAQUE = {"script", "style", "template", "noscript", "textarea", "select", "svg", "math",
           "head", "title"}
# A start tag of one of these closes an open <p>, as the HTML parser does.
_CLOSES_P = {"address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
             "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
             "header", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul"}


@dataclass(frozen=True)
class Sentence:
    text: str
    element: int   # index of the element in the page's readable list
    lang: str      # BCP 47 tag from the nearest lang attribute, e.g. zh-CN, en
    main: bool     # read by continuous reading: inside <main>, and not a button

    def as_dict(self) -> dict:
        return asdict(self)


# ---- the selector: simple compound selectors, a comma-separated list ---------------
_COMPOUND = re.compile(r"^([a-z][a-z0-9]*)?((?:\.[\w-]+)*)((?:\[[\w-]+(?:=[\w-]+)?\])*)$")


def _parse_selector(selector: str):
    """[(tag or None, {classes}, [(attr, value or None)])] for each selector in the list."""
    parsed = []
    for item in selector.split(","):
        match = _COMPOUND.match(item.strip())
        if not match or not item.strip():
            raise ValueError(f"unsupported selector: {item!r}")
        tag, classes, attrs = match.groups()
        parsed.append((tag, set(filter(None, classes.split("."))),
                       [tuple(a.split("=", 1)) if "=" in a else (a, None)
                        for a in re.findall(r"\[([^\]]+)\]", attrs)]))
    return parsed


_READABLE = _parse_selector(READABLE)


def matches(tag: str, attrs: dict, selector=_READABLE) -> bool:
    classes = set((attrs.get("class") or "").split())
    for want_tag, want_classes, want_attrs in selector:
        if want_tag and want_tag != tag:
            continue
        if not want_classes <= classes:
            continue
        if all(name in attrs and (value is None or attrs[name] == value)
               for name, value in want_attrs):
            return True
    return False


def _skipped(tag: str, attrs: dict) -> bool:
    return ("hidden" in attrs or attrs.get("aria-hidden") == "true"
            or PLAYER_ATTRIBUTE in attrs or tag in ("template", "noscript"))


# ---- a small tree: enough structure for order, nesting, lang and skipping ---------
class _Node:
    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, attrs, []


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value if value is not None else "") for name, value in attrs}
        if tag in _CLOSES_P:
            self._close_open("p", stop_at={"button", "td", "th", "li", "div", "main", "body"})
        elif tag == "li":
            self._close_open("li", stop_at={"ul", "ol", "menu"})
        elif tag in ("dt", "dd"):
            self._close_open("dt", "dd", stop_at={"dl"})
        node = _Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def _close_open(self, *tags, stop_at):
        for depth in range(len(self.stack) - 1, 0, -1):
            current = self.stack[depth].tag
            if current in tags:
                del self.stack[depth:]
                return
            if current in stop_at:
                return


def _body(root: _Node) -> tuple[_Node, str]:
    """The <body> (or the whole fragment) and the page language from <html lang>."""
    lang = ""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.tag == "html":
            lang = node.attrs.get("lang", lang)
        if node.tag == "body":
            return node, lang
        stack.extend(reversed([c for c in node.children if isinstance(c, _Node)]))
    return root, lang


def _own_runs(node: _Node, lang: str) -> list[tuple[str, str]]:
    """The element's own text as (text, lang) runs: a fragment marked with another
    language (a Chinese service name on a Uyghur page) is a run of its own, so it is
    read in its own voice."""
    runs: list[tuple[str, list[str]]] = []

    def add(text, run_lang):
        if runs and runs[-1][0] == run_lang:
            runs[-1][1].append(text)
        else:
            runs.append((run_lang, [text]))

    def walk(current, current_lang):
        for child in current.children:
            if isinstance(child, str):
                add(child, current_lang)
            elif child.tag == "br":
                add("\n", current_lang)
            elif (child.tag in _OPAQUE or _skipped(child.tag, child.attrs)
                  or UNREAD_ATTRIBUTE in child.attrs):
                continue
            elif matches(child.tag, child.attrs):
                add(" ", current_lang)  # read as an element of its own
            else:
                walk(child, child.attrs.get("lang") or current_lang)
    if node.tag == "img":
        return [(node.attrs.get("alt", ""), lang)]
    walk(node, lang)
    return [("".join(parts), run_lang) for run_lang, parts in runs]


def _own_text(node: _Node) -> str:
    return "".join(text for text, _lang in _own_runs(node, ""))


def build(html: str) -> tuple[str, list[Sentence]]:
    """(page language, sentences in reading order) of a rendered HTML page."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    body, page_lang = _body(builder.root)
    sentences: list[Sentence] = []
    heading: set[int] = set()  # elements of the first <h1> in <main>: read first
    index = 0
    in_heading = False

    def walk(node, lang, in_main):
        nonlocal index, in_heading
        for child in node.children:
            if isinstance(child, str) or child.tag in ("script", "style"):
                continue
            if _skipped(child.tag, child.attrs):
                continue
            child_lang = child.attrs.get("lang") or lang
            child_main = in_main or child.tag == "main"
            opens_heading = child_main and child.tag == "h1" and not heading and not in_heading
            in_heading = in_heading or opens_heading
            if matches(child.tag, child.attrs):
                if in_heading:
                    heading.add(index)
                # A button is read when pointed at (指读), not as a sentence of the page.
                read_on = child_main and not _is_button(child.tag, child.attrs)
                for run, run_lang in _own_runs(child, child_lang):
                    for part in sentence_text.sentences(run):
                        sentences.append(Sentence(part, index, run_lang, read_on))
                index += 1
            walk(child, child_lang, child_main)
            if opens_heading:
                in_heading = False

    walk(body, body.attrs.get("lang") or page_lang, False)
    return page_lang, _heading_first(sentences[:MAX_SENTENCES], heading)


def _is_button(tag: str, attrs: dict) -> bool:
    return tag == "button" or (tag == "a" and "button" in (attrs.get("class") or "").split())


def _heading_first(sentences: list[Sentence], heading: set[int]) -> list[Sentence]:
    """The page's heading (its first <h1> in <main>, e.g. a question) is read first:
    what stands before it (the service and step caption, an error summary, a notice)
    right after it, then the rest (a question's hint, its options) in page order."""
    main = [n for n, s in enumerate(sentences) if s.main]
    moved = [n for n in main if sentences[n].element in heading]
    if not moved or moved[0] == main[0]:
        return sentences
    order = moved + [n for n in range(len(sentences)) if n not in moved]
    # Whatever precedes <main> (the header) keeps its place at the start.
    header = [n for n in range(main[0])]
    order = header + [n for n in order if n not in header]
    return [sentences[n] for n in order]
