"""`HttpPlatform`: the PlatformClient of a platform elsewhere, over HTTP (httpx).

What keeps a slow or absent platform from holding the front's workers:
- timeouts: connecting and reading each have their own (config PLATFORM_*_TIMEOUT);
- retries with back-off (tenacity), only for calls that may safely go twice: reads,
  and writes, which all carry an Idempotency-Key (one per call, the same on each
  retry). Only failures to connect and 502/503/504 are retried: a read that timed out
  means a slow platform, and asking again would triple the wait;
- a circuit breaker (pybreaker): after PLATFORM_BREAKER_FAILURES calls in a row
  failed (each after its retries) every call fails at once for
  PLATFORM_BREAKER_RESET_SECONDS, then one call tries.
Every such failure is PlatformUnavailable, which the front shows as its kind
"cannot connect for now" page (app/errors.py) and the outbox retries."""
from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
import pybreaker
from flask import g, has_request_context
from tenacity import (Retrying, retry_if_exception_type, stop_after_attempt,
                      wait_exponential, wait_random)

from .. import (Application, FeedEvent, Helper, IdempotencyKeyReused, LifeEvent, Person,
                PlatformUnavailable, Question, RatingRefused, Service, SubmissionRefused,
                Supplement, SupplementClosed, WithdrawRefused)
from .codec import PROBLEM, dump, load

log = logging.getLogger("yiban.platform.client")
PAGE = 500  # the contract's largest page


def operation_of(method: str, path: str) -> str:
    """A call's name for metrics: its path with every segment holding a digit (an
    application number, an id) as {id}, so no number is a label."""
    return f"{method} {re.sub(r'/(?!v1(?:/|$))[^/]*[0-9][^/]*', '/{id}', path)}"


class ServiceTokenRefused(PlatformUnavailable):
    """The platform refused our service token (YIBAN_PLATFORM_TOKEN): for the citizen
    the platform is unavailable; for the operator, a configuration to fix."""


class _Retryable(PlatformUnavailable):
    """A failure worth one more try: the platform could not be reached, or said so."""


RAISED_FOR = {  # a problem's kind → what the embedded platform raises for it
    "withdraw-refused": WithdrawRefused, "supplement-closed": SupplementClosed,
    "rating-refused": RatingRefused, "submission-refused": SubmissionRefused,
    "idempotency-key-reused": IdempotencyKeyReused, "invalid": ValueError,
    "not-found": LookupError}


