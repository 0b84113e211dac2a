"""Finished results shared by every server through Redis, when ``REDIS_URL`` is set.

Behind a load balancer each server keeps its own small cache (:mod:`.cache`); this second level
lets a server reuse what another has just computed instead of recounting. Keys hold the same
data fingerprint as the local cache (read from the database, so every server agrees) and the
application's version (a rolling upgrade never reads another version's objects). Values are
pickled and signed with an HMAC of ``SECRET_KEY``: a value that anyone else wrote into Redis
is ignored, never unpickled. Redis unreachable or slow costs a recount, never an error.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

_DIGEST = hashlib.sha256().digest_size
# One client (and its connection pool) per Redis address, shared by the process's threads.
_clients: dict[str, Any] = {}


def _client() -> Any | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis  # the "deploy" extra: only needed when REDIS_URL is set

        # Short timeouts: a Redis in trouble must not hold a results page for long.
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return client


def _name(key: Any) -> str:
    text = f"{current_app.config['APP_VERSION']}|{key!r}"
    return "servir:results:" + hashlib.sha256(text.encode()).hexdigest()


def _signature(payload: bytes) -> bytes:
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), payload, hashlib.sha256).digest()


def get(key: Any) -> Any | None:
    """The value another server (or this one) stored under ``key``, or None."""
    client = _client()
    if client is None:
        return None
    import redis

    try:
        stored = client.get(_name(key))
    except redis.RedisError as exc:
        log.warning("results: Redis unavailable, computing locally (%s)", exc)
        return None
    if not stored or len(stored) <= _DIGEST:
        return None
    signature, payload = stored[:_DIGEST], stored[_DIGEST:]
    if not hmac.compare_digest(signature, _signature(payload)):
        log.warning("results: ignoring a value in Redis not signed with this SECRET_KEY")
        return None
    try:
        return pickle.loads(payload)
    except Exception as exc:  # signed by us, yet unreadable here (a class changed since): recount
        log.warning("results: ignoring a value in Redis this code cannot read (%s)", exc)
        return None


def put(key: Any, value: Any) -> None:
    """Store ``value`` for every server, for ``RESULTS_SHARED_SECONDS``."""
    client = _client()
    if client is None:
        return
    import redis

    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        client.set(_name(key), _signature(payload) + payload,
                   ex=int(current_app.config["RESULTS_SHARED_SECONDS"]))
    except redis.RedisError as exc:
        log.warning("results: Redis unavailable, result kept locally only (%s)", exc)
