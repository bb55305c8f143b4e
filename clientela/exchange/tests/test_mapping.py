"""The import wizard's suggested mapping: real header rows of other systems, our own in six languages, typed ones."""

from collections import Counter

import pytest
from django.utils import translation

from clientela.clients.fields import FieldDefinition, FieldType, RecordType
from clientela.core.languages import Language
from clientela.exchange.columns import Column, client_columns
from clientela.exchange.mapping import SYNONYMS, header_words, normalise, suggest_mapping


def custom_field(name: str, labels: dict[str, str]) -> FieldDefinition:
    return FieldDefinition(record_type=RecordType.CLIENT, name=name, labels=labels, field_type=FieldType.TEXT)


def hidden_builtin(name: str) -> FieldDefinition:
    return FieldDefinition(record_type=RecordType.CLIENT, name=name, is_builtin=True, is_enabled=False)


INDUSTRY = custom_field("industry", {"en": "Industry", "es": "Sector", "cs": "Obor", "zh-hans": "行业"})
LOYALTY = custom_field("loyalty_card", {"en": "Loyalty card", "ro": "Card de fidelitate", "ca": "Targeta de fidelitat"})


@pytest.fixture
def columns() -> list[Column]:
    return client_columns(fields=[])


def mapping_of(headers: list[str], columns: list[Column]) -> list[tuple[str, str]]:
    """Header → suggested key, side by side, so that a failure shows which header went wrong."""
    return list(zip(headers, suggest_mapping(headers, columns), strict=True))


# Exports of other systems -------------------------------------------------------------------------

GOOGLE_OLD = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi,"
    "Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,"
    "Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership,"
    "E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,"
    "Phone 2 - Type,Phone 2 - Value,Address 1 - Type,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Organization 1 - Type,Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,"
    "Organization 1 - Department,Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description,"
    "Website 1 - Type,Website 1 - Value"
).split(",")


def test_a_google_contacts_export_of_the_old_format_fills_the_company_and_its_contact(columns):
    expected = {
        "Name": "contact_name",
        "Given Name": "contact_first_name",
        "Family Name": "contact_last_name",
        "Language": "language",
        "E-mail 1 - Value": "contact_email",
        "Phone 1 - Value": "contact_phone",
        "Address 1 - Street": "billing_street",
        "Address 1 - City": "billing_city",
        "Address 1 - Region": "billing_region",
        "Address 1 - Postal Code": "billing_postal_code",
        "Address 1 - Country": "billing_country",
        "Organization 1 - Name": "name",
        "Organization 1 - Title": "contact_position",
        "Website 1 - Value": "website",
    }
    assert mapping_of(GOOGLE_OLD, columns) == [(header, expected.get(header, "")) for header in GOOGLE_OLD]


GOOGLE_NEW = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,"
    "Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,"
    "Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,"
    "Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Website 1 - Label,Website 1 - Value"
).split(",")


def test_a_google_contacts_export_of_the_new_format_fills_the_company_and_its_contact(columns):
    expected = {
        "First Name": "contact_first_name",
        "Last Name": "contact_last_name",
        "Organization Name": "name",
        "Organization Title": "contact_position",
        "E-mail 1 - Value": "contact_email",
        "Phone 1 - Value": "contact_phone",
        "Address 1 - Street": "billing_street",
        "Address 1 - City": "billing_city",
        "Address 1 - Region": "billing_region",
        "Address 1 - Postal Code": "billing_postal_code",
        "Address 1 - Country": "billing_country",
        "Website 1 - Value": "website",
    }
    assert mapping_of(GOOGLE_NEW, columns) == [(header, expected.get(header, "")) for header in GOOGLE_NEW]


OUTLOOK = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,Business Street 2,"
    "Business Street 3,Business City,Business State,Business Postal Code,Business Country/Region,Home Street,"
    "Home Street 2,Home Street 3,Home City,Home State,Home Postal Code,Home Country/Region,Other Street,"
    "Other Street 2,Other Street 3,Other City,Other State,Other Postal Code,Other Country/Region,Assistant's Phone,"
    "Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,"
    "Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,TTY/TDD Phone,Telex,"
    "Account,Anniversary,Assistant's Name,Billing Information,Birthday,Business Address PO Box,Categories,Children,"
    "Directory Server,E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 2 Type,"
    "E-mail 2 Display Name,E-mail 3 Address,E-mail 3 Type,E-mail 3 Display Name,Gender,Government ID Number,Hobby,"
    "Home Address PO Box,Initials,Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,"
    "Office Location,Organizational ID Number,Other Address PO Box,Priority,Private,Profession,Referred By,"
    "Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page"
).split(",")


