"""The record's own page (as its researcher sees it on orcid.org): what the portal wrote, with
put-codes and sources, and the researcher's own actions, delete, visibility and revoking access,
which the portal must then cope with."""

from __future__ import annotations

import requests

from .conftest import error_code, work_json


def test_the_record_page_lists_items_with_put_codes_and_sources(orcid_simulator, record, api):
    put_code = api.put_code_of(api.post_work(work_json(title="On the analytical engine")))
    orcid_simulator.add_item(record["orcid"], body=work_json("10.5555/other", title="From elsewhere"))
    page = requests.get(f"{orcid_simulator.url}/{record['orcid']}", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "On the analytical engine" in page.text and f"<td>{put_code}</td>" in page.text
    assert "From elsewhere" in page.text and "Crossref Metadata Search" in page.text
    home = requests.get(orcid_simulator.url + "/", timeout=10).text
    assert f'href="/{record["orcid"]}"' in home


def test_the_researcher_deletes_an_item_and_its_source_then_gets_404(orcid_simulator, record, api):
    put_code = api.put_code_of(api.post_work(work_json()))
    answer = requests.post(f"{orcid_simulator.url}/{record['orcid']}/researcher/items/{put_code}",
                           data={"delete": "1"}, timeout=10)
    assert answer.status_code == 200 and "deleted" in answer.text  # 303 back to the page, followed
    gone = api.call("PUT", f"work/{put_code}", work_json(**{"put-code": put_code}))
    assert gone.status_code == 404 and error_code(gone) == 9016


def test_the_researcher_hides_an_item(orcid_simulator, record, api):
    put_code = api.put_code_of(api.post_work(work_json()))
    requests.post(f"{orcid_simulator.url}/{record['orcid']}/researcher/items/{put_code}",
                  data={"visibility": "private"}, timeout=10)
    items = orcid_simulator.record(record["orcid"])["items"]
    assert [item["visibility"] for item in items] == ["private"]


def test_the_researcher_revokes_the_portals_access(orcid_simulator, record, api):
    page = requests.get(f"{orcid_simulator.url}/{record['orcid']}", timeout=10).text
    assert "Revoke access" in page
    requests.post(f"{orcid_simulator.url}/{record['orcid']}/researcher/revoke",
                  data={"client_id": record["client_id"]}, timeout=10)
    assert api.post_work(work_json("10.5555/after")).status_code == 401
    assert "Revoke access" not in requests.get(f"{orcid_simulator.url}/{record['orcid']}", timeout=10).text


def test_a_form_posted_from_another_site_is_refused(orcid_simulator, record, api):
    put_code = api.put_code_of(api.post_work(work_json()))
    answer = requests.post(f"{orcid_simulator.url}/{record['orcid']}/researcher/items/{put_code}",
                           data={"delete": "1"}, headers={"Origin": "https://evil.example"}, timeout=10)
    assert answer.status_code == 403
    assert len(orcid_simulator.record(record["orcid"])["items"]) == 1


def test_an_unknown_record_is_a_plain_404_page(orcid_simulator):
    page = requests.get(f"{orcid_simulator.url}/0000-0002-1825-0097", timeout=10)
    assert page.status_code == 404 and "no record" in page.text
