import pytest


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_404(client):
    response = client.patch("/api/v1/researchers/0/works/null,null")
    assert response.status_code == 404
    assert response.json()["message"]