def test_an_outlook_export_gives_the_mobile_to_the_contact_and_the_business_phone_to_the_company(columns):
    # "Title" is a salutation in Outlook: the job title wins the position; "Mobile Phone" is the
    # contact's, so the generic "Business Phone" is the company's (and wins over "Company Main Phone").
    expected = {
        "First Name": "contact_first_name",
        "Last Name": "contact_last_name",
        "Company": "name",
        "Job Title": "contact_position",
        "Business Street": "billing_street",
        "Business City": "billing_city",
        "Business State": "billing_region",
        "Business Postal Code": "billing_postal_code",
        "Business Country/Region": "billing_country",
        "Business Phone": "phone",
        "Mobile Phone": "contact_phone",
        "Categories": "groups",
        "E-mail Address": "contact_email",
        "Language": "language",
        "Web Page": "website",
    }
    assert mapping_of(OUTLOOK, columns) == [(header, expected.get(header, "")) for header in OUTLOOK]


def test_a_hubspot_companies_export(columns):
    headers = [
        "Record ID", "Company name", "Company owner", "Create Date", "Phone Number", "Last Activity Date", "City",
        "Country/Region", "Company Domain Name", "Industry", "Street Address", "Street Address 2", "State/Region",
        "Postal Code", "Type", "Website URL", "Number of Employees", "Annual Revenue", "Time Zone", "Description",
        "LinkedIn Company Page", "Lifecycle Stage",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "", "name", "owner", "", "phone", "", "billing_city",
        "country", "", "", "billing_street", "", "billing_region",
        "billing_postal_code", "", "website", "", "", "", "",
        "", "",
    ]  # fmt: skip


def test_a_hubspot_contacts_export_is_a_people_export(columns):
    headers = [
        "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Contact owner", "Company Name", "Job Title",
        "Lifecycle Stage", "Lead Status", "Create Date", "City", "State/Region", "Country/Region", "Street Address",
        "Postal Code", "Associated Company",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "", "contact_first_name", "contact_last_name", "contact_email", "contact_phone", "owner", "name",
        "contact_position", "", "", "", "billing_city", "billing_region", "country", "billing_street",
        "billing_postal_code", "",
    ]  # fmt: skip


def test_a_salesforce_accounts_report_export(columns):
    headers = [
        "Account Name", "Account Owner", "Type", "Parent Account", "Billing Street", "Billing City",
        "Billing State/Province", "Billing Zip/Postal Code", "Billing Country", "Shipping Street", "Shipping City",
        "Shipping State/Province", "Shipping Zip/Postal Code", "Shipping Country", "Phone", "Fax", "Website",
        "Industry", "Annual Revenue", "Employees", "Account Number", "Account Site", "Description", "Created Date",
        "Last Modified Date",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "name", "owner", "", "", "billing_street", "billing_city",
        "billing_region", "billing_postal_code", "billing_country", "shipping_street", "shipping_city",
        "shipping_region", "shipping_postal_code", "shipping_country", "phone", "", "website",
        "", "", "", "", "", "", "",
        "",
    ]  # fmt: skip


def test_salesforce_api_names_are_split_at_their_capitals(columns):
    headers = [
        "Id", "Name", "Type", "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry",
        "ShippingStreet", "ShippingCity", "ShippingState", "ShippingPostalCode", "ShippingCountry", "Phone",
        "Website", "OwnerId",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "", "name", "", "billing_street", "billing_city", "billing_region", "billing_postal_code", "billing_country",
        "shipping_street", "shipping_city", "shipping_region", "shipping_postal_code", "shipping_country", "phone",
        "website", "",
    ]  # fmt: skip


