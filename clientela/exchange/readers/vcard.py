"""vCard files (2.1, 3.0, 4.0) as rows under ``VCARD_HEADERS`` and the cards' X-CLIENTELA-* properties:
vobject parses the lines the text reader decodes, the cards are put together here, and of several e-mails, phones
or addresses the preferred one is kept. Writing vCards is ``clientela.exchange.vcard``'s job.
"""

import binascii
import pathlib
import re
from collections.abc import Callable, Generator, Iterator
from typing import Any

import vobject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.exchange.readers.common import ImportFileError, Table, _file_gone, _Limits
from clientela.exchange.readers.text import _LineTooLong, _text_lines, _undecodable, _UndecodableText

# vCards become rows under these headers, in English on purpose: the mapping step recognises them.
VCARD_HEADERS = [
    "Full name",
    "First name",
    "Last name",
    "Organization",
    "Title",
    "E-mail",
    "Phone",
    "Website",
    "Street",
    "City",
    "Region",
    "Postal code",
    "Country",
    "Note",
    "Kind",
    "UID",
]
VCARD_CUSTOM_PREFIX = "X-CLIENTELA-"


# vCard -------------------------------------------------------------------------------------------


def _open_vcf(path: pathlib.Path, *, codec: str, limits: _Limits) -> Table:
    """Reads every card once: a broken card is refused now, and the X-CLIENTELA-* columns are known."""
    custom: dict[str, None] = {}
    count = 0
    for _number, card in _cards(path, codec):
        count += 1
        for name in card:
            if name.startswith(VCARD_CUSTOM_PREFIX):
                custom[name] = None
    if not count:
        raise ImportFileError(_("The file holds no vCard: there is nothing to import."), code="empty")
    headers = [*VCARD_HEADERS, *custom]
    if len(headers) > limits.max_columns:
        raise ImportFileError(
            ngettext(
                "The cards have %(count)d different field; an import takes at most %(limit)d columns.",
                "The cards have %(count)d different fields; an import takes at most %(limit)d columns.",
                len(headers),
            )
            % {"count": len(headers), "limit": limits.max_columns},
            code="too_many_columns",
        )

    def raw_rows() -> Generator[tuple[int, list[str]], None, None]:
        yield 0, list(headers)
        for number, card in _cards(path, codec):
            yield number, _card_cells(card, headers)

    return Table(
        format="vcf",
        encoding=codec,
        delimiter="",
        sheets=[],
        sheet="",
        header_row=0,
        headers=headers,
        _raw_rows=raw_rows,
    )


