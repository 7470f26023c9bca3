"""Keeps ORCID tokens out of logs.

ORCID's access and refresh tokens are UUIDs, and ORCID echoes a bad token back in its
401 body, so any UUID-shaped string and anything after `Bearer` is masked in every log
record, whatever the logger.
"""

from __future__ import annotations

import logging
import re

_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_BEARER = re.compile(r"(?i)\b(bearer\s+|access_token=|refresh_token=|client_secret=|token=|code=)[^\s&\"',]+")
# JSON as ORCID's token answer has it: "access_token":"…"
_JSON_SECRET = re.compile(r'(?i)("(?:access_token|refresh_token|client_secret|id_token)"\s*:\s*")[^"]*(")')
# ORCID's 401 description echoes the token it refused: "Invalid access token: <token>".
_ECHOED = re.compile(r"(?i)(invalid (?:access |refresh )?token:\s*)[^\s\"',]+")
# A webhook path carries the portal's callback URL, whose last part is the callback's secret.
_WEBHOOK = re.compile(r"(?i)(/webhook/)[^\s\"',?]+")
# ...and the portal's own callback path, as a web server's request line shows it when ORCID calls.
_CALLBACK = re.compile(r"(?i)(/webhooks/orcid/[^/\s]+/)[^/\s\"',?]+")


def redact(text: str, *, keep: frozenset[str] = frozenset()) -> str:
    """Return `text` with everything that looks like an ORCID token masked (but the UUIDs in
    `keep`, known not to be tokens)."""
    text = _BEARER.sub(lambda m: m.group(1) + "[redacted]", text)
    text = _JSON_SECRET.sub(lambda m: m.group(1) + "[redacted]" + m.group(2), text)
    text = _ECHOED.sub(lambda m: m.group(1) + "[redacted]", text)
    text = _WEBHOOK.sub(lambda m: m.group(1) + "[redacted]", text)
    text = _CALLBACK.sub(lambda m: m.group(1) + "[redacted]", text)
    return _UUID.sub(lambda m: m.group(0) if m.group(0) in keep else "[redacted-token]", text)


def _celery_task_ids(record: logging.LogRecord) -> frozenset[str]:
    """Celery's task ids are UUIDs too. Its own log lines ("Task %(name)s[%(id)s] succeeded")
    pass the id as the `id` argument; it is no secret and the on-call engineer needs it."""
    if record.name.startswith("celery") and isinstance(record.args, dict):
        task_id = record.args.get("id")
        if isinstance(task_id, str):
            return frozenset({task_id})
    return frozenset()


class RedactTokensFilter(logging.Filter):
    """A logging filter that masks tokens in the formatted message and its arguments, and in
    the traceback or stack attached to the record (an exception's text may quote a token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        keep = _celery_task_ids(record)
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when it is set, so the masked text is what gets written.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, keep=keep)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, keep=keep)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is rather than lost
            return True
        redacted = redact(message, keep=keep)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
