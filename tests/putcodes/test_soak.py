"""Fault soak: with ORCID failing often (20% 5xx, 10% of POSTs committed and their answer
dropped, 503 bursts), researchers deleting items on ORCID and one revoking the portal's
access, the sync converges within three runs: every eligible work on ORCID exactly once,
the ledger equal to ORCID, nothing written for the revoked or the deleted."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from connections.models import OrcidConnection
from putcodes.models import OrcidItem, SyncError, SyncRun


pytestmark = [pytest.mark.django_db, pytest.mark.soak]

# A 503 burst a little shorter than the client's retries (ORCID_MAX_RETRIES=4), at the start of each run.
FAULTS = dict(error_rate=0.2, drop_after_commit_rate=0.1, rate_limit_burst=3)


def test_the_sync_converges_within_three_runs_under_faults(sync_env):
    rng = random.Random(5)
    researchers = [sync_env.researcher(works=rng.randint(3, 12)) for _ in range(15)]
    revoked, revoked_connection = sync_env.researcher(works=4)
    sync_env.simulator.researcher_revoke(revoked_connection.orcid)

    sync_env.simulator.set_faults(**FAULTS)
    sync_env.sync()
    # Researchers delete some of what got there, and the unit changes those works (so the next
    # write to them meets ORCID's 404).
    deleted_works = []
    for researcher, connection in researchers[:4]:
        item = OrcidItem.objects.filter(researcher=researcher, state=OrcidItem.State.ON_ORCID).first()
        if item is None:
            continue
        sync_env.simulator.set_faults()
        sync_env.simulator.researcher_delete(connection.orcid, item.put_code)
        work = item.work
        work.title = f"{work.title} (revised)"
        work.save()
        deleted_works.append(work.pk)
    for _ in range(2):
        sync_env.simulator.set_faults(**FAULTS)
        sync_env.sync()
    sync_env.simulator.set_faults()

    for researcher, connection in researchers:
        on_orcid = sync_env.orcid_works(connection.orcid)
        codes = Counter(int(w.get("put_code", w.get("put-code"))) for w in on_orcid)
        assert all(n == 1 for n in codes.values())
        expected = researcher.works.exclude(pk__in=deleted_works).count()
        assert len(on_orcid) == expected, (researcher.username, len(on_orcid), expected, [(i.state, i.last_error_status, i.last_error_message[:80]) for i in OrcidItem.objects.filter(researcher=researcher)], list(SyncRun.objects.values_list("created", "failed", "skipped", "unchanged")), list(SyncError.objects.values_list("status", "message"))[:10])
        sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)
    for pk in deleted_works:
        assert OrcidItem.objects.get(work_id=pk).state == OrcidItem.State.DELETED_ON_ORCID
    revoked_connection.refresh_from_db()
    assert revoked_connection.status == OrcidConnection.Status.REVOKED
    assert sync_env.orcid_works(revoked_connection.orcid) == []
