"""Which column of ours each column of an uploaded file fills: the import wizard's first suggestion.

Every header is compared as text made comparable: words split at camelCase ("BillingCity"), accents,
case and punctuation gone ("Postal Code:", "postal_code" and "POSTAL-CODE" are all "postal code"),
"e mail" written "email". A header is then looked up among

- our own headers: each column's label as each of the six languages says it (the active language
  first), the column keys ("tax_id"), and for a custom field its original name, its label in every
  language and the ``X-CLIENTELA-<NAME>`` property our vCards write;
- the fixed headers of our vCard reader and the exports of Google Contacts (both formats), Outlook,
  HubSpot, Salesforce, Zoho, Pipedrive and Perfex;
- what people type in each of the six languages ("Razón social", "IČO", "Județ", "统一社会信用代码"…);
- headers of things we do not keep ("Notes", "Birthday", "Home Street"): known, so that nothing
  similar is suggested for them.

Scores, highest first: a custom field's own words 110 (they beat our built-in words: a custom field
labelled "Region" takes a "Region" column); a specific word 100 ("Billing city", "Job Title"); a
generic one 90 ("City", "Title"), so Perfex's "Billing city" beats its "City" and Outlook's "Job
Title" its "Title" (a salutation there); the same words found outside or inside parentheses ("Tax Id
(NIF)") 5 less; otherwise the closest word by ``rapidfuzz.fuzz.token_sort_ratio`` if at least 90 (a
typo, a plural, a colon, "E-Mail-Adresse"), scored ratio minus 20, so below every exact match. Below 90
nothing is suggested: a wrong suggestion costs more than an empty one. Each key goes to one header:
the best score wins it, the leftmost among equals; the others get "". Only keys of the columns
passed in that an import may fill are suggested (``client_columns`` leaves hidden built-in fields
out; the status is never imported), and a header whose best word belongs to a missing column gets ""
rather than a weaker second choice.

A few words mean different things in different files; what else the header row holds decides:

- a company column is a header naming the organisation ("Company", "Organization 1 - Name",
  "Account Name", "Razón social", "Denumire", "Název firmy", "公司名称"); "Name", "Customer",
  "Nombre fiscal", "名称" name the client, whatever it is, and are not one;
- a person's whole name ("Name", "Full name", "Nombre y apellidos", "姓名") is the contact's
  (``contact_name``) in a file with a company column, else the client's own name (a list of
  individuals, or our export, whose "Name" is the client's);
- "Nombre" (es), "Nom" (ca) and "Jméno" (cs) are the first name in a file with a surname column
  ("Apellidos", "Cognoms", "Příjmení", "Last name"…), else a whole name as above;
- "Nume" (ro) is the surname in a file with a first-name column ("Prenume", "First name"…), else a
  whole name as above ("Nume" alone is our Romanian export's client name);
- a generic e-mail or phone ("Email", "E-mail 1 - Value", "Business Phone", "Teléfono") is the
  contact's in a people export: a company column, a first-name or surname column and no kind column
  (Google, Outlook, HubSpot contacts, Perfex). It stays the client's when another column is
  explicitly the contact's (a mobile phone, "Contact phonenumber"), and in every other file: a list
  of companies, a list of individuals (no company column: the person is the client), and a file
  with a kind column, whose rows say themselves whether they are a company or a person (our vCard
  reader's rows: an organisation's card and a person's card alike). Mobile phones are always the
  contact's.

Not suggested on purpose: a bare "Type" (HubSpot's and Salesforce's hold Prospect/Partner/Customer,
not company/individual; "Customer type" is suggested), bare "ID"/"Record ID" (another system's ids
would match existing clients by our id), and Google's "Labels"/"Group Membership" (system groups such
as "* myContacts" joined by " ::: ").
"""

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import translation
from rapidfuzz import fuzz, process

from clientela.core.languages import Language
from clientela.exchange.columns import CUSTOM_PREFIX, Column, client_columns, fold

CUSTOM = 110
SPECIFIC = 100
GENERIC = 90
PARENTHESES_PENALTY = 5
FUZZY_THRESHOLD = 90
FUZZY_PENALTY = 20

