"""The OpenAPI schema and the Swagger UI: complete, warning-free, and served without the internet."""

import re

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

ADDRESS_PARTS = ["street", "city", "postal_code", "region", "country"]


@pytest.fixture
def schema() -> dict:
    response = APIClient().get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_generates_without_warnings_and_is_valid_openapi(tmp_path):
    GENERATOR_STATS.reset()  # count only this generation's warnings

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))

    generated = yaml.safe_load((tmp_path / "schema.yml").read_text())
    assert generated["info"]["title"] == "Clientela API"


def test_the_schema_lists_every_endpoint_and_action(schema):
    resources = ("/api/v1/clients/", "/api/v1/groups/", "/api/v1/contacts/", "/api/v1/registry/", "/api/v1/imports/")
    paths = {path: sorted(operations) for path, operations in schema["paths"].items() if path.startswith(resources)}
    assert paths == {
        "/api/v1/clients/": ["get", "post"],
        "/api/v1/clients/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/clients/{id}/history/": ["get"],
        "/api/v1/clients/{id}/invalidate/": ["post"],
        "/api/v1/clients/{id}/restore/": ["post"],
        "/api/v1/clients/{id}/lock/": ["post"],
        "/api/v1/clients/{id}/unlock/": ["post"],
        "/api/v1/clients/{id}/vcard/": ["get"],
        "/api/v1/clients/{id}/pdf/": ["get"],
        "/api/v1/clients/{id}/duplicates/": ["get"],
        "/api/v1/clients/transfer/": ["post"],
        "/api/v1/clients/export/": ["get"],
        "/api/v1/clients/{id}/merge/": ["post"],
        "/api/v1/clients/{id}/merges/": ["get"],
        "/api/v1/clients/{id}/merges/{merge_id}/undo/": ["post"],
        "/api/v1/registry/lookup/": ["get"],
        "/api/v1/groups/": ["get", "post"],
        "/api/v1/groups/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/contacts/": ["get", "post"],
        "/api/v1/contacts/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/imports/": ["get", "post"],
        "/api/v1/imports/{id}/": ["get"],
        "/api/v1/imports/{id}/rows/": ["get"],
        "/api/v1/imports/{id}/run/": ["post"],
        "/api/v1/imports/{id}/revert/": ["post"],
        "/api/v1/imports/fields/": ["get"],
    }


def test_the_schema_describes_the_json_of_each_resource(schema):
    components = schema["components"]["schemas"]

    assert list(components["Client"]["properties"]) == [
        "id", "kind", "name", "tax_id", "registration_id", "vat_id", "email", "phone", "website",
        "billing_address", "shipping_address", "shipping_same_as_billing", "country", "currency", "language",
        "owner", "groups", "custom_fields", "status", "version", "created_at", "created_by", "updated_at",
        "updated_by", "locked_by", "locked_at",
    ]  # fmt: skip
    assert list(components["Contact"]["properties"]) == [
        "id", "client", "first_name", "last_name", "position", "email", "phone", "language", "is_primary",
        "custom_fields",
    ]  # fmt: skip
    assert list(components["Group"]["properties"]) == ["id", "name", "description", "client_count"]
    # Answers always carry every field.
    for name in ("Client", "Contact", "Group", "Address"):
        assert sorted(components[name]["required"]) == sorted(components[name]["properties"])


def test_the_schema_describes_the_nested_addresses(schema):
    components = schema["components"]["schemas"]

    assert list(components["Address"]["properties"]) == ADDRESS_PARTS
    assert list(components["AddressRequest"]["properties"]) == ADDRESS_PARTS
    for component, address in (
        ("Client", "Address"),
        ("ClientRequest", "AddressRequest"),
        ("ClientUpdateRequest", "AddressRequest"),
        ("PatchedClientUpdateRequest", "AddressRequest"),
    ):
        for field in ("billing_address", "shipping_address"):
            described = components[component]["properties"][field]
            reference = described["allOf"][0]["$ref"] if "allOf" in described else described["$ref"]
            assert reference == f"#/components/schemas/{address}", (component, field)


def test_updates_require_the_version_in_the_schema(schema):
    components = schema["components"]["schemas"]

    assert "version" in components["ClientUpdateRequest"]["required"]
    assert "version" not in components["ClientRequest"]["properties"]
    patch = schema["paths"]["/api/v1/clients/{id}/"]["patch"]
    assert "version" in patch["description"]
    assert sorted(patch["responses"]) == ["200", "400", "404", "409"]


def test_the_schema_documents_how_a_contact_for_an_unseen_client_is_refused(schema):
    create = schema["paths"]["/api/v1/contacts/"]["post"]

    assert "400 on the `client` field" in create["description"]
    assert "400" in create["responses"]


def test_the_client_list_documents_its_filters_and_paging(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/clients/"]["get"]["parameters"]}

    assert sorted(parameters) == [
        "before", "country", "cursor", "group", "kind", "ordering", "owner", "page_size", "search", "status",
    ]  # fmt: skip
    assert parameters["status"]["schema"]["enum"] == ["active", "invalid", "all"]
    assert parameters["ordering"]["schema"]["enum"] == ["name", "-name", "-created_at", "created_at", "country"]


def test_both_authentications_are_documented(schema):
    assert sorted(schema["components"]["securitySchemes"]) == ["cookieAuth", "tokenAuth"]


def test_swagger_ui_loads_only_local_files():
    response = APIClient().get(reverse("api:docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"https?://[^\s\"'<>)]+", html) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 4  # the stylesheet, the icon and two scripts
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), asset
        # After collectstatic the names carry a content hash (file.0123456789ab.js): the source has none.
        source = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", asset.removeprefix(settings.STATIC_URL))
        assert finders.find(source) is not None, asset
    assert f'"{reverse("api:schema")}"' in html
