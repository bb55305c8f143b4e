"""The field settings in the client and contact forms: custom fields added, built-in ones adjusted.

``apply_field_settings`` adds one form field per enabled custom field (named ``cf_<name>``, with the
widget of its type), relabels built-in fields, marks required ones, drops hidden ones, and makes the
fields the user may not change read-only. The services check everything again: this only shapes the
page. The compact (mobile) form keeps required fields and those marked for mobile.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.accounts.models import User
from clientela.clients.custom_values import may_change_restricted
from clientela.clients.field_services import ALWAYS_SHOWN
from clientela.clients.fields import AppliesTo, FieldDefinition, FieldType, RecordType, first_text, translated
from clientela.clients.record_fields import PREFIX

# Built-in form fields that stand for several model fields, or none: never dropped or relabelled here.
_KEEP = {"version", "save_anyway", "shipping_same_as_billing"}


def _options(definition: FieldDefinition, current: Any) -> list[tuple[str, str]]:
    had = set(current if isinstance(current, list) else [current] if current else [])
    return [
        (option.key, option.label)
        for option in definition.options.all()
        if not option.is_retired or option.key in had  # a retired option stays where it is chosen
    ]


def custom_form_field(definition: FieldDefinition, current: Any) -> forms.Field:
    """The form field of one custom field."""
    field_type = definition.field_type
    common: dict[str, Any] = {"label": definition.label, "help_text": definition.help_text, "required": False}
    if field_type == FieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), strip=False, **common)
    if field_type == FieldType.INTEGER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "1"}), **common)
    if field_type == FieldType.DECIMAL:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if field_type == FieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field_type == FieldType.BOOLEAN:
        return forms.BooleanField(**common)
    if field_type == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *_options(definition, current)], **common)
    if field_type == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=_options(definition, current), widget=forms.CheckboxSelectMultiple, **common
        )
    widget: forms.Widget = forms.TextInput()
    if field_type == FieldType.EMAIL:
        widget = forms.EmailInput()
    elif field_type == FieldType.PHONE:
        widget = forms.TextInput(attrs={"type": "tel"})
    elif field_type == FieldType.URL:
        widget = forms.URLInput()
    return forms.CharField(widget=widget, **common)


class CustomFieldsForm(forms.Form):
    """A form that carries custom fields: ``custom_definitions`` are the fields it holds, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.custom_definitions: list[FieldDefinition] = []


def apply_field_settings(
    form: CustomFieldsForm,
    *,
    record_type: str,
    definitions: list[FieldDefinition],
    user: User,
    owner: User | None,
    current: dict[str, Any] | None,
    kind: str | None,
    compact: bool = False,
) -> None:
    """Shape ``form`` by the field settings (see the module's docstring); ``current`` None on create."""
    restricted_closed = current is not None and not may_change_restricted(user=user, owner=owner)
    always = ALWAYS_SHOWN[RecordType(record_type)]
    form.custom_definitions = []
    for definition in definitions:
        name = definition.name if definition.is_builtin else f"{PREFIX}{definition.name}"
        if definition.is_builtin and (name not in form.fields or name in _KEEP):
            continue
        shown = definition.is_enabled and (
            not compact or definition.is_required or definition.shown_on_mobile or definition.name in always
        )
        if not shown:
            form.fields.pop(name, None)
            continue
        if not definition.is_builtin:
            value = (current or {}).get(definition.name)
            form.fields[name] = custom_form_field(definition, value)
            if current is not None and value is not None:
                form.initial[name] = value
            form.custom_definitions.append(definition)
        field = form.fields[name]
        if definition.is_builtin:
            label = translated(definition.labels) or (first_text(definition.labels) if definition.labels else "")
            if label:
                field.label = label
            if definition.help_text:
                field.help_text = definition.help_text
        if definition.is_required and definition.field_type != FieldType.BOOLEAN:
            # A field that does not apply to the client's kind is not required of it.
            field.required = definition.applies_to_kind(kind)
        if definition.applies_to != AppliesTo.BOTH:
            field.widget.attrs["data-applies-to"] = definition.applies_to
        if restricted_closed and not definition.subordinates_may_edit:
            field.disabled = True
            field.help_text = " ".join(
                str(text) for text in (field.help_text, _("Only the owner's superiors can change this.")) if text
            )


def custom_values_of(form: CustomFieldsForm) -> dict[str, Any]:
    """The custom values the user could change, by original name, for the services."""
    values = {}
    for definition in form.custom_definitions:
        name = f"{PREFIX}{definition.name}"
        if name in form.fields and not form.fields[name].disabled:
            values[definition.name] = form.cleaned_data.get(name)
    return values


def custom_bound_fields(form: CustomFieldsForm) -> list[forms.BoundField]:
    """The form's custom fields in sort order, for the template."""
    return [form[f"{PREFIX}{d.name}"] for d in form.custom_definitions]


# The client list's filter form ------------------------------------------------------------------------


def add_custom_filter_fields(form: forms.Form, definitions: list[FieldDefinition]) -> None:
    """A filter per custom field, its sorts, and the choice of extra columns (see custom_list)."""
    from clientela.clients import custom_list

    for d in custom_list.filterable(definitions):
        name = f"{custom_list.PREFIX}{d.name}"
        common: dict[str, Any] = {"label": d.label, "required": False}
        if d.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            options = [(option.key, option.label) for option in d.options.all()]
            form.fields[name] = forms.ChoiceField(choices=[("", _("All")), *options], **common)
        elif d.field_type == FieldType.BOOLEAN:
            form.fields[name] = forms.ChoiceField(
                choices=[("", _("All")), ("yes", _("Yes")), ("no", _("No"))], **common
            )
        elif d.field_type in custom_list.TEXT_TYPES:
            form.fields[name + custom_list.CONTAINS] = forms.CharField(
                widget=forms.TextInput(attrs={"placeholder": _("contains…")}), max_length=200, **common
            )
        else:
            form.fields[name] = forms.CharField(
                widget=forms.TextInput(attrs={"placeholder": _("5, or a range 5..10")}), max_length=100, **common
            )
    sort = form.fields["sort"]
    sort.choices = [*sort.choices, *custom_list.sort_choices(definitions)]  # type: ignore[attr-defined]
    if definitions:
        form.fields["columns"] = forms.MultipleChoiceField(
            label=_("Columns"),
            required=False,
            choices=[(d.name, d.label) for d in definitions if d.is_enabled],
            widget=forms.CheckboxSelectMultiple,
        )
        # Sent with every filter change: tells "no extra columns" apart from "columns not given".
        form.fields["columns_set"] = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")


def custom_filters(form: CustomFieldsForm) -> dict[str, Any]:
    """The selector's custom filters and custom sort from a bound filter form."""
    from clientela.clients import custom_list

    definitions = form.custom_definitions
    data = form.data if form.is_bound else {}
    filters = custom_list.parse_filters(data, definitions)
    sort = str(data.get("sort") or "")
    return {"custom": filters, "custom_sort": custom_list.sort_definition(sort, definitions)}


def chosen_columns(form: CustomFieldsForm, session: Any) -> list[FieldDefinition]:
    """The custom fields shown as extra list columns: as chosen now, else as last chosen (in the session)."""
    definitions = form.custom_definitions
    if not definitions:
        return []
    key = "clients.list.columns"
    if form.is_bound and "columns_set" in form.data:
        data: Any = form.data
        names = [name for name in data.getlist("columns") if any(d.name == name for d in definitions)]
        if session.get(key) != names:
            session[key] = names
    else:
        names = session.get(key, [])
        form.initial["columns"] = names
    return [d for d in definitions if d.name in names]
