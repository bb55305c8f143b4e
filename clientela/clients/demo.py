"""Demo data: about 200 believable clients in CZ, RO, ES, CN and elsewhere, with valid ids.

Fictional companies and people; every identifier passes its national check (python-stdnum) and
every phone number is valid for its country. Written through the services like any other data.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers
from stdnum.cn import uscc
from stdnum.cz import dic as cz_dic
from stdnum.de import vat as de_vat
from stdnum.es import cif as es_cif
from stdnum.ro import cui as ro_cui
from stdnum.sk import dph as sk_dph

from clientela.accounts.models import User
from clientela.accounts.services import user_create
from clientela.clients.models import ClientGroup, ClientKind
from clientela.clients.services import client_create, contact_create, group_create
from clientela.core.countries import default_currency


def _until_valid(make: Callable[[], str], check: Callable[[str], bool]) -> str:
    while True:
        candidate = make()
        if check(candidate):
            return candidate


def cz_ico(rng: random.Random) -> str:
    body = f"{rng.randint(1_000_000, 8_999_999)}"  # 9xxxxxxx is reserved
    return body + cz_dic.calc_check_digit_legal(body)


def ro_cui_number(rng: random.Random) -> str:
    body = f"{rng.randint(1_000_000, 99_999_999)}"
    return body + ro_cui.calc_check_digit(body)


def es_cif_number(rng: random.Random) -> str:
    body = f"B{rng.randint(1_000_000, 9_999_999)}"
    return next(body + digit for digit in "0123456789" if es_cif.is_valid(body + digit))


def cn_uscc_number(rng: random.Random) -> str:
    body = f"91{rng.randint(110000, 650000)}{rng.randint(10**8, 10**9 - 1)}"
    return body + uscc.calc_check_digit(body)


def sk_vat_digits(rng: random.Random) -> str:
    return _until_valid(lambda: f"20{rng.randint(10**7, 10**8 - 1)}", sk_dph.is_valid)


def de_vat_number(rng: random.Random) -> str:
    return "DE" + _until_valid(lambda: f"{rng.randint(10**8, 10**9 - 1)}", lambda n: de_vat.is_valid("DE" + n))


def phone(rng: random.Random, country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return ""
    national = str(example.national_number)
    for _attempt in range(20):
        candidate = national[:-4] + f"{rng.randint(0, 9999):04d}"
        parsed = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class CountryData:
    code: str
    language: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    forms: tuple[str, ...]
    cities: tuple[tuple[str, str, str], ...]  # city, postal code, region
    streets: tuple[str, ...]
    people_first: tuple[str, ...]
    people_last: tuple[str, ...]
    domain: str


COUNTRIES = (
    CountryData(
        "CZ",
        "cs",
        ("Modrá", "Zelená", "Stříbrná", "Horská", "Pražská", "Moravská", "Nová", "Česká", "Jižní", "Rychlá"),
        ("Vlna", "Lípa", "Strojírna", "Pekárna", "Logistika", "Stavba", "Tiskárna", "Energie", "Zahrada", "Doprava"),
        ("s.r.o.", "a.s.", "v.o.s."),
        (
            ("Brno", "602 00", "Jihomoravský kraj"),
            ("Praha", "110 00", "Hlavní město Praha"),
            ("Ostrava", "702 00", "Moravskoslezský kraj"),
            ("Plzeň", "301 00", "Plzeňský kraj"),
            ("Olomouc", "779 00", "Olomoucký kraj"),
        ),
        ("Kounicova", "Vinohradská", "Nádražní", "Masarykova", "Husova", "Palackého"),
        ("Jan", "Petra", "Tomáš", "Lucie", "Jiří", "Kateřina", "Martin", "Eva"),
        ("Novák", "Svobodová", "Dvořák", "Černá", "Procházka", "Kučerová", "Veselý", "Horáková"),
        "cz",
    ),
    CountryData(
        "RO",
        "ro",
        ("Carpați", "Dunărea", "Argeș", "Transilvania", "Bucovina", "Delta", "Mureș", "Olt", "Banat", "Crișana"),
        ("Textil", "Construct", "Agro", "Trans", "Soft", "Impex", "Distribuție", "Mobila", "Vin", "Energie"),
        ("SRL", "SA"),
        (
            ("Pitești", "110049", "Argeș"),
            ("București", "010011", "București"),
            ("Cluj-Napoca", "400001", "Cluj"),
            ("Iași", "700028", "Iași"),
            ("Timișoara", "300002", "Timiș"),
        ),
        ("Str. Exercițiu", "Bd. Unirii", "Calea Victoriei", "Str. Mihai Eminescu", "Str. Republicii"),
        ("Andrei", "Ioana", "Mihai", "Elena", "Ștefan", "Ana", "Radu", "Maria"),
        ("Popescu", "Ionescu", "Stan", "Dumitrescu", "Țurcanu", "Georgescu", "Munteanu", "Constantin"),
        "ro",
    ),
    CountryData(
        "ES",
        "es",
        ("Ibérica", "Mediterránea", "Levante", "Cantábrica", "Andaluza", "Castellana", "Catalana", "Gallega"),
        ("Logística", "Construcciones", "Alimentación", "Textiles", "Software", "Energías", "Vinos", "Muebles"),
        ("S.L.", "S.A.", "S.L.U."),
        (
            ("Barcelona", "08001", "Cataluña"),
            ("Madrid", "28001", "Madrid"),
            ("Valencia", "46001", "Valencia"),
            ("Sevilla", "41001", "Andalucía"),
            ("Girona", "17001", "Cataluña"),
        ),
        ("Carrer de Balmes", "Calle Mayor", "Avenida Diagonal", "Calle de Alcalá", "Gran Vía"),
        ("Jordi", "María", "Pau", "Laura", "Javier", "Núria", "Carlos", "Montserrat"),
        ("García", "Martínez", "Puig", "Fernández", "Ferrer", "López", "Vidal", "Sánchez"),
        "es",
    ),
    CountryData(
        "CN",
        "zh-hans",
        ("北京", "上海", "深圳", "杭州", "广州", "成都", "武汉", "南京"),
        ("华信科技", "长城贸易", "东方物流", "新兴制造", "蓝天软件", "金桥电子", "明德纺织", "瑞丰食品"),
        ("有限公司", "股份有限公司"),
        (
            ("北京", "100000", "北京市"),
            ("上海", "200000", "上海市"),
            ("深圳", "518000", "广东省"),
            ("杭州", "310000", "浙江省"),
            ("武汉", "430000", "湖北省"),
        ),
        ("中关村大街", "南京西路", "深南大道", "文三路", "解放大道"),
        ("伟", "芳", "娜", "敏", "静", "磊", "强", "洋"),
        ("王", "李", "张", "刘", "陈", "杨", "黄", "赵"),
        "cn",
    ),
    CountryData(
        "SK",
        "cs",
        ("Tatranská", "Dunajská", "Slovenská", "Považská"),
        ("Stavba", "Energia", "Doprava", "Potraviny"),
        ("s.r.o.", "a.s."),
        (("Bratislava", "811 01", "Bratislavský kraj"), ("Košice", "040 01", "Košický kraj")),
        ("Obchodná", "Hlavná", "Štúrova"),
        ("Peter", "Zuzana", "Martin", "Jana"),
        ("Kováč", "Horváthová", "Varga", "Tóthová"),
        "sk",
    ),
    CountryData(
        "DE",
        "en",
        ("Nord", "Süd", "Rhein", "Alpen"),
        ("Maschinenbau", "Logistik", "Software", "Handel"),
        ("GmbH", "AG"),
        (("Berlin", "10115", "Berlin"), ("München", "80331", "Bayern"), ("Hamburg", "20095", "Hamburg")),
        ("Hauptstraße", "Bahnhofstraße", "Friedrichstraße"),
        ("Anna", "Lukas", "Julia", "Felix"),
        ("Müller", "Schmidt", "Schneider", "Fischer"),
        "de",
    ),
)

GROUPS = (
    ("Velkoobchod", "Wholesale buyers"),
    ("Clienți VIP", "Top clients by revenue"),
    ("Distribuidores", "Resellers and distributors"),
    ("重点客户", "Key accounts in China"),
    ("Public sector", "Schools, towns and hospitals"),
    ("Prospects", "Not bought yet"),
)


def _ids(rng: random.Random, country: str) -> dict[str, str]:
    if country == "CZ":
        ico = cz_ico(rng)
        return {"registration_id": ico, "tax_id": f"CZ{ico}", "vat_id": f"CZ{ico}"}
    if country == "SK":
        return {"registration_id": cz_ico(rng), "vat_id": f"SK{sk_vat_digits(rng)}"}
    if country == "RO":
        cui = ro_cui_number(rng)
        register = f"J{rng.randint(1, 40):02d}/{rng.randint(100, 9999)}/{rng.randint(1995, 2024)}"
        return {"tax_id": cui, "vat_id": f"RO{cui}", "registration_id": register}
    if country == "ES":
        cif = es_cif_number(rng)
        return {"tax_id": cif, "vat_id": f"ES{cif}"}
    if country == "CN":
        return {"tax_id": cn_uscc_number(rng)}
    if country == "DE":
        return {"vat_id": de_vat_number(rng)}
    return {}


def client_rows(rng: random.Random, count: int) -> Iterator[tuple[CountryData, dict[str, Any]]]:
    """``count`` clients' field values, spread over the demo countries (CZ, RO, ES, CN first)."""
    weights = (30, 25, 20, 15, 5, 5)
    seen: set[str] = set()
    while len(seen) < count:
        data = rng.choices(COUNTRIES, weights=weights)[0]
        is_person = rng.random() < 0.1
        if is_person:
            name = f"{rng.choice(data.people_first)} {rng.choice(data.people_last)}"
            if data.code == "CN":
                name = f"{rng.choice(data.people_last)}{rng.choice(data.people_first)}"
        else:
            joiner = "" if data.code == "CN" else " "
            name = joiner.join((rng.choice(data.first), rng.choice(data.second), rng.choice(data.forms)))
        if name in seen:
            continue
        seen.add(name)
        city, postal_code, region = rng.choice(data.cities)
        slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:20] or f"client{len(seen)}"
        values: dict[str, Any] = {
            "kind": ClientKind.INDIVIDUAL if is_person else ClientKind.COMPANY,
            "name": name,
            "country": data.code,
            "currency": default_currency(data.code),
            "language": data.language,
            "email": f"info@{slug}.{data.domain}",
            "phone": phone(rng, data.code),
            "billing_street": f"{rng.choice(data.streets)} {rng.randint(1, 200)}",
            "billing_city": city,
            "billing_postal_code": postal_code,
            "billing_region": region,
            "billing_country": data.code,
            "shipping_same_as_billing": True,
        }
        if not is_person:
            values.update(_ids(rng, data.code))
            values["website"] = f"https://www.{slug}.{data.domain}"
        yield data, values


