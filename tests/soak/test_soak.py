"""Soak (issue 11, item 6): `orcid_sync` processes killed with SIGKILL at random moments of their
writes and deletes, ORCID answering 5xx and dropping answers of committed POSTs, the unit
changing its data and researchers deleting items on ORCID between runs; then runs without
faults until the sync converges. Afterwards ORCID's record equals the ledger exactly: no
orphan (ours on ORCID without a ledger row saying so), no duplicate, no item marked deleted by
the researcher that the researcher did not delete, every eligible work on ORCID once with its
current data.

Bounded for `make test` (SOAK_ROUNDS, default 6: about a minute or two); longer:
    SOAK_ROUNDS=40 SOAK_SEED=7 .venv/bin/python -m pytest tests/soak -m soak -s
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter

import pytest

from tests.fixtures.sync_process import put_code_of

pytestmark = [pytest.mark.django_db, pytest.mark.soak]

ROUNDS = int(os.environ.get("SOAK_ROUNDS", "6"))
SEED = int(os.environ.get("SOAK_SEED", "11"))
RESEARCHERS, WORKS = 3, 8
KILL_RATE = 0.7
FAULTS = dict(error_rate=0.15, drop_after_commit_rate=0.2, latency_ms=[20, 300], methods=["POST", "PUT", "DELETE"])
DOI = re.compile(r"10\.5555/[\w.-]+")

CHANGES = """
import json
from works.models import Work
for local_id, field, value in json.loads({changes!r}):
    work = Work.objects.get(local_id=local_id)
    if field == "doi":
        work.external_ids = [dict(type="doi", value=value, relationship="self")]
    else:
        setattr(work, field, value)
    work.save()
"""


def _changes(rng: random.Random, round_no: int) -> list[tuple[str, str, object]]:
    changes = []
    for _ in range(rng.randint(1, 5)):
        local_id = f"w{rng.randrange(RESEARCHERS)}-{rng.randrange(WORKS)}"
        field = rng.choice(["public", "public", "doi", "title"])
        value = {
            "public": rng.random() < 0.6,
            "doi": f"10.5555/{local_id}.v{round_no}",
            "title": f"Revised in round {round_no}",
        }[field]
        changes.append((local_id, field, value))
    return changes


def _researcher_deletes(env, rng: random.Random, deleted: set[tuple[str, int]]) -> None:
    """Now and then a researcher deletes one of the institution's items on ORCID."""
    if rng.random() < 0.4:
        on_record = {(orcid, put_code_of(w)) for orcid in env.orcids for w in env.orcid_works(orcid)}
        live = [i for i in env.items()
                if i["state"] == "on_orcid" and not i["in_flight"] and (i["orcid"], i["put_code"]) in on_record]
        if live:
            item = rng.choice(live)
            env.simulator.researcher_delete(item["orcid"], item["put_code"])
            deleted.add((item["orcid"], item["put_code"]))


def _one_run(env, rng: random.Random) -> bool:
    """A run under faults, killed at a random moment of a write (or not). Returns whether killed."""
    env.simulator.set_faults(**FAULTS)
    process = env.start()
    killed = False
    if rng.random() < KILL_RATE:
        env.wait_in_flight_or_end(process)
        time.sleep(rng.uniform(0.0, 0.4))
        if process.poll() is None:
            env.kill(process)
            killed = True
    if not killed:
        process.communicate(timeout=300)
    env.simulator.set_faults()
    return killed


RECONCILE = """
from django.contrib.auth import get_user_model
from putcodes.reconcile import researcher_reconcile
for user in get_user_model().objects.filter(orcid_connection__isnull=False):
    researcher_reconcile(researcher=user)
"""


def _converge(env) -> int:
    # What researchers deleted on ORCID reaches the ledger by the reconcile (webhooks, or its
    # periodic run), not by the sync, which reads nothing when it has nothing to write.
    env.shell(RECONCILE)
    for attempt in range(1, 6):
        created, updated, deleted, unchanged, skipped, failed = env.sync()
        if created == updated == deleted == skipped == failed == 0:
            return attempt
    raise AssertionError("the sync did not converge in 5 runs without faults")


def _check(env, researcher_deleted: set[tuple[str, int]]) -> None:
    items = env.items()
    works = {row[0]: (bool(row[1]), row[2]) for row in env.sql("SELECT local_id, public, external_ids FROM works_work")}
    assert not [i for i in items if i["in_flight"] or i["state"] == "outcome_unknown"]
    wrongly = [i for i in items if i["state"] == "deleted_on_orcid" and (i["orcid"], i["put_code"]) not in researcher_deleted]
    assert wrongly == [], "items marked deleted by the researcher that the researcher did not delete"
    for orcid in env.orcids:
        on_orcid = env.orcid_works(orcid)
        codes = Counter(put_code_of(w) for w in on_orcid)
        ledger = {i["put_code"]: i for i in items if i["orcid"] == orcid and i["state"] == "on_orcid"}
        assert set(codes) == set(ledger), "orphans or missing items"  # 0 orphans
        dois = Counter(DOI.search(json.dumps(w["body"])).group(0) for w in on_orcid)
        assert set(dois.values()) <= {1}, "duplicates on ORCID"  # 0 duplicates
        for put_code, item in ledger.items():
            public, external_ids = works[item["local_id"]]
            assert public, f"{item['local_id']} is on ORCID but private"
            current = json.loads(external_ids)[0]["value"]
            body = json.dumps(next(w for w in on_orcid if put_code_of(w) == put_code)["body"])
            assert current in body, f"{item['local_id']} on ORCID is not its current data"
    by_local = {i["local_id"]: i for i in items}
    for local_id, (public, _) in works.items():
        item = by_local.get(local_id)
        if public:
            assert item is not None and item["state"] in ("on_orcid", "deleted_on_orcid"), (local_id, item)
    assert not env.sql("SELECT id FROM putcodes_syncrun WHERE status = 'running'")


def test_soak_killed_runs_faults_and_changes_converge_to_ledger_equals_orcid(sync_process, capsys):
    env = sync_process
    rng = random.Random(SEED)
    started = time.monotonic()
    env.setup(researchers=RESEARCHERS, works=WORKS)
    researcher_deleted: set[tuple[str, int]] = set()
    kills = 0
    for round_no in range(1, ROUNDS + 1):
        if round_no > 1:
            env.shell(CHANGES.format(changes=json.dumps(_changes(rng, round_no))))
            _researcher_deletes(env, rng, researcher_deleted)
        kills += _one_run(env, rng)
    runs_to_converge = _converge(env)

    _check(env, researcher_deleted)
    interrupted = env.sql("SELECT count(*) FROM putcodes_syncrun WHERE status = 'interrupted'")[0][0]
    assert interrupted <= kills
    with capsys.disabled():
        print(f"\nsoak: seed={SEED} rounds={ROUNDS} kills={kills} interrupted_runs={interrupted} "
              f"researcher_deletions={len(researcher_deleted)} runs_to_converge={runs_to_converge} "
              f"items={len(env.items())} seconds={time.monotonic() - started:.0f}")
