"""The simulator's in-memory ORCID, one module per job: `models` (the data), `core` (the
`Simulator` and its records), `oauth`, `items`, `records` (record states), `webhooks`,
`organizations` and `persistence`."""

from orcid_simulator.state.core import Simulator
from orcid_simulator.state.models import (
    CLIENT_CREDENTIALS_SCOPES,
    DEFAULT_SCOPES,
    MAX_WORKS,
    USER_SCOPES,
    VISIBILITIES,
    AuthCode,
    Client,
    Faults,
    Item,
    Record,
    Token,
    TokenBucket,
    TokenFaults,
    external_ids,
    new_orcid,
    strip_server_fields,
)
from orcid_simulator.state.webhooks import WebhookSender

__all__ = [
    "CLIENT_CREDENTIALS_SCOPES", "DEFAULT_SCOPES", "MAX_WORKS", "USER_SCOPES", "VISIBILITIES", "AuthCode", "Client",
    "Faults", "Item", "Record", "Simulator", "Token", "TokenBucket", "TokenFaults", "WebhookSender", "external_ids",
    "new_orcid", "strip_server_fields",
]
