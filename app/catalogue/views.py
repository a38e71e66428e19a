"""Finding a service: the home page, search and the service page."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.auth import sign_in_url
from ..core.deps import locale, platform, store
from ..core.page_cache import shared_page
from ..proactive.suggested import due_suggestions, suggestions_for_user
from .search import SearchEntry, SearchIndex
from ..core.shared_state import catalogue_version

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
    """Built once per app from the Chinese catalogue (names, keywords, matter names),
    and again when the shared catalogue version moves on (app/core/shared_state.py)."""
    index = current_app.extensions.get("search_index")
    version = catalogue_version(current_app)
    if index is None or current_app.extensions.get("search_index_version") != version:
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
        current_app.extensions["search_index_version"] = version
    return index


@bp.get("/")
@shared_page
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
@shared_page
def service(code):
    svc = platform().service(code, locale())
    if svc is None:
        abort(404)
    return render_template("catalogue/service.html", service=svc)


@bp.post("/suggestions/dismiss")
def dismiss_suggestion():
    """不再提示: the citizen themself hides one suggestion (CSRF-checked like every POST).
    A helper never can, not even with consent: what the platform suggests is the
    citizen's to hear, and a helper hiding an entitlement (the old-age allowance, a
    renewal) from someone they help must not be possible. A key that is not one of
    the citizen's current suggestions (gone meanwhile) changes nothing."""
    if g.helper is not None:
        abort(403)
    if g.user is None:
        return redirect(sign_in_url(url_for("catalogue.home")))
    key = request.form.get("key", "")
    current = {s.key: s for s in due_suggestions()}
    if key in current:
        store().dismiss_suggestion(g.user.id, current[key].service_code, key)
        flash(_("This suggestion will no longer be shown. If your situation changes, we will suggest it again."))
    return redirect(url_for("catalogue.home"))