class _LineReader:
    """The ``readline()`` vobject's line reader calls, over lines decoded as they are read."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def readline(self) -> str:
        return next(self._lines, "")


_Card = dict[str, list[Any]]  # property name (upper case) → its vobject ContentLines, in file order


def _cards(path: pathlib.Path, codec: str) -> Iterator[tuple[int, _Card]]:
    """Each card of the file, numbered from 1, read one at a time.

    vobject unfolds the lines, parses each and decodes quoted-printable values in their CHARSET
    (``allowQP``), but the cards are put together here: its own reader runs every value through its
    text conversion, which cuts a value at the first comma vCard 2.1 writers (Outlook) do not escape,
    and decodes photos nobody asked for. A card nested in another (2.1's AGENT) is skipped.
    """
    lines = vobject.base.getLogicalLines(_LineReader(_text_lines(path, codec)), allowQP=True)
    number = 0
    depth = 0
    card: _Card = {}
    while True:
        current = number if depth else number + 1  # the card an error is in
        logical: tuple[str, int] | None = None
        try:
            logical = next(lines, None)
            if logical is None:
                break
            line = vobject.base.textLineToContentLine(*logical)
        except _UndecodableText as problem:
            raise _undecodable(current, codec, is_card=True) from problem.error
        except _LineTooLong as problem:
            raise _broken_card(current, problem.args[0]) from problem
        except vobject.base.VObjectError as error:
            raise _broken_card(current, getattr(error, "lineNumber", None)) from error
        except (ValueError, LookupError, UnicodeError, binascii.Error) as error:
            # A quoted-printable value that does not decode in its CHARSET, or an unknown CHARSET.
            raise _broken_card(current, logical[1] if logical else None) from error
        except OSError as error:
            raise _file_gone() from error
        name = str(line.name).upper()
        if name == "BEGIN":
            if not depth and str(line.value).strip().upper() != "VCARD":
                raise _not_a_card(current)
            if not depth:
                number, card = number + 1, {}
            depth += 1
        elif name == "END":
            if not depth:
                raise _not_a_card(current)
            depth -= 1
            if not depth:
                yield number, card
        elif not depth:
            raise _not_a_card(current)
        elif depth == 1:
            card.setdefault(name, []).append(line)
    if depth:
        raise ImportFileError(
            _(
                "Card %(number)d has no END:VCARD line: the file looks cut off. "
                "Export the contacts again and upload the whole file."
            )
            % {"number": number},
            code="invalid_vcard",
        )


def _not_a_card(number: int) -> ImportFileError:
    return ImportFileError(
        _("Card %(number)d does not start with BEGIN:VCARD; this is not a vCard file.") % {"number": number},
        code="invalid_vcard",
    )


def _broken_card(number: int, line: int | None) -> ImportFileError:
    if line:
        message = _(
            "Card %(number)d cannot be read: line %(line)d of the file is not a valid vCard line. "
            "Export the contacts again, or fix that line."
        ) % {"number": number, "line": line}
    else:
        message = _("Card %(number)d cannot be read: it is not a valid vCard. Export the contacts again.") % {
            "number": number
        }
    return ImportFileError(message, code="invalid_vcard")


def _card_cells(lines: _Card, headers: list[str]) -> list[str]:
    """A card's values under the vCard headers; of several e-mails, phones or addresses, the preferred."""

    def text(name: str) -> str:
        found = lines.get(name)
        return _unescaped(found[0].value) if found else ""

    def parts(name: str, count: int, *, preferred: bool = False) -> list[str]:
        found = lines.get(name)
        values = _split_parts(_best(found).value if preferred else found[0].value) if found else []
        return (values + [""] * count)[:count]

    family, given = parts("N", 2)
    organization = parts("ORG", 1)[0]
    _box, extended, street, city, region, code, country = parts("ADR", 7, preferred=True)
    phone = _best(lines["TEL"]).value if lines.get("TEL") else ""
    values = {
        "Full name": text("FN"),
        "First name": given,
        "Last name": family,
        "Organization": organization,
        "Title": text("TITLE"),
        "E-mail": _unescaped(_best(lines["EMAIL"]).value) if lines.get("EMAIL") else "",
        "Phone": re.sub(r"^tel:", "", _unescaped(phone), flags=re.IGNORECASE),
        "Website": _unescaped(_best(lines["URL"]).value) if lines.get("URL") else "",
        "Street": ", ".join(part for part in (street, extended) if part.strip()),
        "City": city,
        "Region": region,
        "Postal code": code,
        "Country": country,
        "Note": "\n".join(_unescaped(line.value) for line in lines.get("NOTE", [])),
        "Kind": _card_kind(lines, text, organization=organization, has_name=bool(given.strip() or family.strip())),
        "UID": text("UID"),
    }
    for header in headers[len(VCARD_HEADERS) :]:
        values[header] = text(header)
    return [values.get(header, "") for header in headers]


def _card_kind(lines: dict[str, list[Any]], text: Callable[[str], str], *, organization: str, has_name: bool) -> str:
    """What the card is, "org" or "individual": KIND (4.0), else Apple's company flag, else ORG without a name."""
    kind = (text("KIND") or text("X-ADDRESSBOOKSERVER-KIND")).strip().lower()
    if kind in {"org", "organization"}:
        return "org"
    if kind:
        return kind  # "individual", or a group or location card that the mapping step can skip
    if text("X-ABSHOWAS").strip().upper() == "COMPANY":
        return "org"
    return "org" if organization.strip() and not has_name else "individual"


def _best(lines: list[Any]) -> Any:
    """The line marked preferred (TYPE=pref, 2.1's bare PREF, 4.0's lowest PREF=n), else a work one, else the first."""

    def rank(item: tuple[int, Any]) -> tuple[int, int, int]:
        position, line = item
        types = {
            value.strip().lower()
            for values in line.params.get("TYPE", [])
            for value in str(values).split(",")
            if value.strip()
        } | {str(param).lower() for param in getattr(line, "singletonparams", [])}
        preference = 101
        for value in line.params.get("PREF", []):
            preference = int(value) if str(value).isdigit() else 1
        if "pref" in types:
            preference = min(preference, 1)
        return (preference, 0 if "work" in types else 1, position)

    return min(enumerate(lines), key=rank)[1]


def _unescaped(value: object) -> str:
    """A vCard text value as written: \\n is a line break, \\, \\; \\\\ the character itself."""
    if not isinstance(value, str):
        return ""
    return re.sub(r"\\(.)", lambda match: "\n" if match.group(1) in "nN" else match.group(1), value)


def _split_parts(value: object) -> list[str]:
    """A structured value (N, ADR, ORG) split on its unescaped semicolons, each part unescaped."""
    if not isinstance(value, str):
        return []
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            parts.append(_unescaped("".join(current)))
            current = []
        else:
            current.append(char)
    parts.append(_unescaped("".join(current)))
    return parts
