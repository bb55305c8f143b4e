"""Realistic client rows for the benchmark, the same for a given seed, chunk and row number.

Names come from small per-country vocabularies (Faker's surnames, first names, cities and streets,
plus industry words and legal forms), so a name fragment matches roughly 0.05-3 % of the rows, as
in a real register. Tax, registration and VAT ids are valid: their check digits are computed with
python-stdnum, and each id is derived from the row number, so ids (and e-mails) are unique.
"""

import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from faker import Faker
from stdnum import luhn
from stdnum.cn import uscc
from stdnum.cz import dic as cz_dic
from stdnum.es import cif as es_cif
from stdnum.es import dni as es_dni
from stdnum.iso7064 import mod_11_10
from stdnum.ro import cui as ro_cui

# Share of the register per country (%): the seeds' countries first, then other European markets.
COUNTRY_WEIGHTS = {
    "CZ": 24, "RO": 15, "ES": 15, "CN": 12, "SK": 8, "DE": 8, "PL": 5, "FR": 4, "IT": 4, "GB": 3, "US": 2,
}  # fmt: skip
COMPANY_SHARE = 0.8
_HASH = 2_654_435_761  # odd and not a multiple of 5: i -> i * _HASH mod 10**k is one-to-one
_CN_CITIES = "北京 上海 深圳 广州 杭州 成都 武汉 南京 苏州 天津 重庆 西安 青岛 厦门".split()
_CN_REGIONS = ["110000", "310000", "440300", "440100", "330100", "510100", "420100", "320100", "320500", "120000"]
_RO_COUNTIES = [40, 12, 35, 22, 3, 13, 4, 5, 6, 32, 26, 29]
_MAILBOXES = ["info", "office", "sales", "contact", "hello", "orders"]


@dataclass(frozen=True)
class CountryProfile:
    locale: str
    languages: tuple[tuple[str, int], ...]
    industries: tuple[str, ...]
    legal_forms: tuple[str, ...]
    tld: str
    mail_providers: tuple[str, ...]


