"""Signals of the connection flow for the apps above (they listen; connections imports none
of them). Connects, reconnects and revocations are `ConnectionEvent` rows (listen to their
post_save); a refusal leaves no row, so it is a signal."""

from django.dispatch import Signal

# The signed-in `user` denied the portal access on ORCID's consent page (OAuth access_denied);
# `request` is the callback's, for a receiver that has something to tell them on the next page.
connection_declined = Signal()

# Asked by `connection_disconnect(remove_items=True)`: delete the items the institution put on
# `user`'s record. The sync (putcodes) answers with how many it removed; its `OrcidError`s
# propagate to the caller (Signal.send, not send_robust), which keeps the connection then.
items_withdraw_requested = Signal()
