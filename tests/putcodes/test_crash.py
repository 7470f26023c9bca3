"""Issue 11's crash scenarios with a process really killed: `manage.py orcid_sync` runs as a
subprocess against the simulator, is killed with SIGKILL while ORCID holds one of its requests
(the simulator's latency fault; it carries the request out after the client died, as ORCID
would), and the next run must neither orphan nor duplicate anything, nor take the portal's
own DELETE for the researcher's. Assertions are on outcomes; the timeouts only bound a hang."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.fixtures.sync_process import put_code_of, wait_for

pytestmark = pytest.mark.django_db  # the simulator fixture's settings; the processes use their own file DB

WORKS = 5
HOLD_MS = 4000  # how long the simulator holds the request that the kill lands in

CHANGE_DOIS = """
from works.models import Work
for work in Work.objects.all():
    work.external_ids = [dict(type="doi", value=f"10.5555/{work.local_id}.corrected", relationship="self")]
    work.save()
"""


def _set_public(local_id: str, public: bool) -> str:
    return f"""
from works.models import Work
work = Work.objects.get(local_id={local_id!r})
work.public = {public!r}
work.save()
"""


def _kill_during(env, *, method: str, path: str = "/works") -> None:
    env.simulator.set_faults(latency_ms=HOLD_MS, methods=[method], paths=[path])
    process = env.start()
    env.wait_in_flight(process)
    env.kill(process)
    env.simulator.set_faults()


def test_kill_during_a_bulk_post_then_new_dois_the_next_run_adopts_and_updates(sync_process):
    env = sync_process
    [orcid] = env.setup(researchers=1, works=WORKS)

    _kill_during(env, method="POST")
    # The ledger shows the POST in flight; ORCID carries it out after the client died.
    assert {(i["state"], i["in_flight"]) for i in env.items()} == {("outcome_unknown", "create")}
    wait_for(lambda: len(env.orcid_works(orcid)) == WORKS, what="for ORCID to commit the POST")
    committed = {put_code_of(w) for w in env.orcid_works(orcid)}

    env.shell(CHANGE_DOIS)  # the unit corrects the works before the next run
    created, updated, deleted, unchanged, skipped, failed = env.sync()

    assert (created, updated, failed) == (0, WORKS, 0)
    on_orcid = env.orcid_works(orcid)
    assert {put_code_of(w) for w in on_orcid} == committed  # adopted: no orphan, no twin
    assert all(".corrected" in json.dumps(w) for w in on_orcid)  # updated to the current data
    items = env.items()
    assert {i["put_code"] for i in items} == committed
    assert {(i["state"], i["in_flight"]) for i in items} == {("on_orcid", "")}
    # The killed run is closed as interrupted by the next run's start.
    statuses = [row[0] for row in env.sql("SELECT status FROM putcodes_syncrun ORDER BY id")]
    assert statuses == ["interrupted", "finished"]


def test_kill_during_a_delete_is_not_the_researchers_deletion_and_the_item_comes_back(sync_process):
    env = sync_process
    [orcid] = env.setup(researchers=1, works=WORKS)
    assert env.sync()[0] == WORKS
    target = next(i for i in env.items() if i["local_id"] == "w0-0")

    env.shell(_set_public("w0-0", False))  # the unit withdraws it...
    _kill_during(env, method="DELETE", path="/work/")
    wait_for(lambda: target["put_code"] not in {put_code_of(w) for w in env.orcid_works(orcid)},
             what="for ORCID to carry out the DELETE")
    item = next(i for i in env.items() if i["id"] == target["id"])
    assert (item["state"], item["in_flight"]) == ("on_orcid", "delete")

    env.shell(_set_public("w0-0", True))  # ...and makes it public again
    created, updated, deleted, unchanged, skipped, failed = env.sync()

    item = next(i for i in env.items() if i["id"] == target["id"])
    assert item["state"] == "on_orcid" and item["deleted_on_orcid_at"] is None and item["in_flight"] == ""
    assert (created, failed) == (1, 0)
    codes = Counter(put_code_of(w) for w in env.orcid_works(orcid))
    assert len(codes) == WORKS and set(codes.values()) == {1}
    assert set(codes) == {i["put_code"] for i in env.items()}


def test_an_immediate_rerun_after_kill_9_takes_over_the_lock_and_completes(sync_process):
    env = sync_process
    orcids = env.setup(researchers=2, works=WORKS)

    _kill_during(env, method="POST")
    # At once: the record lock of the dead process is taken over, the run completes.
    created, updated, deleted, unchanged, skipped, failed = env.sync()

    assert failed == 0 and skipped == 0
    for orcid in orcids:
        wait_for(lambda o=orcid: len(env.orcid_works(o)) == WORKS, what="for every work on ORCID")
        assert len({put_code_of(w) for w in env.orcid_works(orcid)}) == WORKS
    items = env.items()
    assert len(items) == 2 * WORKS and {i["state"] for i in items} == {"on_orcid"}
    statuses = [row[0] for row in env.sql("SELECT status FROM putcodes_syncrun ORDER BY id")]
    assert statuses == ["interrupted", "finished"]
