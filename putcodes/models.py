"""The PUT-code ledger: one row per item the institution wrote or will write to ORCID.

Also the record of sync runs (`SyncRun`, `SyncError`) and the database lease that keeps one
writer per ORCID record when there is no Redis (`OrcidRecordLock`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OrcidItem(models.Model):
    """An item (work, employment, other affiliation, funding) of one unit on one researcher's ORCID record.

    The unit that wrote the item owns its put-code. `content_hash` is the hash of the
    body last written (empty when unknown), so a later run updates only what changed;
    `attempted_hash` the hash of the body last sent, kept while its outcome is unknown
    (to reconcile a lost answer) or after ORCID refused it (so the same body is not sent
    again blindly: only a change, or an operator's "retry", sends it again).
    """

    class Kind(models.TextChoices):
        WORK = "work", "Work"
        EMPLOYMENT = "employment", "Employment"
        EDUCATION = "education", "Education"
        QUALIFICATION = "qualification", "Qualification"
        INVITED_POSITION = "invited-position", "Invited position"
        DISTINCTION = "distinction", "Distinction"
        MEMBERSHIP = "membership", "Membership"
        SERVICE = "service", "Service"
        FUNDING = "funding", "Funding"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be written"
        ON_ORCID = "on_orcid", "On ORCID"
        DELETED_ON_ORCID = "deleted_on_orcid", "Deleted by the researcher on ORCID"
        WITHDRAWN = "withdrawn", "Withdrawn from ORCID by the institution"
        ERROR = "error", "ORCID refused it"
        OUTCOME_UNKNOWN = "outcome_unknown", "Sent, answer lost: to reconcile"

    class InFlight(models.TextChoices):
        NONE = "", "Nothing"
        CREATE = "create", "A POST"
        DELETE = "delete", "A DELETE"

    class Action(models.TextChoices):
        NONE = "", "Nothing yet"
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    # The ledger is written on every sync of every researcher, and each index is written with
    # it: the unit's and the researcher's rows are found through the composite indexes below
    # (Meta), which start with them, so these keys need none of their own.
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="orcid_items", db_index=False)
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orcid_items", db_index=False
    )
    orcid = models.CharField(max_length=19, help_text="The ORCID iD of the record the item is on.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    local_id = models.CharField(max_length=200, help_text="The unit's own id of the item.")
    work = models.OneToOneField(
        "works.Work", null=True, blank=True, on_delete=models.SET_NULL, related_name="orcid_item"
    )
    employment = models.OneToOneField(
        "employments.Employment", null=True, blank=True, on_delete=models.SET_NULL, related_name="orcid_item"
    )
    affiliation = models.OneToOneField(
        "affiliations.Affiliation", null=True, blank=True, on_delete=models.SET_NULL, related_name="orcid_item"
    )
    funding = models.OneToOneField(
        "funding.Funding", null=True, blank=True, on_delete=models.SET_NULL, related_name="orcid_item"
    )
    put_code = models.BigIntegerField(null=True, blank=True, db_index=True)
    content_hash = models.CharField(max_length=64, blank=True, help_text="Hash of the body last written.")
    attempted_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the body last sent whose outcome is unknown or was refused."
    )
    # Of the local object's data as written (its kind's fingerprint, bound to content_hash:
    # putcodes.sync.fingerprint): while it still matches, a run knows the item is unchanged
    # without serialising it again (issue 17, item 4). Empty: unknown.
    written_fingerprint = models.CharField(
        max_length=32, blank=True, help_text="Fingerprint of the local data last written (skips re-serialising)."
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    visibility = models.CharField(max_length=20, blank=True, help_text="The visibility ORCID last reported.")
    last_error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error_code = models.PositiveIntegerField(null=True, blank=True)
    last_error_message = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Write calls made for this item.")
    # What identifies the item on ORCID as last sent (the kind's `match_key`: the normalised
    # `self` ids of a work or funding, an affiliation's identifying fields): a write whose
    # outcome is unknown is recognised on the record by this, never by the item's current data.
    sent_match = models.JSONField(null=True, blank=True, help_text="How ORCID's record shows the item last sent.")
    in_flight = models.CharField(
        max_length=10, blank=True, choices=InFlight.choices,
        help_text="A call sent whose answer is not recorded yet (a crash leaves it set).",
    )
    last_run = models.ForeignKey(
        "putcodes.SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The run that last wrote it (created, updated or deleted it on ORCID).",
    )
    last_action = models.CharField(max_length=10, blank=True, choices=Action.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    written_at = models.DateTimeField(null=True, blank=True, help_text="When ORCID last accepted a write of it.")
    deleted_on_orcid_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ORCID item (PUT code)"
        verbose_name_plural = "ORCID items (PUT codes)"
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "local_id"], name="orciditem_one_per_unit_item"),
            models.UniqueConstraint(
                fields=["orcid", "kind", "put_code"],
                condition=models.Q(put_code__isnull=False),
                name="orciditem_one_per_put_code",
            ),
        ]
        indexes = [
            models.Index(fields=["researcher", "kind", "state"]),
            models.Index(fields=["unit", "state"]),
            # Plain indexes: a CharField's db_index on PostgreSQL adds a second one for LIKE
            # queries, which nothing asks of these columns.
            models.Index(fields=["orcid"], name="orciditem_orcid"),
            models.Index(fields=["state"], name="orciditem_state"),
        ]
        permissions = [
            ("sync_now", "Can start an ORCID sync of researchers now"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_id} on {self.orcid}: {self.state}"

    @property
    def has_error(self) -> bool:
        return bool(self.last_error_status or self.last_error_message)

    # For the pages of the item kinds' apps, which reach the ledger through their object's
    # `orcid_item` and do not import the sync: both ask the planner (putcodes.status).
    def sync_action(self, *, eligible: bool, approved_at=None) -> str:
        """What the sync will do with this item next ("create", "delete", "unchanged", ...)."""
        from .status import item_next_action

        return item_next_action(self, eligible=eligible, approved_at=approved_at)

    def sync_status(self, *, approved_at=None) -> str:
        """pending, on_orcid, deleted_on_orcid or error, for an approved item."""
        from .status import item_sync_status

        return item_sync_status(self, approved_at=approved_at)


class SyncRun(models.Model):
    """One run of the sync over many researchers (or one): who started it and what it did.

    The counts are of items; `api_*` are ORCID calls made, from `OrcidClient.stats`.
    Researcher tasks add to the counts with F() updates as they go (progress); when the run is
    closed (finished, or `interrupted` by the reaper: putcodes.sync.reaper), created, updated
    and deleted are counted from the ledger (`OrcidItem.last_run`), which a crash cannot lose.
    """

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule (Celery beat)"
        COMMAND = "command", "orcid_sync command"
        ADMIN = "admin", "Admin action"
        PORTAL = "portal", "Portal page or API"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Could not proceed"
        INTERRUPTED = "interrupted", "Interrupted (its process died)"

    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    triggered_by = models.CharField(max_length=200, blank=True, help_text="Who or what started it.")
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    researchers_total = models.PositiveIntegerField(default=0)
    researchers_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    api_reads = models.PositiveIntegerField(default=0)
    api_writes = models.PositiveIntegerField(default=0)
    api_retries = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True, help_text="Why the run could not proceed, if it could not.")
    owner = models.CharField(max_length=100, blank=True, help_text="host:pid of the process running it (in-process runs).")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the run's process.")

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Sync run {self.pk} ({self.get_trigger_display()}, {self.started_at:%Y-%m-%d %H:%M})"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None

    def summary_line(self) -> str:
        """The summary line of CONTRACT §3."""
        return (
            f"created={self.created} updated={self.updated} deleted={self.deleted} "
            f"unchanged={self.unchanged} skipped={self.skipped} failed={self.failed}"
        )


class SyncError(models.Model):
    """One thing that went wrong in a run (an item ORCID refused, a researcher that failed)."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="errors")
    item = models.ForeignKey(OrcidItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.message[:100]


class OrcidRecordLock(models.Model):
    """A lease on one ORCID record, so one writer at a time writes to it (ORCID accepts one
    write at a time per record). Used when there is no Redis: taking it is one conditional
    UPDATE, which is atomic on SQLite and PostgreSQL alike; an expired lease (a crashed
    worker) may be taken over."""

    orcid = models.CharField(max_length=19, primary_key=True)
    owner = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.orcid}: {self.owner or 'free'}"
