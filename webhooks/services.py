"""ORCID webhooks: register a callback per connected iD, remove it on disconnect, and turn
ORCID's callbacks into (debounced) reconciles of the record.

ORCID's webhooks are a premium-member feature (setting ORCID_WEBHOOKS_ENABLED); the
periodic full reconcile covers institutions without them and any missed callback.
https://info.orcid.org/documentation/api-tutorials/api-tutorial-registering-a-webhook/

ORCID calls the callback with an empty POST whenever the record changes, including after
the portal's own writes, and often several times in a row. So the endpoint trusts nothing
but the URL it was called on (which only the portal can compute), and queues at most one
reconcile per record per ORCID_WEBHOOK_DEBOUNCE_SECONDS.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from orcid_client.client import default_client
from orcid_client.errors import OrcidError, TokenRevoked
from orcid_portal.tasks_mode import tasks_run_in_process

from .models import WebhookSubscription

logger = logging.getLogger(__name__)

WEBHOOK_SCOPE = "/webhook"
_HMAC_SALT = "orcid_portal.webhooks.callback"
DEBOUNCE_KEY = "webhooks:reconcile-queued:{orcid}"



def webhooks_enabled() -> bool:
    return bool(settings.ORCID_WEBHOOKS_ENABLED)


def debounce_seconds() -> float:
    return float(settings.ORCID_WEBHOOK_DEBOUNCE_SECONDS)


# ---------------------------------------------------------------------------------------------
# The client's /webhook token: asked for once per process and kept in memory only (never in
# the database, never logged). ORCID's client-credentials tokens live for years.
# ---------------------------------------------------------------------------------------------
_token_lock = threading.Lock()
_token_cache: dict[tuple[str, str], tuple[str, float]] = {}
_TOKEN_MARGIN = 300.0


def webhook_client_token(*, client=None, renew: bool = False) -> str:
    """The client-credentials token with the /webhook scope. Raises `OrcidError` when ORCID
    refuses it (e.g. the membership has no webhooks)."""
    client = client or default_client()
    key = (client.api_url, client.client_id)
    with _token_lock:
        cached = _token_cache.get(key)
        if cached and not renew and cached[1] > time.monotonic():
            return cached[0]
        token = client.token_client_credentials(scope=WEBHOOK_SCOPE)
        lifetime = float(token.expires_in) - _TOKEN_MARGIN if token.expires_in else 3600.0
        _token_cache[key] = (token.access_token, time.monotonic() + max(lifetime, 60.0))
        return token.access_token


def webhook_client_token_forget() -> None:
    """Drop the cached token (tests; a token ORCID stopped accepting)."""
    with _token_lock:
        _token_cache.clear()


def _with_client_token(call):
    """Run `call(access_token)`; if ORCID says the token is no longer valid, get a new one once."""
    client = default_client()
    try:
        return call(client, webhook_client_token(client=client))
    except TokenRevoked:
        return call(client, webhook_client_token(client=client, renew=True))


# ---------------------------------------------------------------------------------------------
# Callback URLs
# ---------------------------------------------------------------------------------------------
def _token_for(orcid: str, nonce: str, secret: str) -> str:
    return salted_hmac(_HMAC_SALT, f"{orcid}:{nonce}", secret=secret, algorithm="sha256").hexdigest()


def _secrets() -> list[str]:
    # SECRET_KEY_FALLBACKS lets a key rotation keep the callbacks registered before it working.
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def webhook_callback_url(*, subscription: WebhookSubscription, secret: str | None = None) -> str:
    """The callback URL registered at ORCID for `subscription` (a secret: never log it)."""
    token = _token_for(subscription.orcid, subscription.nonce, secret or settings.SECRET_KEY)
    path = reverse("webhook-callback", kwargs={"orcid": subscription.orcid, "token": token})
    return f"{subscription.callback_base}{path}"


def webhook_subscription_verify(*, orcid: str, token: str) -> WebhookSubscription | None:
    """The live subscription whose callback URL carries `token`, or None."""
    subscription = (
        WebhookSubscription.objects.filter(orcid=orcid)
        .exclude(state=WebhookSubscription.State.UNREGISTERED)
        .only("pk", "orcid", "nonce", "user_id", "state")
        .first()
    )
    if subscription is None:
        # Spend the same time as for a known iD, so timing does not tell which iDs are known.
        constant_time_compare(token, _token_for(orcid, "-", settings.SECRET_KEY))
        return None
    for secret in _secrets():
        if constant_time_compare(token, _token_for(orcid, subscription.nonce, secret)):
            return subscription
    return None


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------
def webhook_register(*, connection) -> WebhookSubscription | None:
    """Register (or confirm) ORCID's callback for `connection`'s iD. Returns None when webhooks
    are disabled or the connection is not active.

    A new registration, or the iD now belonging to another user, gets a new random callback
    URL (the old one is removed at ORCID first). Registering again what is registered is
    harmless (ORCID answers 204). Raises `OrcidError` when ORCID refuses or cannot be reached;
    the subscription is then `failed` with the reason, and the periodic reconcile retries it.
    """
    if not webhooks_enabled() or connection.status != "active":
        return None
    orcid = connection.orcid
    subscription = WebhookSubscription.objects.filter(orcid=orcid).first()
    stale = subscription is not None and (
        subscription.user_id != connection.user_id or subscription.state == WebhookSubscription.State.UNREGISTERED
    )
    if stale and subscription.state != WebhookSubscription.State.UNREGISTERED:
        # The iD moved to another institutional ID: the old URL must stop working at ORCID too.
        _unregister_at_orcid(subscription)
    if subscription is None or stale:
        with transaction.atomic():
            subscription = subscription or WebhookSubscription(orcid=orcid)
            subscription.user_id = connection.user_id
            subscription.nonce = secrets.token_hex(16)
            subscription.callback_base = settings.PORTAL_BASE_URL
            subscription.state = WebhookSubscription.State.FAILED
            subscription.last_error = "Not registered yet."
            subscription.registered_at = None
            subscription.unregistered_at = None
            subscription.save()
    url = webhook_callback_url(subscription=subscription)
    try:
        _with_client_token(lambda client, token: client.webhook_register(orcid=orcid, callback_url=url, access_token=token))
    except OrcidError as error:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            state=WebhookSubscription.State.FAILED, last_error=str(error)[:500], updated_at=timezone.now()
        )
        logger.warning("Could not register the ORCID webhook for %s: %s", orcid, error)
        raise
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        state=WebhookSubscription.State.REGISTERED, registered_at=now, last_error="", updated_at=now
    )
    subscription.refresh_from_db()
    logger.info("ORCID webhook registered for %s", orcid)
    return subscription


def _unregister_at_orcid(subscription: WebhookSubscription) -> None:
    for secret in _secrets():
        url = webhook_callback_url(subscription=subscription, secret=secret)
        _with_client_token(
            lambda client, token, url=url: client.webhook_unregister(orcid=subscription.orcid, callback_url=url, access_token=token)
        )


def webhook_unregister(*, orcid: str) -> bool:
    """Remove ORCID's callback for `orcid` (on disconnect). Returns whether one was removed.
    Works whatever ORCID_WEBHOOKS_ENABLED says now, so turning webhooks off still cleans up.
    Raises `OrcidError` when ORCID cannot be reached (the subscription stays as it was)."""
    subscription = (
        WebhookSubscription.objects.filter(orcid=orcid).exclude(state=WebhookSubscription.State.UNREGISTERED).first()
    )
    if subscription is None:
        return False
    _unregister_at_orcid(subscription)
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        state=WebhookSubscription.State.UNREGISTERED, unregistered_at=now, updated_at=now
    )
    logger.info("ORCID webhook removed for %s", orcid)
    return True


def webhooks_register_missing(*, limit: int = 500) -> int:
    """Register the callbacks of active connections that have none (or whose registration
    failed): for connections made before webhooks were enabled, and retries. Returns how many
    were registered."""
    if not webhooks_enabled():
        return 0
    from connections.models import OrcidConnection

    try:
        webhook_client_token()
    except OrcidError as error:
        # No /webhook token (e.g. the membership has no webhooks): trying each iD is pointless.
        logger.warning("No ORCID /webhook token, so no webhook was registered: %s", error)
        return 0

    registered = set(
        WebhookSubscription.objects.filter(state=WebhookSubscription.State.REGISTERED).values_list("orcid", "user_id")
    )
    done = 0
    for connection in OrcidConnection.objects.select_related("user").filter(status="active").order_by("pk").iterator():
        if (connection.orcid, connection.user_id) in registered:
            continue
        try:
            webhook_register(connection=connection)
            done += 1
        except OrcidError:
            continue
        if done >= limit:
            break
    return done


# ---------------------------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------------------------
def _tasks_in_process() -> bool:
    return tasks_run_in_process()


def webhook_callback_receive(*, orcid: str, token: str) -> bool:
    """ORCID says the record `orcid` changed. Returns False when the URL is not one the portal
    registered (the caller answers 404). Otherwise makes sure the researcher's record is
    reconciled once for this burst of callbacks, after the commit:

    - with a Celery broker, the first callback of a window of ORCID_WEBHOOK_DEBOUNCE_SECONDS
      queues a reconcile to run when the window ends (so it sees the whole burst); the
      others in the window are dropped;
    - with tasks in-process (no broker), the first callback reconciles at once, and if more
      callbacks come within the window, one more reconcile runs when it ends (on a timer
      thread), so a change made just after the portal's own writes is not missed.
    """
    subscription = webhook_subscription_verify(orcid=orcid, token=token)
    if subscription is None:
        return False
    window = debounce_seconds()
    user_id = subscription.user_id
    now = time.time()
    if window > 0 and not cache.add(DEBOUNCE_KEY.format(orcid=orcid), now, timeout=window):
        if _tasks_in_process() and cache.add(TRAILING_KEY.format(orcid=orcid), True, timeout=window * 2):
            started = cache.get(DEBOUNCE_KEY.format(orcid=orcid)) or now
            _trailing_reconcile_start(orcid=orcid, user_id=user_id, delay=max(started + window - now, 0.05))
        return True
    from django.db.models import F

    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        last_callback_at=timezone.now(), callbacks=F("callbacks") + 1
    )
    def queue() -> None:
        from .tasks import researcher_reconcile_task

        if _tasks_in_process():
            researcher_reconcile_task.apply(args=[user_id])
        else:
            researcher_reconcile_task.apply_async(args=[user_id], countdown=window)

    try:
        transaction.on_commit(queue)
    except transaction.TransactionManagementError:
        # The connection is between autocommit and a transaction (a test's live server shares
        # its in-memory SQLite connection with the test's thread, which may be entering or
        # leaving an atomic block right now): nothing of ours awaits a commit, so queue at once.
        queue()
    return True


TRAILING_KEY = "webhooks:reconcile-trailing:{orcid}"


def _trailing_reconcile_start(*, orcid: str, user_id: int, delay: float) -> None:
    """In-process only: one more reconcile when the window ends, off the request thread."""
    from django.db import close_old_connections, connection

    def run() -> None:
        from .tasks import researcher_reconcile_task

        close_old_connections()
        try:
            cache.delete(TRAILING_KEY.format(orcid=orcid))
            researcher_reconcile_task.apply(args=[user_id])
        except Exception:  # a timer thread has nobody to raise to
            logger.exception("Trailing reconcile of %s failed", orcid)
        finally:
            connection.close()

    timer = threading.Timer(delay, run)
    timer.daemon = True
    timer.name = f"webhook-reconcile-{orcid}"
    with _timers_lock:
        _timers[:] = [t for t in _timers if t.is_alive()]
        _timers.append(timer)
    timer.start()


_timers: list[threading.Timer] = []
_timers_lock = threading.Lock()


def webhook_trailing_reconciles_stop(*, wait: float = 5.0) -> None:
    """Cancel the trailing reconciles not yet started and wait for running ones (shutdown, tests)."""
    with _timers_lock:
        timers, _timers[:] = list(_timers), []
    for timer in timers:
        timer.cancel()
        timer.join(wait)
