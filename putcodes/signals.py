"""Signals of the sync, for other apps that react to what was written (notifications)."""

from django.dispatch import Signal

# Sent after a batch of items was created on ORCID and recorded (`items`: the OrcidItem rows,
# all of one researcher). Bulk writes send no post_save per row.
items_written = Signal()

# Sent when the portal learns that a researcher deleted or hid items on ORCID (reconcile, or a
# sync that met a 404). `items`: OrcidItem ids; `change`: "deleted" or "hidden". Unit events
# (unit_events/) tell the owning units.
items_changed_on_orcid = Signal()

# Sent once when a sync run ends (finished or failed), by whichever process closed it; `run`:
# the SyncRun as stored. Operations' alerts (operations/alerts.py) listen.
sync_run_finished = Signal()

# Sent by the reconcile task after a researcher's record was read and the ledger brought in
# line (`researcher_id`). Notifications look then for a first-written email still owed.
researcher_reconciled = Signal()
