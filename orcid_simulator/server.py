"""Serving the simulator: werkzeug's threaded WSGI server, in the foreground or in a daemon thread."""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from orcid_simulator.app import SimulatorApp
from orcid_simulator.state import Simulator

logger = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to the `orcid_simulator` logger at DEBUG (tests run thousands of calls);
    paths never hold tokens, so they may be logged."""

    def log_request(self, code="-", size="-") -> None:
        logger.debug("%s %s %s", self.command, self.path, code)

    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 - werkzeug's signature
        logger.debug(message, *args)

    def connection_dropped(self, error, environ=None) -> None:
        logger.debug("connection dropped: %s", error)


# Young objects collected every 10,000 allocations rather than 700: a bulk call of 100 works
# makes some 10,000 short-lived dicts and lists (the request's JSON, the answer's), freed by
# reference counting anyway; at 700 the collector ran ~5 times per call.
GC_THRESHOLD = (10000, 50, 100)


def tune_collector() -> None:
    """For a process that serves the simulator and nothing else: what is there once it has
    started (Django, the XSD model) is never garbage, so the collector stops looking at it
    (gc.freeze), and it looks at young objects less often (GC_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def build_simulator(*, rate: float | None = None, burst: float | None = None, state_file: str | None = None,
                    seed: int | None = None) -> Simulator:
    """A simulator whose demo client is the one in Django settings (ORCID_DEMO_CLIENT_ID/SECRET)."""
    from django.conf import settings

    return Simulator(
        demo_client_id=settings.ORCID_DEMO_CLIENT_ID,
        demo_client_secret=settings.ORCID_DEMO_CLIENT_SECRET,
        rate=rate if rate is not None else 24.0,
        burst=burst if burst is not None else 40.0,
        state_file=state_file,
        seed=seed,
    )


@dataclass
class RunningSimulator:
    server: BaseWSGIServer
    simulator: Simulator
    thread: threading.Thread | None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.simulator.webhook_sender.close()


def serve(*, host: str = "127.0.0.1", port: int = 8090, simulator: Simulator | None = None,
          background: bool = False, **options) -> RunningSimulator:
    """Start the simulator on host:port (port 0: any free port). In the background, returns at
    once with the server running in a daemon thread; otherwise serves until interrupted."""
    simulator = simulator or build_simulator(**options)
    app = SimulatorApp(simulator)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    server.daemon_threads = True
    running = RunningSimulator(server, simulator, None)
    if not background:
        tune_collector()  # the simulator's own process (manage.py orcid_simulator), not a test's
    if background:
        thread = threading.Thread(target=server.serve_forever, name="orcid-simulator", daemon=True)
        thread.start()
        running.thread = thread
        return running
    try:
        server.serve_forever()
    finally:
        server.server_close()
        simulator.webhook_sender.close()
    return running
