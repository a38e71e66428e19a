"""URLs in templates built once per process: a page builds 30–45 of them (every
service card, every header link, each static file with its fingerprint), and the same
endpoint with the same values always gives the same path under the same script root
(this app matches no hosts or subdomains: init_app checks). The memo is bounded; calls with options (`_external`, `_anchor` …), with
values that are not plain strings or numbers, or with a query string in a value (a
`next` back to a search: words a citizen typed are not kept) are built as before."""
from __future__ import annotations

from flask import current_app, has_request_context, request

URLS_KEPT = 4096


def memo_url_for(endpoint: str, **values) -> str:
    if not has_request_context() or not all(
            not name.startswith("_") and (type(value) is int or (
                type(value) is str and "?" not in value))
            for name, value in values.items()):
        return current_app.url_for(endpoint, **values)
    # A relative endpoint (".page") depends on the request's blueprint.
    key = (endpoint, tuple(sorted(values.items())), request.root_path,
           request.blueprint if endpoint.startswith(".") else None)
    urls = current_app.extensions.setdefault("template_urls", {})
    url = urls.get(key)
    if url is None:
        url = current_app.url_for(endpoint, **values)
        if len(urls) >= URLS_KEPT:
            urls.clear()  # rare (URLs carrying a page's own path): start again
        urls[key] = url
    return url


def init_app(app) -> None:
    if not (app.url_map.host_matching or app.subdomain_matching):
        app.jinja_env.globals["url_for"] = memo_url_for
