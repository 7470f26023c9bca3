"""The adoption report as CSV or JSON (the command and the API write the same)."""

from __future__ import annotations

import csv
import io
import json

from django.core.serializers.json import DjangoJSONEncoder


def report_rows(report: dict) -> list[dict]:
    """Flat rows, one per department, then per unit, then the total: `level`, `name` and the columns."""
    rows = [{**row, "level": "department", "name": row["department"]} for row in report["departments"]]
    rows += [{**row, "level": "unit", "name": row["unit"]} for row in report["units"]]
    rows.append({**report["total"], "level": "total", "name": "total"})
    return rows


def report_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["level", "name", *report["columns"]], extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(report_rows(report))
    return out.getvalue()


def report_json(report: dict) -> str:
    return json.dumps(report, cls=DjangoJSONEncoder, indent=2)
