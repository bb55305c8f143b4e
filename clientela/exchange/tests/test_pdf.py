import io
import re

import pytest
from django.utils import translation
from pypdf import PdfReader

from clientela.clients.tests.factories import make_client, make_contact
from clientela.exchange import pdf as pdf_module
from clientela.exchange.fonts import FontSource, PdfFontMissing
from clientela.exchange.pdf import client_pdf

SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+(?P<name>.+)$")


def _read(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    """Each font of the document by name (subset prefix removed), and whether its file is embedded."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            match = SUBSET_NAME.match(font["/BaseFont"])
            assert match, f"{font['/BaseFont']} is not a subset"
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[match["name"]] = "/FontFile2" in descriptor
    return fonts


def test_a_client_pdf_in_czech_is_one_page_with_its_data_and_contacts(alice, full_client):
    with translation.override("cs"):
        content = client_pdf(full_client, user=alice)

    assert content.startswith(b"%PDF-")
    reader = _read(content)
    assert len(reader.pages) == 1
    text = _text(reader)
    for expected in (
        "Modrá Vlna s.r.o.",
        "CZ27168352",
        "Kounicova 684/12a",
        "Skladová 5, hala B; rampa 3",
        "Jiří Dvořák",
        "Ioana Țăran, Popescu",
        "采购经理",
        "Wholesale",
        "Alice Owner",
    ):
        assert expected in text
    assert reader.metadata.title == "Modrá Vlna s.r.o."


def test_a_chinese_client_pdf_in_chinese_has_its_name_as_text(alice):
    client = make_client(user=alice, name="蓝色波浪贸易有限公司", country="CN", billing_city="上海市")
    make_contact(client=client, user=alice, first_name="伟", last_name="王", position="采购经理")

    with translation.override("zh-hans"):
        reader = _read(client_pdf(client, user=alice))

    assert len(reader.pages) == 1
    text = _text(reader)
    assert "蓝色波浪贸易有限公司" in text
    assert "上海市" in text
    assert "采购经理" in text


def test_the_pdf_embeds_subsets_of_its_latin_and_chinese_fonts(alice, full_client):
    with translation.override("zh-hans"):
        reader = _read(client_pdf(full_client, user=alice))

    assert _embedded_fonts(reader) == {"NotoSans": True, "NotoSansBold": True, "NotoSansSC": True}


def test_the_pdf_summarises_the_latest_changes(alice, full_client):
    reader = _read(client_pdf(full_client, user=alice))

    text = _text(reader)
    assert "Recent changes" in text
    assert "Created" in text and "Changed" in text
    assert "https://modravlna.cz" in text
    assert "Ústí nad Labem" in text


def test_a_pdf_of_an_invalidated_client_says_so(alice, full_client):
    from clientela.clients.services import client_invalidate

    client = client_invalidate(client=full_client, user=alice)

    text = _text(_read(client_pdf(client, user=alice)))
    assert "This client is invalid" in text


def test_a_missing_font_stops_the_pdf_with_a_message_naming_the_package(alice, full_client, monkeypatch):
    missing = FontSource("no_such_font_package", "fonts/NoSuch.ttf", "NoSuch", ())
    monkeypatch.setattr(pdf_module, "CHINESE", missing)

    with pytest.raises(PdfFontMissing, match="install the Python package no_such_font_package"):
        client_pdf(full_client, user=alice)
