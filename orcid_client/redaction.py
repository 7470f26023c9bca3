"""Keeps ORCID tokens out of logs.

ORCID's access and refresh tokens are UUIDs, and ORCID echoes a bad token back in its
401 body, so any UUID-shaped string and anything after `Bearer` is masked in every log
record, whatever the logger.
"""

from __future__ import annotations

import logging
import re

_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_BEARER = re.compile(r"(?i)(bearer\s+|access_token=|refresh_token=|token=)[^\s&\"',]+")


def redact(text: str) -> str:
    """Return `text` with everything that looks like an ORCID token masked."""
    text = _BEARER.sub(lambda m: m.group(1) + "[redacted]", text)
    return _UUID.sub("[redacted-token]", text)


class RedactTokensFilter(logging.Filter):
    """A logging filter that masks tokens in the formatted message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is rather than lost
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