def test_a_zoho_accounts_export(columns):
    headers = [
        "Record Id", "Account Owner", "Account Name", "Phone", "Website", "Account Type", "Billing Street",
        "Billing City", "Billing State", "Billing Code", "Billing Country", "Shipping Code", "Description",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "", "owner", "name", "phone", "website", "", "billing_street",
        "billing_city", "billing_region", "billing_postal_code", "billing_country", "shipping_postal_code", "",
    ]  # fmt: skip


def test_a_pipedrive_export(columns):
    headers = ["Person - Name", "Person - Email", "Person - Phone", "Organization - Name", "Organization - Address"]
    assert suggest_mapping(headers, columns) == [
        "contact_name", "contact_email", "contact_phone", "name", "billing_street",
    ]  # fmt: skip


# Perfex's customer import sample, as its heading formatter writes the fields, and "Groups" of its list export.
PERFEX = (
    "Firstname,Lastname,Email,Contact phonenumber,Position,Company,Vat,Phonenumber,Country,City,Zip,State,Address,"
    "Website,Billing street,Billing city,Billing state,Billing zip,Billing country,Shipping street,Shipping city,"
    "Shipping state,Shipping zip,Shipping country,Longitude,Latitude,Stripe id,Groups"
).split(",")


def test_a_perfex_customers_file_prefers_the_billing_address_and_gives_the_contact_its_own_phone(columns):
    assert suggest_mapping(PERFEX, columns) == [
        "contact_first_name", "contact_last_name", "contact_email", "contact_phone", "contact_position", "name",
        "vat_id", "phone", "country", "", "", "", "",
        "website", "billing_street", "billing_city", "billing_region", "billing_postal_code", "billing_country",
        "shipping_street", "shipping_city",
        "shipping_region", "shipping_postal_code", "shipping_country", "", "", "", "groups",
    ]  # fmt: skip


VCARD_READER = [
    "Full name", "First name", "Last name", "Organization", "Title", "E-mail", "Phone", "Website", "Street", "City",
    "Region", "Postal code", "Country", "Note", "Kind", "UID",
]  # fmt: skip


def test_the_vcard_readers_headers_give_the_cards_e_mail_and_phone_to_the_client(columns):
    # Its "Kind" column says whether each row is an organisation's card or a person's: the rows are clients.
    assert suggest_mapping(VCARD_READER, columns) == [
        "contact_name", "contact_first_name", "contact_last_name", "name", "contact_position", "email",
        "phone", "website", "billing_street", "billing_city",
        "billing_region", "billing_postal_code", "country", "", "kind", "",
    ]  # fmt: skip


def test_the_vcard_readers_custom_properties_find_their_fields():
    columns = client_columns(fields=[INDUSTRY, LOYALTY])
    headers = [*VCARD_READER, "X-CLIENTELA-LOYALTY-CARD", "X-CLIENTELA-INDUSTRY", "X-CLIENTELA-GONE"]
    assert suggest_mapping(headers, columns)[-3:] == ["cf:loyalty_card", "cf:industry", ""]


def test_a_kind_column_makes_a_people_file_a_list_of_clients(columns):
    headers = ["Company", "First name", "Last name", "Email", "Phone"]
    assert suggest_mapping(headers, columns) == [
        "name", "contact_first_name", "contact_last_name", "contact_email", "contact_phone",
    ]  # fmt: skip
    assert suggest_mapping([*headers, "Customer type"], columns) == [
        "name", "contact_first_name", "contact_last_name", "email", "phone", "kind",
    ]  # fmt: skip


# Our own export ---------------------------------------------------------------------------------


def importable_keys(columns: list[Column]) -> list[str]:
    """What our own headers read back as: every column an import fills (the status is only shown)."""
    return [column.key if column.importable else "" for column in columns]


@pytest.mark.parametrize("language", Language.values)
def test_our_own_headers_in_each_language_map_back_to_their_columns(language):
    columns = client_columns(fields=[INDUSTRY, LOYALTY])
    with translation.override(language):
        headers = [column.label for column in columns]
    assert suggest_mapping(headers, columns) == importable_keys(columns)
    assert importable_keys(columns).count("") == 1  # the status


