"""Units of the institution (the library, HR, ...) that own items and their PUT codes,
and the API keys campus systems use to act for a unit."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Unit(models.Model):
    """A unit that loads data and owns the ORCID items (and PUT codes) written from it."""

    code = models.SlugField(max_length=32, unique=True, help_text="Short code, e.g. 'library' or 'hr'.")
    name = models.CharField(max_length=200)
    paused = models.BooleanField(default=False, help_text="A paused unit's items are not written to ORCID.")
    # Works always need the researcher's approval (CONTRACT §3's eligibility rule); this flag
    # is for the unit's other items (employment), which ORCID's guidance lets the institution
    # write without asking when researchers were told ahead.
    requires_approval = models.BooleanField(
        default=False,
        help_text="Whether researchers must approve this unit's employment items before they are "
        "written (works always need approval).",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="staffed_units",
        help_text="Staff who may see and act on this unit's items in the admin.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ApiKey(models.Model):
    """A unit's key for the campus API. Only a hash of the secret is stored; the key is shown once."""

    class Scope(models.TextChoices):
        WORKS_CURATE = "works:curate", "Read and curate researchers' works"
        TOKENS_READ = "tokens:read", "Read researchers' ORCID access tokens"
        CONNECTIONS_READ = "connections:read", "Read researchers' ORCID iDs and connection state"
        ORCID_READ = "orcid:read", "Read the works on researchers' ORCID records"
        REPORTS_READ = "reports:read", "Read the adoption report"
        INVITATIONS_READ = "invitations:read", "Read the unit's invitations and their status"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200, blank=True)
    prefix = models.CharField(max_length=16, unique=True, help_text="The key's public part, to recognise it.")
    key_hash = models.CharField(max_length=64, help_text="SHA-256 of the secret part.")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Issue 11: a key that discloses tokens is held as a vault would hold it: it may expire, and
    # may be limited to the researchers of named units or groups (empty: every researcher).
    expires_at = models.DateTimeField(null=True, blank=True, help_text="After this the key stops working.")
    token_units = models.ManyToManyField(
        Unit, blank=True, related_name="+",
        help_text="tokens:read only for researchers who have items of these units (empty: no limit by unit).")
    token_groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+",
        help_text="tokens:read only for researchers in these groups (empty: no limit by group).")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.unit.code}:{self.prefix}"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ApiAuditEvent(models.Model):
    """One use of the campus API: who, what, for whom, and whether a token was disclosed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    institutional_id = models.CharField(max_length=150, blank=True, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    token_disclosed = models.BooleanField(default=False, help_text="The answer carried an ORCID access token.")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["token_disclosed", "at"])]


class ImportJob(models.Model):
    """A unit's file imported in the background (the admin's upload), with its progress and
    report, so that no file's size times out a web worker (issue 11). The state changes only
    through units/importing/jobs.py's transitions."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=40, help_text="The import kind (works, employments, ...).")
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    file_name = models.CharField(max_length=255)
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="The import's counts, once done.")
    rejected = models.JSONField(default=list, blank=True, help_text="The first rejected rows, for the page.")
    report = models.TextField(blank=True, help_text="The rejected rows and what the snapshot did, one per line.")
    error = models.TextField(blank=True, help_text="Why the file was refused or the job failed.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} into {self.unit.code}: {self.file_name}"
