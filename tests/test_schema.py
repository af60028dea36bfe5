"""The OpenAPI schema is generated without errors and the docs page needs no CDN."""

import pytest


@pytest.mark.django_db
def test_the_schema_covers_every_router_endpoint(cast, api):
    response = api("command").get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/areas/", "/api/areas/{id}/", "/api/areas/resolve/", "/api/auth/token/", "/api/cases/",
                 "/api/cases/{id}/dispatch/", "/api/cases/{id}/verify_pass/", "/api/categories/", "/api/rate/"]:
        assert path in paths, path


@pytest.mark.django_db
def test_the_docs_page_loads_its_assets_locally(cast, client):
    client.force_login(cast.command)
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_the_schema_generates_without_a_warning_and_validates(tmp_path):
    """No "unable to guess serializer" or other drf-spectacular warning, and a valid OpenAPI 3 document."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/notifications/" in (tmp_path / "schema.yaml").read_text(encoding="utf-8")