PROFILES = {
    "CZ": CountryProfile(
        "cs_CZ", (("cs", 1),),
        ("Stavby", "Doprava", "Strojírna", "Pekárna", "Tiskárna", "Elektro", "Obchod", "Logistika", "Služby",
         "Kovovýroba", "Nábytek", "Zahradnictví", "Autoservis", "Projekce", "Energie", "Textil", "Potraviny",
         "Reklama", "Software", "Účetnictví"),
        ("s.r.o.", "a.s.", "spol. s r.o.", "v.o.s."), ".cz", ("seznam.cz", "email.cz", "centrum.cz", "gmail.com"),
    ),
    "SK": CountryProfile(
        "sk_SK", (("cs", 3), ("en", 1)),
        ("Stavby", "Doprava", "Strojáreň", "Pekáreň", "Tlačiareň", "Elektro", "Obchod", "Logistika", "Služby",
         "Nábytok", "Záhradníctvo", "Autoservis", "Energia", "Potraviny", "Reklama", "Softvér"),
        ("s.r.o.", "a.s."), ".sk", ("azet.sk", "zoznam.sk", "gmail.com"),
    ),
    "RO": CountryProfile(
        "ro_RO", (("ro", 1),),
        ("Construcții", "Transport", "Logistică", "Brutăria", "Tipografia", "Agro", "Comerț", "Servicii", "Mobilă",
         "Distribuție", "Energie", "Textile", "Alimentara", "Consultanță", "Software", "Auto"),
        ("SRL", "SA"), ".ro", ("yahoo.com", "gmail.com"),
    ),
    "ES": CountryProfile(
        "es_ES", (("es", 8), ("ca", 2)),
        ("Construcciones", "Transportes", "Talleres", "Bodegas", "Panadería", "Distribuciones", "Suministros",
         "Ingeniería", "Gráficas", "Aceites", "Muebles", "Logística", "Servicios", "Reformas", "Consultoría",
         "Alimentación"),
        ("S.L.", "S.A."), ".es", ("gmail.com", "hotmail.com", "yahoo.es"),
    ),
    "CN": CountryProfile(
        "zh_CN", (("zh-hans", 1),),
        tuple("科技 贸易 机械 电子 纺织 物流 建材 食品 信息 传媒 网络 医药 化工 服装".split()),
        ("有限公司", "股份有限公司"), ".cn", ("qq.com", "163.com"),
    ),
    "DE": CountryProfile(
        "de_DE", (("en", 1),),
        ("Maschinenbau", "Logistik", "Bau", "Elektrotechnik", "Druckerei", "Spedition", "Metallbau", "Handel",
         "Software", "Bäckerei", "Möbel", "Energie"),
        ("GmbH", "AG", "GmbH & Co. KG", "KG"), ".de", ("web.de", "gmx.de", "gmail.com"),
    ),
    "PL": CountryProfile(
        "pl_PL", (("en", 1),),
        ("Budownictwo", "Transport", "Logistyka", "Piekarnia", "Drukarnia", "Handel", "Usługi", "Meble", "Energia",
         "Elektro"),
        ("Sp. z o.o.", "S.A."), ".pl", ("wp.pl", "onet.pl", "gmail.com"),
    ),
    "FR": CountryProfile(
        "fr_FR", (("en", 1),),
        ("Transports", "Bâtiment", "Logistique", "Boulangerie", "Imprimerie", "Distribution", "Services", "Mobilier",
         "Énergie", "Conseil"),
        ("SARL", "SAS", "SA"), ".fr", ("orange.fr", "free.fr", "gmail.com"),
    ),
    "IT": CountryProfile(
        "it_IT", (("en", 1),),
        ("Costruzioni", "Trasporti", "Logistica", "Panificio", "Tipografia", "Commercio", "Servizi", "Arredamenti",
         "Energia", "Consulenze"),
        ("S.r.l.", "S.p.A."), ".it", ("libero.it", "gmail.com"),
    ),
    "GB": CountryProfile(
        "en_GB", (("en", 1),),
        ("Logistics", "Engineering", "Foods", "Textiles", "Systems", "Trading", "Builders", "Print", "Energy",
         "Consulting"),
        ("Ltd", "PLC"), ".co.uk", ("gmail.com", "outlook.com"),
    ),
    "US": CountryProfile(
        "en_US", (("en", 1),),
        ("Logistics", "Engineering", "Foods", "Textiles", "Systems", "Trading", "Builders", "Print", "Energy",
         "Consulting"),
        ("Inc.", "LLC", "Corp."), ".com", ("gmail.com", "yahoo.com", "outlook.com"),
    ),
}  # fmt: skip


def slug(text: str) -> str:
    """ASCII letters and digits of a text (for e-mail addresses and domains)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]+", "", "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower())


@dataclass
class CountryWords:
    surnames: list[str]
    first_names: list[str]
    cities: list[str]
    streets: list[str]
    postcodes: list[str]
    company_words: list[str] = field(default_factory=list)  # Chinese trade names (字号)
    phones: list[str] = field(default_factory=list)


def _phone_pool(country: str, rng: random.Random, size: int) -> list[str]:
    """Valid mobile and landline numbers of a country, as people type them."""
    examples = []
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        sample = phonenumbers.example_number_for_type(country, kind)
        if sample is not None:
            examples.append(str(sample.national_number))
    pool: list[str] = []
    while len(pool) < size:
        example = rng.choice(examples)
        candidate = example[:-6] + f"{rng.randrange(10**6):06d}"
        parsed = phonenumbers.parse(candidate, country)
        if not phonenumbers.is_valid_number(parsed):
            continue
        style = (
            phonenumbers.PhoneNumberFormat.INTERNATIONAL
            if rng.random() < 0.7
            else phonenumbers.PhoneNumberFormat.NATIONAL
        )
        pool.append(phonenumbers.format_number(parsed, style))
    return pool


class Vocabulary:
    """Words per country, drawn once from Faker with a fixed seed (so every run gets the same data)."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.countries = list(COUNTRY_WEIGHTS)
        self.country_weights = list(COUNTRY_WEIGHTS.values())
        self.words: dict[str, CountryWords] = {}
        for country, profile in PROFILES.items():
            fake = Faker(profile.locale)
            fake.seed_instance(seed)
            words = CountryWords(
                surnames=sorted({fake.last_name() for _ in range(600)}),
                first_names=sorted({fake.first_name() for _ in range(600)}),
                cities=sorted({fake.city() for _ in range(300)}),
                streets=sorted({fake.street_name() for _ in range(300)}),
                postcodes=[fake.postcode() for _ in range(300)],
                phones=_phone_pool(country, rng, 1500),
            )
            if country == "CN":
                words.company_words = sorted({fake.company_prefix() for _ in range(600)})
            self.words[country] = words


