"""Finding a service: the home page, search and the service page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from ..deps import locale, platform
from ..search import SearchEntry, SearchIndex

bp = Blueprint("catalogue", __name__)

MAX_QUERY = 50


def search_index() -> SearchIndex:
    """Built once per app from the Chinese catalogue (names, keywords, matter names)."""
    index = current_app.extensions.get("search_index")
    if index is None:
        entries = [SearchEntry(s.code, str(s.name),
                               tuple(s.keywords) + tuple(str(m.name) for m in s.matters))
                   for s in platform().services("zh_Hans_CN")]
        index = current_app.extensions["search_index"] = SearchIndex(entries)
    return index


@bp.get("/")
def home():
    services = platform().services(locale())
    groups = [(event, [s for s in services if s.life_event == event.key])
              for event in platform().life_events(locale())]
    return render_template("catalogue/home.html",
                           bundles=[s for s in services if s.is_bundle],
                           groups=[(e, ss) for e, ss in groups if ss])


@bp.get("/search")
def search():
    query = request.args.get("q", "")[:MAX_QUERY]
    by_code = {s.code: s for s in platform().services(locale())}
    results = [by_code[code] for code in search_index().search(query) if code in by_code]
    return render_template("catalogue/search.html", query=query, results=results)


@bp.get("/services/<code>")
def service(code):
    svc = platform().service(code, locale())
    if svc is None:
        abort(404)
    return render_template("catalogue/service.html", service=svc)