# Roles: words whose column depends on the rest of the header row (see the module's docstring).
WHOLE_NAME = "?whole_name"
GIVEN_OR_NAME = "?given_or_name"
FAMILY_OR_NAME = "?family_or_name"
EMAIL = "?email"
PHONE = "?phone"
# What each role means in a file that has no company column and no name parts: our own export.
ROLE_DEFAULTS = {WHOLE_NAME: "name", GIVEN_OR_NAME: "name", FAMILY_OR_NAME: "name", EMAIL: "email", PHONE: "phone"}

# What a header tells about the file.
COMPANY = "company"  # names the organisation
GIVEN = "given"  # a person's first name
FAMILY = "family"  # a person's surname

IGNORED = ""

# (target, weight, mark, words): target is a column key, a role or IGNORED. Words are compared normalised, so
# one spelling covers its variants: "Telèfon" is also the Romanian and Czech "Telefon", "Región" is "Region".
SYNONYMS: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    # The organisation: a company column.
    ("name", SPECIFIC, COMPANY, (
        "Company", "Company name", "Organization", "Organisation", "Organization name", "Organisation name",
        "Organization 1 - Name", "Account Name", "Business name", "Company/Account",
        "Firm", "Firm name",
        "Empresa", "Nombre de la empresa", "Nombre empresa", "Compañía", "Organización", "Razón social",
        "Nom de l'empresa", "Companyia", "Organització", "Raó social",
        "Denumire", "Denumire firmă", "Nume firmă", "Firmă", "Companie", "Societate", "Denumire societate",
        "Organizație",
        "Název firmy", "Obchodní jméno", "Obchodní firma", "Společnost", "Název společnosti", "Organizace",
        "公司", "公司名称", "企业名称", "单位", "单位名称", "组织名称",
    )),
    ("name", GENERIC, COMPANY, (
        "Associated Company", "Trade name", "Trading name", "Nombre comercial", "Nom comercial",
        "Obchodní název", "Nume comercial",
    )),
    # The client's name, whatever the client is: not a company column.
    ("name", SPECIFIC, "", (
        "Customer", "Customer name", "Client", "Client name", "Legal name", "Registered name",
        "Cliente", "Nombre del cliente", "Nombre fiscal", "Nom fiscal", "Nom del client",
        "Nume client", "Denumire client",
        "Zákazník", "Klient", "Odběratel", "Název klienta", "Název zákazníka",
        "客户", "客户名称",
    )),
    (WHOLE_NAME, SPECIFIC, "", (
        "Name", "Full name", "Nombre completo", "Nombre y apellidos", "Nom complet", "Nom i cognoms",
        "Nume complet", "Nume și prenume", "Celé jméno", "Jméno a příjmení", "姓名", "全名",
    )),
    (WHOLE_NAME, GENERIC, "", ("Display name",)),
    (GIVEN_OR_NAME, SPECIFIC, "", ("Nombre", "Nom", "Jméno")),
    (FAMILY_OR_NAME, SPECIFIC, "", ("Nume",)),
    # The contact person.
    ("contact_first_name", SPECIFIC, GIVEN, (
        "First name", "Given name", "Firstname", "Forename", "Nombre de pila", "Nom de pila", "Prenume",
        "Křestní jméno", "名", "名字",
    )),
    ("contact_last_name", SPECIFIC, FAMILY, (
        "Last name", "Surname", "Family name", "Lastname", "Apellidos", "Apellido", "Cognoms", "Cognom",
        "Nume de familie", "Příjmení", "姓", "姓氏",
    )),
    ("contact_first_name", SPECIFIC, "", ("Contact first name", "Contact given name", "Person - First name")),
    ("contact_last_name", SPECIFIC, "", ("Contact last name", "Contact surname", "Person - Last name")),
    ("contact_name", SPECIFIC, "", (
        "Contact name", "Contact person", "Primary contact", "Main contact", "Person - Name",
        "Persona de contacto", "Nombre del contacto", "Contacto", "Persona de contacte", "Contacte",
        "Persoană de contact", "Nume contact", "Kontaktní osoba", "Jméno kontaktu", "联系人", "联系人姓名",
    )),
    ("contact_name", GENERIC, "", ("Contact",)),
    ("contact_position", SPECIFIC, "", (
        "Job title", "Position", "Organization 1 - Title", "Organization title", "Contact position",
        "Contact title", "Contact job title", "Cargo", "Puesto", "Càrrec", "Funcție", "Funcția", "Poziție",
        "Pozice", "Funkce", "Pracovní pozice", "职位", "职务", "岗位",
    )),
    ("contact_position", GENERIC, "", ("Title", "Occupation", "Profession", "Role")),
    ("contact_email", SPECIFIC, "", (
        "Contact email", "Contact email address", "Person - Email", "Correo del contacto",
        "Email del contacto", "Correu del contacte", "Email contact", "E-mail kontaktu", "E-mail kontaktní osoby",
        "联系人邮箱",
    )),
    ("contact_phone", SPECIFIC, "", (
        "Contact phone", "Contact phonenumber", "Contact phone number", "Person - Phone", "Mobile",
        "Mobile phone", "Mobile number", "Cell", "Cell phone", "Cellphone", "Móvil", "Teléfono móvil", "Celular",
        "Teléfono del contacto", "Mòbil", "Telèfon mòbil", "Mobilní telefon",
        "Telefon kontaktu", "手机", "手机号", "手机号码", "移动电话", "联系人电话",
    )),
    ("contact_language", SPECIFIC, "", ("Contact language",)),
    # E-mail and phone: the contact's in a people export (see the module's docstring).
    (EMAIL, SPECIFIC, "", (
        "Email", "Mail", "Email address", "E-mail 1 - Value", "Work email", "Business email", "Correo",
        "Correo electrónico", "Dirección de correo electrónico", "Correu", "Correu electrònic", "Adresă de email",
        "E-mailová adresa", "邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址", "电子邮件地址",
    )),
    (EMAIL, GENERIC, "", ("Primary email",)),
    ("email", SPECIFIC, "", (
        "Company email", "Organization - Email", "Correo de la empresa", "E-mail firmy", "公司邮箱",
    )),
    (PHONE, SPECIFIC, "", (
        "Phone", "Telephone", "Tel", "Phone number", "Phonenumber", "Phone 1 - Value", "Business phone",
        "Work phone", "Office phone", "Teléfono", "Tfno", "Telf", "Número de teléfono", "Telèfon",
        "Număr de telefon", "Nr. telefon", "Telefonní číslo", "电话", "电话号码", "联系电话", "办公电话", "座机",
    )),
    (PHONE, GENERIC, "", ("Primary phone",)),
    ("phone", SPECIFIC, "", (
        "Company phone", "Company main phone", "Main phone", "Organization - Phone", "Teléfono de la empresa",
        "Telefon firmy", "公司电话",
    )),
    ("website", SPECIFIC, "", (
        "Website", "Web site", "Web", "Web page", "Webpage", "URL", "Homepage", "Home page", "Website URL",
        "Website 1 - Value", "WWW", "Sitio web", "Página web", "Lloc web", "Site web", "Site", "Webové stránky",
        "Webová stránka", "网址", "网站", "主页", "公司网站", "官网",
    )),
    ("website", GENERIC, "", ("Company Domain Name", "Domain", "Domain name")),
    # Ids.
    ("tax_id", SPECIFIC, "", (
        "Tax id", "Tax ID number", "Tax number", "Tax no", "Tax identification number", "TIN", "Fiscal code",
        "Fiscal number", "Fiscal id", "NIF", "CIF", "NIF/CIF", "CIF/NIF", "Número de identificación fiscal",
        "Identificación fiscal", "Número d'identificació fiscal", "CUI", "Cod fiscal", "Cod unic de înregistrare",
        "Cod de identificare fiscală", "CUI/CIF", "CIF/CUI", "DIČ", "Daňové identifikační číslo", "税号",
        "纳税人识别号", "统一社会信用代码", "社会信用代码", "信用代码", "税务登记号",
    )),
    ("registration_id", SPECIFIC, "", (
        "Registration id", "Registration number", "Registration no", "Company registration number",
        "Company number", "Company ID", "Company reg no", "Reg no", "Business registration number", "Business ID",
        "CRN", "Trade register number", "Commercial register number", "Número de registro", "Registro mercantil",
        "Número de registre", "Registre mercantil", "Nr. Reg. Com.", "Nr. registrul comerțului",
        "Număr de înregistrare", "Număr registrul comerțului", "Nr. înregistrare", "Nr. ord. reg. com.", "IČO", "IČ",
        "Identifikační číslo", "注册号", "营业执照注册号", "营业执照号", "营业执照号码", "工商注册号",
    )),
    ("vat_id", SPECIFIC, "", (
        "VAT", "VAT id", "VAT number", "VAT no", "VAT reg no", "VAT registration number", "EU VAT number",
        "VAT ID number", "NIF-IVA", "NIF intracomunitario", "CIF intracomunitario", "Número de IVA",
        "NIF intracomunitari", "Número d'IVA", "Cod TVA", "Cod de TVA", "Cod înregistrare TVA", "Nr. TVA", "IČ DPH",
        "增值税号", "增值税识别号", "增值税登记号",
    )),
    # The billing address: every address of a client file that is not said to be another.
    ("billing_street", SPECIFIC, "", (
        "Billing street", "Billing address", "Billing address line 1", "Business street", "Address 1 - Street",
        "Address line 1", "Dirección de facturación", "Calle de facturación", "Adreça de facturació",
        "Adresă de facturare", "Fakturační adresa", "Fakturační ulice", "账单地址", "开票地址",
    )),
    ("billing_street", GENERIC, "", (
        "Street", "Address", "Street address", "Mailing street", "Organization - Address", "Address 1 - Formatted",
        "Calle", "Dirección", "Domicilio", "Domicilio fiscal", "Carrer", "Adreça", "Domicili", "Stradă", "Adresă",
        "Ulice", "Ulice a číslo", "地址", "详细地址", "街道", "通讯地址", "公司地址", "注册地址",
    )),
    ("billing_city", SPECIFIC, "", (
        "Billing city", "Business city", "Address 1 - City", "Ciudad de facturación", "Fakturační město",
    )),
    ("billing_city", GENERIC, "", (
        "City", "Town", "Town/City", "Locality", "Mailing city", "Ciudad", "Población", "Localidad", "Municipio",
        "Ciutat", "Població", "Localitat", "Municipi", "Oraș", "Localitate", "Město", "Obec", "城市", "市", "所在城市",
    )),
    ("billing_postal_code", SPECIFIC, "", (
        "Billing postal code", "Billing zip", "Billing zip code", "Billing zip/postal code", "Billing postcode",
        "Billing code", "Business postal code", "Address 1 - Postal Code", "Código postal de facturación",
        "Fakturační PSČ",
    )),
    ("billing_postal_code", GENERIC, "", (
        "Postal code", "Postcode", "Post code", "ZIP", "ZIP code", "Zipcode", "Zip/Postal code", "Mailing zip",
        "Mailing postal code", "Mailing zip/postal code", "Código postal", "CP", "C.P.", "Codi postal",
        "Cod poștal", "PSČ", "邮编", "邮政编码",
    )),
    ("billing_region", SPECIFIC, "", (
        "Billing region", "Billing state", "Billing state/province", "Billing province", "Business state",
        "Address 1 - Region", "Fakturační kraj",
    )),
    ("billing_region", GENERIC, "", (
        "Region", "State", "Province", "County", "State/Province", "State/Region", "State or province",
        "Mailing state", "Mailing state/province", "Provincia", "Comunidad autónoma", "Regió",
        "Județ", "Regiune", "Kraj", "省份", "省", "地区", "所在地区", "所在省份",
    )),
    ("billing_country", SPECIFIC, "", (
        "Billing country", "Business country", "Business country/region", "Address 1 - Country",
        "País de facturación", "Fakturační země",
    )),
    ("billing_country", GENERIC, "", ("Mailing country",)),
    ("shipping_street", SPECIFIC, "", (
        "Shipping street", "Shipping address", "Delivery address", "Dirección de envío", "Dirección de entrega",
        "Adreça d'enviament", "Adresă de livrare", "Doručovací adresa", "收货地址", "送货地址",
    )),
    ("shipping_city", SPECIFIC, "", ("Shipping city", "Ciudad de envío", "Doručovací město")),
    ("shipping_postal_code", SPECIFIC, "", (
        "Shipping postal code", "Shipping zip", "Shipping zip code", "Shipping zip/postal code", "Shipping postcode",
        "Shipping code", "Código postal de envío", "Doručovací PSČ",
    )),
    ("shipping_region", SPECIFIC, "", (
        "Shipping region", "Shipping state", "Shipping state/province", "Shipping province", "Provincia de envío",
    )),
    ("shipping_country", SPECIFIC, "", ("Shipping country", "País de envío", "Doručovací země")),
    ("country", SPECIFIC, "", (
        "Country", "Country/Region", "Country code", "País", "Țară", "Země", "Stát", "国家", "国家/地区", "国别",
    )),
    # Settings and relations.
    ("currency", SPECIFIC, "", (
        "Currency", "Currency code", "Default currency", "Moneda", "Divisa", "Valută", "Měna", "币种",
        "货币", "结算币种",
    )),
    ("language", SPECIFIC, "", (
        "Language", "Default language", "Preferred language", "Idioma", "Limbă", "Jazyk", "语言", "首选语言",
    )),
    ("kind", SPECIFIC, "", (
        "Kind", "Customer type", "Client type", "Entity type", "Type of client", "Company or individual",
        "Tipo de cliente", "Tipo de persona", "Tipus de client", "Tip client", "Tipul clientului", "Typ klienta",
        "Typ zákazníka", "Typ subjektu", "客户类型", "客户性质",
    )),
    ("owner", SPECIFIC, "", (
        "Owner", "Account owner", "Contact owner", "Company owner", "Record owner", "Organization owner",
        "Assigned to", "Sales rep", "Salesperson", "Account manager", "Responsable", "Propietario", "Agente",
        "Vendedor", "Responsable comercial", "Responsabil", "Agent", "Agent de vânzări", "Proprietar", "Vlastník",
        "Obchodník", "Odpovědná osoba", "负责人", "所属销售", "销售", "销售人员", "跟进人", "客户经理", "归属人",
    )),
    ("groups", SPECIFIC, "", (
        "Groups", "Group", "Categories", "Category", "Tags", "Tag", "Segment", "Grupos", "Grupo", "Grupo(s)",
        "Categorías", "Categoría", "Etiquetas", "Grups", "Grup", "Etiquetes", "Grupuri", "Categorii",
        "Etichete", "Skupiny", "Skupina", "Kategorie", "Štítky", "分组", "客户分组", "组", "标签", "分类", "客户分类",
    )),
    # Known, and not ours to fill: so that nothing merely similar is suggested for them.
    (IGNORED, SPECIFIC, "", (
        "Note", "Notes", "Comment", "Comments", "Description", "UID", "ID", "Record ID", "Birthday", "Photo",
        "Created at", "Created", "Create date", "Created date", "Date created", "Updated at", "Last modified date",
        "Last activity date", "Nickname", "Middle name", "Additional name", "Name prefix", "Name suffix", "Suffix",
        "Prefix", "Salutation", "Gender", "Fax", "Business fax", "Home fax", "Other fax", "Type", "Account type",
        "Account", "Account number", "Account site", "Parent account", "Department", "Organization department",
        "Industry", "Annual revenue", "Number of employees", "Employees", "Time zone", "Lifecycle stage",
        "Lead status", "LinkedIn company page", "Rating", "Ticker symbol", "Ownership", "SIC code", "Active",
        "Longitude", "Latitude", "Stripe id", "Labels", "Group membership", "Personal web page",
        # Outlook's other addresses and phones, and its extra lines.
        "Home street", "Home street 2", "Home street 3", "Home city", "Home state", "Home postal code",
        "Home country", "Home country/region", "Other street", "Other street 2", "Other street 3", "Other city",
        "Other state", "Other postal code", "Other country", "Other country/region", "Business street 2",
        "Business street 3", "Business phone 2", "Home phone", "Home phone 2", "Other phone", "Pager", "Car phone",
        "Callback", "Radio phone", "ISDN", "Telex", "TTY/TDD phone", "Assistant's phone", "Assistant's name",
        "Manager's name", "E-mail 2 address", "E-mail 3 address", "E-mail type", "E-mail 2 type", "E-mail 3 type",
        "E-mail display name", "E-mail 2 display name", "E-mail 3 display name", "Anniversary", "Spouse",
        "Children", "Keywords", "Internet free busy", "Referred by", "Government ID number",
        "Organizational ID number", "Business address PO box", "Home address PO box", "Other address PO box",
        "Billing information", "Directory server", "Mileage", "Hobby", "Sensitivity", "Priority", "Private",
        "Initials", "Location", "Office location", "User 1", "User 2", "User 3", "User 4",
        # Google's.
        "Yomi name", "Given name yomi", "Additional name yomi", "Family name yomi", "Phonetic first name",
        "Phonetic middle name", "Phonetic last name", "File as", "Short name", "Maiden name", "Subject",
        "E-mail 1 - Type", "E-mail 1 - Label", "Phone 1 - Type", "Phone 1 - Label", "Address 1 - Type",
        "Address 1 - Label", "Address 1 - PO Box", "Address 1 - Extended Address", "Website 1 - Type",
        "Website 1 - Label", "Organization 1 - Type", "Organization 1 - Yomi Name", "Organization 1 - Department",
        "Organization 1 - Symbol", "Organization 1 - Location", "Organization 1 - Job Description",
        "Street address 2", "Address line 2",
        # In the six languages.
        "Nota", "Notas", "Observaciones", "Comentarios", "Observacions", "Observații", "Poznámka",
        "Poznámky", "备注", "说明", "Fecha de alta", "Fecha de creación", "Fecha de nacimiento", "Data de creació",
        "Data creării", "Data nașterii", "Datum vytvoření", "Datum narození", "创建时间", "创建日期", "生日",
    )),
)  # fmt: skip

