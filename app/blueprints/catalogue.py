"""Finding a service: the home page, search and the service page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..clock import china_date
from ..deps import locale, now, platform
from ..proactive import applied_services, suggestions
from ..search import SearchEntry, SearchIndex

bp = Blueprint("catalogue", __name__)

MAX_QUERY = 50

# Pages of the site itself that search finds by the names people know them by
# (MIIT: 长辈版 must be found under each of its common names).
SITE_PAGES = {
    "page:display": {
        "endpoint": "display.settings",
        "title": _l("Elder mode and display settings"),
        "description": _l("Large text, high contrast, a simpler page and reading aloud."),
        "index_name": "长辈版",
        "keywords": ("关怀版", "亲情版", "关爱版", "老年模式", "老年版", "适老化", "大字版",
                     "显示设置", "高对比", "无障碍", "朗读", "语音播报", "读屏"),
    },
}


def search_index() -> SearchIndex:
    """Built once per app from the Chinese catalogue (names, keywords, matter names)."""
    index = current_app.extensions.get("search_index")
    if index is None:
        # Names in Traditional Chinese and Uyghur too, so 養老 and پېنسىيە find services
        # (not English: Latin letters are matched as pinyin).
        translated = {code: [] for code in (s.code for s in platform().services("zh_Hans_CN"))}
        for other in ("zh_Hant", "ug"):
            if other in current_app.config["LOCALES"]:
                for s in platform().services(other):
                    translated[s.code] += [str(t) for t in (s.name, *(m.name for m in s.matters))
                                           if getattr(t, "lang", None) == other]
        entries = [SearchEntry(s.code, str(s.name),
                               tuple(s.keywords) + tuple(str(m.name) for m in s.matters)
                               + tuple(translated.get(s.code, ())))
                   for s in platform().services("zh_Hans_CN")]
        entries += [SearchEntry(key, page["index_name"], page["keywords"])
                    for key, page in SITE_PAGES.items()]
        index = current_app.extensions["search_index"] = SearchIndex(entries)
    return index


def suggestions_for_user(services) -> list[tuple]:
    """服务找人: (suggestion, service) for the signed-in citizen, or nobody."""
    if g.user is None:
        return []
    by_code = {s.code: s for s in services}
    applied = applied_services(platform().applications_of(g.user.id))
    return [(s, by_code[s.service_code]) for s in suggestions(g.user, china_date(now()), applied)
            if s.service_code in by_code]


@bp.get("/")
def home():
    services = platform().services(locale())
    groups = [(event, [s for s in services if s.life_event == event.key])
              for event in platform().life_events(locale())]
    return render_template("catalogue/home.html", suggestions=suggestions_for_user(services),
                           bundles=[s for s in services if s.is_bundle],
                           groups=[(e, ss) for e, ss in groups if ss])


@bp.get("/search")
def search():
    query = request.args.get("q", "")[:MAX_QUERY]
    by_code = {s.code: s for s in platform().services(locale())}
    found = search_index().search(query)
    results = [by_code[code] for code in found if code in by_code]
    pages = [{**SITE_PAGES[key], "url": url_for(SITE_PAGES[key]["endpoint"])}
             for key in found if key in SITE_PAGES]
    return render_template("catalogue/search.html", query=query, results=results, pages=pages)


@bp.get("/services/<code>")
def service(code):
    svc = platform().service(code, locale())
    if svc is None:
        abort(404)
    return render_template("catalogue/service.html", service=svc)
