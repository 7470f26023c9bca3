"""Tokens are masked in anything that may be logged or shown, whatever their shape."""

import logging
import sys

import pytest

from orcid_client.redaction import RedactTokensFilter, redact

UUID_TOKEN = "1c2f6a0e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"Authorization: Bearer {UUID_TOKEN}", UUID_TOKEN),
        ("Authorization: Bearer sim-token-abcdef123456", "sim-token-abcdef123456"),
        ("grant_type=refresh_token&refresh_token=opaque-refresh-99", "opaque-refresh-99"),
        ("client_id=APP-1&client_secret=s3cr3t-value&code=Q7bXz1", "s3cr3t-value"),
        ("client_id=APP-1&client_secret=s3cr3t-value&code=Q7bXz1", "Q7bXz1"),
        ('{"access_token":"opaque-access-42","token_type":"bearer"}', "opaque-access-42"),
        ('{"refresh_token": "opaque-refresh-43"}', "opaque-refresh-43"),
        ("Invalid access token: not-a-uuid-token-7", "not-a-uuid-token-7"),
        (f"something {UUID_TOKEN} something", UUID_TOKEN),
    ],
)
def test_tokens_are_masked(text, secret):
    assert secret not in redact(text)


def test_ordinary_text_is_left_alone():
    text = "ORCID PUT /v3.0/0000-0002-1825-0097/work/4711 -> 409 [9021] error_code=9021"
    assert redact(text) == text


def test_the_logging_filter_masks_message_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s", (f"Bearer {UUID_TOKEN}",), None)
    RedactTokensFilter().filter(record)
    assert UUID_TOKEN not in record.getMessage()


def test_a_webhook_path_never_shows_the_callback_url_and_its_secret():
    line = "PUT /0000-0002-1825-0097/webhook/https%3A%2F%2Fportal.example.edu%2Fwebhooks%2Forcid%2Fabc%2Fs3cr3t%2F 201"
    redacted = redact(line)
    assert "s3cr3t" not in redacted and "portal.example.edu" not in redacted
    assert redacted.startswith("PUT /0000-0002-1825-0097/webhook/[redacted]")


def test_celery_task_ids_stay_readable_but_tokens_beside_them_do_not():
    task_id = "5d1e7a52-3c0b-4f0e-9a57-1f2e3d4c5b6a"
    record = logging.LogRecord(
        "celery.app.trace", logging.INFO, __file__, 1,
        "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s",
        None, None,
    )
    record.args = {"name": "putcodes.sync_all", "id": task_id, "runtime": 0.1, "return_value": UUID_TOKEN}
    RedactTokensFilter().filter(record)
    message = record.getMessage()
    assert task_id in message and UUID_TOKEN not in message
    # The same UUID from another logger is masked: only Celery's own task ids are known safe.
    other = logging.LogRecord("putcodes", logging.INFO, __file__, 1, "id %s", (task_id,), None)
    RedactTokensFilter().filter(other)
    assert task_id not in other.getMessage()


def test_a_traceback_quoting_a_token_is_masked_too():
    try:
        raise ValueError(f"refused: Bearer {UUID_TOKEN}")
    except ValueError:
        record = logging.LogRecord("putcodes", logging.ERROR, __file__, 1, "sync failed", None, sys.exc_info())
    RedactTokensFilter().filter(record)
    written = logging.Formatter().format(record)
    assert "ValueError" in written and "Traceback" in written
    assert UUID_TOKEN not in written
