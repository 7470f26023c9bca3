"""gunicorn's settings for the portal (docs/DEPLOYMENT.md). Read with `--config`."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Requests that wait on ORCID (connect, disconnect) take a few seconds at most; a stuck one is cut.
timeout = 60
graceful_timeout = 30
# Access lines are left to the TLS proxy; the portal logs what it does itself (LOG_FORMAT).
accesslog = None


def child_exit(server, worker):
    """A dead worker's live gauges leave /metrics (prometheus-client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
