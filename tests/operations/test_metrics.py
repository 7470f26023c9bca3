"""/metrics: Prometheus' text format, counting what the portal did, for the scraper only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return samples(response.content.decode())


def value(figures, name: str, **labels) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def test_without_metrics_token_only_this_machine_may_scrape(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 403
    # A proxy on this machine relays the world's requests from 127.0.0.1: not this machine's.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403


def test_with_metrics_token_the_bearer_token_is_needed_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-1234"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="10.20.30.40", HTTP_AUTHORIZATION="Bearer scrape-secret-1234")
    assert ok.status_code == 200 and b"orcid_portal_items" in ok.content


def test_metrics_count_the_orcid_calls_a_sync_made_and_the_items_it_wrote(client, sync_env, orcid_simulator):
    researcher, connection = sync_env.researcher(works=3)
    before = scrape(client)
    orcid_simulator.clear_calls()

    run = sync_env.sync()

    after = scrape(client)
    assert run.created == 3
    # Every HTTP call the simulator saw is counted once, by method, endpoint pattern and status.
    seen: dict[tuple[str, str, str], int] = {}
    for call in orcid_simulator.calls():
        path = call["path"].replace(connection.orcid, "{orcid}")
        key = (call["method"], path, str(call["status"]))
        seen[key] = seen.get(key, 0) + 1
    assert seen, "the sync called ORCID"
    for (method, path, status), count in seen.items():
        if not path.startswith("/v3.0/"):
            continue
        name = "orcid_portal_orcid_calls_total"
        labels = {"method": method, "endpoint": path, "status": status}
        assert value(after, name, **labels) - value(before, name, **labels) == count, (method, path, status)
    assert value(after, "orcid_portal_items", kind="work", state="on_orcid") == 3
    assert value(after, "orcid_portal_sync_runs_total", status="finished") == value(
        before, "orcid_portal_sync_runs_total", status="finished") + 1
    assert value(after, "orcid_portal_sync_items_total", outcome="created") >= 3
    assert value(after, "orcid_portal_sync_run_duration_seconds_count") >= 1
    assert value(after, "orcid_portal_connections", status="active") == 1


def test_retries_and_rate_limit_waits_are_counted():
    from operations.metrics import ORCID_CALLS_OBSERVER, ORCID_RATE_LIMIT_WAIT, ORCID_RETRIES
    from orcid_client import observers

    retries = ORCID_RETRIES.labels("PUT", "/v3.0/{orcid}/work/{put-code}")
    before_retries, before_wait = retries._value.get(), ORCID_RATE_LIMIT_WAIT._value.get()
    observers.observer_add(ORCID_CALLS_OBSERVER)  # already registered by the app: adding again is a no-op
    observers.notify_retry("PUT", "/v3.0/0000-0002-1825-0097/work/4711")
    observers.notify_rate_limit_wait(0.25)
    assert retries._value.get() == before_retries + 1
    assert ORCID_RATE_LIMIT_WAIT._value.get() == pytest.approx(before_wait + 0.25)


def test_in_multiprocess_mode_a_scrape_adds_up_every_process(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR (gunicorn workers, Celery processes): counters of processes
    that ran and ended are in the answer of another one."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PORTAL_ENV_FILE": "/nonexistent",
           "DJANGO_SETTINGS_MODULE": "orcid_portal.settings"}
    env.pop("DATABASE_URL", None)
    count_calls = (
        "import django; django.setup()\n"
        "from orcid_client import observers\n"
        "for _ in range(N): observers.notify_call('GET', '/v3.0/0000-0002-1825-0097/works', 200, 0.1)\n"
    )
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", count_calls.replace("N", str(n))], cwd=BASE_DIR, env=env, check=True,
                       timeout=300)
    scrape_script = (
        "import django; django.setup()\n"
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess\n"
        "registry = CollectorRegistry(); multiprocess.MultiProcessCollector(registry)\n"
        "print(generate_latest(registry).decode())\n"
    )
    done = subprocess.run([sys.executable, "-c", scrape_script], cwd=BASE_DIR, env=env, check=True, timeout=300,
                          capture_output=True, text=True)
    figures = samples(done.stdout)
    assert value(figures, "orcid_portal_orcid_calls_total", method="GET", endpoint="/v3.0/{orcid}/works",
                 status="200") == 5
