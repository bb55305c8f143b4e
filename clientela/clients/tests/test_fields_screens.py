"""The field settings screen (/settings/fields/) and the /api/v1/fields/ resource."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clientela.clients import field_services as fs
from clientela.clients.fields import FieldDefinition, FieldOption
from clientela.clients.models import Client
from clientela.clients.tests.factories import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def view_test_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def web(client, admin_user):
    client.force_login(admin_user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _dropdown(admin):
    return fs.field_create(actor=admin, record_type="client", name="size", field_type="choice", labels={"en": "Size"})


# Screen ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["fields:list", "fields:create"])
def test_the_screen_is_for_admins_only(client, alice, url_name):
    client.force_login(alice)
    assert client.get(reverse(url_name)).status_code == 403


def test_the_list_shows_built_in_and_custom_fields_of_clients_and_contacts(web, admin_user):
    _dropdown(admin_user)
    page = web.get(reverse("fields:list")).content.decode()
    assert 'id="fields-client"' in page and 'id="fields-contact"' in page
    assert ">Size</a>" in page and ">last_name<" in page


def test_adding_a_field_with_labels_per_language(web):
    response = web.post(
        reverse("fields:create") + "?record_type=client",
        {
            "name": "region_code",
            "field_type": "text",
            "applies_to": "company",
            "label_en": "Region",
            "label_zh_hans": "地区",
        },
    )
    assert response.status_code == 302
    field = FieldDefinition.objects.get(name="region_code")
    assert (field.labels, field.applies_to, field.is_builtin) == ({"en": "Region", "zh-hans": "地区"}, "company", False)


def test_a_refused_setting_is_shown_on_the_form(web, admin_user, alice):
    field = fs.field_create(actor=admin_user, record_type="client", name="code", field_type="text", labels={"en": "C"})
    for client in (make_client(user=alice), make_client(user=alice)):
        Client.objects.filter(pk=client.pk).update(custom_fields={"code": "x"})
    response = web.post(
        reverse("fields:edit", args=[field.pk]),
        {"field_type": "integer", "applies_to": "both", "label_en": "C", "is_enabled": "on"},
    )
    assert response.status_code == 200
    assert "2 stored values do not fit the type Whole number" in response.content.decode()


def test_deleting_a_field_says_how_many_records_have_a_value(web, admin_user, alice):
    field = fs.field_create(actor=admin_user, record_type="client", name="code", field_type="text", labels={"en": "C"})
    Client.objects.filter(pk=make_client(user=alice).pk).update(custom_fields={"code": "x"})
    page = web.get(reverse("fields:delete", args=[field.pk])).content.decode()
    assert "1 record has a value in this field" in page
    assert web.post(reverse("fields:delete", args=[field.pk])).status_code == 302
    assert not FieldDefinition.objects.filter(pk=field.pk).exists()


def test_reordering_by_drag_and_by_arrows(web, admin_user):
    first = fs.field_create(actor=admin_user, record_type="contact", name="a1", field_type="text", labels={"en": "A"})
    second = fs.field_create(actor=admin_user, record_type="contact", name="b2", field_type="text", labels={"en": "B"})
    response = web.post(
        reverse("fields:reorder"),
        {"record_type": "contact", "ids": [second.pk, first.pk]},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 204
    order = list(
        FieldDefinition.objects.filter(record_type="contact").order_by("sort_order").values_list("name", flat=True)
    )
    assert order[:2] == ["b2", "a1"]
    web.post(reverse("fields:reorder"), {"record_type": "contact", "move": first.pk, "direction": "up"})
    order = list(
        FieldDefinition.objects.filter(record_type="contact").order_by("sort_order").values_list("name", flat=True)
    )
    assert order[:2] == ["a1", "b2"]


def test_the_options_editor_adds_renames_retires_and_imports_cities(web, admin_user):
    field = _dropdown(admin_user)
    web.post(reverse("fields:options", args=[field.pk]), {"new-label_en": "Small", "new-label_cs": "Malý"})
    option = FieldOption.objects.get(field=field)
    assert option.labels == {"en": "Small", "cs": "Malý"}
    web.post(reverse("fields:option_edit", args=[field.pk, option.pk]), {f"option-{option.pk}-label_en": "Tiny"})
    web.post(reverse("fields:option_edit", args=[field.pk, option.pk]), {"retire": "1"})
    option.refresh_from_db()
    assert (option.labels, option.is_retired) == ({"en": "Tiny"}, True)
    response = web.post(reverse("fields:import_cities", args=[field.pk]), {"country": "CZ"}, follow=True)
    assert "cities were added" in response.content.decode()
    assert FieldOption.objects.filter(field=field, labels__cs="Praha").exists()


# API -------------------------------------------------------------------------------------------------


def test_everyone_reads_the_fields_with_their_options(admin_user, bob):
    field = _dropdown(admin_user)
    fs.field_option_add(actor=admin_user, field=field, labels={"en": "Small"})
    answer = api(bob).get("/api/v1/fields/", {"record_type": "client"})
    assert answer.status_code == 200
    size = next(row for row in answer.json() if row["name"] == "size")
    assert [o["key"] for o in size["options"]] == ["small"]
    assert {"name", "kind"} <= {row["name"] for row in answer.json() if row["is_builtin"]}


def test_admins_create_change_and_delete_custom_fields_with_nested_options(admin_user):
    answer = api(admin_user).post(
        "/api/v1/fields/",
        {
            "record_type": "client", "name": "tier", "field_type": "choice",
            "labels": {"en": "Tier", "zh-hans": "等级"},
            "options": [{"labels": {"en": "Gold"}}, {"labels": {"en": "Silver"}, "key": "ag"}],
        },
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert [o["key"] for o in body["options"]] == ["gold", "ag"]
    gold = body["options"][0]
    changed = api(admin_user).patch(
        f"/api/v1/fields/{body['id']}/",
        {
            "is_required": True,
            "options": [{"labels": {"en": "Bronze"}}, {"id": gold["id"], "labels": {"en": "Gold"}, "is_retired": True}],
        },
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert [(o["key"], o["is_retired"]) for o in changed.json()["options"]] == [
        ("bronze", False),
        ("gold", True),
        ("ag", False),
    ]
    assert api(admin_user).delete(f"/api/v1/fields/{body['id']}/").status_code == 204


def test_others_cannot_change_fields_through_the_api(alice):
    answer = api(alice).post(
        "/api/v1/fields/",
        {"record_type": "client", "name": "x", "field_type": "text", "labels": {"en": "X"}},
        format="json",
    )
    assert answer.status_code == 403
    name = FieldDefinition.objects.get(record_type="client", name="name")
    assert api(alice).patch(f"/api/v1/fields/{name.pk}/", {"labels": {"en": "N"}}, format="json").status_code == 403


def test_built_in_fields_cannot_be_deleted_through_the_api(admin_user):
    name = FieldDefinition.objects.get(record_type="client", name="name")
    assert api(admin_user).delete(f"/api/v1/fields/{name.pk}/").status_code == 409
