"""A client with everything a document shows: ids, two addresses, contacts in three scripts, a history."""

import pytest
from django.utils import translation

from clientela.clients.models import Client
from clientela.clients.selectors import get_client_for_user
from clientela.clients.services import client_update
from clientela.clients.tests.factories import make_contact


@pytest.fixture(autouse=True)
def english():
    """Labels are asserted in English, whatever language an earlier test left active in this thread."""
    with translation.override("en"):
        yield


@pytest.fixture
def full_client(alice, alice_client) -> Client:
    client = client_update(
        client=alice_client,
        user=alice,
        version=alice_client.version,
        values={
            "tax_id": "CZ27168352",
            "website": "https://modravlna.cz",
            "shipping_same_as_billing": False,
            "shipping_street": "Skladová 5, hala B; rampa 3",
            "shipping_city": "Ústí nad Labem",
            "shipping_postal_code": "400 01",
            "shipping_region": "Ústecký kraj",
            "shipping_country": "CZ",
        },
    )
    make_contact(
        client=client,
        user=alice,
        first_name="Jiří",
        last_name="Dvořák",
        position="Jednatel; ředitel, obchod",
        email="jiri@modravlna.cz",
        phone="+420 602 111 222",
        language="cs",
        is_primary=True,
    )
    make_contact(
        client=client,
        user=alice,
        first_name="伟",
        last_name="王",
        position="采购经理",
        email="wang@example.cn",
        phone="+86 138 0013 8000",
        language="zh-hans",
    )
    make_contact(client=client, user=alice, first_name="Ioana", last_name="Țăran, Popescu", language="ro")
    return get_client_for_user(user=alice, pk=client.pk)