def load_demo_data(*, admin: User, clients: int = 200, seed: int = 2026) -> int:
    """A small sales team, groups, and ``clients`` clients with contacts. Returns how many clients."""
    rng = random.Random(seed)
    manager = user_create(username="marta", first_name="Marta", last_name="Horáková", manager=admin, language="cs")
    team = [
        manager,
        user_create(username="petr", first_name="Petr", last_name="Dvořák", manager=manager, language="cs"),
        user_create(username="ioana", first_name="Ioana", last_name="Popescu", manager=manager, language="ro"),
        user_create(username="lucia", first_name="Lucía", last_name="Ferrer", manager=manager, language="es"),
        user_create(username="wei", first_name="Wei", last_name="Zhang", manager=manager, language="zh-hans"),
    ]
    owner_by_language = {user.language: user for user in team[1:]}
    groups = [group_create(user=admin, name=name, description=description) for name, description in GROUPS]
    made = 0
    for data, values in client_rows(rng, clients):
        owner = owner_by_language.get(data.language, manager)
        chosen: list[ClientGroup] = rng.sample(groups, k=rng.choice((0, 1, 1, 2)))
        client = client_create(user=admin, owner=owner, values=values, groups=chosen)
        for position in range(rng.choice((0, 1, 1, 2, 3))):
            first, last = rng.choice(data.people_first), rng.choice(data.people_last)
            mailbox = "".join(c for c in last.lower() if c.isascii() and c.isalnum()) or "contact"
            contact_create(
                client=client,
                user=admin,
                values={
                    "first_name": first,
                    "last_name": last,
                    "position": rng.choice(("CEO", "CFO", "Purchasing", "Sales", "Office")),
                    "email": f"{mailbox}{position}@{values['email'].split('@')[1]}",
                    "phone": phone(rng, data.code),
                    "language": data.language,
                    "is_primary": position == 0,
                },
            )
        made += 1
    return made
