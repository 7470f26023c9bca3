"""The client against the ORCID simulator over real HTTP: what the portal relies on when it
writes to a researcher's record (put-codes, duplicates, revoked tokens, scopes, the rate
limit, lost answers), in both of ORCID's formats.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from orcid_client import errors
from orcid_client.client import OrcidClient
from orcid_client.documents import XML
from orcid_client.ratelimit import LocalTokenBucket, NoRateLimit

FORMATS = ["json", "xml"]


# ---------------------------------------------------------------------------------------------
# Bodies
# ---------------------------------------------------------------------------------------------

def work_json(doi: str, title: str = "A study of things", work_type: str = "journal-article") -> dict:
    return {
        "title": {"title": {"value": title}},
        "type": work_type,
        "publication-date": {"year": {"value": "2021"}, "month": {"value": "05"}},
        "external-ids": {
            "external-id": [
                {
                    "external-id-type": "doi",
                    "external-id-value": doi,
                    "external-id-url": {"value": f"https://doi.org/{doi}"},
                    "external-id-relationship": "self",
                }
            ]
        },
    }


def work_xml(doi: str, title: str = "A study of things", work_type: str = "journal-article") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<work:work xmlns:common="http://www.orcid.org/ns/common" xmlns:work="http://www.orcid.org/ns/work">
  <work:title><common:title>{title}</common:title></work:title>
  <work:type>{work_type}</work:type>
  <common:publication-date><common:year>2021</common:year><common:month>05</common:month></common:publication-date>
  <common:external-ids>
    <common:external-id>
      <common:external-id-type>doi</common:external-id-type>
      <common:external-id-value>{doi}</common:external-id-value>
      <common:external-id-url>https://doi.org/{doi}</common:external-id-url>
      <common:external-id-relationship>self</common:external-id-relationship>
    </common:external-id>
  </common:external-ids>
</work:work>""".encode()


def work_body(fmt: str, doi: str, **kwargs):
    return work_xml(doi, **kwargs) if fmt == XML else work_json(doi, **kwargs)


def employment_json(role: str = "Professor") -> dict:
    return {
        "department-name": "Department of Physics",
        "role-title": role,
        "start-date": {"year": {"value": "2019"}, "month": {"value": "09"}, "day": {"value": "01"}},
        "organization": {
            "name": "Demo University",
            "address": {"city": "Boston", "region": "Massachusetts", "country": "US"},
            "disambiguated-organization": {
                "disambiguated-organization-identifier": "https://ror.org/05qwgg493",
                "disambiguation-source": "ROR",
            },
        },
    }


def employment_xml(role: str = "Professor") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<employment:employment xmlns:common="http://www.orcid.org/ns/common" xmlns:employment="http://www.orcid.org/ns/employment">
  <common:department-name>Department of Physics</common:department-name>
  <common:role-title>{role}</common:role-title>
  <common:start-date><common:year>2019</common:year><common:month>09</common:month><common:day>01</common:day></common:start-date>
  <common:organization>
    <common:name>Demo University</common:name>
    <common:address><common:city>Boston</common:city><common:region>Massachusetts</common:region><common:country>US</common:country></common:address>
    <common:disambiguated-organization>
      <common:disambiguated-organization-identifier>https://ror.org/05qwgg493</common:disambiguated-organization-identifier>
      <common:disambiguation-source>ROR</common:disambiguation-source>
    </common:disambiguated-organization>
  </common:organization>
