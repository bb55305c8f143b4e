"""Forms of the field settings screen: one input per language for labels and help texts."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.clients import cities
from clientela.clients.field_services import ALWAYS_SHOWN
from clientela.clients.fields import AppliesTo, FieldDefinition, FieldType, RecordType
from clientela.core.countries import country_choices
from clientela.core.languages import Language


def _slot(code: str) -> str:
    return code.replace("-", "_")


class _TextsMixin:
    """``label_<lang>`` (and ``help_<lang>``) inputs, read back as a dict by language code."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def _add_texts(self, prefix: str, initial: dict[str, str], *, long: bool = False) -> None:
        for code, language in Language.choices:
            widget = forms.Textarea(attrs={"rows": 2}) if long else forms.TextInput()
            widget.attrs["lang"] = code
            self.fields[f"{prefix}_{_slot(code)}"] = forms.CharField(
                label=language, required=False, initial=initial.get(code, ""), widget=widget
            )

    def texts(self, prefix: str) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"{prefix}_{_slot(code)}", "") for code in Language.values}

    def text_fields(self, prefix: str) -> list[Any]:
        return [self[f"{prefix}_{_slot(code)}"] for code in Language.values]  # type: ignore[index]

    @property
    def label_fields(self) -> list[Any]:
        return self.text_fields("label")

    @property
    def help_fields(self) -> list[Any]:
        return self.text_fields("help")


class FieldForm(_TextsMixin, forms.Form):
    name = forms.CharField(
        label=_("Original name"),
        max_length=50,
        help_text=_("Lower-case letters, digits and underscores; it never changes."),
    )
    field_type = forms.ChoiceField(label=_("Input type"), choices=FieldType.choices)
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    is_required = forms.BooleanField(label=_("Required"), required=False)
    is_unique = forms.BooleanField(
        label=_("Unique"),
        required=False,
        help_text=_("No two records may have the same value; empty values never clash."),
    )
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices, initial=AppliesTo.BOTH)
    sort_order = forms.IntegerField(label=_("Sort order"), required=False, help_text=_("Smaller first."))
    subordinates_may_edit = forms.BooleanField(
        label=_("Subordinates may edit"),
        required=False,
        help_text=_("If not, only the owner's superiors and administrators may change the value."),
    )
    shown_on_mobile = forms.BooleanField(
        label=_("Shown on mobile"), required=False, help_text=_("The compact form shows required fields and these.")
    )

    def __init__(self, *args: Any, definition: FieldDefinition | None = None, record_type: str = "", **kwargs: Any):
        if definition is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": definition.name,
                    "field_type": definition.field_type,
                    "is_enabled": definition.is_enabled,
                    "is_required": definition.is_required,
                    "is_unique": definition.is_unique,
                    "applies_to": definition.applies_to,
                    "sort_order": definition.sort_order,
                    "subordinates_may_edit": definition.subordinates_may_edit,
                    "shown_on_mobile": definition.shown_on_mobile,
                },
            )
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.record_type = definition.record_type if definition else record_type
        self._add_texts("label", definition.labels if definition else {})
        self._add_texts("help", definition.help_texts if definition else {}, long=True)
        if definition is not None:
            del self.fields["name"]
            if definition.is_builtin:
                self.fields["field_type"].disabled = True
                if definition.name in ALWAYS_SHOWN[RecordType(definition.record_type)]:
                    for fixed in ("is_enabled", "is_required", "applies_to"):
                        self.fields[fixed].disabled = True
        if self.record_type == RecordType.CONTACT:
            del self.fields["applies_to"]

    def settings(self) -> dict[str, Any]:
        """What the service takes: the settings that changed (all of them for a new field)."""
        data = {key: value for key, value in self.cleaned_data.items() if key in self.fields and key[:1] != "_"}
        values: dict[str, Any] = {
            key: data[key]
            for key in (
                "field_type", "is_enabled", "is_required", "is_unique", "applies_to", "sort_order",
                "subordinates_may_edit", "shown_on_mobile",
            )
            if key in data and not self.fields[key].disabled
        }  # fmt: skip
        if values.get("sort_order") is None:
            values.pop("sort_order", None)
        values["labels"] = self.texts("label")
        values["help_texts"] = self.texts("help")
        return values


class OptionForm(_TextsMixin, forms.Form):
    def __init__(self, *args: Any, labels: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_texts("label", labels or {})


class CityImportForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        available = set(cities.country_codes())
        choices = [(code, name) for code, name in country_choices() if code in available]
        self.fields["country"].choices = choices  # type: ignore[attr-defined]
