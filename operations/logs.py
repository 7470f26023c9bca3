"""Structured logs (`LOG_FORMAT=json`) and the context every log line carries.

Each request gets an id (the proxy's `X-Request-ID` when it sent a sane one, else a new one),
answered back in `X-Request-ID`; each Celery task runs under its task id. Both, and the
researcher's institutional ID when the request or task is about one, go into every log
record (`ContextFilter`), so the plain format can show them and the JSON format always does.

Every value of the JSON line is redacted before it is written (`JsonFormatter`): a token can
never reach the log through an `extra` field or a traceback either.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

from orcid_client.redaction import redact

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")
institutional_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("institutional_id", default="")

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HEALTH_PATHS = ("/health/live", "/health/ready")


class ContextFilter(logging.Filter):
    """Adds `request_id`, `task_id` and `institutional_id` to every record (empty when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        record.institutional_id = institutional_id_var.get()
        return True


class HealthCheckFilter(logging.Filter):
    """Drops the request lines of health probes below WARNING (a probe every few seconds would
    drown everything else); a probe that fails is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        try:
            message = record.getMessage()
        except Exception:
            return True
        return not any(path in message for path in _HEALTH_PATHS)


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line: time, level, logger, message, the context ids, any traceback."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(institutional_id)s",
                         *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        for name in ("request_id", "task_id", "institutional_id"):
            if not hasattr(record, name):
                setattr(record, name, "")
        self._keep = frozenset(v for v in (record.task_id, record.request_id) if v)
        return super().format(record)

    def process_log_record(self, log_data):
        """Every string value masked (the message, `extra` fields, the traceback), before the
        line is serialised: the ids of this record are kept though they may look like tokens."""
        keep = getattr(self, "_keep", frozenset())
        return {key: _redacted(value, keep) for key, value in super().process_log_record(log_data).items()}


def _redacted(value, keep: frozenset[str]):
    if isinstance(value, str):
        return redact(value, keep=keep)
    if isinstance(value, dict):
        return {k: _redacted(v, keep) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v, keep) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # Anything else (Django's `request` extra, an exception) as its text, masked too: the JSON
    # encoder would otherwise write its repr, path and query included, unmasked.
    return redact(str(value), keep=keep)


def request_id_from(header: str | None) -> str:
    return header if header and _SANE_REQUEST_ID.match(header) else uuid.uuid4().hex


class RequestContextMiddleware:
    """Sets the log context of a request: its id (first of all middleware, so every line of the
    request has it), and the institutional ID it is about (the one an API path names, or the
    signed-in researcher), known once the view is chosen."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Set, not reset on the way out: Django logs the request's 4xx/5xx after the last
        # middleware returned; `request_finished` (connect_request_signals) clears them.
        request.request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request_id_var.set(request.request_id)
        institutional_id_var.set("")
        response = self.get_response(request)
        if not institutional_id_var.get():  # no view ran (a 404), or it named nobody
            _set_user(request)
        response["X-Request-ID"] = request.request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """After the other middleware signed the user in: the ID the path names, else theirs."""
        named = view_kwargs.get("institutional_id")
        if named:
            institutional_id_var.set(str(named)[:150])
        else:
            _set_user(request)
        return None


def _set_user(request) -> None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "pk", None) and user.is_authenticated:
        institutional_id_var.set(user.get_username())


# Tasks about one researcher, and where their user id is: (argument position, keyword).
RESEARCHER_TASKS = {
    "putcodes.sync_researcher": (0, "researcher_id"),
    "putcodes.researcher_reconcile": (0, "user_id"),
}


def _task_institutional_id(name: str, args, kwargs) -> str:
    """The institutional ID a task is about (one small query), or ""."""
    if kwargs and kwargs.get("institutional_id"):
        return str(kwargs["institutional_id"])[:150]
    where = RESEARCHER_TASKS.get(name)
    if where is None:
        return ""
    position, keyword = where
    user_id = (kwargs or {}).get(keyword, args[position] if args and len(args) > position else None)
    if not isinstance(user_id, int):
        return ""
    from django.contrib.auth import get_user_model

    try:
        return get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first() or ""
    except Exception:  # the log context is never a reason for a task to fail
        return ""


def _task_started(task_id=None, task=None, args=None, kwargs=None, **_):
    task_id_var.set(task_id or "")
    institutional_id_var.set(_task_institutional_id(getattr(task, "name", ""), args, kwargs))


def _task_ended(**_):
    task_id_var.set("")
    institutional_id_var.set("")


def _request_finished(**_):
    request_id_var.set("")
    institutional_id_var.set("")


def connect_signals() -> None:
    from django.core.signals import request_finished

    request_finished.connect(_request_finished, dispatch_uid="operations.logs.request_finished")
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="operations.logging.task_prerun")
    task_postrun.connect(_task_ended, weak=False, dispatch_uid="operations.logging.task_postrun")
