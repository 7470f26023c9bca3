"""LOG_FORMAT=json: one JSON object per line with the request (or task) id and institutional ID, never a token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from operations.logs import ContextFilter, HealthCheckFilter, JsonFormatter, task_id_var
from orcid_client.redaction import RedactTokensFilter

TOKEN = "1c2f6a0e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"


@pytest.fixture
def json_log():
    """The console handler as settings.LOGGING makes it with LOG_FORMAT=json, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    for f in (RedactTokensFilter(), ContextFilter(), HealthCheckFilter()):
        handler.addFilter(f)
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_logs_json_lines_with_its_id_and_institutional_id_and_no_token(client, json_log, settings):
    from tests.fixtures.works import UserFactory

    settings.DEBUG = False
    client.force_login(UserFactory(username="ada"))
    response = client.get(f"/no-such-page/{TOKEN}/?access_token=opaque-secret-77",
                          HTTP_X_REQUEST_ID="req-4711", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404 and response["X-Request-ID"] == "req-4711"
    lines = [line for line in json_log() if line["logger"] == "django.request"]
    assert lines, "Django logs the 404"
    line = lines[0]
    assert line["request_id"] == "req-4711"
    assert line["institutional_id"] == "ada"
    assert line["level"] == "WARNING" and "timestamp" in line
    assert TOKEN not in json.dumps(line) and "[redacted-token]" in line["message"]


@pytest.mark.django_db
def test_a_request_without_an_id_gets_one(client):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="not a sane id; DROP TABLE")
    assert len(response["X-Request-ID"]) == 32 and " " not in response["X-Request-ID"]


def test_tokens_in_extra_fields_and_tracebacks_are_masked(json_log):
    logger = logging.getLogger("tests.operations")
    try:
        raise ValueError(f"ORCID said: Invalid access token: {TOKEN}")
    except ValueError:
        logger.exception("refresh failed", extra={"authorization": f"Bearer {TOKEN}", "detail": TOKEN})
    (line,) = json_log()
    text = json.dumps(line)
    assert TOKEN not in text
    assert "ValueError" in line["exc_info"]


def test_a_task_id_is_kept_although_it_looks_like_a_token(json_log):
    task_id = "7d0f3a52-1111-4c5a-9e7f-0a1b2c3d4e5f"
    reset = task_id_var.set(task_id)
    try:
        logging.getLogger("tests.operations").warning("sync of one researcher done")
    finally:
        task_id_var.reset(reset)
    (line,) = json_log()
    assert line["task_id"] == task_id


@pytest.mark.django_db
def test_a_researchers_task_logs_their_institutional_id_and_the_task_id(json_log):
    from operations.logs import _task_ended, _task_started
    from tests.fixtures.works import UserFactory

    ada = UserFactory(username="ada")

    class Task:
        name = "putcodes.sync_researcher"

    _task_started(task_id="d2b9c0de-0000-4000-8000-000000000001", task=Task(), args=[ada.pk, 7, None], kwargs={})
    try:
        logging.getLogger("putcodes.sync").warning("ORCID refused a work")
    finally:
        _task_ended()
    (line,) = json_log()
    assert line["institutional_id"] == "ada" and line["task_id"] == "d2b9c0de-0000-4000-8000-000000000001"