def _hashed(i: int, digits: int, salt: int = 0) -> int:
    return ((i + salt) * _HASH) % 10**digits


def _cz_ico(i: int, salt: int) -> str:
    body = f"{_hashed(i, 7, salt):07d}"
    if body[0] == "9":  # a legal person's number never starts with 9
        body = "8" + body[1:]
    return body + cz_dic.calc_check_digit_legal(body)


def _sk_dic(i: int) -> str:
    body = 202_000_000 + _hashed(i, 6, 11)
    while True:  # the ten digits are a multiple of 11; a check "digit" of 10 means: next body
        check = (-body * 10) % 11
        if check < 10:
            return f"{body}{check}"
        body += 1


def _nip_check(body: str) -> int:
    return sum(weight * int(digit) for weight, digit in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), body, strict=True)) % 11


def _ids(country: str, kind: str, i: int, rng: random.Random) -> dict[str, str]:
    """Tax, registration and VAT ids as a user would type them (spaces, prefixes), all valid."""
    company = kind == "company"
    vat_payer = rng.random() < 0.75
    if country == "CZ":
        ico = _cz_ico(i, 3)
        if not company:
            return {"registration_id": ico if rng.random() < 0.5 else ""}
        vat = f"CZ{ico}" if rng.random() < 0.5 else f"CZ {ico[:3]} {ico[3:6]} {ico[6:]}"
        return {"registration_id": ico, "tax_id": f"CZ{ico}" if vat_payer else "", "vat_id": vat if vat_payer else ""}
    if country == "SK":
        if not company:
            return {}
        dic = _sk_dic(i)
        return {"registration_id": _cz_ico(i, 5), "tax_id": dic, "vat_id": f"SK{dic}" if vat_payer else ""}
    if country == "RO":
        body = str(1_000_000 + _hashed(i, 7, 7) % 9_000_000)
        cui = body + ro_cui.calc_check_digit(body)
        if not company:
            return {}
        onrc = f"J{rng.choice(_RO_COUNTIES):02d}/{rng.randint(1, 99999)}/{rng.randint(1991, 2024)}"
        return {
            "tax_id": f"RO{cui}" if rng.random() < 0.5 else cui,
            "registration_id": onrc,
            "vat_id": f"RO{cui}" if vat_payer else "",
        }
    if country == "ES":
        if not company:
            number = f"{_hashed(i, 8, 13):08d}"
            return {"tax_id": f"{number}-{es_dni.calc_check_digit(number)}"}
        letter = "B" if rng.random() < 0.8 else "A"
        body = f"{letter}{_hashed(i, 7, 17):07d}"
        cif = body + es_cif.calc_check_digits(body)[0]
        return {"tax_id": cif, "vat_id": f"ES{cif}" if vat_payer else ""}
    if country == "CN":
        if not company:
            return {}
        head = f"91{rng.choice(_CN_REGIONS)}{_hashed(i, 9, 19):09d}"
        code = head + uscc.calc_check_digit(head)
        return {"tax_id": code, "registration_id": code}
    if country == "DE":
        if not company:
            return {}
        body = str(10_000_000 + _hashed(i, 8, 23) % 90_000_000)
        return {
            "registration_id": f"HRB {1000 + _hashed(i, 5, 29)}",
            "tax_id": f"{rng.randint(10, 99)}/{rng.randint(100, 999)}/{_hashed(i, 5, 31):05d}"
            if rng.random() < 0.5
            else "",
            "vat_id": f"DE{body}{mod_11_10.calc_check_digit(body)}" if vat_payer else "",
        }
    if country == "PL":
        if not company:
            return {}
        nip_body = 100_000_000 + _hashed(i, 8, 37)
        while (check := _nip_check(str(nip_body))) == 10:  # no check digit exists: take the next number
            nip_body += 1
        nip = f"{nip_body}{check}"
        return {"tax_id": nip, "vat_id": f"PL{nip}" if vat_payer else ""}
    if country == "FR":
        if not company:
            return {}
        body = str(10_000_000 + _hashed(i, 8, 41) % 90_000_000)
        siren = body + luhn.calc_check_digit(body)
        return {"registration_id": siren, "vat_id": f"FR{int(siren + '12') % 97:02d}{siren}" if vat_payer else ""}
    if country == "IT":
        if not company:
            return {}
        body = f"{1_000_000 + _hashed(i, 7, 43) % 9_000_000}{rng.randint(1, 100):03d}"
        partita_iva = body + luhn.calc_check_digit(body)
        return {"tax_id": partita_iva, "vat_id": f"IT{partita_iva}" if vat_payer else ""}
    if country == "GB":
        return {"registration_id": f"{_hashed(i, 8, 47):08d}"} if company else {}
    if country == "US":
        return {"tax_id": f"{10 + i % 89}-{_hashed(i, 7, 53):07d}"} if company else {}
    return {}


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def client_row(vocabulary: Vocabulary, i: int, rng: random.Random) -> dict[str, Any]:
    """Row ``i`` of the register: what a user or an import would hand to the services."""
    country = rng.choices(vocabulary.countries, vocabulary.country_weights)[0]
    profile = PROFILES[country]
    words = vocabulary.words[country]
    kind = "company" if rng.random() < COMPANY_SHARE else "individual"
    surname = rng.choice(words.surnames)
    city = rng.choice(words.cities)
    if kind == "company":
        industry = rng.choice(profile.industries)
        legal_form = rng.choice(profile.legal_forms)
        if country == "CN":
            name = f"{rng.choice(_CN_CITIES)}{rng.choice(words.company_words)}{industry}{legal_form}"
            domain = f"{slug(industry) or 'company'}{_base36(i)}{profile.tld}"
        elif rng.random() < 0.6:
            first = industry if country == "ES" else surname
            second = surname if country == "ES" else industry
            name = f"{first} {second} {legal_form}"
            domain = f"{slug(surname)}-{_base36(i)}{profile.tld}"
        else:
            name = f"{industry} {city} {legal_form}"
            domain = f"{slug(industry)}-{slug(city)[:12]}-{_base36(i)}{profile.tld}"
        email = f"{rng.choice(_MAILBOXES)}@{domain}"
        website = f"www.{domain}" if rng.random() < 0.5 else ""
    else:
        first_name = rng.choice(words.first_names)
        name = f"{surname}{first_name}" if country == "CN" else f"{first_name} {surname}"
        if country == "CN":
            email = f"{10_000_000 + _hashed(i, 9, 59) % 900_000_000}@{rng.choice(profile.mail_providers)}"
        else:
            email = f"{slug(first_name)}.{slug(surname)}.{_base36(i)}@{rng.choice(profile.mail_providers)}"
        website = ""
    if rng.random() < 0.1:
        email = email.capitalize()  # people type capitals; the service keeps the local part as typed
    language = rng.choices([code for code, _weight in profile.languages], [w for _code, w in profile.languages])[0]
    row: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "email": email if rng.random() < 0.9 else "",
        "phone": rng.choice(words.phones) if rng.random() < 0.85 else "",
        "website": website,
        "billing_street": f"{rng.choice(words.streets)} {rng.randint(1, 250)}",
        "billing_city": city,
        "billing_postal_code": rng.choice(words.postcodes),
        "billing_country": country,
        "country": country,
        "language": language,
        "shipping_same_as_billing": True,
    }
    if rng.random() < 0.15:
        row.update(
            shipping_same_as_billing=False,
            shipping_street=f"{rng.choice(words.streets)} {rng.randint(1, 250)}",
            shipping_city=rng.choice(words.cities),
            shipping_postal_code=rng.choice(words.postcodes),
            shipping_country=country,
        )
    row.update(_ids(country, kind, i, rng))
    return row


def chunk_rows(vocabulary: Vocabulary, *, seed: int, start: int, count: int) -> list[dict[str, Any]]:
    """Rows ``start`` to ``start + count - 1``; the same rows every time for the same arguments."""
    rng = random.Random(seed * 1_000_003 + start)
    return [client_row(vocabulary, i, rng) for i in range(start, start + count)]
