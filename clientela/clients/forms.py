"""Forms of the client pages: they read the request; the services validate the domain and save.

Fields are plain form fields (not ModelForms) because the services own normalisation: a website
typed without "https://" or a phone without a prefix is fine here and made whole by the service.
"""

import html
from typing import Any, cast

from django import forms
from django.db import models
from django.forms.utils import flatatt
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clientela.accounts.models import User
from clientela.accounts.selectors import user_team
from clientela.clients.custom_forms import (
    CustomFieldsForm,
    add_custom_filter_fields,
    apply_field_settings,
    custom_bound_fields,
    custom_filters,
    custom_values_of,
)
from clientela.clients.field_selectors import field_definition_queryset, field_definitions
from clientela.clients.fields import FieldDefinition, RecordType
from clientela.clients.models import ADDRESS_PARTS, Client, ClientKind, Contact
from clientela.clients.selectors import (
    CLIENT_SORTS,
    DEFAULT_CLIENT_SORT,
    ClientFilters,
    StatusFilter,
    group_choices,
)
from clientela.clients.services import CLIENT_FIELDS, CONTACT_FIELDS
from clientela.clients.validation import format_phone
from clientela.core.countries import country_choices, currency_choices
from clientela.core.languages import Language


def _model_field(model: type[Client] | type[Contact], name: str) -> models.Field:
    return cast(models.Field, model._meta.get_field(name))


def _label(model: type[Client] | type[Contact], name: str) -> Any:
    """The model field's translated name, capitalised lazily (it is translated per request)."""
    return capfirst(_model_field(model, name).verbose_name)


def _text(model: type[Client] | type[Contact], name: str, **kwargs: Any) -> forms.CharField:
    field = _model_field(model, name)
    kwargs.setdefault("label", _label(model, name))
    return forms.CharField(required=False, max_length=field.max_length, **kwargs)


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class QuickSelect(forms.Select):
    """A ``<select>`` written out in Python: the same markup as Django's, some 50 times cheaper.

    Django renders each option through its widget templates, which costs ~20 ms for the ~250
    countries of the list's filter: half the time of the whole list page (docs/performance.md).
    Nested choices (option groups) are left to Django.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            selected = text in chosen
            if selected and not self.allow_multiple_selected:
                chosen = set()  # as Django does: only the first option with the value is selected
            shown = label if isinstance(label, SafeData) else html.escape(str(label))
            options.append(f'\n  <option value="{html.escape(text)}"{" selected" if selected else ""}>{shown}</option>')
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{html.escape(name)}"{final_attrs}>{"".join(options)}\n</select>')  # noqa: S308


class ClientFilterForm(CustomFieldsForm):
    """The search box and filters above the client list (GET); a bad value is ignored, not an error."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    group = forms.TypedChoiceField(label=_("Group"), required=False, coerce=int, empty_value=None, widget=QuickSelect)
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=QuickSelect)
    country = forms.ChoiceField(label=_("Country"), required=False, widget=QuickSelect)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None, widget=QuickSelect)
    sort = forms.ChoiceField(label=_("Sort"), required=False, widget=QuickSelect)
    show_invalid = forms.BooleanField(label=_("Show invalid too"), required=False)

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data, label_suffix="")
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Name, id, e-mail, phone, contact…"), "autocomplete": "off"}
        )
        everything = [("", _("All"))]
        _choice(self, "group").choices = [*everything, *((group.pk, group.name) for group in group_choices())]
        _choice(self, "kind").choices = [*everything, *ClientKind.choices]
        _choice(self, "country").choices = [*everything, *country_choices()]
        _choice(self, "owner").choices = [*everything, *((member.pk, str(member)) for member in user_team(user=user))]
        _choice(self, "sort").choices = [(key, label) for key, (label, _ordering) in CLIENT_SORTS.items()]
        # Custom fields: filters, sorts and optional columns (one or two queries, whatever the page size).
        self.custom_definitions = list(
            field_definition_queryset().filter(record_type=RecordType.CLIENT, is_builtin=False, is_enabled=True)
        )  # one query while there are none (the options are fetched only for fields found)
        add_custom_filter_fields(self, self.custom_definitions)

    def filters(self) -> ClientFilters:
        """The selector's filters from whatever fields are valid."""
        if self.is_bound:
            self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ClientFilters(
            search=data.get("q") or "",
            status=StatusFilter.ALL if data.get("show_invalid") else StatusFilter.ACTIVE,
            kind=data.get("kind") or "",
            country=data.get("country") or "",
            group=data.get("group"),
            owner=data.get("owner"),
            sort=data.get("sort") or DEFAULT_CLIENT_SORT,
            **custom_filters(self),
        )

    def is_filtered(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("q", "group", "kind", "country", "owner", "show_invalid")) or bool(
            custom_filters(self)["custom"]
        )


