"""The OpenAPI schema: generated without warnings, valid OpenAPI 3.1, served with its
documentation from local static files (no CDN)."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"] == "3.1.0"
    validate(schema, cls=OpenAPIV31SpecValidator)
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An integration's API token (kki_…).",
    }


def test_the_schema_lists_every_resource(client):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert sorted(path for path in schema["paths"] if path.count("/") == 4) == [
        "/api/v1/acknowledgements/",
        "/api/v1/contracts/",
        "/api/v1/customer-links/",
        "/api/v1/customers/",
        "/api/v1/deals/",
        "/api/v1/devices/",
        "/api/v1/disclosures/",
        "/api/v1/exposures/",
        "/api/v1/manufacturers/",
        "/api/v1/notices/",
        "/api/v1/products/",
        "/api/v1/webhooks/",
    ]


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_documentation_is_served_without_a_cdn(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html
    assert "/static/drf_spectacular_sidecar/" in html