class HttpPlatform:
    def __init__(self, base_url: str, token: str, *, connect_timeout: float = 2.0,
                 read_timeout: float = 5.0, attempts: int = 3, breaker_failures: int = 5,
                 breaker_reset_seconds: float = 30.0, backoff_seconds: float = 0.2,
                 page_size: int = PAGE, observe=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.page_size = page_size
        self.breaker = pybreaker.CircuitBreaker(fail_max=breaker_failures,
                                                reset_timeout=breaker_reset_seconds,
                                                exclude=[ServiceTokenRefused])
        self._clients: dict[int, httpx.Client] = {}
        self._lock = threading.Lock()
        # observe(operation, outcome, seconds): each call as the front waited for it,
        # retries included (app/operations: yiban_platform_call_seconds).
        self.observe = observe

    @classmethod
    def from_config(cls, config: dict, observe=None) -> HttpPlatform:
        return cls(config["PLATFORM_URL"], config["PLATFORM_TOKEN"], observe=observe,
                   connect_timeout=config["PLATFORM_CONNECT_TIMEOUT"],
                   read_timeout=config["PLATFORM_READ_TIMEOUT"],
                   attempts=config["PLATFORM_ATTEMPTS"],
                   breaker_failures=config["PLATFORM_BREAKER_FAILURES"],
                   breaker_reset_seconds=config["PLATFORM_BREAKER_RESET_SECONDS"])

    # ---- transport ---------------------------------------------------------------------
    def _http(self) -> httpx.Client:
        """One connection pool per process: a forking server's workers must not share
        the sockets of the process that forked them."""
        pid = os.getpid()
        with self._lock:
            client = self._clients.get(pid)
            if client is None:
                client = self._clients[pid] = httpx.Client(
                    base_url=self.base_url, timeout=self.timeout,
                    headers={"Authorization": f"Bearer {self.token}",
                             "Accept": "application/json"})
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def _once(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._http().request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError,
                httpx.PoolTimeout, httpx.ReadError, httpx.WriteError) as error:
            # Refused, or reset by a platform stopping or starting: only calls safe to
            # send again (see _call) are retried. A time-out is not: the platform is busy.
            raise _Retryable(f"{method} {path}: {type(error).__name__}") from error
        except httpx.TransportError as error:  # read or write timed out
            raise PlatformUnavailable(f"{method} {path}: {type(error).__name__}") from error
        if response.status_code in (502, 503, 504):
            raise _Retryable(f"{method} {path}: {response.status_code}")
        if response.status_code >= 500:
            raise PlatformUnavailable(f"{method} {path}: {response.status_code}")
        if response.status_code == 401 and _kind(response) == "unauthorised":
            log.error("the platform refused the service token (YIBAN_PLATFORM_TOKEN)")
            raise ServiceTokenRefused(f"{method} {path}: 401")
        return response

    def _call(self, method: str, path: str, *, key: str | None = None,
              headers: dict | None = None, **kwargs) -> httpx.Response:
        headers = dict(headers or {})
        if key is not None:
            headers["Idempotency-Key"] = key
        if has_request_context() and g.get("request_id"):
            headers["X-Request-ID"] = g.request_id
        # Safe to send again: a read (GET, or a look-up by POST), or a write with its key.
        safe = method == "GET" or key is not None or path.endswith(("/authenticate", "/find"))
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts if safe else 1),
            wait=(wait_exponential(multiplier=self.backoff_seconds, max=4 * self.backoff_seconds)
                  + wait_random(0, self.backoff_seconds)),  # jitter: fronts not in step
            retry=retry_if_exception_type(_Retryable), reraise=True)
        started, outcome = time.perf_counter(), "unavailable"
        try:
            # The breaker counts calls, each with its retries: one failure is a call that
            # failed after them; while open, nothing is tried at all.
            response = self.breaker.call(retrying, self._once, method, path,
                                         headers=headers, **kwargs)
            outcome = "ok" if response.status_code < 400 else f"{response.status_code // 100}xx"
            return response
        except pybreaker.CircuitBreakerError as error:
            outcome = "circuit open"
            raise PlatformUnavailable(f"{method} {path}: circuit open") from error
        finally:
            if self.observe is not None:
                self.observe(operation_of(method, path), outcome,
                             time.perf_counter() - started)

    def _json(self, method: str, path: str, *, none_if_missing: bool = False,
              **kwargs) -> Any:
        response = self._call(method, path, **kwargs)
        if response.status_code < 300:
            return response.json()
        kind = _kind(response)
        if none_if_missing and response.status_code in (401, 404):
            return None
        error = RAISED_FOR.get(kind, RuntimeError)
        raise error(f"{method} {path}: {response.status_code} {kind}")

    def _pages(self, path: str, headers: dict | None = None, **params) -> list:
        """Every page of a list, in order."""
        items, cursor = [], None
        while True:
            query = {**params, "limit": self.page_size}
            if cursor:
                query["cursor"] = cursor
            result = self._json("GET", path, params=query, headers=headers)
            items.extend(result["items"])
            cursor = result.get("next_cursor")
            if not cursor:
                return items

    @staticmethod
    def _locale(locale: str) -> dict:
        return {"Accept-Language": locale.replace("_", "-")}

    # ---- catalogue ---------------------------------------------------------------------
    def catalogue_version(self) -> str:
        return self._json("GET", "/v1/catalogue/version")["version"]

    def life_events(self, locale: str) -> list[LifeEvent]:
        return load(list[LifeEvent], self._json("GET", "/v1/life-events",
                                                headers=self._locale(locale)))

    def services(self, locale: str) -> list[Service]:
        return load(list[Service], self._pages("/v1/services", self._locale(locale)))

    def service(self, code: str, locale: str) -> Service | None:
        return load(Service, self._json("GET", f"/v1/services/{_seg(code)}",
                                        headers=self._locale(locale), none_if_missing=True))

    def form_schema(self, code: str, locale: str) -> list[Question]:
        found = self._json("GET", f"/v1/services/{_seg(code)}/form",
                           headers=self._locale(locale), none_if_missing=True)
        return load(list[Question], found or [])

    # ---- identity ----------------------------------------------------------------------
    def authenticate(self, login: str, password: str) -> Person | None:
        return load(Person, self._json("POST", "/v1/citizens/authenticate", none_if_missing=True,
                                       json={"login": login or "", "password": password or ""}))

    def find_person_id(self, login: str) -> str | None:
        found = self._json("POST", "/v1/citizens/find", json={"login": login or ""},
                           none_if_missing=True)
        return found and found["id"]

    def person(self, person_id: str) -> Person | None:
        return load(Person, self._json("GET", f"/v1/citizens/{_seg(person_id)}",
                                       none_if_missing=True))

    def authenticate_helper(self, login: str, password: str) -> Helper | None:
        return load(Helper, self._json("POST", "/v1/helpers/authenticate", none_if_missing=True,
                                       json={"login": login or "", "password": password or ""}))

    def helper(self, helper_id: str) -> Helper | None:
        return load(Helper, self._json("GET", f"/v1/helpers/{_seg(helper_id)}",
                                       none_if_missing=True))

    def find_helper(self, code_or_mobile: str) -> Helper | None:
        return load(Helper, self._json("POST", "/v1/helpers/find", none_if_missing=True,
                                       json={"code_or_mobile": code_or_mobile or ""}))

    # ---- applications ------------------------------------------------------------------
    def _applications(self, owner_id: str) -> str:
        return f"/v1/citizens/{_seg(owner_id)}/applications"

    def submit(self, service_code: str, owner_id: str, answers: dict,
               idempotency_key: str, *, acted_by: str | None = None) -> Application:
        return load(Application, self._json(
            "POST", self._applications(owner_id), key=idempotency_key,
            json={"service_code": service_code, "answers": dump(answers), "acted_by": acted_by}))

    def applications_of(self, owner_id: str) -> list[Application]:
        return load(list[Application], self._pages(self._applications(owner_id)))

    def application(self, number: str, owner_id: str) -> Application | None:
        return load(Application, self._json(
            "GET", f"{self._applications(owner_id)}/{_seg(number)}", none_if_missing=True))

    def withdraw(self, number: str, owner_id: str, *, acted_by: str | None = None,
                 idempotency_key: str | None = None) -> Application:
        return load(Application, self._json(
            "PUT", f"{self._applications(owner_id)}/{_seg(number)}/withdrawal",
            key=idempotency_key or _new_key(), json={"acted_by": acted_by}))

    def answer_supplement(self, number: str, owner_id: str, supplement_id: int,
                          answer: dict, *, acted_by: str | None = None,
                          idempotency_key: str | None = None) -> Application:
        return load(Application, self._json(
            "PUT", f"{self._applications(owner_id)}/{_seg(number)}/supplements/"
                   f"{int(supplement_id)}/answer",
            key=idempotency_key or _new_key(),
            json={"answer": dump(answer), "acted_by": acted_by}))

    def rate(self, number: str, owner_id: str, level: int, comment: str, *,
             acted_by: str | None = None, idempotency_key: str | None = None) -> Application:
        return load(Application, self._json(
            "PUT", f"{self._applications(owner_id)}/{_seg(number)}/rating",
            key=idempotency_key or _new_key(),
            json={"level": level, "comment": comment, "acted_by": acted_by}))

    # ---- feed and reminders ------------------------------------------------------------
    def feed(self, after: int, limit: int = 500) -> list[FeedEvent]:
        return load(list[FeedEvent], self._json(
            "GET", "/v1/feed", params={"after": after, "limit": max(1, min(limit, PAGE))}))

    def feed_position(self) -> int:
        return self._json("GET", "/v1/feed/position")["position"]

    def supplements_due(self, by: date) -> list[tuple[str, str, str, Supplement]]:
        return [(item["number"], item["owner_id"], item["service_code"],
                 load(Supplement, item["supplement"]))
                for item in self._pages("/v1/supplements/due", by=by.isoformat())]

    # ---- nothing of a platform elsewhere is kept on this machine -----------------------
    def reencrypt_stored_data(self) -> None:
        return None


def _kind(response: httpx.Response) -> str | None:
    """The problem's kind (urn:yiban:problem:<kind>), None if the answer is not one."""
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        kind = str(response.json().get("type", ""))
    except (ValueError, AttributeError):
        return None
    return kind[len(PROBLEM):] if kind.startswith(PROBLEM) else kind


def _seg(value: str) -> str:
    """One path segment, whatever the value holds."""
    return quote(str(value), safe="")


def _new_key() -> str:
    return uuid.uuid4().hex
