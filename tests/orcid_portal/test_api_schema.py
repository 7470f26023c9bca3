"""The campus API answers as its OpenAPI document says (CONTRACT §4: the API is fuzzed
against /api/v1/schema/). Schemathesis generates requests from the document, valid and
invalid, and checks every answer: no server error, status codes and bodies as documented."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.fixtures.connections import OrcidConnectionFactory, api_key_for
from tests.fixtures.works import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("with_session", [False, True], ids=["key", "key-and-session-cookie"])
def test_the_api_answers_as_its_openapi_document_says(live_server, with_session):
    """With a session cookie sent along the key (a browser extension, a campus portal page), the
    key wins and no CSRF check applies: the answers are still the documented JSON ones."""
    ada = UserFactory(username="ada")
    works = [WorkFactory(researcher=ada) for _ in range(3)] + [WorkFactory(researcher=ada, eligible=True)]
    OrcidConnectionFactory(user=ada)
    key = api_key_for(scopes=["works:curate", "tokens:read", "connections:read"])
    headers = {"Authorization": f"Bearer {key}"}
    if with_session:
        from django.test import Client

        browser = Client()
        browser.force_login(UserFactory(username="grace"))
        headers["Cookie"] = f"sessionid={browser.cookies['sessionid'].value}"
    raw = requests.get(f"{live_server.url}/api/v1/schema/", params={"format": "json"}, timeout=30).json()
    schema = schemathesis.openapi.from_dict(raw)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/v1/researchers/{institutional_id}/works",
        "/api/v1/researchers/{institutional_id}/works/{work_id}",
        "/api/v1/researchers/{institutional_id}/orcid",
    }, "the document lists every endpoint of CONTRACT §4"

    statuses: list[int] = []
    for operation in operations:

        # Half the cases name the real researcher and work, so the fuzzing reaches past the 404s.
        @given(case=operation.as_strategy(), real=st.booleans(), work=st.sampled_from(works))
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case, real, work):
            if real and case.path_parameters is not None:
                if "institutional_id" in case.path_parameters:
                    case.path_parameters["institutional_id"] = "ada"
                if "work_id" in case.path_parameters:
                    case.path_parameters["work_id"] = work.pk
            response = case.call_and_validate(base_url=live_server.url, headers=headers)
            statuses.append(response.status_code)

        check()
    assert 200 in statuses and any(400 <= status < 500 for status in statuses), "both answers and refusals were fuzzed"
