from __future__ import annotations

from rest_framework import serializers

API_STATUSES = [
    "active", "revoked", "expired", "disconnected", "locked", "deactivated", "deprecated",
]


class OrcidConnectionSerializer(serializers.Serializer):
    """A researcher's ORCID connection as the campus API shows it (CONTRACT §4)."""

    institutional_id = serializers.CharField(read_only=True)
    orcid = serializers.CharField(
        read_only=True, allow_null=True,
        help_text="The ORCID iD (e.g. 0000-0002-1825-0097); null when not connected.",
    )
    orcid_uri = serializers.CharField(read_only=True, allow_null=True, help_text="The iD as a full URI.")
    name = serializers.CharField(read_only=True, allow_blank=True, help_text="The name ORCID returned.")
    status = serializers.ChoiceField(
        choices=API_STATUSES, read_only=True,
        help_text="active: usable; revoked: the researcher revoked access on ORCID; expired: the token ran out; "
        "disconnected: the researcher disconnected in the portal, or never connected; "
        "locked: ORCID locked the record (or it was never claimed), items wait; "
        "deactivated: the researcher deactivated the record, items wait; "
        "deprecated: ORCID merged the record into `primary_orcid`, the researcher is asked to connect that iD.",
    )
    primary_orcid = serializers.CharField(
        required=False,
        help_text="Only when `status` is `deprecated`: the ORCID iD the record was merged into.",
    )
    scopes = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Scopes ORCID granted.")
    connected_at = serializers.DateTimeField(read_only=True, allow_null=True)
    access_token = serializers.CharField(
        required=False, allow_null=True,
        help_text="Only for API keys with the `tokens:read` scope (every read is audited): the researcher's "
        "ORCID access token while the connection is active, else null. Absent for other callers.",
    )


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