_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_A_WORD = re.compile(r"[\W_]+")
_E_MAIL = re.compile(r"\be mail\b")
_IN_PARENTHESES = re.compile(r"[(\[]([^)\]]*)[)\]]")


def normalise(header: str) -> str:
    """A header as compared: "Postal_Code:" ~ "postal code", "BillingCity" ~ "billing city", "E-Mail" ~ "email"."""
    text = _NOT_A_WORD.sub(" ", fold(_CAMEL_CASE.sub(" ", header)))
    return _E_MAIL.sub("email", " ".join(text.split()))


@dataclass(frozen=True)
class Meaning:
    """What a word says: the column (or role, or IGNORED) it fills, how surely, and what it tells of the file."""

    target: str
    weight: int
    mark: str = ""


@functools.cache
def _static_words() -> dict[str, Meaning]:
    """normalised word → meaning, from SYNONYMS (independent of translations, so cached per process)."""
    words: dict[str, Meaning] = {}
    for target, weight, mark, texts in SYNONYMS:
        for text in texts:
            words.setdefault(normalise(text), Meaning(target, weight, mark))
    return words


def _label_words() -> dict[str, str]:
    """normalised label → key, for every built-in and contact column in the six languages, the active one first.

    Computed on each call (about a millisecond): labels follow the translations as they are now.
    """
    columns = client_columns(fields=[])
    active = translation.get_language() or "en"
    languages = [active, *(language for language in Language.values if language != active)]
    words: dict[str, str] = {}
    for language in languages:
        with translation.override(language):
            for column in columns:
                words.setdefault(normalise(column.label), column.key)
    for column in columns:
        if column.key != "id":  # a bare "id" is another system's id (see the module's docstring)
            words.setdefault(normalise(column.key), column.key)
    return words


