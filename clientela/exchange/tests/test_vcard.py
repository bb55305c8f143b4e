import vobject

from clientela.exchange.vcard import card_uid, client_vcard


def _cards(text: str) -> list:
    return list(vobject.readComponents(text))


def _one(card, name: str):
    (line,) = card.contents[name]
    return line


def _contacts_by_family(cards: list) -> dict:
    return {card.n.value.family: card for card in cards[1:]}


def test_a_client_file_holds_the_client_card_then_one_card_per_contact(full_client):
    for version in ("3.0", "4.0"):
        cards = _cards(client_vcard(full_client, version=version))

        names = [card.fn.value for card in cards]
        assert names == ["Modrá Vlna s.r.o.", "Jiří Dvořák", "Ioana Țăran, Popescu", "伟 王"]
        assert {card.version.value for card in cards} == {version}


def test_the_client_card_reads_back_field_by_field_in_vcard_3(full_client):
    (card, *_contacts) = _cards(client_vcard(full_client, version="3.0"))

    assert card.uid.value == card_uid("client", full_client.pk)
    assert card.fn.value == "Modrá Vlna s.r.o."
    assert card.org.value == ["Modrá Vlna s.r.o."]
    assert str(card.n.value).strip() == ""
    assert "kind" not in card.contents
    billing, shipping = card.contents["adr"]
    assert (billing.value.street, billing.value.city, billing.value.code, billing.value.region) == (
        "Kounicova 684/12a",
        "Brno",
        "602 00",
        "",
    )
    assert billing.value.country == "Czechia"
    assert billing.params["TYPE"] == ["work", "postal"]
    assert (shipping.value.street, shipping.value.city, shipping.value.code, shipping.value.region) == (
        "Skladová 5, hala B; rampa 3",
        "Ústí nad Labem",
        "400 01",
        "Ústecký kraj",
    )
    assert shipping.params["TYPE"] == ["work", "parcel"]
    assert _one(card, "tel").value == "+420601123456"
    assert _one(card, "tel").params["TYPE"] == ["work", "voice"]
    assert _one(card, "email").value == "info@modravlna.cz"
    assert _one(card, "email").params["TYPE"] == ["internet", "work"]
    assert _one(card, "url").value == "https://modravlna.cz"
    assert _one(card, "note").value == "Tax id: 27168352\nRegistration id: 27168352\nVAT id: CZ27168352"


def test_the_client_card_reads_back_field_by_field_in_vcard_4(full_client):
    (card, *_contacts) = _cards(client_vcard(full_client, version="4.0"))

    assert card.kind.value == "org"
    assert "n" not in card.contents
    assert card.fn.value == "Modrá Vlna s.r.o."
    assert card.org.value == ["Modrá Vlna s.r.o."]
    assert [adr.value.street for adr in card.contents["adr"]] == ["Kounicova 684/12a", "Skladová 5, hala B; rampa 3"]
    assert [adr.params["TYPE"] for adr in card.contents["adr"]] == [["work", "postal"], ["work", "parcel"]]
    assert _one(card, "tel").value == "tel:+420601123456"
    assert _one(card, "tel").params["VALUE"] == ["uri"]
    assert _one(card, "email").params["TYPE"] == ["work"]
    assert _one(card, "note").value == "Tax id: 27168352\nRegistration id: 27168352\nVAT id: CZ27168352"


def test_each_contact_card_reads_back_field_by_field_in_both_versions(full_client):
    for version, phone_prefix in (("3.0", ""), ("4.0", "tel:")):
        contacts = _contacts_by_family(_cards(client_vcard(full_client, version=version)))

        assert sorted(contacts) == sorted(["Dvořák", "王", "Țăran, Popescu"])
        jiri, wang, ioana = contacts["Dvořák"], contacts["王"], contacts["Țăran, Popescu"]
        assert (jiri.n.value.given, jiri.fn.value, jiri.org.value) == ("Jiří", "Jiří Dvořák", ["Modrá Vlna s.r.o."])
        assert jiri.title.value == "Jednatel; ředitel, obchod"
        assert _one(jiri, "tel").value == f"{phone_prefix}+420602111222"
        assert _one(jiri, "email").value == "jiri@modravlna.cz"
        assert jiri.lang.value == "cs"
        assert (wang.n.value.given, wang.fn.value, wang.title.value) == ("伟", "伟 王", "采购经理")
        assert _one(wang, "tel").value == f"{phone_prefix}+8613800138000"
        assert wang.lang.value == "zh-hans"
        assert (ioana.n.value.given, ioana.fn.value, ioana.lang.value) == ("Ioana", "Ioana Țăran, Popescu", "ro")
        assert "title" not in ioana.contents and "tel" not in ioana.contents and "email" not in ioana.contents
        assert {card.uid.value for card in contacts.values()} == {
            card_uid("contact", contact.pk) for contact in full_client.contacts.all()
        }
        if version == "4.0":
            assert {card.kind.value for card in contacts.values()} == {"individual"}


def test_commas_and_semicolons_are_escaped_on_the_wire(full_client):
    text = client_vcard(full_client, version="3.0").replace("\r\n ", "")  # unfolded

    assert "TITLE:Jednatel\\; ředitel\\, obchod\r\n" in text
    assert "N:Țăran\\, Popescu;Ioana;;;\r\n" in text
    assert ";;Skladová 5\\, hala B\\; rampa 3;Ústí nad Labem;Ústecký kraj;400 01;Czechia\r\n" in text
    assert "NOTE:Tax id: 27168352\\nRegistration id: 27168352\\nVAT id: CZ27168352\r\n" in text


def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_a_character(alice, full_client):
    full_client.name = "蓝色波浪有限公司 " * 8 + "Modrá Vlna, s.r.o."
    for version in ("3.0", "4.0"):
        raw = client_vcard(full_client, version=version).encode("utf-8")

        assert raw.endswith(b"END:VCARD\r\n")
        assert b"\n" not in raw.replace(b"\r\n", b"")
        lines = raw.split(b"\r\n")[:-1]
        assert max(len(line) for line in lines) <= 75
        assert [line.decode("utf-8") for line in lines]  # each folded piece is whole UTF-8
        assert any(line.startswith(b" ") for line in lines)
        (card, *_rest) = _cards(raw.decode("utf-8"))
        assert card.fn.value == full_client.name


def test_an_unknown_version_is_refused(full_client):
    try:
        client_vcard(full_client, version="2.1")
    except ValueError as error:
        assert "2.1" in str(error)
    else:
        raise AssertionError("vCard 2.1 was written")


def test_a_client_without_contacts_or_addresses_is_one_card(alice):
    from clientela.clients.tests.factories import make_client

    client = make_client(user=alice, name="Bare; Client, Ltd", country="GB")

    (card,) = _cards(client_vcard(client, version="4.0"))
    assert card.fn.value == "Bare; Client, Ltd"
    assert card.org.value == ["Bare; Client, Ltd"]
    assert sorted(card.contents) == ["fn", "kind", "org", "uid", "version"]
