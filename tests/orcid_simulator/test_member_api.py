"""The member API's behaviour and ORCID's error codes, over HTTP (codes and texts from ORCID-Source's
OrcidCoreExceptionMapper and api_en.properties)."""

from __future__ import annotations

import requests

from .conftest import XML, Api, employment_json, error_code, work_json


def test_a_work_round_trip_post_get_put_delete(api: Api):
    put_code = api.put_code_of(api.post_work(work_json(title="First title")))
    work = api.call("GET", f"work/{put_code}").json()
    assert work["title"]["title"]["value"] == "First title"
    work["title"]["title"]["value"] = "Second title"
    response = api.call("PUT", f"work/{put_code}", work)
    assert response.status_code == 200, response.text
    assert response.json()["title"]["title"]["value"] == "Second title"
    assert api.call("GET", f"work/{put_code}").json()["title"]["title"]["value"] == "Second title"
    assert api.call("DELETE", f"work/{put_code}").status_code == 204
    gone = api.call("GET", f"work/{put_code}")
    assert gone.status_code == 404 and error_code(gone) == 9016


def test_put_codes_increase(api: Api):
    first = api.put_code_of(api.post_work(work_json("10.5555/a")))
    second = api.put_code_of(api.post_work(work_json("10.5555/b")))
    assert second > first


def test_an_employment_round_trip(api: Api):
    response = api.call("POST", "employment", employment_json())
    put_code = api.put_code_of(response)
    employment = api.call("GET", f"employment/{put_code}").json()
    assert employment["organization"]["address"]["city"] == "Cambridge"
    employment["role-title"] = "Dean"
    assert api.call("PUT", f"employment/{put_code}", employment).status_code == 200
    groups = api.call("GET", "employments").json()["affiliation-group"]
    assert [s["employment-summary"]["role-title"] for g in groups for s in g["summaries"]] == ["Dean"]
    assert api.call("DELETE", f"employment/{put_code}").status_code == 204
    assert api.call("GET", "employments").json()["affiliation-group"] == []


def test_a_work_put_code_is_not_an_employment(api: Api):
    put_code = api.put_code_of(api.post_work(work_json()))
    assert error_code(api.call("GET", f"employment/{put_code}")) == 9016


def test_xml_in_xml_out(api: Api):
    xml = """<work:work xmlns:work="http://www.orcid.org/ns/work" xmlns:common="http://www.orcid.org/ns/common">
      <work:title><common:title>XML work</common:title></work:title><work:type>book</work:type>
      <common:external-ids><common:external-id><common:external-id-type>isbn</common:external-id-type>
      <common:external-id-value>9780306406157</common:external-id-value>
      <common:external-id-relationship>self</common:external-id-relationship></common:external-id>
      </common:external-ids></work:work>"""
    put_code = api.put_code_of(api.post_work(xml, accept=XML))
    response = api.call("GET", f"work/{put_code}", accept=XML)
    assert response.headers["Content-Type"].startswith("application/vnd.orcid+xml")
    assert b"<common:title>XML work</common:title>" in response.content
    assert f'put-code="{put_code}"'.encode() in response.content


def test_works_are_grouped_by_shared_identifiers_across_sources(orcid_simulator, api: Api):
    """Another source's item with the same DOI is allowed (no 9021) and shares the group."""
    mine = api.put_code_of(api.post_work(work_json("10.5555/shared")))
    crossref = orcid_simulator.add_item(api.orcid, kind="work", source_name="Crossref Metadata Search",
                                        body=work_json("https://doi.org/10.5555/SHARED"))
    api.put_code_of(api.post_work(work_json("10.5555/alone")))
    groups = api.call("GET", "works").json()["group"]
    assert len(groups) == 2
    shared = next(g for g in groups if len(g["work-summary"]) == 2)
    assert {s["put-code"] for s in shared["work-summary"]} == {mine, crossref["put_code"]}
    sources = {s["source"]["source-name"]["value"] for s in shared["work-summary"]}
    assert "Crossref Metadata Search" in sources
    assert shared["external-ids"]["external-id"][0]["external-id-normalized"]["value"] == "10.5555/shared"


def test_part_of_identifiers_do_not_group_works(api: Api):
    issn = {"external-id-type": "issn", "external-id-value": "0378-5955", "external-id-relationship": "part-of"}
    for doi in ("10.5555/one", "10.5555/two"):
        body = work_json(doi)
        body["external-ids"]["external-id"].append(issn)
        api.put_code_of(api.post_work(body))
    assert len(api.call("GET", "works").json()["group"]) == 2


