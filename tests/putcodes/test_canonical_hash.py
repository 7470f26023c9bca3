"""Nothing is rewritten that ORCID would show the same (issue 17, item 3): the content hash is
taken over the canonical ORCID-visible content (orcid_client/canonical.py), over real HTTP
against the simulator, counting the calls ORCID received."""

from __future__ import annotations

import pytest

from orcid_client.canonical import content_hash, legacy_hash
from putcodes.hash_upgrade import ledger_hashes_upgrade
from putcodes.models import OrcidItem
from works import orcid_serialization

pytestmark = pytest.mark.django_db


def _written(sync_env, works: int = 3):
    researcher, connection = sync_env.researcher(works=works)
    assert sync_env.sync().created == works
    sync_env.simulator.clear_calls()
    return researcher, connection


def _reformatted(body: dict) -> dict:
    """What another serialiser could write for the same visible work: keys in another order,
    whitespace around the text, a DOI as its resolver link, ids reversed, no id links."""
    body = dict(reversed(list(body.items())))
    body["title"] = {"title": {"value": "  " + body["title"]["title"]["value"].replace(" ", "  \n") + " "}}
    ids = []
    for eid in reversed(body["external-ids"]["external-id"]):
        eid = {k: v for k, v in eid.items() if k != "external-id-url"}
        if eid["external-id-type"] == "doi":
            eid["external-id-value"] = "https://doi.org/" + eid["external-id-value"].upper()
        ids.append(eid)
    body["external-ids"] = {"external-id": ids}
    return body


def test_a_serialiser_change_that_orcid_shows_the_same_makes_no_call(sync_env, monkeypatch):
    _written(sync_env)
    original = orcid_serialization.payload_to_json
    monkeypatch.setattr(orcid_serialization, "payload_to_json", lambda p: _reformatted(original(p)))

    run = sync_env.sync()

    assert (run.updated, run.unchanged) == (0, 3)
    assert sync_env.write_calls() == 0


def test_a_reformatted_reimport_makes_no_call(sync_env):
    researcher, _ = _written(sync_env, works=2)
    for work in researcher.works.all():
        work.title = f"\n  {work.title.replace(' ', '   ')}\t"
        work.external_ids = [
            {**eid, "value": f"https://doi.org/{eid['value']}"} if eid.get("type") == "doi" else eid
            for eid in work.external_ids
        ]
        work.save()

    run = sync_env.sync()

    assert (run.updated, run.unchanged) == (0, 2)
    assert sync_env.write_calls() == 0


def test_a_visible_change_is_written(sync_env):
    researcher, _ = _written(sync_env, works=2)
    work = researcher.works.first()
    work.title = work.title + " (revised)"
    work.save()

    assert sync_env.sync().updated == 1
    assert sync_env.write_calls() == 1


def test_the_upgrade_from_legacy_hashes_writes_only_what_changed(sync_env):
    researcher, _ = _written(sync_env, works=3)
    items = list(OrcidItem.objects.filter(researcher=researcher).select_related("work").order_by("pk"))
    for item in items:  # the ledger as the previous release left it
        item.content_hash = legacy_hash(orcid_serialization.work_to_json(item.work))
        item.save(update_fields=["content_hash"])
    changed = items[0].work
    changed.title = "Changed before the upgrade, not yet written"
    changed.save()

    assert ledger_hashes_upgrade() == 2
    run = sync_env.sync()

    assert (run.updated, run.unchanged) == (1, 2)
    assert sync_env.write_calls() == 1


def test_canonical_content_ignores_layout_not_content():
    body = {"title": {"title": {"value": "A  study"}}, "type": "journal-article",
            "publication-date": {"year": {"value": "2020"}, "month": {"value": "3"}},
            "external-ids": {"external-id": [{"external-id-type": "DOI", "external-id-value": "10.1/X",
                                              "external-id-url": {"value": "https://doi.org/10.1/x"},
                                              "external-id-relationship": "self"}]}}
    same = {"type": "journal-article", "title": {"title": {"value": " A study\n"}, "subtitle": {"value": ""}},
            "publication-date": {"month": {"value": "03"}, "year": {"value": "2020"}},
            "external-ids": {"external-id": [{"external-id-relationship": "self", "external-id-type": "doi",
                                              "external-id-value": "doi:10.1/x"}]}, "put-code": 12}
    assert content_hash(body) == content_hash(same)
    assert content_hash(body) != content_hash({**same, "type": "book"})
    assert content_hash(body, section="education") != content_hash(body, section="service")


def test_an_affiliation_or_funding_reformatted_hashes_the_same():
    org = {"name": "University of Oxford", "address": {"city": "Oxford", "country": "GB"},
           "disambiguated-organization": {"disambiguated-organization-identifier": "https://ror.org/052gg0110",
                                          "disambiguation-source": "ROR"}}
    body = {"department-name": "Physics", "role-title": "DPhil", "organization": org,
            "start-date": {"year": {"value": "2010"}, "month": None, "day": None}}
    same = {"role-title": " DPhil ", "department-name": "Physics\n", "start-date": {"year": {"value": "2010"}},
            "organization": {**org, "address": {"country": "gb", "city": "Oxford"},
                             "disambiguated-organization": {"disambiguation-source": "ror",
                                                            "disambiguated-organization-identifier": "052gg0110"}}}
    assert content_hash(body, section="education") == content_hash(same, section="education")
    assert content_hash(body, section="education") != content_hash({**same, "role-title": "MSc"}, section="education")
    funding = {"type": "grant", "title": {"title": {"value": "Engines"}},
               "amount": {"value": "250000.00", "currency-code": "GBP"}, "organization": org}
    assert content_hash(funding) == content_hash({**funding, "amount": {"currency-code": "gbp", "value": "250000.00"}})
