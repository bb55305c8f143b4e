"""The field settings screen (administrators): fields of clients and contacts, their options and order."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.accounts.permissions import admin_required
from clientela.clients import field_services
from clientela.clients.field_forms import CityImportForm, FieldForm, OptionForm
from clientela.clients.field_selectors import field_definitions, get_field_definition, get_field_option
from clientela.clients.fields import FieldDefinition, RecordType
from clientela.clients.views import AuthenticatedRequest, _render
from clientela.core.errors import DomainError


def _add_error(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            if field == "labels":
                target = "label_en"
            form.add_error(target, errors)
    else:
        form.add_error(None, error)


def _record_type(value: str) -> str:
    return value if value in RecordType.values else RecordType.CLIENT


@admin_required
def field_list(request: AuthenticatedRequest) -> HttpResponse:
    sections = [
        (record_type, label, field_definitions(record_type=record_type, enabled_only=False))
        for record_type, label in RecordType.choices
    ]
    return _render(request, "clients/fields.html", {"sections": sections, "section": "fields"})


@admin_required
def field_create(request: AuthenticatedRequest) -> HttpResponse:
    record_type = _record_type(request.GET.get("record_type", ""))
    form = FieldForm(request.POST or None, record_type=record_type)
    if request.method == "POST" and form.is_valid():
        try:
            definition = field_services.field_create(
                actor=request.user, record_type=record_type, name=form.cleaned_data["name"], **form.settings()
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("The field “%(label)s” was added.") % {"label": definition.label})
            if definition.has_options:
                return redirect("fields:options", pk=definition.pk)
            return redirect("fields:list")
    return _render(request, "clients/fields_form.html", {"form": form, "record_type": record_type})


@admin_required
def field_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    definition = get_field_definition(pk=pk)
    form = FieldForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            field_services.field_update(actor=request.user, field=definition, **form.settings())
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("The field “%(label)s” was saved.") % {"label": definition.label})
            return redirect("fields:list")
    context = {"form": form, "definition": definition, "record_type": definition.record_type}
    return _render(request, "clients/fields_form.html", context)


@admin_required
def field_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    definition = get_field_definition(pk=pk)
    if request.method == "POST":
        try:
            count = field_services.field_delete(actor=request.user, field=definition)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "The field “%(label)s” was deleted, with its value on %(count)d record.",
                    "The field “%(label)s” was deleted, with its values on %(count)d records.",
                    count,
                )
                % {"label": definition.label, "count": count},
            )
        return redirect("fields:list")
    context = {"definition": definition, "count": field_services.value_count(definition)}
    return _render(request, "clients/fields_confirm_delete.html", context)


def _ids(request: AuthenticatedRequest) -> list[int]:
    raw: list[Any] = []
    if request.content_type == "application/json":
        try:
            raw = json.loads(request.body or b"{}").get("ids", [])
        except (ValueError, AttributeError):
            raw = []
    else:
        raw = request.POST.getlist("ids")
    try:
        return [int(value) for value in raw]
    except (TypeError, ValueError):
        return []


def _moved(ids: list[int], pk: int, direction: str) -> list[int]:
    if pk not in ids:
        return ids
    index = ids.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return ids


@admin_required
@require_POST
def field_reorder(request: AuthenticatedRequest) -> HttpResponse:
    """Drag and drop posts the new order (``ids``); without JavaScript, up/down buttons post ``move``."""
    record_type = _record_type(request.POST.get("record_type", ""))
    ids = _ids(request)
    if "move" in request.POST:
        pk = int(request.POST.get("move") or 0)
        ids = _moved([d.pk for d in field_definitions(record_type=record_type, enabled_only=False)], pk,
                     request.POST.get("direction", "up"))  # fmt: skip
    try:
        field_services.field_reorder(actor=request.user, record_type=record_type, ordered_ids=ids)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.htmx or request.headers.get("x-requested-with") == "fetch":
        return HttpResponse(status=204)
    return redirect(f"{_list_url()}#fields-{record_type}")


def _list_url() -> str:
    from django.urls import reverse

    return reverse("fields:list")


def _options_page(request: AuthenticatedRequest, definition: FieldDefinition, **forms: Any) -> HttpResponse:
    options = list(definition.options.all())
    context = {
        "definition": definition,
        "options": [(option, OptionForm(labels=option.labels, prefix=f"option-{option.pk}")) for option in options],
        "add_form": forms.get("add_form") or OptionForm(prefix="new"),
        "city_form": forms.get("city_form") or CityImportForm(),
    }
    return _render(request, "clients/fields_options.html", context)


@admin_required
def field_options(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    definition = get_field_definition(pk=pk)
    if not definition.has_options or definition.is_builtin:
        return redirect("fields:edit", pk=pk)
    add_form = OptionForm(request.POST or None, prefix="new")
    if request.method == "POST" and add_form.is_valid():
        try:
            field_services.field_option_add(actor=request.user, field=definition, labels=add_form.texts("label"))
        except ValidationError as error:
            _add_error(add_form, error)
        else:
            return redirect("fields:options", pk=pk)
    return _options_page(request, definition, add_form=add_form)


@admin_required
@require_POST
def option_edit(request: AuthenticatedRequest, pk: int, option_id: int) -> HttpResponse:
    definition = get_field_definition(pk=pk)
    option = get_field_option(field=definition, pk=option_id)
    try:
        if "retire" in request.POST:
            field_services.field_option_update(actor=request.user, option=option, is_retired=True)
        elif "restore" in request.POST:
            field_services.field_option_update(actor=request.user, option=option, is_retired=False)
        elif "move" in request.POST:
            ids = _moved([o.pk for o in definition.options.all()], option.pk, request.POST["move"])
            field_services.field_option_reorder(actor=request.user, field=definition, ordered_ids=ids)
        else:
            form = OptionForm(request.POST, prefix=f"option-{option.pk}")
            form.is_valid()
            field_services.field_option_update(actor=request.user, option=option, labels=form.texts("label"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("fields:options", pk=pk)


@admin_required
@require_POST
def option_reorder(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    definition = get_field_definition(pk=pk)
    try:
        field_services.field_option_reorder(actor=request.user, field=definition, ordered_ids=_ids(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.htmx or request.headers.get("x-requested-with") == "fetch":
        return HttpResponse(status=204)
    return redirect("fields:options", pk=pk)


@admin_required
@require_POST
def import_cities(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    definition = get_field_definition(pk=pk)
    form = CityImportForm(request.POST)
    if form.is_valid():
        try:
            added = field_services.field_import_cities(
                actor=request.user, field=definition, country=form.cleaned_data["country"]
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d city was added.", "%(count)d cities were added.", added) % {"count": added},
            )
            return redirect("fields:options", pk=pk)
    return _options_page(request, definition, city_form=form)
