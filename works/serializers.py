"""The campus API's view of a work (CONTRACT §4)."""

from __future__ import annotations

from rest_framework import serializers

from orcid_client.identifiers import external_id_url

from .selectors import WorkRow, WorkStatus


class IdentifierSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="ORCID's identifier type: doi, pmid, pmc, isbn, issn, arxiv, …")
    value = serializers.CharField(help_text="Normalised value (a DOI bare and lower-case, an ISBN as ISBN-13).")
    relationship = serializers.ChoiceField(choices=["self", "part-of", "version-of", "funded-by"])
    url = serializers.CharField(allow_blank=True, help_text="The resolver link, empty when there is none.")


class WorkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    local_id = serializers.CharField(help_text="The unit's own id of the work.")
    unit = serializers.CharField(help_text="The code of the unit that listed the work.")
    title = serializers.CharField()
    identifiers = IdentifierSerializer(many=True)
    public = serializers.BooleanField()
    approved = serializers.BooleanField(allow_null=True, help_text="The researcher's choice; null until they choose.")
    orcid_status = serializers.ChoiceField(
        choices=WorkStatus.ALL,
        help_text="not_eligible (private, no identifier ORCID accepts as self, or no longer listed), "
        "awaiting_approval, rejected, pending (approved, waiting to be written), on_orcid, "
        "deleted_on_orcid (the researcher deleted it on ORCID), error (ORCID refused it).",
    )
    put_code = serializers.IntegerField(allow_null=True, help_text="ORCID's put-code, when the work is on ORCID.")


def work_row_data(row: WorkRow) -> dict:
    work = row.work
    return {
        "id": work.id,
        "local_id": work.local_id,
        "unit": work.unit.code,
        "title": work.title,
        "identifiers": [
            {"type": e.get("type", ""), "value": e.get("value", ""), "relationship": e.get("relationship") or "self",
             "url": external_id_url(e.get("type", ""), e.get("value", ""))}
            for e in work.external_ids or []
        ],
        "public": work.public,
        "approved": work.approved,
        "orcid_status": row.status,
        "put_code": row.put_code,
    }


class WorkApprovalSerializer(serializers.Serializer):
    approved = serializers.BooleanField(help_text="true: write it to ORCID (when eligible); false: keep it off.")

    def to_internal_value(self, data):
        # A bare boolean only: "yes", 1 or null would be guesses about the researcher's choice.
        if not isinstance(data, dict) or not isinstance(data.get("approved"), bool):
            raise serializers.ValidationError({"approved": ["Must be true or false."]})
        return {"approved": data["approved"]}