@pytest.mark.parametrize("language", Language.values)
def test_our_headers_read_back_whatever_language_is_active(language):
    columns = client_columns(fields=[])
    with translation.override("cs"):
        headers = [column.label for column in columns]
    with translation.override(language):
        assert suggest_mapping(headers, columns) == importable_keys(columns)


def test_the_status_is_not_suggested_it_is_never_imported(columns):
    assert suggest_mapping(["Name", "Status", "Estado"], columns) == ["name", "", ""]


def test_column_keys_are_headers_too(columns):
    headers = ["name", "tax_id", "billing_city", "contact_first_name", "groups", "cf:industry"]
    with_custom = client_columns(fields=[INDUSTRY])
    assert suggest_mapping(headers, with_custom) == [
        "name", "tax_id", "billing_city", "contact_first_name", "groups", "cf:industry",
    ]  # fmt: skip


def test_a_bare_id_is_not_taken_for_our_id(columns):
    assert suggest_mapping(["ID", "id", "Clientela id", "Name"], columns) == ["", "", "id", "name"]


# Custom fields ----------------------------------------------------------------------------------


def test_custom_fields_are_found_by_name_by_label_in_every_language_and_by_our_vcard_property():
    columns = client_columns(fields=[INDUSTRY, LOYALTY])
    for header, key in [
        ("Industry", "cf:industry"),
        ("Obor", "cf:industry"),
        ("SECTOR", "cf:industry"),
        ("行业", "cf:industry"),
        ("industry", "cf:industry"),
        ("X-CLIENTELA-INDUSTRY", "cf:industry"),
        ("Card de fidelitate", "cf:loyalty_card"),
        ("Targeta de fidelitat", "cf:loyalty_card"),
        ("loyalty_card", "cf:loyalty_card"),
        ("X-CLIENTELA-LOYALTY-CARD", "cf:loyalty_card"),
        ("Loyalty cards", "cf:loyalty_card"),
    ]:
        assert suggest_mapping([header], columns) == [key], header


def test_a_custom_field_wins_a_header_equal_to_its_label_over_a_builtin_synonym():
    region = custom_field("sales_region", {"en": "Region", "es": "Zona"})
    mobile = custom_field("mobile", {"en": "Mobile"})
    columns = client_columns(fields=[region, mobile])
    assert suggest_mapping(["Region", "Mobile", "State", "Phone"], columns) == [
        "cf:sales_region", "cf:mobile", "billing_region", "phone",
    ]  # fmt: skip


def test_a_custom_fields_words_beat_another_header_for_its_key():
    columns = client_columns(fields=[INDUSTRY])
    assert suggest_mapping(["Industry (sector)", "Obor"], columns) == ["", "cf:industry"]


# Languages people type in -----------------------------------------------------------------------


def test_czech_headers_of_a_company_list_with_its_contact(columns):
    headers = [
        "Název firmy", "IČO", "DIČ", "IČ DPH", "Ulice", "Město", "PSČ", "Kraj", "Země", "Telefon", "E-mail", "Web",
        "Jméno", "Příjmení", "Pozice", "Skupiny", "Měna", "Jazyk", "Vlastník",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "name", "registration_id", "tax_id", "vat_id", "billing_street", "billing_city", "billing_postal_code",
        "billing_region", "country", "contact_phone", "contact_email", "website",
        "contact_first_name", "contact_last_name", "contact_position", "groups", "currency", "language", "owner",
    ]  # fmt: skip


def test_czech_headers_of_a_plain_company_list(columns):
    headers = ["Firma", "Obchodní jméno", "IČ", "Adresa", "Obec", "Telefon", "E-mail", "Poznámka"]
    assert suggest_mapping(headers, columns) == [
        "name", "", "registration_id", "billing_street", "billing_city", "phone", "email", "",
    ]  # fmt: skip


def test_romanian_nume_is_the_surname_next_to_prenume(columns):
    headers = [
        "Denumire", "CUI", "Nr. Reg. Com.", "Cod TVA", "Adresă", "Oraș", "Județ", "Cod poștal", "Țară", "Telefon",
        "Email", "Nume", "Prenume", "Funcție",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "name", "tax_id", "registration_id", "vat_id", "billing_street", "billing_city", "billing_region",
        "billing_postal_code", "country", "contact_phone", "contact_email", "contact_last_name", "contact_first_name",
        "contact_position",
    ]  # fmt: skip


