"""Fixtures of the client's own tests.

`scripted_server` is a tiny real HTTP server that answers from a script, for transport
behaviour the ORCID simulator has no reason to offer (a 502 from a gateway, a given
`Retry-After`, a connection dropped before any answer on a chosen call). ORCID behaviour
itself is tested against the simulator (tests/orcid_client/test_client_simulator.py).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from orcid_client.client import OrcidClient
from orcid_client.ratelimit import NoRateLimit


@dataclass
class Answer:
    status: int = 200
    body: bytes | dict | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # read the request, then close the connection without answering
    delay: float = 0.0  # seconds before answering (to trip the read timeout)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.default = Answer(404, {"response-code": 404, "developer-message": "no script", "error-code": 9016})
        self.received: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.received.append(Received(self.command, self.path, dict(self.headers), body))
                    answer = server.script.pop(0) if server.script else server.default
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = answer.body
                headers = dict(answer.headers)
                if isinstance(payload, dict):
                    payload = json.dumps(payload).encode()
                    headers.setdefault("Content-Type", "application/vnd.orcid+json;charset=UTF-8")
                elif isinstance(payload, str):
                    payload = payload.encode()
                self.send_response(answer.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client that timed out is expected
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, *answers: Answer) -> None:
        with self._lock:
            self.script.extend(answers)

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.received.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def _scripted_server_session():
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def scripted_server(_scripted_server_session):
    _scripted_server_session.reset()
    yield _scripted_server_session
    _scripted_server_session.reset()


@pytest.fixture
def sleeps():
    """The delays the client would have slept, recorded instead of slept."""
    return []


@pytest.fixture
def scripted_client(scripted_server, sleeps):
    """A client aimed at the scripted server, with no rate limit and recorded (not slept) backoff."""
    client = OrcidClient(
        base_url=scripted_server.url,
        api_url=scripted_server.url,
        client_id="APP-TESTCLIENT000001",
        client_secret="test-secret",
        rate_limiter=NoRateLimit(),
        connect_timeout=2,
        read_timeout=0.5,
        max_retries=3,
        backoff_base=0.1,
        sleep=sleeps.append,
    )
    yield client
    client.close()
