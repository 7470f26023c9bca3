"""`manage.py orcid_sync --unit CODE` syncs only that unit's items (CONTRACT §3): one connected
researcher with an eligible approved work from each of two units; after a sync of unit A only
A's work is on the ORCID record (the simulator), and the summary line is printed."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(r"^created=(\d+) updated=(\d+) deleted=(\d+) unchanged=(\d+) skipped=(\d+) failed=(\d+)$")


def _titles_on_orcid(sync_env, orcid: str) -> str:
    return json.dumps(sync_env.orcid_works(orcid))


def _sync(*args: str) -> str:
    out = io.StringIO()
    call_command("orcid_sync", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue().strip().splitlines()[-1]


def test_orcid_sync_with_a_unit_writes_only_that_units_items(sync_env):
    from tests.fixtures.works import UnitFactory, WorkFactory

    unit_a, unit_b = UnitFactory(code="library"), UnitFactory(code="hr")
    ada, connection = sync_env.researcher(username="ada")
    WorkFactory(researcher=ada, unit=unit_a, eligible=True, title="Library work of Ada")
    WorkFactory(researcher=ada, unit=unit_b, eligible=True, title="HR work of Ada")

    last = _sync("--unit", "library")
    assert SUMMARY.match(last), last
    assert last == "created=1 updated=0 deleted=0 unchanged=0 skipped=0 failed=0"
    works = sync_env.orcid_works(connection.orcid)
    assert len(works) == 1
    on_orcid = _titles_on_orcid(sync_env, connection.orcid)
    assert "Library work of Ada" in on_orcid and "HR work of Ada" not in on_orcid

    # The other unit's sync then adds its own item and leaves A's alone.
    last = _sync("--unit", "hr")
    assert SUMMARY.match(last), last
    assert last.startswith("created=1 ") and " deleted=0 " in last
    on_orcid = _titles_on_orcid(sync_env, connection.orcid)
    assert len(sync_env.orcid_works(connection.orcid)) == 2
    assert "Library work of Ada" in on_orcid and "HR work of Ada" in on_orcid