def test_romanian_nume_alone_is_the_clients_name(columns):
    headers = ["Nume", "CIF", "Nr. registrul comerțului", "Stradă", "Localitate", "Telefon"]
    assert suggest_mapping(headers, columns) == [
        "name", "tax_id", "registration_id", "billing_street", "billing_city", "phone",
    ]  # fmt: skip


def test_romanian_nume_next_to_the_company_is_the_contacts_name(columns):
    headers = ["Nume firmă", "Nume", "Telefon"]
    assert suggest_mapping(headers, columns) == ["name", "contact_name", "phone"]


def test_spanish_headers_of_a_company_list_with_its_contact(columns):
    headers = [
        "Razón social", "Nombre comercial", "NIF", "NIF intracomunitario", "Dirección", "Población", "Provincia",
        "Código postal", "País", "Teléfono", "Correo electrónico", "Web", "Nombre", "Apellidos", "Cargo", "Moneda",
        "Idioma", "Grupo(s)",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "name", "", "tax_id", "vat_id", "billing_street", "billing_city", "billing_region",
        "billing_postal_code", "country", "contact_phone", "contact_email", "website", "contact_first_name",
        "contact_last_name", "contact_position", "currency", "language", "groups",
    ]  # fmt: skip


def test_spanish_headers_of_a_plain_list(columns):
    headers = ["CIF", "Nombre fiscal", "Calle", "Localidad", "CP", "Teléfono", "Email", "NIF-IVA", "Observaciones"]
    assert suggest_mapping(headers, columns) == [
        "tax_id", "name", "billing_street", "billing_city", "billing_postal_code", "phone", "email", "vat_id", "",
    ]  # fmt: skip


def test_spanish_nombre_alone_next_to_the_company_is_the_contacts_name(columns):
    assert suggest_mapping(["Empresa", "Nombre", "Móvil"], columns) == ["name", "contact_name", "contact_phone"]


def test_catalan_headers(columns):
    headers = [
        "Raó social", "NIF", "Adreça", "Població", "Codi postal", "Província", "País", "Telèfon",
        "Correu electrònic", "Nom", "Cognoms", "Càrrec",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "name", "tax_id", "billing_street", "billing_city", "billing_postal_code", "billing_region", "country",
        "contact_phone", "contact_email", "contact_first_name", "contact_last_name", "contact_position",
    ]  # fmt: skip


def test_chinese_headers(columns):
    headers = [
        "客户名称", "统一社会信用代码", "营业执照注册号", "地址", "城市", "省份", "邮编", "国家", "电话", "手机",
        "邮箱", "网址", "联系人", "职位", "负责人", "客户分组", "币种", "语言", "备注",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "name", "tax_id", "registration_id", "billing_street", "billing_city", "billing_region",
        "billing_postal_code", "country", "phone", "contact_phone", "email", "website", "contact_name",
        "contact_position", "owner", "groups", "currency", "language", "",
    ]  # fmt: skip


def test_chinese_people_list_with_a_company_column(columns):
    headers = ["姓名", "公司名称", "职务", "电话", "电子邮件", "税号", "注册号", "省", "邮政编码"]
    assert suggest_mapping(headers, columns) == [
        "contact_name", "name", "contact_position", "phone", "email", "tax_id", "registration_id", "billing_region",
        "billing_postal_code",
    ]  # fmt: skip


def test_english_generic_headers(columns):
    headers = [
        "Company Name", "Tax ID", "VAT number", "Registration number", "Address line 1", "Town", "County",
        "Postcode", "Country", "Telephone", "E-mail address", "URL", "Currency", "Owner", "Tags", "Customer type",
        "Contact person", "Position",
    ]  # fmt: skip
    assert suggest_mapping(headers, columns) == [
        "name", "tax_id", "vat_id", "registration_id", "billing_street", "billing_city", "billing_region",
        "billing_postal_code", "country", "phone", "email", "website", "currency", "owner", "groups", "kind",
        "contact_name", "contact_position",
    ]  # fmt: skip


