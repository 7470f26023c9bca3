"""The production path as docs/DEPLOYMENT.md gives it: DEBUG off, `migrate`, `collectstatic`, then
gunicorn serving the portal and its static files (WhiteNoise) behind the campus TLS proxy."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parents[2]
BEHIND_PROXY = {"X-Forwarded-Proto": "https"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(url: str, server: subprocess.Popen, log: Path, *, deadline_s: float = 300.0) -> None:
    """Poll /health/ready until gunicorn's workers answer 200. Any failure to get an answer
    (refused, reset, a read timeout while a worker boots on a busy machine) is a reason to
    ask again, not an error; only gunicorn exiting or the generous deadline end the wait."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            answer = requests.get(f"{url}/health/ready", timeout=10, allow_redirects=False)
            if answer.status_code == 200:
                return
        except requests.RequestException:
            pass
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"gunicorn was not ready in {deadline_s:.0f} s:\n{log.read_text()}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """The portal under gunicorn with production settings, on a database and static root of its own."""
    home = tmp_path_factory.mktemp("production")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({
        "PORTAL_ENV_FILE": "/nonexistent",
        "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "production-test-" + "k" * 50,
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "STATIC_ROOT": str(home / "static"),
        # gunicorn's two workers write their metrics here and /metrics adds them up (DEPLOYMENT.md).
        "PROMETHEUS_MULTIPROC_DIR": str(home / "metrics"),
    })
    (home / "metrics").mkdir()
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    log = (home / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "orcid_portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_until_ready(url, server, home / "gunicorn.log")
    yield url
    server.terminate()
    server.wait(timeout=20)
    log.close()


def test_the_portal_serves_its_pages_and_hashed_static_files(portal):
    page = requests.get(f"{portal}/login/", headers=BEHIND_PROXY, timeout=60)
    assert page.status_code == 200 and "Strict-Transport-Security" in page.headers
    stylesheet = re.search(r'href="(/static/portal/portal\.[0-9a-f]{12}\.css)"', page.text)
    assert stylesheet, "the page links the hashed stylesheet collectstatic made"
    css = requests.get(portal + stylesheet.group(1), headers=BEHIND_PROXY, timeout=60)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"]


def test_plain_http_is_sent_to_https(portal):
    answer = requests.get(f"{portal}/login/", timeout=60, allow_redirects=False)
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://")


def test_an_unknown_page_is_a_plain_404_without_debug_details(portal):
    answer = requests.get(f"{portal}/no-such-page/", headers=BEHIND_PROXY, timeout=60)
    assert answer.status_code == 404
    assert "Traceback" not in answer.text and "URLconf" not in answer.text
    assert "orcid-support@example.edu" in answer.text  # the portal's page names SUPPORT_EMAIL


def test_probes_and_the_scraper_reach_gunicorn_over_plain_http(portal):
    """Load balancers and Prometheus talk to gunicorn directly: no redirect to https for them."""
    assert requests.get(f"{portal}/health/live", timeout=60, allow_redirects=False).status_code == 200
    assert requests.get(f"{portal}/health/ready", timeout=60, allow_redirects=False).status_code == 200
    metrics = requests.get(f"{portal}/metrics", timeout=60, allow_redirects=False)  # from 127.0.0.1: no token needed
    assert metrics.status_code == 200 and "orcid_portal_items" in metrics.text