def test_the_same_self_identifier_from_the_same_client_is_9021_naming_the_existing_put_code(api: Api):
    first = api.put_code_of(api.post_work(work_json("10.5555/dup")))
    response = api.post_work(work_json("https://doi.org/10.5555/DUP", title="Other title"))
    assert response.status_code == 409
    body = response.json()
    assert body["error-code"] == 9021
    assert body["developer-message"] == (
        "409 Conflict: You have already added this activity (matched by external identifiers), please see element "
        f"with put-code {first}. If you are trying to edit the item, please use PUT instead of POST.")
    assert "${" not in body["user-message"]


def test_a_put_that_would_duplicate_another_own_item_is_9021(api: Api):
    api.put_code_of(api.post_work(work_json("10.5555/x1")))
    second = api.put_code_of(api.post_work(work_json("10.5555/x2")))
    body = api.call("GET", f"work/{second}").json()
    body["external-ids"]["external-id"][0]["external-id-value"] = "10.5555/X1"
    assert error_code(api.call("PUT", f"work/{second}", body)) == 9021


def test_a_put_code_in_a_post_is_9024(api: Api):
    response = api.post_work(work_json(**{"put-code": 12345}))
    assert response.status_code == 400 and error_code(response) == 9024


def test_a_put_without_or_with_another_put_code_is_9019(api: Api):
    put_code = api.put_code_of(api.post_work(work_json()))
    missing = api.call("PUT", f"work/{put_code}", work_json())
    assert missing.status_code == 400 and error_code(missing) == 9019
    other = api.call("PUT", f"work/{put_code}", work_json(**{"put-code": put_code + 1}))
    assert error_code(other) == 9019
    assert f"The put code in the URL was {put_code} whereas the one in the body was {put_code + 1}" in \
        other.json()["developer-message"]


def test_a_put_to_an_unknown_put_code_is_9016(api: Api):
    assert error_code(api.call("PUT", "work/999999", work_json(**{"put-code": 999999}))) == 9016
    assert api.call("DELETE", "work/999999").status_code == 404


def test_a_put_code_that_is_not_a_number_is_9034(api: Api):
    assert error_code(api.call("GET", "work/abc")) == 9034


def test_changing_the_visibility_on_put_is_9035_but_repeating_it_is_fine(api: Api):
    put_code = api.put_code_of(api.post_work(work_json()))
    body = api.call("GET", f"work/{put_code}").json()
    body["visibility"] = "private"
    response = api.call("PUT", f"work/{put_code}", body)
    assert response.status_code == 403 and error_code(response) == 9035
    body["visibility"] = "public"
    assert api.call("PUT", f"work/{put_code}", body).status_code == 200


def test_the_visibility_in_a_post_is_ignored_for_the_researchers_default(api: Api):
    put_code = api.put_code_of(api.post_work(work_json(visibility="private")))
    assert api.call("GET", f"work/{put_code}").json()["visibility"] == "public"


def test_another_clients_item_cannot_be_changed_or_deleted_9010(orcid_simulator, api: Api):
    theirs = orcid_simulator.add_item(api.orcid, kind="work", body=work_json("10.5555/theirs"))["put_code"]
    body = api.call("GET", f"work/{theirs}").json()
    body["title"]["title"]["value"] = "A changed title"
    update = api.call("PUT", f"work/{theirs}", body)
    assert update.status_code == 403 and error_code(update) == 9010
    assert update.json()["developer-message"] == (
        "403 Forbidden: You are not the source of the work, so you are not allowed to update it.")
    assert error_code(api.call("DELETE", f"work/{theirs}")) == 9010


def test_an_unchanged_put_of_another_clients_work_is_9014(orcid_simulator, api: Api):
    """WorkManagerImpl.updateWork compares the incoming work with the stored one first: when
    nothing changed and the caller is not the source, OrcidForbiddenException (403 9014)."""
    theirs = orcid_simulator.add_item(api.orcid, kind="work", body=work_json("10.5555/theirs"))["put_code"]
    body = api.call("GET", f"work/{theirs}").json()
    update = api.call("PUT", f"work/{theirs}", body)
    assert update.status_code == 403 and error_code(update) == 9014
    assert update.json()["developer-message"] == (
        "The client application is forbidden to perform the action. Full validation error: 403 Forbidden: You are "
        "not the source of the work, so you are not allowed to update it.")


def test_a_put_to_another_clients_item_is_validated_before_its_source_is_checked(orcid_simulator, api: Api):
    """updateWork/updateFunding/updateAffiliation: validation, then duplicates, then the source."""
    theirs = orcid_simulator.add_item(api.orcid, kind="work", body=work_json("10.5555/theirs"))["put_code"]
    body = api.call("GET", f"work/{theirs}").json()
    body["title"]["title"]["value"] = ""
    assert error_code(api.call("PUT", f"work/{theirs}", body)) == 9022
    api.put_code_of(api.post_work(work_json("10.5555/mine")))
    body = work_json("10.5555/mine", **{"put-code": theirs})
    assert error_code(api.call("PUT", f"work/{theirs}", body)) == 9021


