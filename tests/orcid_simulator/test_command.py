"""`python manage.py orcid_simulator --host 127.0.0.1 --port N` serves the simulator (CONTRACT §3
and §6): started as a deployment or `make run` starts it, in a fresh process on a free port with
no `.env` and a database of its own (not migrated: the simulator may keep its state in memory)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
DEMO_CLIENT_ID = "APP-DEMO000000000001"  # orcid_portal/settings.py ORCID_DEMO_CLIENT_ID


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen, log: Path, *, deadline_s: float = 120.0) -> None:
    """Poll the control interface until it answers. A refused or slow connection is a reason to
    ask again; only the process ending or the generous deadline end the wait."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            if requests.get(f"{url}/_simulator/records", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert server.poll() is None, f"the simulator exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"the simulator did not answer in {deadline_s:.0f} s:\n{log.read_text()}"
        time.sleep(0.2)


def test_the_command_serves_the_simulator_and_its_control_interface(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"PYTHONUNBUFFERED": "1", "PORTAL_ENV_FILE": "/nonexistent", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "simulator.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "orcid_simulator", "--host", "127.0.0.1", "--port", str(port)],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(url, server, log_path)

            # Any path under /_simulator/ answers over HTTP (the server is up).
            assert requests.get(f"{url}/_simulator/", timeout=30).status_code < 500

            made = requests.post(f"{url}/_simulator/records", json={}, timeout=30)
            assert made.status_code == 201, made.text
            answer = made.json()
            orcid = answer["orcid"]
            assert orcid and answer["access_token"]
            # Without `client_id`, the record's token is the demo client's.
            assert answer["client_id"] == DEMO_CLIENT_ID

            record = requests.get(f"{url}/_simulator/records/{orcid}", timeout=30)
            assert record.status_code == 200, record.text
            state = record.json()
            assert state["items"] == []
            assert [t["client_id"] for t in state["tokens"]] == [DEMO_CLIENT_ID]
            assert "/activities/update" in state["tokens"][0]["scope"]

            # The member API serves the record too (ORCID's own endpoints, on the same port).
            works = requests.get(f"{url}/v3.0/{orcid}/works", timeout=30, headers={
                "Authorization": f"Bearer {answer['access_token']}", "Accept": "application/json"})
            assert works.status_code == 200, works.text
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)
    assert f"ORCID simulator on {url}" in log_path.read_text()
