"""The import wizard's forms: the upload, how to read the file, and what goes where."""

from typing import Any

from django import forms
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from clientela.exchange import columns as cols
from clientela.exchange.models import EmptyCells, ImportJob, ImportMapping, ImportMode
from clientela.exchange.readers import DELIMITERS, ENCODINGS
from clientela.exchange.services import match_key_choices

_DELIMITER_NAMES = {",": _("Comma (,)"), ";": _("Semicolon (;)"), "\t": _("Tab"), "|": _("Vertical bar (|)")}
_PART_NAMES = {
    cols.Part.RECORD: _("For matching only"),
    cols.Part.CLIENT: _("Client"),
    cols.Part.RELATION: _("Client"),
    cols.Part.CUSTOM: _("Custom fields"),
    cols.Part.CONTACT: _("Contact person"),
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (any delimiter and encoding), Excel workbook (XLSX) or vCard (.vcf)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.vcf,.vcard"}),
    )


class ReadSettingsForm(forms.Form):
    """How to read the file: detected on upload, changed here when the detection is wrong."""

    encoding = forms.ChoiceField(label=_("Encoding"), required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), required=False)
    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    header_row = forms.TypedChoiceField(label=_("Header row"), coerce=int, required=False, empty_value=None)

    def __init__(self, data: Any = None, *, job: ImportJob) -> None:
        super().__init__(data, initial=self._initial(job), label_suffix="")
        self.job = job
        encodings = [(codec, gettext_now(label)) for codec, label in ENCODINGS]
        if job.encoding and job.encoding not in dict(ENCODINGS):
            encodings.append((job.encoding, job.encoding))  # what detection found, though not offered
        self.fields["encoding"].choices = [("", _("Detect")), *encodings]  # type: ignore[attr-defined]
        self.fields["delimiter"].choices = [  # type: ignore[attr-defined]
            ("", _("Detect")),
            *((d, _DELIMITER_NAMES.get(d, d)) for d in DELIMITERS),
        ]
        self.fields["sheet"].choices = [(name, name) for name in job.sheets]  # type: ignore[attr-defined]
        self.fields["header_row"].choices = [  # type: ignore[attr-defined]
            (index, _("Row %(number)d") % {"number": index + 1}) for index in range(max(len(job.preview), 1))
        ]

    @staticmethod
    def _initial(job: ImportJob) -> dict[str, Any]:
        return {"encoding": job.encoding, "delimiter": job.delimiter, "sheet": job.sheet, "header_row": job.header_row}

    @property
    def shows_text_settings(self) -> bool:
        return self.job.format != "xlsx"


class OptionsForm(forms.Form):
    """Each column's field, the keys that find a row's client, and what to do with matches and empty cells."""

    match_keys = forms.MultipleChoiceField(
        label=_("Find the client a row is about by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("In this order; the first key the row has a value for and that finds a client decides."),
    )
    mode = forms.ChoiceField(label=_("What to do with the rows"), choices=ImportMode.choices, widget=forms.RadioSelect)
    empty_cells = forms.ChoiceField(
        label=_("An empty cell in a row that updates a client"), choices=EmptyCells.choices, widget=forms.RadioSelect
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"), required=False, help_text=_("Import nothing if any row is rejected.")
    )
    save_mapping_as = forms.CharField(
        label=_("Save these columns as"),
        required=False,
        max_length=100,
        help_text=_("A name, to use the same columns for the next file from the same system."),
    )

    def __init__(self, data: Any = None, *, job: ImportJob) -> None:
        super().__init__(data, label_suffix="")
        self.job = job
        self.fields["match_keys"].choices = match_key_choices()  # type: ignore[attr-defined]
        self.initial.update(
            {
                "match_keys": job.match_keys,
                "mode": job.mode,
                "empty_cells": job.empty_cells,
                "all_or_nothing": job.all_or_nothing,
            }
        )
        choices = _target_choices()
        samples = _samples(job)
        self.column_names: list[str] = []
        for index, header in enumerate(job.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=header or "—", choices=choices, required=False)
            self.fields[name].samples = samples[index]  # type: ignore[attr-defined]
            self.initial[name] = job.mapping[index] if index < len(job.mapping) else ""
            self.column_names.append(name)

    @property
    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.column_names]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(name) or "" for name in self.column_names]


def _target_choices() -> list[Any]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for column in cols.client_columns():
        if column.importable:
            grouped.setdefault(str(_PART_NAMES[column.part]), []).append((column.key, column.label))
    return [("", _("— not imported —")), *grouped.items()]


def _samples(job: ImportJob) -> list[list[str]]:
    """Up to three values of each column from the rows below the header, to show what it holds."""
    rows = job.preview[job.header_row + 1 :]
    samples: list[list[str]] = [[] for _header in job.headers]
    for row in rows:
        for index, value in enumerate(row[: len(job.headers)]):
            if value and len(samples[index]) < 3:
                samples[index].append(value[:60])
    return samples


class SavedMappingForm(forms.Form):
    mapping = forms.ModelChoiceField(label=_("Use saved columns"), queryset=ImportMapping.objects.none())

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, label_suffix="")
        self.fields["mapping"].queryset = ImportMapping.objects.all()  # type: ignore[attr-defined]
