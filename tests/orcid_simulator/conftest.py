"""Helpers for the simulator's own tests: every call goes over real HTTP to the session's simulator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

SAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "orcid-model" / "samples"
XML = "application/vnd.orcid+xml"
JSON = "application/vnd.orcid+json"


@dataclass
class Api:
    """Calls the member API of one record with one token."""

    url: str
    orcid: str
    token: str | None
    session: requests.Session

    def call(self, method: str, path: str, body: bytes | str | dict | None = None, *, token: str | None = "default",
             content_type: str | None = None, accept: str = JSON, orcid: str | None = None,
             allow_redirects: bool = True) -> requests.Response:
        headers = {"Accept": accept}
        token = self.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if isinstance(body, dict) or isinstance(body, list):
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type or JSON
        elif body is not None:
            data = body.encode() if isinstance(body, str) else body
            headers["Content-Type"] = content_type or XML
        target = f"{self.url}/v3.0/{orcid or self.orcid}/{path.lstrip('/')}".rstrip("/")
        return self.session.request(method, target, data=data, headers=headers, timeout=10,
                                    allow_redirects=allow_redirects)

    def post_work(self, body, **kwargs) -> requests.Response:
        return self.call("POST", "work", body, **kwargs)

    def put_code_of(self, response: requests.Response) -> int:
        assert response.status_code == 201, response.text
        return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.fixture
def record(orcid_simulator) -> dict:
    return orcid_simulator.create_record(name="Ada Lovelace")


@pytest.fixture
def api(orcid_simulator, record) -> Api:
    return Api(orcid_simulator.url, record["orcid"], record["access_token"], requests.Session())


def work_json(doi: str = "10.5555/simulator.1", *, title: str = "On the analytical engine", **extra) -> dict:
    """A minimal valid work in ORCID's JSON."""
    body = {
        "title": {"title": {"value": title}},
        "type": "journal-article",
        "external-ids": {"external-id": [{"external-id-type": "doi", "external-id-value": doi,
                                          "external-id-relationship": "self"}]},
    }
    body.update(extra)
    return body


def employment_json(**extra) -> dict:
    body = {
        "department-name": "Mathematics",
        "role-title": "Professor",
        "start-date": {"year": {"value": "2020"}, "month": {"value": "09"}},
        "organization": {
            "name": "Demo University",
            "address": {"city": "Cambridge", "country": "GB"},
            "disambiguated-organization": {"disambiguated-organization-identifier": "https://ror.org/013meh722",
                                           "disambiguation-source": "ROR"},
        },
    }
    body.update(extra)
    return body


def error_code(response: requests.Response) -> int | None:
    try:
        return response.json().get("error-code")
    except ValueError:
        return None


def affiliation_json(kind: str = "education", **extra) -> dict:
    """A valid affiliation of any of the seven sections (same fields as an employment)."""
    body = employment_json(**extra)
    if kind in ("distinction", "invited-position", "membership", "qualification", "service"):
        body["role-title"] = f"{kind.replace('-', ' ').title()} holder"
    return body


def funding_json(grant: str = "GRANT-1", **extra) -> dict:
    """A minimal valid funding: title, type, a `self` grant number and a known funder (NSF)."""
    body = {
        "type": "grant",
        "title": {"title": {"value": "The analytical engine, revisited"}},
        "amount": {"value": "250000", "currency-code": "USD"},
        "start-date": {"year": {"value": "2021"}},
        "end-date": {"year": {"value": "2024"}},
        "external-ids": {"external-id": [{"external-id-type": "grant_number", "external-id-value": grant,
                                          "external-id-relationship": "self"}]},
        "organization": {
            "name": "National Science Foundation",
            "address": {"city": "Alexandria", "region": "VA", "country": "US"},
            "disambiguated-organization": {
                "disambiguated-organization-identifier": "http://dx.doi.org/10.13039/100000001",
                "disambiguation-source": "FUNDREF"},
        },
    }
    body.update(extra)
    return body