def test_json_that_breaks_the_schema_is_9047_and_xml_9001(api: Api):
    """JSONInputValidator checks JSON against the XSD (InvalidJSONException, 9047); XML fails
    JAXB's unmarshalling (9001)."""
    body = work_json(**{"short-description": "x" * 5001})
    response = api.post_work(body)
    assert response.status_code == 400 and error_code(response) == 9047, response.text


def test_no_token_is_403(api: Api):
    response = api.call("GET", "works", token=None)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_an_unknown_token_is_401_and_orcid_echoes_it(api: Api):
    response = api.call("GET", "works", token="6d1a0a4e-0000-4000-8000-000000000000")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token",
                               "error_description": "Invalid access token: 6d1a0a4e-0000-4000-8000-000000000000"}


def test_a_token_for_another_record_is_9017(orcid_simulator, api: Api):
    other = orcid_simulator.create_record(name="Someone Else")
    response = api.call("GET", "works", orcid=other["orcid"])
    assert response.status_code == 401 and error_code(response) == 9017
    assert error_code(api.post_work(work_json(), orcid=other["orcid"])) == 9017


def test_a_token_without_activities_update_cannot_write_9038(orcid_simulator, api: Api):
    read_only = orcid_simulator.issue_token(api.orcid, scopes="/read-limited")["access_token"]
    response = api.post_work(work_json(), token=read_only)
    assert response.status_code == 403 and error_code(response) == 9038
    assert api.call("GET", "works", token=read_only).status_code == 200


def test_a_token_revoked_by_the_researcher_still_deletes_its_items_and_nothing_else(orcid_simulator, api: Api):
    put_code = api.put_code_of(api.post_work(work_json()))
    assert orcid_simulator.researcher_revoke(api.orcid) == 1
    for method, path, body in [("GET", f"work/{put_code}", None), ("GET", "works", None),
                               ("POST", "work", work_json("10.5555/new")),
                               ("PUT", f"work/{put_code}", work_json(**{"put-code": put_code}))]:
        response = api.call(method, path, body)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "invalid_token"
    assert api.call("DELETE", f"work/{put_code}").status_code == 204
    assert orcid_simulator.record(api.orcid)["items"] == []


def test_revoking_one_client_leaves_the_others_tokens_alone(orcid_simulator, api: Api):
    other = orcid_simulator.register_client(name="Another University")
    token = orcid_simulator.issue_token(api.orcid, client_id=other["client_id"])["access_token"]
    orcid_simulator.researcher_revoke(api.orcid, client_id=other["client_id"])
    assert api.call("GET", "works", token=token).status_code == 401
    assert api.call("GET", "works").status_code == 200


def test_private_items_of_other_sources_are_hidden_limited_ones_shown(orcid_simulator, api: Api):
    private = orcid_simulator.add_item(api.orcid, kind="work", body=work_json("10.5555/p"), visibility="private")
    limited = orcid_simulator.add_item(api.orcid, kind="work", body=work_json("10.5555/l"), visibility="limited")
    own = api.put_code_of(api.post_work(work_json("10.5555/own")))
    orcid_simulator.researcher_set_visibility(api.orcid, own, "private")
    codes = {s["put-code"] for g in api.call("GET", "works").json()["group"] for s in g["work-summary"]}
    assert codes == {limited["put_code"], own}
    assert error_code(api.call("GET", f"work/{private['put_code']}")) == 9013


def test_bulk_answers_per_item_in_order(api: Api):
    bad = work_json("10.5555/bad")
    bad["type"] = "not-a-type"
    payload = {"bulk": [{"work": work_json("10.5555/b1")}, {"work": bad}, {"work": work_json("10.5555/b1")},
                        {"work": work_json("10.5555/b2")}]}
    response = api.call("POST", "works", payload)
    assert response.status_code == 200, response.text
    results = response.json()["bulk"]
    assert "work" in results[0]
    assert results[1]["error"]["error-code"] == 9037
    assert results[2]["error"]["error-code"] == 9021
    assert str(results[0]["work"]["put-code"]) in results[2]["error"]["developer-message"]
    assert "work" in results[3]


def test_bulk_of_more_than_100_is_9006(api: Api):
    payload = {"bulk": [{"work": work_json(f"10.5555/n{i}")} for i in range(101)]}
    response = api.call("POST", "works", payload)
    assert response.status_code == 400 and error_code(response) == 9006
    assert "You are allowed to add up to 100 elements per request." in response.json()["developer-message"]
    assert api.call("GET", "works").json()["group"] == []


