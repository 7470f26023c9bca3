"""The ledger's own row writes (putcodes.sync.ledger `item_new`, `rows_insert`, `rows_update`):
what they save is exactly what Django's own save would, whatever the values (shared by every row
or not, quotes, `%`, backslashes, NULLs, JSON), on the database the suite runs on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from putcodes.models import OrcidItem
from putcodes.sync import ledger
from tests.fixtures.works import ResearcherFactory, WorkFactory

pytestmark = pytest.mark.django_db

AWKWARD = ["50% off", "it's", 'say "hi"', "back\\slash", "%s and %(name)s", "", "ünïcødé …", "%%"]
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


def _fields(item: OrcidItem) -> dict:
    return {f.attname: getattr(item, f.attname) for f in OrcidItem._meta.concrete_fields
            if f.attname not in {"id", "created_at", "updated_at"}}


def _saved(item: OrcidItem) -> dict:
    return _fields(OrcidItem.objects.get(pk=item.pk))


def test_a_new_row_is_the_row_djangos_constructor_makes():
    researcher = ResearcherFactory()
    work = WorkFactory(researcher=researcher)
    new = ledger.item_new(unit=work.unit, kind="work", local_id=work.local_id, researcher=researcher, fk="work",
                          obj=work)
    plain = OrcidItem(unit=work.unit, kind="work", local_id=work.local_id, researcher=researcher, work=work)
    assert _fields(new) == _fields(plain)
    assert new.state == OrcidItem.State.PENDING and new.pk is None and new._state.adding
    # The related objects come with it: reading them costs no query.
    assert (new.unit, new.researcher, new.work) == (work.unit, researcher, work)


def _new_rows(count: int) -> list[OrcidItem]:
    researcher = ResearcherFactory()
    items = []
    for i in range(count):
        work = WorkFactory(researcher=researcher)
        item = ledger.item_new(unit=work.unit, kind="work", local_id=work.local_id, researcher=researcher,
                               fk="work", obj=work)
        ledger.item_mark_sent(item, orcid="0000-0002-1825-0097", content_hash=f"h{i % 2}",
                              match_key=[["doi", f"10.1/{AWKWARD[i % len(AWKWARD)]}"]], now=T0)
        item.last_error_message = AWKWARD[i % len(AWKWARD)] if i % 3 else AWKWARD[0]
        items.append(item)
    return items


@pytest.mark.parametrize("count", [1, 2, 9])
def test_inserted_rows_hold_what_was_set(count):
    items = _new_rows(count)
    expected = [_fields(item) for item in items]
    ledger.rows_insert(items)
    assert all(item.pk for item in items) and len({item.pk for item in items}) == count
    assert [_saved(item) for item in items] == expected
    assert not any(item._state.adding for item in items)


def test_rows_sharing_every_value_but_their_key_are_inserted_each():
    items = _new_rows(4)
    for item in items:
        item.last_error_message, item.sent_match, item.attempted_hash = "100% the same", None, "same"
    ledger.rows_insert(items)
    assert OrcidItem.objects.filter(last_error_message="100% the same", attempted_hash="same").count() == 4


@pytest.mark.parametrize("shared", [True, False], ids=["values shared by every row", "values of each row"])
def test_updated_rows_hold_what_was_set(shared):
    items = _new_rows(6)
    ledger.rows_insert(items)
    for i, item in enumerate(items):
        ledger.item_mark_written(item, content_hash="c" if shared else f"c{i}", put_code=1000 + i,
                                 now=T0 if shared else T0 + timedelta(minutes=i), run_id=None, action="created",
                                 fingerprint="f" if shared else AWKWARD[i % len(AWKWARD)])
        item.last_error_message = "5% left" if shared else AWKWARD[i % len(AWKWARD)]
        item.sent_match = None if shared else {"n": i, "text": AWKWARD[i % len(AWKWARD)]}
    expected = [_fields(item) for item in items]
    ledger.rows_update(items, ledger.RESULT_FIELDS)
    assert [_saved(item) for item in items] == expected


def test_an_update_changes_only_its_fields_and_its_rows():
    items = _new_rows(3)
    ledger.rows_insert(items)
    bystander = _saved(items[2])
    messages = [item.last_error_message for item in items]
    for item in items[:2]:
        item.state, item.put_code, item.last_error_message = OrcidItem.State.ON_ORCID, 7 + item.pk, "not saved"
    ledger.rows_update(items[:2], ["state", "put_code"])
    for item, message in zip(items[:2], messages):
        saved = OrcidItem.objects.get(pk=item.pk)
        assert (saved.state, saved.put_code, saved.last_error_message) == ("on_orcid", 7 + item.pk, message)
    assert _saved(items[2]) == bystander


def test_the_rows_of_a_units_items_are_found_whoever_they_are_under():
    items = _new_rows(3)
    ledger.rows_insert(items)
    other_unit = WorkFactory().unit
    keys = [(items[0].unit_id, items[0].local_id), (items[2].unit_id, items[2].local_id),
            (other_unit.pk, items[1].local_id), (items[0].unit_id, "no such item")]
    OrcidItem.objects.filter(pk=items[2].pk).update(researcher=ResearcherFactory())  # the unit moved it
    assert sorted(ledger.rows_of_items("work", keys)) == sorted([items[0].pk, items[2].pk])
    assert ledger.rows_of_items("employment", keys) == [] and ledger.rows_of_items("work", []) == []
