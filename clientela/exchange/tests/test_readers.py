"""Uploaded files as tables: real-shaped CSV, XLSX and vCard files, built here, and the ways they go wrong."""

import base64
import codecs
import datetime
import inspect
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.template.defaultfilters import filesizeformat

from clientela.exchange.readers import (
    DELIMITERS,
    ENCODINGS,
    FORMATS,
    VCARD_HEADERS,
    ImportFileError,
    Table,
    detect_format,
    open_table,
)
from clientela.exchange.vcard import card_uid, client_vcard

CZECH_PANGRAM = "Příliš žluťoučký kůň úpěl ďábelské ódy"


def _file(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def _open(path: Path, **options) -> Table:
    return open_table(path, filename=path.name, **options)


def _refused(path: Path, **options) -> str:
    with pytest.raises(ImportFileError) as caught:
        table = _open(path, **options)
        list(table.rows())
    return caught.value.message


# Encodings -----------------------------------------------------------------------------------------

CZECH_CSV = (
    "Jméno;Příjmení;Město;Poznámka\r\n"
    f"Antonín;Dvořák;Praha;{CZECH_PANGRAM}\r\n"
    "Jan;Šťastný;Ústí nad Labem;Čeština s háčky: ŘŠŽŤĎŇ\r\n"
    "Eva;Žižková;Plzeň;kůň, růže, ďábel\r\n"
)
CZECH_ROWS = [
    (2, ["Antonín", "Dvořák", "Praha", CZECH_PANGRAM]),
    (3, ["Jan", "Šťastný", "Ústí nad Labem", "Čeština s háčky: ŘŠŽŤĎŇ"]),
    (4, ["Eva", "Žižková", "Plzeň", "kůň, růže, ďábel"]),
]


@pytest.mark.parametrize("encoding", ["cp1250", "iso-8859-2"])
def test_czech_text_in_a_central_european_code_page_reads_back_letter_for_letter(tmp_path, encoding):
    table = _open(_file(tmp_path, "klienti.csv", CZECH_CSV, encoding))

    assert table.encoding == encoding
    assert table.delimiter == ";"
    assert table.headers == ["Jméno", "Příjmení", "Město", "Poznámka"]
    assert list(table.rows()) == CZECH_ROWS


def test_spanish_and_catalan_text_in_cp1252_reads_back_letter_for_letter(tmp_path):
    content = (
        "Nombre,Ciudad,Notas\r\n"
        "José Ibáñez,Peñíscola,Cliente desde 2019\r\n"
        "Col·legi d'Advocats,Lleida,Sí\r\n"
        "Núria Puigdomènech,València,Àngels i Marçal\r\n"
    )

    table = _open(_file(tmp_path, "clientes.csv", content, "cp1252"))

    assert table.encoding == "cp1252"
    assert list(table.rows()) == [
        (2, ["José Ibáñez", "Peñíscola", "Cliente desde 2019"]),
        (3, ["Col·legi d'Advocats", "Lleida", "Sí"]),
        (4, ["Núria Puigdomènech", "València", "Àngels i Marçal"]),
    ]


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_in_gb18030_or_gbk_reads_back_character_for_character(tmp_path, encoding):
    content = "名称,联系人,地址\r\n上海浦东发展银行,张伟,上海市浦东新区\r\n北京华联商厦,王芳,北京市朝阳区\r\n"

    table = _open(_file(tmp_path, "客户.csv", content, encoding))

    assert table.encoding == "gb18030"
    assert table.headers == ["名称", "联系人", "地址"]
    assert list(table.rows()) == [
        (2, ["上海浦东发展银行", "张伟", "上海市浦东新区"]),
        (3, ["北京华联商厦", "王芳", "北京市朝阳区"]),
    ]


def test_a_big_chinese_file_is_recognised_though_its_sample_ends_inside_a_character(tmp_path):
    rows = "".join(f"张伟{n},北京市朝阳区建国路{n}号,上海浦东发展银行\n" for n in range(40_000))
    content = f"联系人,地址,银行 \n{rows}".encode("gb18030")
    with pytest.raises(UnicodeDecodeError, match="incomplete multibyte sequence"):
        content[: 1024 * 1024].decode("gb18030")  # what detection reads ends inside a character

    table = _open(_file(tmp_path, "客户.csv", content))

    assert (table.encoding, table.headers) == ("gb18030", ["联系人", "地址", "银行"])
    assert table.count_rows() == 40_000


def test_traditional_chinese_in_big5_reads_back(tmp_path):
    content = "名稱,聯絡人\r\n臺灣銀行股份有限公司,陳小姐\r\n高雄市前鎮區,林先生\r\n"

    table = _open(_file(tmp_path, "客戶.csv", content, "big5"))

    assert table.encoding == "big5"
    assert list(table.rows()) == [(2, ["臺灣銀行股份有限公司", "陳小姐"]), (3, ["高雄市前鎮區", "林先生"])]


@pytest.mark.parametrize(("encoding", "reported"), [("utf-8", "utf-8"), ("utf-16", "utf-16")])
def test_romanian_comma_below_letters_read_back_in_utf8_and_utf16(tmp_path, encoding, reported):
    content = "Nume,Oraș,Firmă\nȘtefan Țurcanu,Timișoara,Țesătoria Ștefănești SRL\n"

    table = _open(_file(tmp_path, "clienti.csv", content, encoding))

    assert table.encoding == reported
    assert table.headers == ["Nume", "Oraș", "Firmă"]
    assert list(table.rows()) == [(2, ["Ștefan Țurcanu", "Timișoara", "Țesătoria Ștefănești SRL"])]


@pytest.mark.parametrize(("bom", "reported"), [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8-sig")])
def test_utf8_reads_the_same_with_and_without_a_bom(tmp_path, bom, reported):
    content = "Name,City\nDvořák,Brno\n张伟,北京\nCol·legi,Lleida\n".encode()

    table = _open(_file(tmp_path, "clients.csv", bom + content))

    assert table.encoding == reported
    assert table.headers == ["Name", "City"]  # no BOM glued to the first header
    assert [cells for _number, cells in table.rows()] == [["Dvořák", "Brno"], ["张伟", "北京"], ["Col·legi", "Lleida"]]


def test_excel_unicode_text_is_utf16_with_tabs(tmp_path):
    # Excel's "Unicode text (*.txt)": UTF-16 LE with a BOM, tab-delimited, CRLF line ends.
    content = (
        "Name\tCity\tPhone\r\nJiří Dvořák\tÚstí nad Labem\t+420 601 123 456\r\n"
        "Ștefan Țurcanu\tTimișoara\t0721 000 111\r\n张伟\t北京市朝阳区\t010 1234 5678\r\n"
    )
    path = _file(tmp_path, "contacts.txt", codecs.BOM_UTF16_LE + content.encode("utf-16-le"))

    table = _open(path)

    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-16", "\t")
    assert list(table.rows()) == [
        (2, ["Jiří Dvořák", "Ústí nad Labem", "+420 601 123 456"]),
        (3, ["Ștefan Țurcanu", "Timișoara", "0721 000 111"]),
        (4, ["张伟", "北京市朝阳区", "010 1234 5678"]),
    ]


def test_european_excel_csv_with_semicolons_decimal_commas_and_quoted_cells(tmp_path):
    # As Czech Excel saves "CSV (oddělený středníkem)": cp1250, semicolons, CRLF, decimal commas, and
    # quotes only around cells that hold a semicolon, a quote or a line break.
    content = (
        "Firma;IČO;Obrat;Sleva;Adresa;Poznámka\r\n"
        'Modrá Vlna s.r.o.;27168352;1 234 567,50;12,5;"Kounicova 684/12a;\r\n602 00 Brno";'
        '"Říká: ""platí včas"""\r\n'
        "Šťastný a syn;00012345;0,99;0;Plzeň;\r\n"
    )

    table = _open(_file(tmp_path, "export.csv", content, "cp1250"))

    assert (table.encoding, table.delimiter) == ("cp1250", ";")
    assert table.headers == ["Firma", "IČO", "Obrat", "Sleva", "Adresa", "Poznámka"]
    assert list(table.rows()) == [
        (
            2,
            [
                "Modrá Vlna s.r.o.",
                "27168352",
                "1 234 567,50",
                "12,5",
                "Kounicova 684/12a;\r\n602 00 Brno",
                'Říká: "platí včas"',
            ],
        ),
        (3, ["Šťastný a syn", "00012345", "0,99", "0", "Plzeň", ""]),
    ]


def test_a_chosen_encoding_overrides_detection_and_accepts_aliases(tmp_path):
    path = _file(tmp_path, "klienti.csv", CZECH_CSV, "cp1250")

    assert _open(path, encoding="windows-1250").encoding == "cp1250"
    as_latin2 = _open(path, encoding="latin2")
    assert as_latin2.encoding == "iso-8859-2"
    # What the user chose is what is used, even when it is the wrong one: cp1250's "Šť" are control
    # characters in ISO-8859-2.
    assert [cells[1] for _number, cells in as_latin2.rows()][1] == "\x8a\x9dastný"


@pytest.mark.parametrize("encoding", ["klingon-8", "rot13"])
def test_an_encoding_that_is_not_a_text_encoding_is_refused(tmp_path, encoding):
    message = _refused(_file(tmp_path, "a.csv", "a,b\n1,2\n"), encoding=encoding)

    assert f"“{encoding}” is not a text encoding we know" in message
    assert "utf-8, utf-8-sig, utf-16, gb18030" in message


def test_the_offered_encodings_cover_our_users_and_are_all_known_to_python():
    codecs_offered = [codec for codec, _label in ENCODINGS]

    assert {"utf-8", "utf-8-sig", "utf-16", "gb18030", "cp1250", "iso-8859-2", "cp1252"} <= set(codecs_offered)
    for codec in codecs_offered:
        assert codecs.lookup(codec)._is_text_encoding
    assert FORMATS == ("csv", "xlsx", "vcf")
    assert DELIMITERS == (",", ";", "\t", "|")


def test_a_file_mixing_utf8_and_cp1250_names_the_first_row_in_the_other_encoding(tmp_path):
    content = "Jméno,Město\nJiří,Brno\n".encode() + "Šťastný,Plzeň\n".encode("cp1250") + "Ioana,Iași\n".encode()

    message = _refused(_file(tmp_path, "merged.csv", content))

    assert message == (
        "Row 3 cannot be read as Unicode (UTF-8) text: the file may mix encodings. Save the file again as "
        "UTF-8 (in Excel: “CSV UTF-8”), or choose the encoding it was saved in."
    )


def test_a_row_in_another_encoding_far_past_the_detection_sample_is_named_when_reached(tmp_path):
    rows = "".join(f"Klient {number},Dvořák {number},{number:07d}\n" for number in range(1, 40_001))
    content = f"Name,Last name,Id\n{rows}".encode() + "Šťastný,Plzeň,0\n".encode("cp1250")
    path = _file(tmp_path, "big.csv", content)
    assert path.stat().st_size > 1024 * 1024  # beyond what detection reads

    table = _open(path)
    assert table.encoding == "utf-8"
    with pytest.raises(ImportFileError) as caught:
        table.count_rows()

    assert caught.value.message.startswith("Row 40002 cannot be read as Unicode (UTF-8) text")
    assert caught.value.code == "encoding"
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


# Delimiters and cells ------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_the_delimiter_is_sniffed_outside_quotes(tmp_path, delimiter):
    others = "".join(other for other in DELIMITERS if other != delimiter)
    rows = [["Name", "Note", "City"], ["Dvořák", f"has {others} inside", "Brno"], ["Novák", "", "Praha"]]
    content = "".join(delimiter.join(f'"{cell}"' if others[0] in cell else cell for cell in row) + "\n" for row in rows)

    table = _open(_file(tmp_path, "clients.csv", content))

    assert table.delimiter == delimiter
    assert [cells for _number, cells in table.rows()] == rows[1:]


def test_quoted_cells_keep_delimiters_quotes_and_line_breaks(tmp_path):
    content = 'Name,Address,Note\n"Novák, Jan","Kounicova 1\nBrno","He said ""yes"", twice"\nEva,Praha,\n'

    table = _open(_file(tmp_path, "clients.csv", content))

    assert table.delimiter == ","
    assert list(table.rows()) == [
        (2, ["Novák, Jan", "Kounicova 1\nBrno", 'He said "yes", twice']),
        (3, ["Eva", "Praha", ""]),
    ]


def test_a_chosen_delimiter_overrides_sniffing(tmp_path):
    table = _open(_file(tmp_path, "a.csv", "a;b,c\n1;2,3\n"), delimiter=",")

    assert table.delimiter == ","
    assert table.headers == ["a;b", "c"]


def test_a_delimiter_we_do_not_read_is_refused(tmp_path):
    message = _refused(_file(tmp_path, "a.csv", "a:b\n1:2\n"), delimiter=":")

    assert message == "“:” is not a delimiter we can read; choose comma, semicolon, tab or vertical bar."


def test_cells_keep_exactly_what_was_typed(tmp_path):
    content = 'Id,Phone,Zip,Amount,Note\n007,+420 601 123 456,01234,"1,50",  spaced  \n'

    table = _open(_file(tmp_path, "clients.csv", content))

    assert list(table.rows()) == [(2, ["007", "+420 601 123 456", "01234", "1,50", "  spaced  "])]


# The header row ------------------------------------------------------------------------------------

TITLED_CSV = (
    "Client list — export 2026;;;\r\n"
    ";;;\r\n"
    "Generated by Clientela on 2026-01-05, user alice;;;\r\n"
    "Name;E-mail;Phone;Customer since\r\n"
    "Modrá Vlna s.r.o.;info@modravlna.cz;+420 601 123 456;2019-03-01\r\n"
    ";;;\r\n"
    "Šťastný a syn;stastny@example.cz;;2020-11-30\r\n"
)


def test_a_title_block_above_the_header_is_skipped(tmp_path):
    table = _open(_file(tmp_path, "clients.csv", TITLED_CSV))

    assert table.header_row == 3
    assert table.headers == ["Name", "E-mail", "Phone", "Customer since"]
    assert list(table.rows()) == [
        (5, ["Modrá Vlna s.r.o.", "info@modravlna.cz", "+420 601 123 456", "2019-03-01"]),
        (7, ["Šťastný a syn", "stastny@example.cz", "", "2020-11-30"]),
    ]
    assert table.count_rows() == 2


def test_the_preview_shows_the_rows_above_and_at_the_header(tmp_path):
    table = _open(_file(tmp_path, "clients.csv", TITLED_CSV))

    assert table.preview(5) == [
        ["Client list — export 2026", "", "", ""],
        ["", "", "", ""],
        ["Generated by Clientela on 2026-01-05, user alice", "", "", ""],
        ["Name", "E-mail", "Phone", "Customer since"],
        ["Modrá Vlna s.r.o.", "info@modravlna.cz", "+420 601 123 456", "2019-03-01"],
    ]
    assert len(table.preview()) == 7
    assert table.preview(0) == []


def test_a_chosen_header_row_overrides_detection(tmp_path):
    table = _open(_file(tmp_path, "clients.csv", TITLED_CSV), header_row=0)

    assert table.header_row == 0
    assert table.headers == ["Client list — export 2026", "Column 2", "Column 3", "Column 4"]
    assert [number for number, _cells in table.rows()] == [3, 4, 5, 7]


def test_a_header_row_past_the_end_of_the_file_is_refused(tmp_path):
    message = _refused(_file(tmp_path, "clients.csv", TITLED_CSV), header_row=7)

    assert message == "The file has 7 rows, so row 8 cannot be its header row."


def test_a_first_row_of_numbers_is_not_taken_for_the_header(tmp_path):
    content = "2026;1;2\nName;Phone;City\nDvořák;601 123 456;Brno\nNovák;602 000 111;Praha\n"

    assert _open(_file(tmp_path, "clients.csv", content)).headers == ["Name", "Phone", "City"]


def test_blank_headers_are_numbered_and_rows_fit_the_headers(tmp_path):
    content = "Name,,E-mail,Phone\nDvořák,Jiří,jiri@example.cz,601 123 456,extra\nNovák\n,,\n"

    table = _open(_file(tmp_path, "clients.csv", content))

    assert table.headers == ["Name", "Column 2", "E-mail", "Phone", "Column 5"]
    assert list(table.rows()) == [
        (2, ["Dvořák", "Jiří", "jiri@example.cz", "601 123 456", "extra"]),
        (3, ["Novák", "", "", "", ""]),
    ]


def test_a_header_with_blank_cells_under_a_title_is_still_found(tmp_path):
    content = "Clients 2026\n\nName,,,E-mail,\nDvořák,Jiří,Brno,jiri@example.cz,601 123 456\n"

    table = _open(_file(tmp_path, "clients.csv", content))

    assert table.header_row == 2
    assert table.headers == ["Name", "Column 2", "Column 3", "E-mail", "Column 5"]


def test_a_file_with_only_a_header_has_no_rows(tmp_path):
    table = _open(_file(tmp_path, "clients.csv", "Name,E-mail\n"))

    assert table.headers == ["Name", "E-mail"]
    assert list(table.rows()) == []
    assert table.count_rows() == 0


# Contact exports -----------------------------------------------------------------------------------

GOOGLE_HEADERS = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi,"
    "Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,"
    "Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership,"
    "E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,"
    "Address 1 - Type,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Organization 1 - Type,Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,"
    "Organization 1 - Department,Organization 1 - Symbol,Organization 1 - Location,"
    "Organization 1 - Job Description,Website 1 - Type,Website 1 - Value"
)


def test_a_google_contacts_csv_reads_back_with_its_headers(tmp_path):
    google = {
        "Name": "Ioana Țurcanu",
        "Given Name": "Ioana",
        "Family Name": "Țurcanu",
        "Notes": "Met at the fair, Brno 2025",
        "Group Membership": "* myContacts ::: Clients",
        "E-mail 1 - Type": "* Work",
        "E-mail 1 - Value": "ioana@firma.ro",
        "Phone 1 - Type": "Mobile",
        "Phone 1 - Value": "+40 721 000 111",
        "Address 1 - Type": "Work",
        "Address 1 - Formatted": "Str. Ștefan cel Mare 5\nTimișoara 300001\nRomânia",
        "Address 1 - Street": "Str. Ștefan cel Mare 5",
        "Address 1 - City": "Timișoara",
        "Address 1 - Postal Code": "300001",
        "Address 1 - Country": "România",
        "Organization 1 - Name": "Firma Țurcanu SRL",
        "Organization 1 - Title": "Directoare",
        "Website 1 - Type": "Work",
        "Website 1 - Value": "https://firma.ro",
    }
    headers = GOOGLE_HEADERS.split(",")
    row = ",".join(
        f'"{google[h]}"' if "\n" in google.get(h, "") or "," in google.get(h, "") else google.get(h, "")
        for h in headers
    )

    table = _open(_file(tmp_path, "contacts.csv", f"{GOOGLE_HEADERS}\n{row}\n"))

    assert (table.delimiter, table.header_row, table.headers) == (",", 0, headers)
    ((number, cells),) = table.rows()
    assert number == 2
    assert dict(zip(headers, cells, strict=True)) == {header: google.get(header, "") for header in headers}


def test_an_outlook_contacts_csv_reads_back_with_its_headers(tmp_path):
    # Outlook exports in the Windows code page, every cell quoted, "0/0/00" for an empty birthday.
    headers = [
        "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Company", "Department", "Job Title",
        "Business Street", "Business Street 2", "Business City", "Business State", "Business Postal Code",
        "Business Country/Region", "Business Phone", "Mobile Phone", "Birthday", "E-mail Address", "E-mail Type",
        "E-mail Display Name", "Notes", "Sensitivity",
    ]  # fmt: skip
    values = [
        "Jiří", "", "Dvořák", "Ing.", "", "Modrá Vlna s.r.o.", "Obchod", "Jednatel", "Kounicova 684/12a", "",
        "Brno", "", "602 00", "Česká republika", "+420 601 123 456", "+420 602 111 222", "0/0/00",
        "jiri@modravlna.cz", "SMTP", "Jiří Dvořák (jiri@modravlna.cz)", "Platí včas;\r\nvolat ráno", "Normal",
    ]  # fmt: skip
    line = ",".join(f'"{cell}"' for cell in headers) + "\r\n" + ",".join(f'"{cell}"' for cell in values) + "\r\n"

    table = _open(_file(tmp_path, "contacts.CSV", line, "cp1250"))

    assert (table.encoding, table.delimiter, table.headers) == ("cp1250", ",", headers)
    assert list(table.rows()) == [(2, values)]


# Streaming -----------------------------------------------------------------------------------------


def test_rows_stream_and_read_the_file_again_on_each_pass(tmp_path):
    lines = "".join(f"Klient {n},{n:07d},+420 601 {n % 1000:03d} {n % 997:03d},Dvořák\n" for n in range(50_000))
    path = _file(tmp_path, "big.csv", "Name,Id,Phone,Contact\n" + lines)
    table = _open(path)

    rows = table.rows()
    assert inspect.isgenerator(rows)
    assert next(rows) == (2, ["Klient 0", "0000000", "+420 601 000 000", "Dvořák"])
    first, second = list(table.rows()), list(table.rows())
    assert first == second
    assert len(first) == 50_000 == table.count_rows()
    assert first[-1] == (50_001, ["Klient 49999", "0049999", "+420 601 999 149", "Dvořák"])

    with path.open("a", encoding="utf-8") as file:
        file.write("Klient new,0050000,,Novák\n")
    assert table.count_rows() == 50_001  # read from the file, not kept from before


# XLSX ----------------------------------------------------------------------------------------------


def _titled_workbook(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(path, {"default_date_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("Klienti")
    sheet.merge_range("A1:H1", "Client list — export 2026", workbook.add_format({"bold": True}))
    sheet.write("A3", "Generated by Clientela")
    sheet.write_row("A5", ["Name", "Id", "Turnover", "Discount", "Since", "Last call", "Active", "Phone"])
    sheet.write_row("A6", ["Modrá Vlna s.r.o.", 27168352, 12345.0, 0.125, datetime.date(2019, 3, 1)])
    sheet.write_datetime(
        "F6", datetime.datetime(2026, 1, 5, 14, 30), workbook.add_format({"num_format": "d.m.yyyy h:mm"})
    )
    sheet.write_boolean("G6", True)
    sheet.write_string("H6", "+420 601 123 456")
    sheet.write_row("A8", ["张伟贸易", 1e20, -2.5, 0.00001, None, None, False, "007"])
    workbook.close()
    return path


def test_an_xlsx_with_a_title_block_reads_typed_cells_as_text(tmp_path):
    table = _open(_titled_workbook(tmp_path / "export.xlsx"))

    assert (table.format, table.encoding, table.delimiter) == ("xlsx", "", "")
    assert (table.sheets, table.sheet, table.header_row) == (["Klienti"], "Klienti", 4)
    assert table.headers == ["Name", "Id", "Turnover", "Discount", "Since", "Last call", "Active", "Phone"]
    first = ["Modrá Vlna s.r.o.", "27168352", "12345", "0.125", "2019-03-01", "2026-01-05T14:30:00", "true"]
    assert list(table.rows()) == [
        (6, [*first, "+420 601 123 456"]),
        (8, ["张伟贸易", "100000000000000000000", "-2.5", "0.00001", "", "", "false", "007"]),
    ]
    assert table.preview(3) == [
        ["Client list — export 2026", *[""] * 7],
        [""] * 8,
        ["Generated by Clientela", *[""] * 7],
    ]


def _two_sheets(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    clients = workbook.active
    clients.title = "Klienti"
    clients.append(["Name", "City"])
    clients.append(["Dvořák", "Brno"])
    contacts = workbook.create_sheet("Kontakty 2026")
    contacts.append(["Contact", "Born", "VIP"])
    contacts.append(["Ștefan Țurcanu", datetime.datetime(1980, 5, 17), True])
    contacts.append([None, None, None])
    contacts.append(["Ioana", datetime.date(1990, 1, 2), None])
    workbook.save(path)
    return path


def test_an_xlsx_sheet_is_chosen_by_name_and_the_first_is_the_default(tmp_path):
    path = _two_sheets(tmp_path / "book.xlsx")

    first = _open(path)
    chosen = _open(path, sheet="Kontakty 2026")

    assert (first.sheets, first.sheet, first.headers) == (["Klienti", "Kontakty 2026"], "Klienti", ["Name", "City"])
    assert list(first.rows()) == [(2, ["Dvořák", "Brno"])]
    assert (chosen.sheet, chosen.headers) == ("Kontakty 2026", ["Contact", "Born", "VIP"])
    assert list(chosen.rows()) == [(2, ["Ștefan Țurcanu", "1980-05-17", "true"]), (4, ["Ioana", "1990-01-02", ""])]


def test_xlsx_rows_are_numbered_as_in_excel_when_the_sheet_starts_lower(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"] = "Name", "City"
    sheet["B4"], sheet["C4"] = "Dvořák", "Brno"
    sheet["B7"], sheet["C7"] = "Novák", "Praha"
    workbook.save(tmp_path / "low.xlsx")

    table = open_table(str(tmp_path / "low.xlsx"), filename="low.xlsx")  # the importer passes a str

    assert (table.header_row, table.headers) == (2, ["Column 1", "Name", "City"])
    assert list(table.rows()) == [(4, ["", "Dvořák", "Brno"]), (7, ["", "Novák", "Praha"])]


def test_an_unknown_sheet_is_refused_with_the_sheets_there_are(tmp_path):
    message = _refused(_two_sheets(tmp_path / "book.xlsx"), sheet="Clients")

    assert message == "The workbook has no sheet “Clients”. Its sheets are: Klienti, Kontakty 2026."


def test_an_xlsx_wider_than_the_column_limit_is_refused(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append([f"Column {n}" for n in range(1, 8)])
    workbook.save(tmp_path / "wide.xlsx")

    message = _refused(tmp_path / "wide.xlsx", max_columns=5)

    assert message.startswith("Row 1 has 7 columns; an import takes at most 5.")


def test_random_bytes_named_xlsx_are_refused_as_a_damaged_workbook(tmp_path):
    path = _file(tmp_path, "export.xlsx", random.Random(7).randbytes(20_000))

    message = _refused(path)

    assert message.startswith("This Excel file is damaged or incomplete")


def test_a_truncated_xlsx_is_refused_as_a_damaged_workbook(tmp_path):
    whole = _titled_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = _file(tmp_path, "cut.xlsx", whole[: len(whole) * 2 // 3])

    message = _refused(path)

    assert message.startswith("This Excel file is damaged or incomplete (perhaps cut off while uploading)")
    assert isinstance(_cause(path), zipfile.BadZipFile)


def _cause(path: Path) -> BaseException | None:
    with pytest.raises(ImportFileError) as caught:
        _open(path)
    return caught.value.__cause__


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "invoice.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _megabyte in range(200):
                member.write(zeros)
    assert path.stat().st_size < 1024 * 1024

    message = _refused(path)

    assert "unpacks to 200.0\xa0MB" in message
    assert "looks like a zip bomb" in message


def test_a_zip_without_a_workbook_is_refused(tmp_path):
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("clients.csv", "Name\nDvořák\n")

    assert _refused(path).startswith("This zip file holds no Excel workbook.")


# Formats -------------------------------------------------------------------------------------------


def test_the_format_comes_from_the_content_before_the_name(tmp_path):
    workbook_head = _titled_workbook(tmp_path / "a.xlsx").read_bytes()[:8192]

    assert detect_format("export.zip", workbook_head) == "xlsx"
    assert detect_format("contacts.txt", b"BEGIN:VCARD\r\nVERSION:3.0\r\n") == "vcf"
    assert detect_format("contacts.txt", codecs.BOM_UTF16_LE + "begin:vcard\r\n".encode("utf-16-le")) == "vcf"
    assert detect_format("clients.csv", b"Name,City\n") == "csv"
    assert detect_format("Clients.TXT", b"Name\tCity\n") == "csv"
    assert detect_format("contacts.vcf", b"\n") == "vcf"
    assert detect_format("export.xlsx", b"not a zip") == "xlsx"  # the workbook reader says it is damaged


@pytest.mark.parametrize(
    ("filename", "head", "expected"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "This is an old Excel workbook (.xls)"),
        ("renamed.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "or a password-protected file"),
        ("invoice.pdf", b"%PDF-1.7\n", "This is a PDF file, not a table."),
        ("clients.csv", b"\x89PNG\r\n\x1a\n" + bytes(20), "This is a PNG file, not a table."),
        ("clients.numbers", b"PK\x03\x04Index/Document.iwa", "Apple Numbers files cannot be imported."),
        ("clients.ods", b"PK\x03\x04mimetypeapplication/vnd.oasis", "OpenDocument spreadsheets cannot be imported."),
        ("clients.zip", b"PK\x03\x04word/document.xml", "This is a zip archive, not an Excel workbook."),
        ("clients.xls", b"Name\tCity\n", "Old Excel workbooks (.xls) cannot be imported."),
        ("clients.json", b'[{"name": "x"}]', "Files of this type cannot be imported."),
    ],
)
def test_unsupported_files_are_refused_with_what_to_do(filename, head, expected):
    with pytest.raises(ImportFileError) as caught:
        detect_format(filename, head)

    assert expected in caught.value.message
    assert caught.value.code == "unsupported_format"


# Limits and bad files ------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_with_both_sizes(tmp_path, settings):
    settings.CLIENTELA_IMPORT_MAX_BYTES = 1024
    path = _file(tmp_path, "clients.csv", "Name,City\n" + "Dvořák,Brno\n" * 200)

    message = _refused(path)

    assert message == (
        f"The file is {filesizeformat(path.stat().st_size)}; the largest file an import takes is "
        f"{filesizeformat(1024)}. Split it into smaller files and import them one by one."
    )
    assert "1.0\xa0KB" in message
    assert _open(path, max_bytes=10_000).count_rows() == 200


def test_a_csv_with_ten_thousand_columns_is_refused(tmp_path):
    content = ",".join(f"Field {n}" for n in range(10_000)) + "\n" + ",".join("x" * 10_000) + "\n"

    message = _refused(_file(tmp_path, "wide.csv", content))

    assert message == (
        "Row 1 has 10000 columns; an import takes at most 500. Remove the columns you do not need, "
        "or check that the right delimiter was chosen."
    )


def test_the_column_limit_comes_from_the_settings(tmp_path, settings):
    settings.CLIENTELA_IMPORT_MAX_COLUMNS = 2

    assert _refused(_file(tmp_path, "a.csv", "a,b,c\n1,2,3\n")).startswith("Row 1 has 3 columns")


def test_a_cell_over_the_size_limit_is_refused(tmp_path):
    content = "Name,Note\nDvořák," + "x" * 100_001 + "\n"

    message = _refused(_file(tmp_path, "notes.csv", content))

    assert message == "Row 2, column 2 holds more than 100,000 characters, more than a cell may hold."


def test_a_quote_that_is_never_closed_is_refused_with_a_hint(tmp_path):
    content = 'Name,Note\nDvořák,"never closed\n' + "Novák,fine\n" * 20_000

    message = _refused(_file(tmp_path, "notes.csv", content))

    assert message.startswith('Row 2 has a cell longer than 100,000 characters. Often a quote (") is opened')


@pytest.mark.parametrize("content", [b"", b"\n\r\n,,\n , \n"])
def test_an_empty_file_is_refused(tmp_path, content):
    message = _refused(_file(tmp_path, "clients.csv", content))

    assert message in {
        "The file is empty: there is nothing to import.",
        "Every row of the file is empty: there is nothing to import.",
    }


def test_a_binary_file_named_csv_is_refused(tmp_path):
    path = _file(tmp_path, "clients.csv", random.Random(3).randbytes(50_000))

    assert _refused(path) == (
        "This file is not text (it holds binary data). Upload a CSV, Excel (.xlsx) or vCard (.vcf) file."
    )


def test_a_file_gone_from_disk_is_refused(tmp_path):
    assert _refused(tmp_path / "missing.csv") == "The uploaded file cannot be read any more; upload it again."


# vCard ---------------------------------------------------------------------------------------------


def _vcard_row(table: Table, number: int) -> dict[str, str]:
    rows = dict(table.rows())
    return {header: value for header, value in zip(table.headers, rows[number], strict=True) if value}


def _folded(line: str) -> str:
    parts = [line[:75]] + [line[start : start + 74] for start in range(75, len(line), 74)]
    return "\r\n ".join(parts) + "\r\n"


def test_vcards_as_apple_contacts_writes_them(tmp_path):
    photo = base64.b64encode(bytes(range(256)) * 4).decode()
    content = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 14.2//EN\r\n"
        "N:Dvořák;Jiří;;Ing.;\r\nFN:Ing. Jiří Dvořák\r\nORG:Modrá Vlna s.r.o.;Obchod\r\nTITLE:Jednatel\r\n"
        "EMAIL;type=INTERNET;type=HOME:jiri@seznam.cz\r\n"
        "item1.EMAIL;type=INTERNET;type=pref:jiri@modravlna.cz\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n"
        "TEL;type=CELL;type=VOICE;type=pref:+420 602 111 222\r\nTEL;type=WORK;type=VOICE:+420 601 123 456\r\n"
        "item2.ADR;type=WORK;type=pref:;;Kounicova 684/12a\\nBudova B;Brno;;602 00;Czech Republic\r\n"
        "item2.X-ABADR:cz\r\n"
        "NOTE:Platí včas\\, volat ráno\\nDruhý řádek\r\n"
        + _folded(f"PHOTO;ENCODING=b;TYPE=JPEG:{photo}")
        + "UID:4C5E8F0A-1111-2222-3333-444455556666\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Modrá Vlna s.r.o.\r\nORG:Modrá Vlna s.r.o.;\r\n"
        "X-ABShowAs:COMPANY\r\nitem1.URL;type=pref:https\\://modravlna.cz\r\nitem1.X-ABLabel:_$!<HomePage>!$_\r\n"
        "END:VCARD\r\n"
    )

    table = _open(_file(tmp_path, "Contacts.vcf", content))

    assert (table.format, table.encoding, table.header_row, table.headers) == ("vcf", "utf-8", 0, VCARD_HEADERS)
    assert table.count_rows() == 2
    assert _vcard_row(table, 1) == {
        "Full name": "Ing. Jiří Dvořák",
        "First name": "Jiří",
        "Last name": "Dvořák",
        "Organization": "Modrá Vlna s.r.o.",
        "Title": "Jednatel",
        "E-mail": "jiri@modravlna.cz",
        "Phone": "+420 602 111 222",
        "Street": "Kounicova 684/12a\nBudova B",
        "City": "Brno",
        "Postal code": "602 00",
        "Country": "Czech Republic",
        "Note": "Platí včas, volat ráno\nDruhý řádek",
        "Kind": "individual",
        "UID": "4C5E8F0A-1111-2222-3333-444455556666",
    }
    assert _vcard_row(table, 2) == {
        "Full name": "Modrá Vlna s.r.o.",
        "Organization": "Modrá Vlna s.r.o.",
        "Website": "https://modravlna.cz",
        "Kind": "org",
    }
    assert table.preview(2) == [VCARD_HEADERS, list(dict(table.rows())[1])]


def test_vcards_4_as_google_writes_them(tmp_path):
    content = (
        "BEGIN:VCARD\nVERSION:4.0\nKIND:individual\nFN:Ioana Țurcanu\nN:Țurcanu;Ioana;;;\n"
        "EMAIL;TYPE=home:ioana@gmail.com\nEMAIL;TYPE=work:ioana@firma.ro\n"
        "TEL;VALUE=uri;TYPE=cell:tel:+40-721-000-111\nTEL;VALUE=uri;TYPE=work;PREF=1:tel:+40-256-000-222\n"
        "ADR;TYPE=home:;;Str. Florilor 1;Arad;;310000;România\n"
        'ADR;TYPE=work;LABEL="Str. Ștefan cel Mare 5\\nTimișoara":;;Str. Ștefan cel Mare 5;Timișoara;Timiș;'
        "300001;România\n"
        "ORG:Firma Țurcanu SRL\nTITLE:Directoare\nCATEGORIES:myContacts\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:org\nFN:Șantierul Naval\nORG:Șantierul Naval SA\n"
        "EMAIL;PREF=2:office@santier.ro\nEMAIL;PREF=1:contact@santier.ro\nEND:VCARD\n"
    )

    table = _open(_file(tmp_path, "contacts.vcf", content))

    assert _vcard_row(table, 1) == {
        "Full name": "Ioana Țurcanu",
        "First name": "Ioana",
        "Last name": "Țurcanu",
        "Organization": "Firma Țurcanu SRL",
        "Title": "Directoare",
        "E-mail": "ioana@firma.ro",
        "Phone": "+40-256-000-222",
        "Street": "Str. Ștefan cel Mare 5",
        "City": "Timișoara",
        "Region": "Timiș",
        "Postal code": "300001",
        "Country": "România",
        "Kind": "individual",
    }
    assert _vcard_row(table, 2) == {
        "Full name": "Șantierul Naval",
        "Organization": "Șantierul Naval SA",
        "E-mail": "contact@santier.ro",
        "Kind": "org",
    }


def test_old_outlook_vcards_with_quoted_printable_czech(tmp_path):
    content = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=windows-1250;ENCODING=QUOTED-PRINTABLE:Dvo=F8=E1k;Ji=F8=ED\r\n"
        "FN;CHARSET=windows-1250;ENCODING=QUOTED-PRINTABLE:Ji=F8=ED Dvo=F8=E1k\r\n"
        "ORG;CHARSET=windows-1250;ENCODING=QUOTED-PRINTABLE:Modr=E1 Vlna s.r.o.;Obchod\r\n"
        "TEL;WORK;VOICE:+420 601 123 456\r\nTEL;CELL;PREF:+420 602 111 222\r\n"
        "ADR;WORK;PREF;CHARSET=windows-1250;ENCODING=QUOTED-PRINTABLE:;;Kounicova 684/12a;Brno;;602 00;=C8esk=E1 r=\r\n"
        "epublika\r\n"
        "NOTE;CHARSET=windows-1250;ENCODING=QUOTED-PRINTABLE:Plat=ED v=E8as, vol=E1me r=E1no;=0D=0A=\r\n"
        "=8Elu=9Dou=E8k=FD k=F9=F2\r\n"
        "EMAIL;PREF;INTERNET:jiri@modravlna.cz\r\n"
        # 2.1 photos: base64 on indented lines, ended by an empty line.
        "PHOTO;TYPE=JPEG;ENCODING=BASE64:\r\n"
        f" {base64.b64encode(bytes(range(256))).decode()[:76]}\r\n"
        f" {base64.b64encode(bytes(range(256))).decode()[76:152]}\r\n"
        "\r\n"
        "END:VCARD\r\n"
        "\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=utf-8:Nov=C3=A1k;Jan\r\n"
        "NOTE:Sleva 5=10 %\r\n"
        "EMAIL;INTERNET:jan@example.cz\r\nEND:VCARD\r\n"
    )

    table = _open(_file(tmp_path, "outlook.vcf", content))

    assert _vcard_row(table, 1) == {
        "Full name": "Jiří Dvořák",
        "First name": "Jiří",
        "Last name": "Dvořák",
        "Organization": "Modrá Vlna s.r.o.",
        "E-mail": "jiri@modravlna.cz",
        "Phone": "+420 602 111 222",
        "Street": "Kounicova 684/12a",
        "City": "Brno",
        "Postal code": "602 00",
        "Country": "Česká republika",
        "Note": "Platí včas, voláme ráno;\r\nŽluťoučký kůň",
        "Kind": "individual",
    }
    assert _vcard_row(table, 2) == {
        "First name": "Jan",
        "Last name": "Novák",
        "E-mail": "jan@example.cz",
        "Note": "Sleva 5=10 %",  # not quoted-printable: kept as written
        "Kind": "individual",
    }


def test_x_clientela_properties_become_columns(tmp_path):
    content = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Modrá Vlna s.r.o.\r\nORG:Modrá Vlna s.r.o.\r\n"
        "X-CLIENTELA-SEGMENT:Velkoobchod\r\nX-CLIENTELA-CONTRACT-END:31. 12. 2026\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Novák\r\nN:Novák;Jan;;;\r\nx-clientela-rating:5\\, excellent\r\nEND:VCARD\r\n"
    )

    table = _open(_file(tmp_path, "clients.vcf", content))

    assert table.headers == [*VCARD_HEADERS, "X-CLIENTELA-SEGMENT", "X-CLIENTELA-CONTRACT-END", "X-CLIENTELA-RATING"]
    assert [cells[len(VCARD_HEADERS) :] for _number, cells in table.rows()] == [
        ["Velkoobchod", "31. 12. 2026", ""],
        ["", "", "5, excellent"],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_our_own_vcard_export_reads_back(tmp_path, full_client, version):
    path = _file(tmp_path, "client.vcf", client_vcard(full_client, version=version))

    table = _open(path)

    rows = [dict(zip(table.headers, cells, strict=True)) for _number, cells in table.rows()]
    assert [(row["Full name"], row["Kind"], row["Organization"]) for row in rows] == [
        ("Modrá Vlna s.r.o.", "org", "Modrá Vlna s.r.o."),
        ("Jiří Dvořák", "individual", "Modrá Vlna s.r.o."),
        ("Ioana Țăran, Popescu", "individual", "Modrá Vlna s.r.o."),
        ("伟 王", "individual", "Modrá Vlna s.r.o."),
    ]
    client = rows[0]
    assert (client["Street"], client["City"], client["Postal code"]) == ("Kounicova 684/12a", "Brno", "602 00")
    assert (client["Phone"], client["E-mail"]) == ("+420601123456", "info@modravlna.cz")
    assert client["UID"] == card_uid("client", full_client.pk)
    assert rows[1]["Title"] == "Jednatel; ředitel, obchod"
    assert (rows[2]["First name"], rows[2]["Last name"]) == ("Ioana", "Țăran, Popescu")


def test_a_vcard_file_in_a_legacy_code_page_is_decoded_like_a_csv(tmp_path):
    content = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Šťastný;Jiří;;;\r\nFN:Jiří Šťastný\r\nNOTE:" + CZECH_PANGRAM
    content += "\r\nEND:VCARD\r\n"

    table = _open(_file(tmp_path, "kontakty.vcf", content, "cp1250"))

    assert table.encoding == "cp1250"
    assert _vcard_row(table, 1)["Note"] == CZECH_PANGRAM


def test_a_broken_vcard_is_refused_naming_the_card(tmp_path):
    good = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jan Novák\r\nEND:VCARD\r\n"
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN Dvořák without a colon\r\nEND:VCARD\r\n"

    message = _refused(_file(tmp_path, "contacts.vcf", good + broken + good))

    assert message == (
        "Card 2 cannot be read: line 7 of the file is not a valid vCard line. "
        "Export the contacts again, or fix that line."
    )


def test_a_vcard_file_cut_off_in_a_card_is_refused_naming_the_card(tmp_path):
    content = "BEGIN:VCARD\nVERSION:4.0\nFN:Jan Novák\nEND:VCARD\nBEGIN:VCARD\nVERSION:4.0\nFN:Eva Dvo"

    message = _refused(_file(tmp_path, "contacts.vcf", content))

    assert message == (
        "Card 2 has no END:VCARD line: the file looks cut off. Export the contacts again and upload the whole file."
    )


def test_a_vcf_that_holds_no_vcard_is_refused(tmp_path):
    assert _refused(_file(tmp_path, "contacts.vcf", "Name: Jan Novák\nPhone: 601 123 456\n")) == (
        "Card 1 does not start with BEGIN:VCARD; this is not a vCard file."
    )
    assert _refused(_file(tmp_path, "calendar.vcf", "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")) == (
        "Card 1 does not start with BEGIN:VCARD; this is not a vCard file."
    )
