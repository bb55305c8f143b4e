"""A client as a PDF in the reader's language: its data, contacts, groups and a summary of its history.

fpdf2 lays it out (pure Python, no system library). The text is gathered first, so the fonts can be
cut down to it before they are embedded (see ``fonts`` and docs/decisions/0004-pdf-rendering.md).
"""

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos

from clientela.accounts.models import User
from clientela.clients import record_fields
from clientela.clients.fields import RecordType
from clientela.clients.models import Client
from clientela.clients.selectors import client_history
from clientela.clients.templatetags.client_format import history_value, language_name
from clientela.clients.validation import format_phone
from clientela.core.countries import country_name, currency_name
from clientela.exchange.fonts import BOLD, CHINESE, LATIN, REGULAR, static_font

CONTENT_TYPE = "application/pdf"
HISTORY_ENTRIES = 10  # the summary: the latest changes; the full log is on the client's page
CHANGES_PER_ENTRY = 4

_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (31, 78, 121)
_WARNING = (156, 66, 33)
_RULE = (206, 212, 218)
_HEADING_FILL = (237, 242, 247)


@dataclass
class _Table:
    heading: str
    columns: list[str]
    widths: tuple[int, ...]
    rows: list[list[str]]
    empty: str = ""  # said instead of the table when it has no rows
    note: str = ""  # said below it


@dataclass
class _Content:
    """Everything the PDF says, in the active language, before it is laid out."""

    title: str
    subtitle: list[str]
    warning: str
    facts_heading: str
    facts: list[tuple[str, str]]
    tables: list[_Table]
    footer: str
    page_label: str = field(default="")

    def text(self) -> str:
        parts = [self.title, *self.subtitle, self.warning, self.facts_heading, self.footer, self.page_label]
        parts += [part for fact in self.facts for part in fact]
        for table in self.tables:
            parts += [table.heading, *table.columns, table.empty, table.note]
            parts += [cell for row in table.rows for cell in row]
        return "".join(parts)


class _Document(FPDF):
    content: _Content

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("sans", "", 8)
        self.set_text_color(*_MUTED)
        width = self.w - self.l_margin - self.r_margin
        self.cell(width / 2, 5, self.content.footer, align="L")
        self.cell(width / 2, 5, self.content.page_label % {"page": self.page_no(), "pages": "{nb}"}, align="R")


def client_pdf(client: Client, *, user: User) -> bytes:
    """The client's record as a PDF, labelled and formatted in the active language."""
    content = _content(client, user)
    with tempfile.TemporaryDirectory(prefix="clientela-pdf-") as directory:
        pdf = _document(content, Path(directory))
        _title(pdf, content)
        _heading(pdf, content.facts_heading)
        _fact_table(pdf, content.facts)
        for table in content.tables:
            _table(pdf, table)
        return bytes(pdf.output())


# What it says ------------------------------------------------------------------------------------


def _content(client: Client, user: User) -> _Content:
    subtitle = [
        " · ".join([_("Client record"), client.get_kind_display(), client.get_status_display()]),
        _("Exported %(date)s by %(user)s") % {"date": _when(timezone.now()), "user": user},
    ]
    return _Content(
        title=client.name,
        subtitle=subtitle,
        warning="" if client.is_active else _("This client is invalid: it is left out of lists and search."),
        facts_heading=_("Legal and contact data"),
        facts=_facts(client),
        tables=[_contacts(client), _history(client)],
        footer=f"Clientela · {client.name}",
        page_label=_("Page %(page)s of %(pages)s"),
    )


def _when(moment: datetime | None) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


def _grouped(number: int) -> str:
    """A count as the reader's language writes it (1 234 in Czech, 1,234 in English)."""
    return number_format(number, force_grouping=True)


def _user(user: User | None) -> str:
    return str(user) if user is not None else _("the system")


def _address_text(address: dict[str, str], client_country: str) -> str:
    lines = [
        address["street"],
        " ".join(part for part in (address["postal_code"], address["city"]) if part),
        address["region"],
        country_name(address["country"]) if address["country"] and address["country"] != client_country else "",
    ]
    return "\n".join(line for line in lines if line) or _("Not given")


def _facts(client: Client) -> list[tuple[str, str]]:
    shipping = (
        _("Same as billing")
        if client.shipping_same_as_billing
        else _address_text(client.address("shipping"), client.country)
    )
    facts = [
        (_("Tax id"), client.tax_id),
        (_("Registration id"), client.registration_id),
        (_("VAT id"), client.vat_id),
        (_("E-mail"), client.email),
        (_("Phone"), format_phone(client.phone) if client.phone else ""),
        (_("Website"), client.website),
        (_("Billing address"), _address_text(client.address("billing"), client.country)),
        (_("Shipping address"), shipping),
        (_("Country"), country_name(client.country)),
        (_("Currency"), f"{client.currency} · {currency_name(client.currency)}" if client.currency else ""),
        (_("Language"), language_name(client.language)),
        (_("Owner"), str(client.owner)),
        (_("Groups"), ", ".join(group.name for group in client.groups.all()) or _("None")),
        # Custom values, labelled and formatted in the reader's language.
        *_custom_facts(client),
        (_("Created"), f"{_when(client.created_at)} · {_user(client.created_by)}"),
        (_("Last changed"), f"{_when(client.updated_at)} · {_user(client.updated_by)}"),
        (_("Version"), _grouped(client.version)),
    ]
    return [(label, value) for label, value in facts if value]


