"""The platform boundary over HTTP (docs/platform-openapi.yaml): `HttpPlatform`, the
client the front uses when YIBAN_PLATFORM_URL is set, and `create_server`, the
embedded platform served as its own process (`flask --app app platform serve`). Both
read and write JSON through one codec (codec.py)."""
from __future__ import annotations

from .client import HttpPlatform, ServiceTokenRefused
from .server import create_server

__all__ = ["HttpPlatform", "ServiceTokenRefused", "create_server"]
