"""What the researcher's dashboard tells them (issue 14): the last sync and the next scheduled
one, what waits for their choice, counts per section, and the next step. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from .models import OrcidItem, SyncRun

SECTION_LABELS = {
    "work": "Works", "employment": "Employment", "education": "Education", "qualification": "Qualifications",
    "invited-position": "Invited positions", "distinction": "Distinctions", "membership": "Memberships",
    "service": "Service", "funding": "Funding",
}


@dataclass
class Section:
    kind: str
    label: str
    listed: int = 0
    waiting: int = 0
    on_orcid: int = 0
    anchor: str = ""


@dataclass
class Overview:
    last_sync: SyncRun | None
    next_sync: datetime | None
    sections: list[Section] = field(default_factory=list)
    works_waiting: int = 0
    works_pending: int = 0
    works_refused: int = 0
    schedule_off: bool = False

    @property
    def waiting(self) -> int:
        return sum(s.waiting for s in self.sections)


def last_sync(*, researcher) -> SyncRun | None:
    """The latest finished run that covered the researcher: theirs, or one over everyone."""
    return (
        SyncRun.objects.filter(finished_at__isnull=False)
        .filter(Q(researcher=researcher) | Q(researcher__isnull=True, unit__isnull=True))
        .order_by("-finished_at").first()
    )


def next_scheduled_sync() -> datetime | None:
    """When the scheduled run over everyone is next due (None: the schedule is off)."""
    from django_celery_beat.models import PeriodicTask

    from .schedule import SYNC_ENTRY_NAME

    entry = PeriodicTask.objects.filter(name=SYNC_ENTRY_NAME).select_related("interval").first()
    if entry is not None and not entry.enabled:
        return None
    every = timedelta(hours=float(settings.ORCID_SYNC_INTERVAL_HOURS))
    if entry is not None and entry.interval is not None:
        every = timedelta(**{entry.interval.period: entry.interval.every})
    last = SyncRun.objects.filter(trigger=SyncRun.Trigger.SCHEDULE).order_by("-started_at").values_list(
        "started_at", flat=True).first()
    last = max(filter(None, [last, getattr(entry, "last_run_at", None)]), default=None)
    return last + every if last is not None else None


def _section_rows(researcher) -> dict[str, Section]:
    from affiliations.models import Affiliation
    from employments.models import Employment
    from funding.models import Funding

    sections: dict[str, Section] = {}
    waiting = Q(approved__isnull=True, unit__requires_approval=True)
    for kind, queryset in (
        ("employment", Employment.objects.filter(researcher=researcher, removed_at__isnull=True)),
        ("funding", Funding.objects.filter(researcher=researcher, removed_at__isnull=True)),
    ):
        counts = queryset.aggregate(listed=Count("id"), waiting=Count("id", filter=waiting))
        sections[kind] = Section(kind, SECTION_LABELS[kind], counts["listed"], counts["waiting"], anchor=kind)
    affiliations = (
        Affiliation.objects.filter(researcher=researcher, removed_at__isnull=True).values("section")
        .annotate(listed=Count("id"), waiting=Count("id", filter=waiting))
    )
    for row in affiliations:
        kind = row["section"]
        sections[kind] = Section(kind, SECTION_LABELS.get(kind, kind), row["listed"], row["waiting"], anchor=kind)
    return sections


def researcher_overview(*, researcher) -> Overview:
    """The dashboard's overview (a dozen queries whatever the counts)."""
    from works.selectors import WorkStatus, work_status_counts

    works = work_status_counts(researcher=researcher)
    sections = {"work": Section("work", "Works", works.get("total", 0), works.get(WorkStatus.AWAITING_APPROVAL, 0),
                                anchor="")}
    sections.update(_section_rows(researcher))
    on_orcid = OrcidItem.objects.filter(researcher=researcher, state=OrcidItem.State.ON_ORCID).values("kind").annotate(n=Count("id"))
    for row in on_orcid:
        section = sections.setdefault(row["kind"], Section(row["kind"], SECTION_LABELS.get(row["kind"], row["kind"])))
        section.on_orcid = row["n"]
    order = list(SECTION_LABELS)
    listed = sorted((s for s in sections.values() if s.listed or s.on_orcid or s.kind == "work"),
                    key=lambda s: order.index(s.kind) if s.kind in order else 99)
    return Overview(
        last_sync=last_sync(researcher=researcher), next_sync=next_scheduled_sync(), sections=listed,
        works_waiting=works.get(WorkStatus.AWAITING_APPROVAL, 0), works_pending=works.get(WorkStatus.PENDING, 0),
        works_refused=works.get(WorkStatus.ERROR, 0), schedule_off=_schedule_off(),
    )


def _schedule_off() -> bool:
    from django_celery_beat.models import PeriodicTask

    from .schedule import SYNC_ENTRY_NAME

    return PeriodicTask.objects.filter(name=SYNC_ENTRY_NAME, enabled=False).exists()
