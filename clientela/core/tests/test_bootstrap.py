import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from clientela.accounts.models import User
from clientela.clients.models import Client, ClientGroup, Contact
from clientela.clients.services import CLIENT_FIELDS
from clientela.clients.validation import clean_client_values

pytestmark = pytest.mark.django_db


def _bootstrap(*args: str) -> str:
    out = StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def test_first_run_creates_an_admin_whose_printed_password_works_and_loads_demo_data():
    output = _bootstrap()

    password = re.search(r"Password:\s+(\S+)", output).group(1)
    admin = User.objects.get(username="admin")
    assert admin.is_admin
    assert authenticate(username="admin", password=password) == admin
    assert Client.objects.count() == 200
    assert ClientGroup.objects.count() == 6
    assert Contact.objects.exists()
    assert {"CZ", "RO", "ES", "CN"} <= set(Client.objects.values_list("country", flat=True))


def test_demo_clients_carry_valid_ids_that_survive_validation_unchanged():
    _bootstrap()

    for client in Client.objects.all():
        values = {field: getattr(client, field) for field in CLIENT_FIELDS}
        assert clean_client_values(values) == values, client.name
    companies = Client.objects.filter(kind="company")
    assert companies.exclude(tax_id="", registration_id="", vat_id="").count() == companies.count()


def test_a_second_run_creates_nothing_and_prints_no_password():
    _bootstrap()

    output = _bootstrap()

    assert "Password" not in output
    assert User.objects.filter(is_superuser=True).count() == 1
    assert Client.objects.count() == 200


def test_demo_data_can_be_left_out():
    _bootstrap("--no-demo")

    assert User.objects.filter(is_superuser=True).count() == 1
    assert not Client.objects.exists()