def _builtin_words() -> dict[str, Meaning]:
    """The synonyms, with our own labels over them where they disagree (so that our export reads back)."""
    words = dict(_static_words())
    for text, key in _label_words().items():
        current = words.get(text)
        if current is not None and key in (current.target, ROLE_DEFAULTS.get(current.target)):
            continue  # the synonym says the same; a role keeps deciding by the rest of the file
        words[text] = Meaning(key, SPECIFIC)
    return words


def custom_words(column: Column) -> set[str]:
    """A custom column's own words: original name, key, labels in every language, our vCard's property."""
    definition = column.definition
    name = column.custom_name or column.key.removeprefix(CUSTOM_PREFIX)
    texts = {name, column.key, column.label, f"X-CLIENTELA-{name.upper().replace('_', '-')}"}
    if definition is not None:
        texts.update(label for label in (definition.labels or {}).values() if label)
    return {normalise(text) for text in texts} - {""}


def header_words() -> dict[str, str]:
    """The synonym table of built-in and contact columns: normalised header → key ("" for what we don't keep).

    A word whose column depends on the rest of the file gives what it means alone (see the module's docstring).
    """
    return {text: ROLE_DEFAULTS.get(meaning.target, meaning.target) for text, meaning in _builtin_words().items()}


def _words(columns: Iterable[Column]) -> dict[str, Meaning]:
    words = _builtin_words()
    for column in columns:
        if column.key.startswith(CUSTOM_PREFIX):
            for text in custom_words(column):
                words[text] = Meaning(column.key, CUSTOM)
    return words