def test_a_list_of_people_without_a_company_is_a_list_of_individuals(columns):
    headers = ["Full name", "First name", "Last name", "Email", "Phone", "City"]
    assert suggest_mapping(headers, columns) == [
        "name", "contact_first_name", "contact_last_name", "email", "phone", "billing_city",
    ]  # fmt: skip


# Variants, typos and what we don't have ---------------------------------------------------------


def test_punctuation_case_and_accents_do_not_matter(columns):
    headers = ["POSTAL_CODE:", "  billing-city ", "Telefono", "razon social", "e_mail", "\ufeffTax ID"]
    assert suggest_mapping(headers, columns) == [
        "billing_postal_code", "billing_city", "phone", "name", "email", "tax_id",
    ]  # fmt: skip


def test_a_header_with_parentheses_is_read_without_them_and_by_what_is_in_them(columns):
    headers = ["Tax Id (NIF)", "Teléfono (oficina)", "(IČO)", "Correo [trabajo]", "Kraj (region)"]
    assert suggest_mapping(headers, columns) == ["tax_id", "phone", "registration_id", "email", "billing_region"]


def test_a_header_in_parentheses_scores_below_the_same_word_without_them(columns):
    assert suggest_mapping(["Tax Id (NIF)", "CIF"], columns) == ["", "tax_id"]


def test_a_close_variant_is_suggested_and_a_loose_one_is_not(columns):
    headers = ["E-Mail-Adresse", "Postal codes", "Buisness City", "Telefonnummer", "Stadt", "Comp"]
    assert suggest_mapping(headers, columns) == ["email", "billing_postal_code", "billing_city", "", "", ""]


def test_headers_of_what_we_do_not_keep_are_left_empty(columns):
    headers = ["Notes", "Birthday", "Photo", "Created at", "Favourite colour", "", "  ", "#"]
    assert suggest_mapping(headers, columns) == ["", "", "", "", "", "", "", ""]


def test_each_key_goes_to_one_header_the_best_or_else_the_leftmost(columns):
    headers = ["City", "Town", "Billing city", "Email", "E-mail", "Phone", "Phone"]
    assert suggest_mapping(headers, columns) == ["", "", "billing_city", "email", "", "phone", ""]


def test_an_exact_generic_word_beats_a_close_specific_one(columns):
    assert suggest_mapping(["Billing citty", "City"], columns) == ["", "billing_city"]


def test_a_hidden_builtin_field_is_not_suggested_nor_replaced_by_a_similar_one():
    columns = client_columns(fields=[hidden_builtin("billing_region"), hidden_builtin("vat_id")])
    headers = ["State", "Billing region", "VAT number", "Tax id", "City"]
    assert suggest_mapping(headers, columns) == ["", "", "", "tax_id", "billing_city"]


def test_only_the_columns_passed_are_suggested(columns):
    client_only = [column for column in columns if not column.key.startswith("contact_")]
    assert suggest_mapping(["Company", "First name", "E-mail", "Mobile"], client_only) == ["name", "", "", ""]


def test_nothing_to_map(columns):
    assert suggest_mapping([], columns) == []


# The table ----------------------------------------------------------------------------------------


def test_no_word_of_the_synonym_table_means_two_things():
    meanings: dict[str, set[tuple[str, int, str]]] = {}
    for target, weight, mark, words in SYNONYMS:
        for word in words:
            meanings.setdefault(normalise(word), set()).add((target, weight, mark))
    assert {word: found for word, found in meanings.items() if len(found) > 1} == {}


def test_no_word_is_listed_twice():
    counts = Counter(normalise(word) for *_meaning, words in SYNONYMS for word in words)
    assert [word for word, count in counts.items() if count > 1] == []


def test_the_header_words_cover_every_builtin_and_contact_column_in_english(columns):
    words = header_words()
    with translation.override("en"):
        assert {column.key: words[normalise(column.label)] for column in columns} == {
            column.key: column.key for column in columns
        }
    assert words["nume"] == "name"
    assert words["email 1 value"] == "email"
    assert words["notes"] == ""
    assert words["id"] == ""
