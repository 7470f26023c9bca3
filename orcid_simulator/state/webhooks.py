"""ORCID's webhooks: registrations per record and the background sender of callbacks."""

from __future__ import annotations

import logging
import threading

from orcid_simulator.errors import ApiError
from orcid_simulator.state.models import Client

logger = logging.getLogger(__name__)


class WebhookState:
    """Mixed into `Simulator`."""

    # ---- webhooks ------------------------------------------------------------------------
    def webhook_register(self, *, orcid: str, url: str, client: Client) -> bool:
        """True when the callback is new (201), False when it was already there (204)."""
        with self.lock:
            record = self.record(orcid)
            new = url not in record.webhooks
            record.webhooks[url] = client.client_id
            return new

    def webhook_unregister(self, *, orcid: str, url: str, client: Client) -> None:
        with self.lock:
            record = self.record(orcid)
            if url not in record.webhooks:
                # WebhooksServiceDelegatorImpl.unregisterWebhook: OrcidWebhookNotFoundException.
                raise ApiError(9028, params={"orcid": orcid, "uri": url})
            del record.webhooks[url]

    def _notify(self, orcid: str) -> None:
        with self.lock:
            record = self.records.get(orcid)
            urls = list(record.webhooks) if record else []
        for url in urls:
            self.webhook_sender.send(url)
        self.save()


class WebhookSender:
    """Posts an empty body to callbacks from background threads, as ORCID's scheduler does, so
    that a slow or dead callback never holds up an API call (nor, with a few senders, the
    other callbacks)."""

    def __init__(self, workers: int = 4) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orcid-simulator-webhook")
        self.sent: list[tuple[str, int | None]] = []
        self._pending: set = set()
        self._lock = threading.Lock()

    def send(self, url: str) -> None:
        future = self.pool.submit(self._post, url)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every callback queued so far has been posted (or has failed); False if
        some are still under way after `timeout` seconds."""
        from concurrent.futures import wait

        with self._lock:
            pending = set(self._pending)
        return not wait(pending, timeout=timeout).not_done

    def _post(self, url: str) -> None:
        import requests

        status: int | None = None
        try:
            # One connection per callback, closed after it: nothing is kept open towards the
            # callback's server (which may be stopped at any time, as a test's live server is).
            status = requests.post(url, data=b"", headers={"Connection": "close"}, timeout=(2, 5)).status_code
        except requests.RequestException as exc:
            logger.info("webhook %s failed: %s", url, exc.__class__.__name__)
        self.sent.append((url, status))
        if len(self.sent) > 10000:
            del self.sent[:5000]

    def close(self) -> None:
        """Stop sending: callbacks still queued are dropped, those under way finish."""
        self.pool.shutdown(wait=True, cancel_futures=True)

