"""Reads of the field settings: which fields a client or contact has, in order, with their options."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from clientela.clients.fields import AppliesTo, FieldDefinition, FieldOption, RecordType


def field_definition_queryset() -> QuerySet[FieldDefinition]:
    options = FieldOption.objects.order_by("sort_order", "id")
    return FieldDefinition.objects.prefetch_related(Prefetch("options", queryset=options)).order_by("sort_order", "id")


def field_definitions(*, record_type: str, kind: str | None = None, enabled_only: bool = True) -> list[FieldDefinition]:
    """The fields of clients or contacts in sort order, options loaded (two queries).

    ``kind`` (company or individual) leaves out client fields that do not apply to it. Each
    definition's ``label``, ``help_text`` and its options' ``label`` read the active language.
    """
    definitions = field_definition_queryset().filter(record_type=record_type)
    if enabled_only:
        definitions = definitions.filter(is_enabled=True)
    if kind and record_type == RecordType.CLIENT:
        definitions = definitions.filter(applies_to__in=[AppliesTo.BOTH, kind])
    found = list(definitions)
    if not any(definition.is_builtin for definition in found):
        # Some built-ins can never be hidden, so none at all means they are missing: made by migration
        # 0011, made again here should they be gone (a flushed test database).
        from clientela.clients.field_services import field_sync_builtins

        if field_sync_builtins():
            found = list(definitions.all())
    return found


def custom_field_definitions(*, record_type: str, kind: str | None = None) -> list[FieldDefinition]:
    """The enabled custom fields only (what the forms, lists and API add to the built-in ones)."""
    return [d for d in field_definitions(record_type=record_type, kind=kind) if not d.is_builtin]


def get_field_definition(*, pk: int) -> FieldDefinition:
    definition = field_definition_queryset().filter(pk=pk).first()
    if definition is None:
        raise Http404(_("No such field."))
    return definition


def get_field_option(*, field: FieldDefinition, pk: int) -> FieldOption:
    option = FieldOption.objects.select_related("field").filter(field=field, pk=pk).first()
    if option is None:
        raise Http404(_("No such option."))
    return option
