"""/_mock/docs: Swagger UI from the package's own files, nothing from elsewhere."""

import re

import pytest
from fastapi.testclient import TestClient

from mock_server.control import docs


def test_the_docs_page_loads_only_the_mocks_own_files(client: TestClient) -> None:
    page = client.get("/_mock/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sorted(sources) == sorted(
        f"/_mock/docs/assets/{name}"
        for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
    )
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert "'/_mock/openapi.json'" in page.text


@pytest.mark.parametrize(("name", "media_type"), list(docs.ASSETS.items()))
def test_the_assets_are_served_with_their_types(
    client: TestClient, name: str, media_type: str
) -> None:
    response = client.get(f"/_mock/docs/assets/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert len(response.content) > 1000


@pytest.mark.parametrize(
    "name", ["redoc.standalone.js", "..%2F__init__.py", "swagger-ui.CSS", "index.html"]
)
def test_nothing_else_is_served(client: TestClient, name: str) -> None:
    response = client.get(f"/_mock/docs/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert b"def " not in response.content
