"""Signals of the sync, for other apps that react to what was written (notifications)."""

from django.dispatch import Signal

# Sent after a batch of items was created on ORCID and recorded (`items`: the OrcidItem rows,
# all of one researcher). Bulk writes send no post_save per row.
items_written = Signal()
