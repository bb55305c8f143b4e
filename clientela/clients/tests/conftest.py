import pytest

from clientela.clients.tests.factories import make_client, make_group


@pytest.fixture
def group(alice):
    return make_group(user=alice, name="Wholesale", description="Buy by the pallet")


@pytest.fixture
def alice_client(alice, group):
    """A Czech company owned by alice, in the Wholesale group."""
    return make_client(
        user=alice,
        name="Modrá Vlna s.r.o.",
        country="CZ",
        registration_id="27168352",
        vat_id="CZ27168352",
        email="info@modravlna.cz",
        phone="+420 601 123 456",
        billing_street="Kounicova 684/12a",
        billing_city="Brno",
        billing_postal_code="602 00",
        billing_country="CZ",
        groups=[group],
    )


@pytest.fixture
def bob_client(alice, bob):
    """Owned by bob, alice's subordinate."""
    return make_client(user=alice, owner=bob, name="Țesătoria Argeș SRL", country="RO", tax_id="RO18547290")