def _custom_facts(client: Client) -> list[tuple[str, str]]:
    if not client.custom_fields:
        return []
    fields = record_fields.definitions(RecordType.CLIENT)
    return [(item["label"], item["text"]) for item in record_fields.displayed_values(client.custom_fields, fields)]


def _contacts(client: Client) -> _Table:
    contacts = list(client.contacts.all())
    rows = []
    for contact in contacts:
        name = f"{contact}\n({_('primary contact')})" if contact.is_primary else str(contact)
        phone = format_phone(contact.phone) if contact.phone else ""
        rows.append([name, contact.position, contact.email, phone, language_name(contact.language)])
    return _Table(
        heading=f"{_('Contacts')} ({_grouped(len(contacts))})",
        columns=[_("Name"), _("Position"), _("E-mail"), _("Phone"), _("Language")],
        widths=(26, 20, 28, 20, 16),
        rows=rows,
        empty=_("No contacts yet."),
    )


def _history(client: Client) -> _Table:
    entries = client_history(client=client, limit=HISTORY_ENTRIES)
    record_fields.readable_custom_changes(entries)
    total = client.history_entries.count()
    note = ""
    if total > len(entries):
        note = _("The latest %(shown)s of %(total)s changes; the client's page shows them all.") % {
            "shown": _grouped(len(entries)),
            "total": _grouped(total),
        }
    return _Table(
        heading=_("Recent changes"),
        columns=[_("When"), _("Who"), _("What"), _("Changes")],
        widths=(20, 20, 18, 52),
        rows=[
            [_when(entry["date"]), _user(entry["user"]), entry["reason"], _changes_text(entry["changes"])]
            for entry in entries
        ],
        note=note,
    )


def _changes_text(changes: list[dict[str, Any]]) -> str:
    lines = [
        f"{change['label']}: {history_value(change['old'], change['field'])} → "
        f"{history_value(change['new'], change['field'])}"
        for change in changes[:CHANGES_PER_ENTRY]
    ]
    if len(changes) > CHANGES_PER_ENTRY:
        lines.append(_("and %(count)s more") % {"count": _grouped(len(changes) - CHANGES_PER_ENTRY)})
    return "\n".join(lines)


# How it looks ------------------------------------------------------------------------------------


def _document(content: _Content, font_directory: Path) -> _Document:
    pdf = _Document(format="A4", unit="mm")
    pdf.content = content
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    text = content.text()
    pdf.add_font("sans", "", static_font(LATIN, REGULAR, text=text, directory=font_directory))
    pdf.add_font("sans", "B", static_font(LATIN, BOLD, text=text, directory=font_directory))
    # One Chinese weight is enough: bold Chinese text is set in the regular weight (exact_match=False).
    pdf.add_font("cjk", "", static_font(CHINESE, REGULAR, text=text, directory=font_directory))
    pdf.set_fallback_fonts(["cjk"], exact_match=False)
    pdf.set_title(content.title)
    pdf.set_subject(_("Client record"))
    pdf.set_creator("Clientela")
    pdf.set_lang(get_language() or "en")
    pdf.add_page()
    return pdf


def _title(pdf: _Document, content: _Content) -> None:
    pdf.set_text_color(*_INK)
    pdf.set_font("sans", "B", 18)
    pdf.multi_cell(0, 9, content.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("sans", "", 9)
    pdf.set_text_color(*_MUTED)
    for line in content.subtitle:
        pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if content.warning:
        pdf.set_text_color(*_WARNING)
        pdf.multi_cell(0, 5, content.warning, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _heading(pdf: _Document, text: str) -> None:
    if pdf.will_page_break(22):  # a heading never ends a page alone
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font("sans", "B", 11.5)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 6.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)
    pdf.set_text_color(*_INK)


def _fact_table(pdf: _Document, rows: list[tuple[str, str]]) -> None:
    pdf.set_font("sans", "", 9)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=(26, 74),
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=4.4,
        padding=(0.7, 1.5),
        text_align="LEFT",
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=FontFace(color=_MUTED))
            row.cell(value)


def _muted_line(pdf: _Document, text: str) -> None:
    pdf.set_font("sans", "", 9)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)


def _table(pdf: _Document, content: _Table) -> None:
    _heading(pdf, content.heading)
    if not content.rows:
        _muted_line(pdf, content.empty)
        return
    pdf.set_font("sans", "", 9)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=content.widths,
        headings_style=FontFace(emphasis="BOLD", color=_INK, fill_color=_HEADING_FILL),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=4.4,
        padding=(0.7, 1.5),
        text_align="LEFT",
        repeat_headings=1,
    ) as table:
        heading_row = table.row()
        for heading in content.columns:
            heading_row.cell(heading)
        for values in content.rows:
            row = table.row()
            for value in values:
                row.cell(value)
    if content.note:
        pdf.ln(1)
        _muted_line(pdf, content.note)
