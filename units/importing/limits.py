"""The limits every import file is read under (settings, with their defaults in
orcid_portal/settings.py); each refusal names the setting that set it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ImportLimits:
    max_file_bytes: int
    max_rows: int
    max_field_bytes: int
    max_line_bytes: int
    max_json_depth: int

    @classmethod
    def from_settings(cls, **overrides) -> ImportLimits:
        values = {
            "max_file_bytes": settings.IMPORT_MAX_FILE_BYTES,
            "max_rows": settings.IMPORT_MAX_ROWS,
            "max_field_bytes": settings.IMPORT_MAX_FIELD_BYTES,
            "max_line_bytes": settings.IMPORT_MAX_LINE_BYTES,
            "max_json_depth": settings.IMPORT_MAX_JSON_DEPTH,
        }
        values.update(overrides)
        return cls(**values)


def bytes_text(count: int) -> str:
    """Sizes as people read them: 131072 as '128 KiB', 1500 as '1,500 bytes'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            value = count / size
            return f"{value:,.0f} {unit}" if value == int(value) else f"{value:,.1f} {unit}"
    return f"{count:,} bytes"
