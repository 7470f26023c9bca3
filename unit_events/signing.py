"""The signature of an event (documented in the README, "Unit events"):

    X-Portal-Timestamp: <unix seconds>
    X-Portal-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

A receiver recomputes it over the raw body, compares in constant time, and refuses a timestamp
more than a few minutes old (a replay)."""

from __future__ import annotations

import hashlib
import hmac


def event_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def event_signature_valid(*, secret: str, timestamp: int | str, body: bytes, signature: str) -> bool:
    expected = event_signature(secret=secret, timestamp=int(timestamp), body=body)
    return hmac.compare_digest(expected, signature or "")
