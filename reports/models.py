"""The adoption report's weekly snapshots, kept so the admin can draw adoption over time."""

from __future__ import annotations

from django.db import models


class AdoptionSnapshot(models.Model):
    """The adoption report as it stood on one day: one row for the whole institution
    (`unit` empty) and one per unit, so a unit's staff see their own trend."""

    taken_on = models.DateField(db_index=True)
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    researchers = models.PositiveIntegerField(default=0)
    connected = models.PositiveIntegerField(default=0)
    items_on_orcid = models.PositiveIntegerField(default=0)
    items_failing = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, help_text="The report's total row (per state and per kind).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["taken_on", "unit"], name="adoption_snapshot_one_per_day_unit"),
            models.UniqueConstraint(
                fields=["taken_on"], condition=models.Q(unit__isnull=True), name="adoption_snapshot_one_total_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Adoption on {self.taken_on} ({self.unit.code if self.unit_id else 'all units'})"

    @property
    def connected_percent(self) -> float:
        return round(100.0 * self.connected / self.researchers, 1) if self.researchers else 0.0
