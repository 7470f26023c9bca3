"""operations/middleware.py: a NUL byte in the path or query is the portal's own 400 page outside
/api/ (the layout, naming SUPPORT_EMAIL; CONTRACT §5) and a JSON 400 with a message under /api/."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

SUPPORT = "nul-guard-help@support.example.edu"


def test_a_nul_byte_outside_the_api_is_the_portals_400_page(client, settings):
    settings.SUPPORT_EMAIL = SUPPORT
    response = client.get("/login/?next=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'href="mailto:{SUPPORT}"' in page
    assert 'class="site-header"' in page and 'class="wrap site-footer"' in page  # templates/base.html
    assert "This request could not be understood" in page  # templates/400.html


def test_a_nul_byte_under_the_api_stays_a_json_400_with_a_message(client, settings):
    settings.SUPPORT_EMAIL = SUPPORT
    response = client.get("/api/v1/researchers/x/works?x=%00")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "NUL" in response.json()["message"]
