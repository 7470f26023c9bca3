"""`manage.py orcid_sync`: one sync now, several researchers at once, and the summary line."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from putcodes.models import SyncRun

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(r"^created=(\d+) updated=(\d+) deleted=(\d+) unchanged=(\d+) skipped=(\d+) failed=(\d+)$")


def test_orcid_sync_with_an_unknown_unit_names_the_known_ones():
    from tests.fixtures.works import UnitFactory

    UnitFactory(code="library")
    with pytest.raises(CommandError, match="library"):
        call_command("orcid_sync", "--unit", "nope")


def test_orcid_sync_with_an_unknown_researcher_says_so():
    with pytest.raises(CommandError, match="ghost"):
        call_command("orcid_sync", "--researcher", "ghost")


def test_orcid_sync_with_nobody_to_sync_prints_a_zero_summary():
    out = io.StringIO()
    call_command("orcid_sync", "--no-progress", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip().splitlines()[-1] == "created=0 updated=0 deleted=0 unchanged=0 skipped=0 failed=0"
    assert SyncRun.objects.get().status == SyncRun.Status.FINISHED


def test_orcid_sync_writes_and_ends_with_the_summary_line(sync_env):
    ada, ada_connection = sync_env.researcher(username="ada", works=3)
    grace, _ = sync_env.researcher(username="grace", works=2)
    out, err = io.StringIO(), io.StringIO()
    call_command("orcid_sync", "--researcher", "ada", stdout=out, stderr=err)
    last = out.getvalue().strip().splitlines()[-1]
    assert SUMMARY.match(last) and last.startswith("created=3 ")
    assert len(sync_env.orcid_works(ada_connection.orcid)) == 3
    out = io.StringIO()
    call_command("orcid_sync", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip().splitlines()[-1] == "created=2 updated=0 deleted=0 unchanged=3 skipped=0 failed=0"
    run = SyncRun.objects.order_by("-id").first()
    assert run.trigger == SyncRun.Trigger.COMMAND and run.api_writes == 1
