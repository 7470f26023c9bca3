"""Publications (ORCID 'works') that units load for researchers."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from orcid_client.identifiers import SELF_TYPES


class WorkType(models.TextChoices):
    """ORCID v3.0's work types, exactly the values of orcid-model's `WorkType` enum as it is now,
    with the types ORCID added in 2023 (blog-post, conference-output, public-speech, …):
    https://github.com/ORCID/orcid-model/blob/master/src/main/java/org/orcid/jaxb/model/common/WorkType.java
    ORCID refuses any other value."""

    ANNOTATION = "annotation", "Annotation"
    ARTISTIC_PERFORMANCE = "artistic-performance", "Artistic performance"
    BLOG_POST = "blog-post", "Blog post"
    BOOK_CHAPTER = "book-chapter", "Book chapter"
    BOOK_REVIEW = "book-review", "Book review"
    BOOK = "book", "Book"
    CARTOGRAPHIC_MATERIAL = "cartographic-material", "Cartographic material"
    CLINICAL_STUDY = "clinical-study", "Clinical study"
    CONFERENCE_ABSTRACT = "conference-abstract", "Conference abstract"
    CONFERENCE_OUTPUT = "conference-output", "Conference output"
    CONFERENCE_PAPER = "conference-paper", "Conference paper"
    CONFERENCE_POSTER = "conference-poster", "Conference poster"
    CONFERENCE_PRESENTATION = "conference-presentation", "Conference presentation"
    CONFERENCE_PROCEEDINGS = "conference-proceedings", "Conference proceedings"
    DATA_MANAGEMENT_PLAN = "data-management-plan", "Data management plan"
    DATA_SET = "data-set", "Data set"
    DESIGN = "design", "Design"
    DICTIONARY_ENTRY = "dictionary-entry", "Dictionary entry"
    DISCLOSURE = "disclosure", "Disclosure"
    DISSERTATION_THESIS = "dissertation-thesis", "Dissertation or thesis"
    EDITED_BOOK = "edited-book", "Edited book"
    ENCYCLOPEDIA_ENTRY = "encyclopedia-entry", "Encyclopedia entry"
    IMAGE = "image", "Image"
    INVENTION = "invention", "Invention"
    JOURNAL_ARTICLE = "journal-article", "Journal article"
    JOURNAL_ISSUE = "journal-issue", "Journal issue"
    LEARNING_OBJECT = "learning-object", "Learning object"
    LECTURE_SPEECH = "lecture-speech", "Lecture or speech"
    LICENSE = "license", "License"
    MAGAZINE_ARTICLE = "magazine-article", "Magazine article"
    MANUAL = "manual", "Manual"
    MOVING_IMAGE = "moving-image", "Moving image"
    MUSICAL_COMPOSITION = "musical-composition", "Musical composition"
    NEWSLETTER_ARTICLE = "newsletter-article", "Newsletter article"
    NEWSPAPER_ARTICLE = "newspaper-article", "Newspaper article"
    ONLINE_RESOURCE = "online-resource", "Online resource"
    OTHER = "other", "Other"
    PATENT = "patent", "Patent"
    PHYSICAL_OBJECT = "physical-object", "Physical object"
    PREPRINT = "preprint", "Preprint"
    PUBLIC_SPEECH = "public-speech", "Public speech"
    REGISTERED_COPYRIGHT = "registered-copyright", "Registered copyright"
    REPORT = "report", "Report"
    RESEARCH_TECHNIQUE = "research-technique", "Research technique"
    RESEARCH_TOOL = "research-tool", "Research tool"
    REVIEW = "review", "Review"
    SOFTWARE = "software", "Software"
    SOUND = "sound", "Sound"
    SPIN_OFF_COMPANY = "spin-off-company", "Spin-off company"
    STANDARDS_AND_POLICY = "standards-and-policy", "Standards and policy"
    SUPERVISED_STUDENT_PUBLICATION = "supervised-student-publication", "Supervised student publication"
    TECHNICAL_STANDARD = "technical-standard", "Technical standard"
    TEST = "test", "Test"
    TRADEMARK = "trademark", "Trademark"
    TRANSCRIPTION = "transcription", "Transcription"
    TRANSLATION = "translation", "Translation"
    WEBSITE = "website", "Website"
    WORKING_PAPER = "working-paper", "Working paper"
    UNDEFINED = "undefined", "Undefined"


def external_ids_have_self(external_ids) -> bool:
    """Whether these identifiers include one ORCID accepts as the work's own (`self`, a type of
    SELF_TYPES, a value): part of the eligibility rule (works.eligibility), kept on the row as
    `has_self_id` for SQL."""
    return any(
        i.get("relationship") == "self" and i.get("type") in SELF_TYPES and str(i.get("value") or "").strip()
        for i in (external_ids or [])
    )


class Work(models.Model):
    """A publication a unit knows about, for one researcher, keyed by the unit's `local_id`.

    `external_ids` is a list of {"type", "value", "relationship"} with ORCID's type names and
    values normalised by `orcid_client.identifiers.normalise_external_id` (DOIs bare and
    lower-case, PMIDs digits, ISBNs ISBN-13 digits); `contributors` a list of
    {"name", "orcid", "role"}. `approved` is the researcher's choice: None until they choose;
    `approved_at` is when they last approved it (the sync compares it with the time the
    researcher deleted the work on ORCID, to write it again only if approved after that).
    """

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="works")
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="works")
    local_id = models.CharField(max_length=200, help_text="The unit's own id of the work.")
    title = models.TextField()
    subtitle = models.TextField(blank=True)
    work_type = models.CharField(max_length=50, choices=WorkType.choices, default=WorkType.JOURNAL_ARTICLE)
    publication_year = models.PositiveSmallIntegerField(null=True, blank=True)
    publication_month = models.PositiveSmallIntegerField(null=True, blank=True)
    publication_day = models.PositiveSmallIntegerField(null=True, blank=True)
    journal_title = models.TextField(blank=True)
    short_description = models.TextField(blank=True)
    external_ids = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    contributors = models.JSONField(default=list, blank=True)
    citation = models.TextField(blank=True)
    citation_type = models.CharField(max_length=30, blank=True, help_text="Empty: a BibTeX citation is generated.")
    public = models.BooleanField(default=False, help_text="The unit says the work may be shown publicly.")
    approved = models.BooleanField(null=True, blank=True, help_text="The researcher's choice; empty until they choose.")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=200, blank=True, help_text="Who made the last choice (user or API key).")
    # Derived from external_ids (see refresh_derived_fields): they let the curation page filter
    # and search in SQL, so it runs a fixed number of queries whatever the number of works.
    has_self_id = models.BooleanField(default=False, editable=False)
    identifiers_text = models.TextField(blank=True, editable=False)
    source_hash = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="Hash of the unit's data as last imported, so a re-import skips unchanged rows.",
    )
    removed_at = models.DateTimeField(null=True, blank=True, help_text="The unit no longer lists this work.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "local_id"], name="work_unique_per_unit")]
        indexes = [models.Index(fields=["researcher", "unit"])]
        ordering = ["-publication_year", "title", "id"]

    def __str__(self) -> str:
        return self.title[:80]

    def refresh_derived_fields(self) -> None:
        """Recompute `has_self_id` and `identifiers_text` from `external_ids`.

        Called by save() and by the importer before bulk writes (which skip save())."""
        ids = self.external_ids or []
        self.has_self_id = external_ids_have_self(ids)
        self.identifiers_text = " ".join(f"{i.get('type')}:{i.get('value')}" for i in ids)

    def save(self, *args, **kwargs):
        # A derived copy of external_ids, not a business rule: kept in step on every save.
        self.refresh_derived_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "external_ids" in update_fields:
            kwargs["update_fields"] = set(update_fields) | {"has_self_id", "identifiers_text"}
        super().save(*args, **kwargs)

    @property
    def publication_date_display(self) -> str:
        parts = [f"{self.publication_year:04d}"] if self.publication_year else []
        if parts and self.publication_month:
            parts.append(f"{self.publication_month:02d}")
            if self.publication_day:
                parts.append(f"{self.publication_day:02d}")
        return "-".join(parts)


class WorkPreference(models.Model):
    """A researcher's standing choice (issue 14): works a unit lists for them from now on are
    added to their ORCID record without asking, as Symplectic Elements' and DSpace-CRIS's
    "automatic claim" do. None exists unless the researcher makes one (off by default); it can
    be limited to one unit and one work type, is shown on the dashboard and removed there.
    Applied when an import creates a new work (works.preferences.preferences_apply)."""

    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_preferences")
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Empty: any unit."
    )
    work_type = models.CharField(max_length=40, blank=True, choices=WorkType.choices, help_text="Empty: any type.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["researcher", "unit", "work_type"], name="workpreference_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.researcher_id}: {self.unit_id or 'any unit'} / {self.work_type or 'any type'}"

    def describe(self) -> str:
        """The preference in the researcher's words."""
        what = f"works of the type “{self.get_work_type_display()}”" if self.work_type else "works"
        where = f"from {self.unit.name}" if self.unit_id else "from any unit"
        return f"New {what} {where}"