@dataclass(frozen=True)
class Match:
    meaning: Meaning
    score: float


def _match(header: str, words: dict[str, Meaning], choices: list[str]) -> Match | None:
    """The best word for one header: exact, else outside or inside parentheses, else fuzzy (or None)."""
    text = normalise(header)
    if not text:
        return None
    if text in words:
        return Match(words[text], words[text].weight)
    folded = fold(header)
    parts = [_IN_PARENTHESES.sub(" ", folded), *_IN_PARENTHESES.findall(folded)]
    found = [words[part] for part in map(normalise, parts) if part in words]
    if found:
        best = max(found, key=lambda meaning: meaning.weight)  # the first of the best: outside before inside
        return Match(best, best.weight - PARENTHESES_PENALTY)
    result = process.extractOne(text, choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_THRESHOLD)
    if result is None:
        return None
    choice, ratio, _index = result
    return Match(words[choice], ratio - FUZZY_PENALTY)


@dataclass(frozen=True)
class _HeaderRow:
    """What the whole header row says, for the words that depend on it."""

    has_company: bool
    has_given: bool
    has_family: bool
    explicit: frozenset[str]  # what the row's words name: the keys named outright (and the roles)

    @classmethod
    def of(cls, matches: Sequence[Match | None]) -> "_HeaderRow":
        meanings = [match.meaning for match in matches if match is not None]
        marks = {meaning.mark for meaning in meanings}
        return cls(
            has_company=COMPANY in marks,
            has_given=GIVEN in marks,
            has_family=FAMILY in marks,
            explicit=frozenset(meaning.target for meaning in meanings),
        )

    @property
    def is_people_export(self) -> bool:
        return self.has_company and (self.has_given or self.has_family) and "kind" not in self.explicit

    def key(self, target: str) -> str:
        whole_name = "contact_name" if self.has_company else "name"
        if target == WHOLE_NAME:
            return whole_name
        if target == GIVEN_OR_NAME:
            return "contact_first_name" if self.has_family else whole_name
        if target == FAMILY_OR_NAME:
            return "contact_last_name" if self.has_given else whole_name
        if target == EMAIL:
            return "contact_email" if self.is_people_export and "contact_email" not in self.explicit else "email"
        if target == PHONE:
            return "contact_phone" if self.is_people_export and "contact_phone" not in self.explicit else "phone"
        return target


def suggest_mapping(headers: Sequence[str], columns: Sequence[Column]) -> list[str]:
    """For each header, the key of the column it most likely fills, or "" (not imported).

    Each key is used at most once (the best-scoring header wins it; ties go to the leftmost), except that
    nothing is suggested for a header that matches nothing well. See the module's docstring for the rules.
    """
    words = _words(columns)
    choices = list(words)
    matches = [_match(header, words, choices) for header in headers]
    row = _HeaderRow.of(matches)
    # What the import's mapping accepts: never the status, which an export writes and an import only shows.
    available = {column.key for column in columns if column.importable}
    suggested = [""] * len(headers)
    taken: set[str] = set()
    ranked = sorted(
        ((index, match) for index, match in enumerate(matches) if match is not None),
        key=lambda pair: (-pair[1].score, pair[0]),
    )
    for index, match in ranked:
        key = row.key(match.meaning.target)
        if key and key in available and key not in taken:
            suggested[index] = key
            taken.add(key)
    return suggested
