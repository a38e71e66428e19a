"""Yiban with the application pages' templates not rendered: bench/pages.py serves it
beside the real app, so a signed-in question page measured here costs everything a real
one does (Flask, the signed-in hooks, the session and draft read, the form built from
its schema, the security headers) except rendering its HTML. What it measures is where
the time goes; it is never served to anyone."""
from app import create_app
from app.apply import views

CONSTANT_PAGE = "<!doctype html><html lang=en><title>not rendered</title></html>"


def not_rendered(_template_name, **_context) -> str:
    return CONSTANT_PAGE


views.render_template = not_rendered
app = create_app()