def test_works_by_put_codes_answers_each_one_or_its_error(api: Api):
    first = api.put_code_of(api.post_work(work_json("10.5555/w1")))
    second = api.put_code_of(api.post_work(work_json("10.5555/w2")))
    results = api.call("GET", f"works/{first},{second},999999").json()["bulk"]
    assert [r["work"]["put-code"] for r in results[:2]] == [first, second]
    assert results[2]["error"]["error-code"] == 9016


def test_the_record_holds_the_activities_summary(api: Api):
    api.put_code_of(api.post_work(work_json()))
    api.put_code_of(api.call("POST", "employment", employment_json()))
    record = api.call("GET", "record").json()
    assert record["orcid-identifier"]["path"] == api.orcid
    assert record["person"]["name"]["family-name"]["value"] == "Lovelace"
    summary = record["activities-summary"]
    assert len(summary["works"]["group"]) == 1
    assert len(summary["employments"]["affiliation-group"]) == 1


def test_an_unknown_endpoint_is_404(api: Api):
    response = requests.get(f"{api.url}/v3.0/{api.orcid}/fundings-and-more", timeout=10)
    assert response.status_code == 404


def test_a_wrong_method_is_405_and_a_wrong_media_type_415(api: Api):
    wrong_method = api.call("PATCH", "works")
    assert wrong_method.status_code == 405 and error_code(wrong_method) == 9001
    wrong_type = api.post_work("title=hello", content_type="text/plain")
    assert wrong_type.status_code == 415 and error_code(wrong_type) == 9001


def test_an_expired_token_is_401(orcid_simulator, api: Api, record):
    orcid_simulator.expire_token(record["access_token"])
    response = api.call("GET", "works")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_a_read_public_token_reads_public_items_only_and_cannot_write(orcid_simulator, api: Api):
    from django.conf import settings

    public = api.put_code_of(api.post_work(work_json("10.5555/public")))
    limited = orcid_simulator.add_item(api.orcid, kind="work", body=work_json("10.5555/limited"),
                                       visibility="limited")["put_code"]
    token = requests.post(f"{api.url}/oauth/token", data={"grant_type": "client_credentials",
                                                          "scope": "/read-public"},
                          auth=(settings.ORCID_DEMO_CLIENT_ID, settings.ORCID_DEMO_CLIENT_SECRET),
                          timeout=10).json()["access_token"]
    orcid_simulator.researcher_set_visibility(api.orcid, public, "public")
    codes = {s["put-code"] for g in api.call("GET", "works", token=token).json()["group"] for s in g["work-summary"]}
    # The demo client is the source of `public`, so it would see it whatever its visibility.
    assert limited not in codes and public in codes
    assert error_code(api.post_work(work_json("10.5555/x"), token=token)) == 9038


def test_concurrent_posts_of_the_same_work_create_it_once(api: Api):
    """Writes to a record are serialised, so two workers racing with the same work get one 201
    and 409s naming it, never two copies."""
    from concurrent.futures import ThreadPoolExecutor

    def post(_):
        return requests.post(f"{api.url}/v3.0/{api.orcid}/work", json=work_json("10.5555/race"),
                             headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"},
                             timeout=10)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(8)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    put_code = int(next(r for r in responses if r.status_code == 201).headers["Location"].rsplit("/", 1)[1])
    assert all(f"put-code {put_code}." in r.json()["developer-message"] for r in responses if r.status_code == 409)


def test_a_full_record_refuses_more_works_9048(api: Api, simulator_server):
    simulator_server.simulator.max_works = 2  # ORCID's limit is 10,000; two make the point quickly
    try:
        api.put_code_of(api.post_work(work_json("10.5555/full.1")))
        api.put_code_of(api.post_work(work_json("10.5555/full.2")))
        response = api.post_work(work_json("10.5555/full.3"))
        assert response.status_code == 409 and error_code(response) == 9048
        # WorkManagerImpl.createWorks: a bulk that would pass the cap fails whole, 409 9048.
        response = api.call("POST", "works", {"bulk": [{"work": work_json("10.5555/full.4")}]})
        assert response.status_code == 409 and error_code(response) == 9048
    finally:
        simulator_server.simulator.max_works = 10000


def test_a_work_read_back_as_pretty_xml_can_be_put_back(api: Api):
    """What a client reads (dates and source included, pretty-printed) is a valid PUT body."""
    from lxml import etree

    put_code = api.put_code_of(api.post_work(work_json()))
    tree = etree.fromstring(api.call("GET", f"work/{put_code}", accept=XML).content)
    for date in tree.iter("{http://www.orcid.org/ns/common}last-modified-date"):
        date.text = f"\n        {date.text}\n    "
    body = etree.tostring(tree, pretty_print=True)
    response = api.call("PUT", f"work/{put_code}", body, accept=XML)
    assert response.status_code == 200, response.text