</employment:employment>""".encode()


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(orcid_simulator, settings):
    """A client of the demo member client, pointed at the simulator, with fast backoff."""
    client = OrcidClient(
        base_url=orcid_simulator.url,
        api_url=orcid_simulator.url,
        rate_limiter=NoRateLimit(),
        backoff_base=0.02,
        backoff_cap=0.5,
        max_retries=6,
        read_timeout=5,
    )
    yield client
    client.close()


@pytest.fixture
def record(orcid_simulator):
    return orcid_simulator.create_record(name="Ada Lovelace")


def items_on(orcid_simulator, orcid, kind="work"):
    return [item for item in orcid_simulator.record(orcid)["items"] if item.get("kind", "work") == kind]


# ---------------------------------------------------------------------------------------------
# Works: one by one, in bulk, duplicates
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_work_round_trip_create_read_update_delete(client, record, fmt):
    orcid, token = record["orcid"], record["access_token"]
    put_code = client.work_create(orcid=orcid, access_token=token, body=work_body(fmt, "10.1234/round.trip"))
    assert isinstance(put_code, int) and put_code > 0

    work = client.work_read(orcid=orcid, access_token=token, put_code=put_code, fmt=fmt)
    assert work.put_code == put_code
    assert work.title == "A study of things"
    assert work.source_client_id == client.client_id
    assert work.self_ids[0].normalized == "10.1234/round.trip"
    assert work.publication_year == 2021

    client.work_update(
        orcid=orcid, access_token=token, put_code=put_code, body=work_body(fmt, "10.1234/round.trip", title="Revised")
    )
    listed = client.works_read(orcid=orcid, access_token=token, fmt=fmt)
    assert [(w.put_code, w.title) for w in listed] == [(put_code, "Revised")]

    client.work_delete(orcid=orcid, access_token=token, put_code=put_code)
    with pytest.raises(errors.NotFound):
        client.work_read(orcid=orcid, access_token=token, put_code=put_code)
    assert client.works_read(orcid=orcid, access_token=token) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_bulk_with_one_invalid_item_adds_the_others(client, record, orcid_simulator, fmt):
    orcid, token = record["orcid"], record["access_token"]
    bodies = [
        work_body(fmt, "10.1234/bulk.1"),
        work_body(fmt, "10.1234/bulk.2", work_type="not-a-work-type"),
        work_body(fmt, "10.1234/bulk.3"),
    ]
    results = client.works_create_bulk(orcid=orcid, access_token=token, bodies=bodies)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], errors.Invalid)
    assert results[1].error_code == 9037
    on_record = {item["put_code"] for item in items_on(orcid_simulator, orcid)}
    assert on_record == {results[0], results[2]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_duplicate_names_the_existing_put_code(client, record, fmt):
    orcid, token = record["orcid"], record["access_token"]
    first = client.work_create(orcid=orcid, access_token=token, body=work_body(fmt, "10.1234/dup"))
    # The same DOI in another spelling is the same work to ORCID.
    with pytest.raises(errors.Duplicate) as caught:
        client.work_create(orcid=orcid, access_token=token, body=work_body(fmt, "https://doi.org/10.1234/DUP"))
    assert caught.value.put_code == first
    assert caught.value.status == 409 and caught.value.error_code == 9021


def test_duplicate_in_bulk_is_a_per_item_duplicate(client, record):
    orcid, token = record["orcid"], record["access_token"]
    first = client.work_create(orcid=orcid, access_token=token, body=work_json("10.1234/bulk.dup"))
    results = client.works_create_bulk(
        orcid=orcid, access_token=token, bodies=[work_json("10.1234/bulk.new"), work_json("10.1234/bulk.dup")]
    )
    assert isinstance(results[0], int)
    assert isinstance(results[1], errors.Duplicate) and results[1].put_code == first


def test_another_sources_item_is_listed_but_not_ours_to_change(client, record, orcid_simulator):
    orcid, token = record["orcid"], record["access_token"]
    theirs = orcid_simulator.add_item(orcid, body=work_json("10.1234/theirs"), client_id="APP-CROSSREF000000")
    [summary] = client.works_read(orcid=orcid, access_token=token)
    assert summary.put_code == theirs["put_code"]
    assert not summary.is_from_client(client.client_id)
    # ORCID compares first: the same body is 403 9014 (WorkManagerImpl.updateWork), a changed
    # one 403 9010 (checkSourceAndThrow). Either way the item is not ours to change.
    with pytest.raises(errors.Forbidden) as unchanged:
        client.work_update(orcid=orcid, access_token=token, put_code=theirs["put_code"], body=work_json("10.1234/theirs"))
    assert unchanged.value.error_code == 9014
    with pytest.raises(errors.NotSource):
        client.work_update(orcid=orcid, access_token=token, put_code=theirs["put_code"], body=work_json("10.1234/other"))
    # Other sources' items with the same DOI do not block ours: ORCID groups them.
    assert client.work_create(orcid=orcid, access_token=token, body=work_json("10.1234/theirs")) > 0


# ---------------------------------------------------------------------------------------------
# Tokens and scopes
# ---------------------------------------------------------------------------------------------

def test_revoked_token_cannot_update_but_can_still_delete(client, record, orcid_simulator):
    orcid, token = record["orcid"], record["access_token"]
    put_code = client.work_create(orcid=orcid, access_token=token, body=work_json("10.1234/revoked"))
    orcid_simulator.researcher_revoke(orcid)
    with pytest.raises(errors.TokenRevoked) as caught:
        client.work_update(orcid=orcid, access_token=token, put_code=put_code, body=work_json("10.1234/revoked"))
    assert caught.value.status == 401
    assert token not in str(caught.value)
    client.work_delete(orcid=orcid, access_token=token, put_code=put_code)
    assert items_on(orcid_simulator, orcid) == []


def test_read_only_token_is_insufficient_scope_for_writes(client, orcid_simulator):
    record = orcid_simulator.create_record(name="Read Only", scopes="/read-limited")
    with pytest.raises(errors.InsufficientScope) as caught:
        client.work_create(orcid=record["orcid"], access_token=record["access_token"], body=work_json("10.1234/scope"))
    assert caught.value.status == 403 and caught.value.error_code == 9038


def test_a_token_for_another_record_is_refused(client, orcid_simulator):
    mine = orcid_simulator.create_record(name="Mine")
    other = orcid_simulator.create_record(name="Other")
    with pytest.raises(errors.TokenRevoked):
        client.work_create(orcid=other["orcid"], access_token=mine["access_token"], body=work_json("10.1234/other"))


def test_tokens_never_reach_logs_or_errors(client, record, caplog):
    orcid = record["orcid"]
    bogus = "0b8c1f6e-2d4a-4b7e-9f3c-5a6d7e8f9a0b"
    with caplog.at_level(logging.DEBUG):
        client.works_read(orcid=orcid, access_token=record["access_token"])
        with pytest.raises(errors.TokenRevoked) as caught:
            client.works_read(orcid=orcid, access_token=bogus)
        with pytest.raises(errors.TokenRevoked):
            client.token_refresh(refresh_token="4e1d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c")
    for secret in (bogus, record["access_token"], record["refresh_token"], "4e1d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c"):
        assert secret not in caplog.text
        assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert f"/v3.0/{orcid}/works" in caplog.text  # the calls are logged, without their tokens


def authorization_code(orcid_simulator, *, redirect_uri: str, scope: str = "/authenticate /activities/update /read-limited") -> str:
    """Sign in and consent on the simulator's authorize page, as a researcher would."""
    client = orcid_simulator.register_client(
        client_id="APP-CLIENTTEST00001", secret="client-test-secret", name="Client test", redirect_uris=[redirect_uri]
    )
    response = requests.post(
        f"{orcid_simulator.url}/oauth/authorize",
        data={
            "client_id": client.get("client_id", "APP-CLIENTTEST00001"),
            "response_type": "code",
            "scope": scope,
            "redirect_uri": redirect_uri,
            "state": "s1",
            "action": "authorize",
            "account": "new",
            "given_names": "Grace",
            "family_name": "Hopper",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code in (302, 303), response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def test_code_exchange_refresh_and_revoke(orcid_simulator):
    redirect_uri = "http://portal.test/accounts/orcid/login/callback/"
    code = authorization_code(orcid_simulator, redirect_uri=redirect_uri)
    client = OrcidClient(
        base_url=orcid_simulator.url, api_url=orcid_simulator.url, client_id="APP-CLIENTTEST00001",
        client_secret="client-test-secret", rate_limiter=NoRateLimit(),
    )
    token = client.token_from_code(code=code, redirect_uri=redirect_uri)
    assert token.orcid and token.name == "Grace Hopper"
    assert "/activities/update" in token.scopes and token.expires_in > 10 * 365 * 24 * 3600
    assert token.access_token not in repr(token)
    # A code is single use.
    with pytest.raises(errors.Invalid):
        client.token_from_code(code=code, redirect_uri=redirect_uri)

    fresh = client.token_refresh(refresh_token=token.refresh_token, revoke_old=True)
    assert fresh.access_token != token.access_token
    assert client.record_read(orcid=token.orcid, access_token=fresh.access_token).name == "Grace Hopper"
    with pytest.raises(errors.TokenRevoked):
        client.works_read(orcid=token.orcid, access_token=token.access_token)

    client.token_revoke(token=fresh.access_token)
    with pytest.raises(errors.TokenRevoked):
        client.works_read(orcid=token.orcid, access_token=fresh.access_token)


def test_webhook_registration_is_created_then_existing(client, record, orcid_simulator):
    webhook_token = client.token_client_credentials(scope="/webhook")
    callback = "http://127.0.0.1:9/orcid/webhook/?iid=42"
    assert client.webhook_register(orcid=record["orcid"], callback_url=callback, access_token=webhook_token.access_token)
    assert not client.webhook_register(orcid=record["orcid"], callback_url=callback, access_token=webhook_token.access_token)
    client.webhook_unregister(orcid=record["orcid"], callback_url=callback, access_token=webhook_token.access_token)


# ---------------------------------------------------------------------------------------------
# Employments and the record
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_employment_round_trip(client, record, fmt):
    orcid, token = record["orcid"], record["access_token"]
    body = employment_xml() if fmt == XML else employment_json()
    put_code = client.employment_create(orcid=orcid, access_token=token, body=body)
    employment = client.employment_read(orcid=orcid, access_token=token, put_code=put_code, fmt=fmt)
    assert (employment.role_title, employment.city, employment.country) == ("Professor", "Boston", "US")
    assert employment.start_date == "2019-09-01"
    assert employment.disambiguated_organization_id == "https://ror.org/05qwgg493"
    changed = employment_xml("Dean") if fmt == XML else employment_json("Dean")
    client.employment_update(orcid=orcid, access_token=token, put_code=put_code, body=changed)
    [summary] = client.employments_read(orcid=orcid, access_token=token, fmt=fmt)
    assert (summary.put_code, summary.role_title) == (put_code, "Dean")
    client.employment_delete(orcid=orcid, access_token=token, put_code=put_code)
    with pytest.raises(errors.NotFound):
        client.employment_read(orcid=orcid, access_token=token, put_code=put_code)


@pytest.mark.parametrize("fmt", FORMATS)
def test_record_read_lists_works_and_employments(client, record, fmt):
    orcid, token = record["orcid"], record["access_token"]
    work = client.work_create(orcid=orcid, access_token=token, body=work_json("10.1234/record"))
    employment = client.employment_create(orcid=orcid, access_token=token, body=employment_json())
    result = client.record_read(orcid=orcid, access_token=token, fmt=fmt)
    assert result.name == "Ada Lovelace"
    assert [w.put_code for w in result.works] == [work]
    assert [e.put_code for e in result.employments] == [employment]


# ---------------------------------------------------------------------------------------------
# Overload and lost answers
# ---------------------------------------------------------------------------------------------

def test_a_burst_of_503s_is_absorbed_by_backoff(client, record, orcid_simulator):
    orcid_simulator.set_faults(rate_limit_burst=3)
    put_code = client.work_create(orcid=record["orcid"], access_token=record["access_token"], body=work_json("10.1234/burst"))
    assert [item["put_code"] for item in items_on(orcid_simulator, record["orcid"])] == [put_code]
    assert client.stats.retries == 3


class _LongestWait:
    """Backoff's jitter at its top: each retry waits the window's whole length, so the retries
    certainly span the 0.2 s ORCID's bucket needs for a token (full jitter may draw six waits
    that add up to less, and the client then rightly gives up)."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        return high


def test_a_tiny_orcid_rate_limit_is_absorbed_by_backoff(client, record, orcid_simulator):
    orcid_simulator.set_rate_limit(rate=5, burst=2)
    client._random = _LongestWait()  # retries after 0.02, 0.04, 0.08, 0.16, 0.32, 0.5 s
    orcid, token = record["orcid"], record["access_token"]
    put_codes = [
        client.work_create(orcid=orcid, access_token=token, body=work_json(f"10.1234/tiny.{n}")) for n in range(8)
    ]
    assert len(set(put_codes)) == 8
    assert len(items_on(orcid_simulator, orcid)) == 8
    assert client.stats.retries > 0  # ORCID said 503 and the client waited


def test_client_side_limiter_keeps_parallel_workers_under_orcids_limit(orcid_simulator, record):
    """Eight threads sharing one client and a limiter below ORCID's limit: no 503 at all."""
    orcid_simulator.set_rate_limit(rate=40, burst=10)
    client = OrcidClient(
        base_url=orcid_simulator.url, api_url=orcid_simulator.url, rate_limiter=LocalTokenBucket(25, 4),
        backoff_base=0.02,
    )
    orcid, token = record["orcid"], record["access_token"]
    failures = []

    def worker(n):
        try:
            for i in range(5):
                client.work_create(orcid=orcid, access_token=token, body=work_json(f"10.1234/par.{n}.{i}"))
        except Exception as exc:  # pragma: no cover - reported by the assertion
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert failures == []
    assert len(items_on(orcid_simulator, orcid)) == 40
    assert client.stats.retries == 0
    assert [c for c in orcid_simulator.calls() if c["status"] == 503] == []
    assert elapsed >= (40 - 4) / 25 * 0.9  # the limiter, not ORCID, set the pace
    client.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_dropped_after_commit_is_outcome_unknown_and_not_repeated(client, record, orcid_simulator, fmt):
    orcid, token = record["orcid"], record["access_token"]
    orcid_simulator.set_faults(drop_after_commit_rate=1.0, methods=["POST"], paths=["/work"])
    with pytest.raises(errors.OutcomeUnknown):
        client.work_create(orcid=orcid, access_token=token, body=work_body(fmt, "10.1234/dropped"))
    orcid_simulator.clear_faults()
    # The work was committed once, and only once: the client did not send the POST again.
    items = items_on(orcid_simulator, orcid)
    assert len(items) == 1
    assert [c["method"] for c in orcid_simulator.calls() if "/work" in c["path"]] == ["POST"]
    assert client.stats.outcome_unknown == 1
    # Reconciling: the record shows the work, so the caller adopts its put-code.
    [summary] = client.works_read(orcid=orcid, access_token=token)
    assert summary.put_code == items[0]["put_code"]
    assert summary.self_ids[0].normalized == "10.1234/dropped"


def test_a_bulk_post_dropped_after_commit_is_outcome_unknown(client, record, orcid_simulator):
    orcid, token = record["orcid"], record["access_token"]
    orcid_simulator.set_faults(drop_after_commit_rate=1.0, methods=["POST"], paths=["/works"])
    with pytest.raises(errors.OutcomeUnknown):
        client.works_create_bulk(orcid=orcid, access_token=token, bodies=[work_json("10.1234/b1"), work_json("10.1234/b2")])
    orcid_simulator.clear_faults()
    assert len(items_on(orcid_simulator, orcid)) == 2


def test_random_server_errors_on_reads_are_retried(client, record, orcid_simulator):
    orcid, token = record["orcid"], record["access_token"]
    client.work_create(orcid=orcid, access_token=token, body=work_json("10.1234/flaky"))
    orcid_simulator.set_faults(error_rate=0.25, methods=["GET"])
    client.max_retries = 10  # so that a run of bad luck cannot fail the test
    reads = 0
    while client.stats.retries < 2 and reads < 60:
        assert len(client.works_read(orcid=orcid, access_token=token)) == 1
        reads += 1
    assert client.stats.retries >= 2


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_workers_with_their_own_redis_limiters_share_one_budget(orcid_simulator, record):
    """Two workers (each its own client and Redis connection, as two processes would have) share
    one bucket in Redis, so together they stay under ORCID's limit: no 503 at all."""
    from orcid_client.ratelimit import RedisTokenBucket, redis_connection, unique_bucket_key

    orcid_simulator.set_rate_limit(rate=40, burst=10)
    key = unique_bucket_key()
    clients = [
        OrcidClient(
            base_url=orcid_simulator.url,
            api_url=orcid_simulator.url,
            rate_limiter=RedisTokenBucket(redis_connection(os.environ["TEST_REDIS_URL"], db=15), 25, 3, key=key),
        )
        for _ in range(2)
    ]
    orcid, token = record["orcid"], record["access_token"]
    failures = []

    def worker(client, n):
        try:
            for i in range(15):
                client.work_create(orcid=orcid, access_token=token, body=work_json(f"10.1234/redis.{n}.{i}"))
        except Exception as exc:  # pragma: no cover - reported by the assertion
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(c, n)) for n, c in enumerate(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert failures == []
    assert len(items_on(orcid_simulator, orcid)) == 30
    assert [c for c in orcid_simulator.calls() if c["status"] == 503] == []
    assert sum(c.stats.retries for c in clients) == 0
    assert elapsed >= (30 - 3) / 25 * 0.9  # one budget of 25/s for both, not 25/s each
    for c in clients:
        c.close()
    clients[0].rate_limiter.redis.delete(key)
