"""/health/live and /health/ready (CONTRACT §5): cheap, unauthenticated, honest about what is down."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_live_answers_200_without_signing_in(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_answers_200_while_the_database_answers_and_503_with_a_reason_when_it_goes_away(client, monkeypatch):
    from operations import health

    assert client.get("/health/ready").status_code == 200

    class GoneDatabase:
        def cursor(self):
            raise OperationalError("could not connect to server: Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(health, "connections", {"default": GoneDatabase()})
        down = client.get("/health/ready")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "reasons": ["database: OperationalError"]}
    assert "Connection refused" not in down.content.decode()

    back = client.get("/health/ready")  # the database is back
    assert back.status_code == 200


def test_ready_checks_redis_when_one_is_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["redis: ConnectionError"]


def test_ready_ignores_redis_when_none_is_configured(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    assert client.get("/health/ready").status_code == 200


def test_health_probes_are_not_logged_at_info_but_their_failures_are():
    from operations.logs import HealthCheckFilter

    quiet = HealthCheckFilter()

    def record(level, message):
        return logging.LogRecord("django.server", level, __file__, 1, message, None, None)

    assert not quiet.filter(record(logging.INFO, '"GET /health/ready HTTP/1.1" 200 15'))
    assert not quiet.filter(record(logging.INFO, '"GET /health/live HTTP/1.1" 200 15'))
    assert quiet.filter(record(logging.WARNING, '"GET /health/ready HTTP/1.1" 503 60'))
    assert quiet.filter(record(logging.INFO, '"GET /works/ HTTP/1.1" 200 1500'))