class ClientForm(CustomFieldsForm):
    """Create or edit a client; ``version`` carries the version the user opened."""

    kind = forms.ChoiceField(label=_label(Client, "kind"), choices=ClientKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_label(Client, "name"), max_length=255)
    country = forms.ChoiceField(
        label=_label(Client, "country"),
        help_text=_("Decides how tax and company ids are checked and which currency is the default."),
    )
    tax_id = _text(Client, "tax_id")
    registration_id = _text(Client, "registration_id", help_text=_("Company id: IČO, CUI, CIF, …"))
    vat_id = _text(Client, "vat_id")
    email = _text(Client, "email", widget=forms.EmailInput)
    phone = _text(Client, "phone", widget=forms.TextInput(attrs={"type": "tel"}))
    website = _text(Client, "website")

    billing_street = _text(Client, "billing_street")
    billing_city = _text(Client, "billing_city")
    billing_postal_code = _text(Client, "billing_postal_code")
    billing_region = _text(Client, "billing_region")
    billing_country = forms.ChoiceField(label=_label(Client, "billing_country"), required=False)

    shipping_same_as_billing = forms.BooleanField(label=_("Same as billing address"), required=False)
    shipping_street = _text(Client, "shipping_street", label=_label(Client, "billing_street"))
    shipping_city = _text(Client, "shipping_city", label=_label(Client, "billing_city"))
    shipping_postal_code = _text(Client, "shipping_postal_code", label=_label(Client, "billing_postal_code"))
    shipping_region = _text(Client, "shipping_region", label=_label(Client, "billing_region"))
    shipping_country = forms.ChoiceField(label=_label(Client, "billing_country"), required=False)

    currency = forms.ChoiceField(label=_label(Client, "currency"), required=False)
    language = forms.ChoiceField(
        label=_label(Client, "language"),
        choices=Language.choices,
        help_text=_("The language of the documents and e-mails the client receives."),
    )
    owner = forms.ModelChoiceField(label=_label(Client, "owner"), queryset=User.objects.none(), empty_label=None)
    groups = forms.ModelMultipleChoiceField(
        label=_label(Client, "groups"),
        queryset=group_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Shown only with the duplicate warning (views/duplicates.py): ticked, the client is saved anyway.
    save_anyway = forms.BooleanField(label=_("Save anyway"), required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        client: Client | None = None,
        compact: bool = False,
        definitions: list[FieldDefinition] | None = None,
    ) -> None:
        initial: dict[str, Any] = {"kind": ClientKind.COMPANY, "shipping_same_as_billing": True, "owner": user.pk}
        if client is not None:
            initial = {field: getattr(client, field) for field in CLIENT_FIELDS}
            initial.update(
                phone=format_phone(client.phone),
                owner=client.owner_id,
                groups=list(client.groups.all()),
                version=client.version,
            )
        super().__init__(data, initial=initial, label_suffix="")
        countries = country_choices()
        _choice(self, "country").choices = [("", _("Choose a country")), *countries]
        for kind in ("billing", "shipping"):
            _choice(self, f"{kind}_country").choices = [("", _("Same as the client's country")), *countries]
        _choice(self, "currency").choices = [("", _("The country's currency")), *currency_choices()]
        # The current owner stays choosable even when they are no longer in the editor's team.
        owners = user_team(user=user)
        if client is not None:
            owners = owners | User.objects.filter(pk=client.owner_id)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = owners.order_by(
            "first_name", "last_name", "username"
        )
        cast(forms.ModelChoiceField, self.fields["groups"]).queryset = group_choices()
        if client is None:
            del self.fields["version"]
        self.fields["name"].widget.attrs["autocomplete"] = "organization"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        # The field settings: custom fields, labels, required, hidden, read-only, compact form.
        chosen_kind = (data.get("kind") if data is not None else None) or initial.get("kind")
        apply_field_settings(
            self,
            record_type=RecordType.CLIENT,
            definitions=definitions
            if definitions is not None
            else field_definitions(record_type=RecordType.CLIENT, enabled_only=False),
            user=user,
            owner=client.owner if client is not None else None,
            current=client.custom_fields if client is not None else None,
            kind=chosen_kind,
            compact=compact,
        )

    def values(self) -> dict[str, Any]:
        """The client fields shown (hidden ones keep their values), ready for ``client_create``/``client_update``."""
        return {field: self.cleaned_data[field] for field in CLIENT_FIELDS if field in self.cleaned_data}

    def custom_values(self) -> dict[str, Any]:
        """The custom values, by original name, for the services' ``custom_fields``."""
        return custom_values_of(self)

    def custom_fields(self) -> list[forms.BoundField]:
        return custom_bound_fields(self)

    def billing_fields(self) -> list[forms.BoundField]:
        return [self[f"billing_{part}"] for part in ADDRESS_PARTS if f"billing_{part}" in self.fields]

    def shipping_fields(self) -> list[forms.BoundField]:
        return [self[f"shipping_{part}"] for part in ADDRESS_PARTS if f"shipping_{part}" in self.fields]


class ContactForm(CustomFieldsForm):
    first_name = _text(Contact, "first_name")
    last_name = forms.CharField(label=_label(Contact, "last_name"), max_length=120)
    position = _text(Contact, "position")
    email = _text(Contact, "email", widget=forms.EmailInput)
    phone = _text(Contact, "phone", widget=forms.TextInput(attrs={"type": "tel"}))
    language = forms.ChoiceField(label=_label(Contact, "language"), choices=Language.choices)
    is_primary = forms.BooleanField(
        label=_label(Contact, "is_primary"),
        required=False,
        help_text=_("A client has one primary contact; choosing this one takes the flag from the other."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        contact: Contact | None = None,
        language: str = Language.ENGLISH,
        user: User | None = None,
        client: Client | None = None,
    ) -> None:
        initial: dict[str, Any] = {"language": language}
        if contact is not None:
            initial = {field: getattr(contact, field) for field in CONTACT_FIELDS}
            initial["phone"] = format_phone(contact.phone)
        super().__init__(data, initial=initial, label_suffix="")
        client = client or (contact.client if contact is not None else None)
        if user is not None:
            apply_field_settings(
                self,
                record_type=RecordType.CONTACT,
                definitions=field_definitions(record_type=RecordType.CONTACT, enabled_only=False),
                user=user,
                owner=client.owner if client is not None else None,
                current=contact.custom_fields if contact is not None else None,
                kind=None,
            )

    def values(self) -> dict[str, Any]:
        return {field: self.cleaned_data[field] for field in CONTACT_FIELDS if field in self.cleaned_data}

    def custom_values(self) -> dict[str, Any]:
        return custom_values_of(self)

    def custom_fields(self) -> list[forms.BoundField]:
        return custom_bound_fields(self)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=_("Optional.")
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def search(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class BulkAction(models.TextChoices):
    LOCK = "lock", _("Lock")
    UNLOCK = "unlock", _("Unlock")
    INVALIDATE = "invalidate", _("Invalidate")
    RESTORE = "restore", _("Restore")
    TRANSFER = "transfer", _("Transfer to…")


class BulkActionForm(forms.Form):
    """One action on the clients ticked in the list."""

    selected = forms.TypedMultipleChoiceField(label=_("Clients"), coerce=int, error_messages={
        "required": _("Tick at least one client first."),
    })  # fmt: skip
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    to_owner = forms.IntegerField(label=_("New owner"), required=False)

    def __init__(self, data: Any = None, *, user: User, owner_choices: list[tuple[int, str]] | None = None) -> None:
        super().__init__(data, label_suffix="")
        self.user = user
        # Any whole number is a valid choice here; visibility is checked when the clients are fetched.
        cast(forms.TypedMultipleChoiceField, self.fields["selected"]).valid_value = (  # type: ignore[method-assign]
            lambda value: str(value).isdigit()
        )
        # The list page passes the owners its filter already loaded, so rendering costs no query.
        self.owner_choices = owner_choices

    def owners(self) -> list[tuple[int, str]]:
        if self.owner_choices is None:
            self.owner_choices = [(member.pk, str(member)) for member in user_team(user=self.user)]
        return self.owner_choices

    def clean_to_owner(self) -> User | None:
        pk = self.cleaned_data.get("to_owner")
        if pk is None:
            return None
        owner = user_team(user=self.user).filter(pk=pk).first()
        if owner is None:
            raise forms.ValidationError(_("You can only give clients to yourself or to people in your team."))
        return owner

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("action") == BulkAction.TRANSFER
            and not cleaned.get("to_owner")
            and "to_owner" not in self.errors
        ):
            self.add_error("to_owner", _("Choose who gets the clients."))
        return cleaned
