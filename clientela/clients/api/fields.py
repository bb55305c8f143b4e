"""The field settings resource: everyone reads the fields of clients and contacts; admins change them.

Options of dropdown and multi-select fields are nested: sent with a field, each option with an
``id`` is renamed or retired, each without one is added, and their order becomes the options'
order; options left out stay as they are (retire one to stop it being chosen).
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.clients import field_services
from clientela.clients.api.common import INVALID, NOT_FOUND, ApiViewSet, _error
from clientela.clients.field_selectors import field_definition_queryset, get_field_definition
from clientela.clients.fields import AppliesTo, FieldDefinition, FieldType, RecordType

_TEXTS_HELP = _("Text per language code (en, es, ca, ro, cs, zh-hans); a language left out falls back.")


def _texts(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(child=serializers.CharField(allow_blank=True), help_text=_TEXTS_HELP, **kwargs)


class FieldOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text=_("Leave out to add an option."))
    key = serializers.CharField(
        required=False, max_length=80, help_text=_("Stored on the records; made from the label when left out.")
    )
    labels = _texts()
    label = serializers.CharField(read_only=True, help_text=_("The label in the caller's language."))  # type: ignore[assignment]
    sort_order = serializers.IntegerField(read_only=True)
    is_retired = serializers.BooleanField(
        required=False, default=False, help_text=_("Stays on the records that have it, but cannot be chosen anew.")
    )


class FieldSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    record_type = serializers.ChoiceField(choices=RecordType.choices)
    name = serializers.CharField(
        max_length=50, help_text=_("The original name: the key in custom_fields; never changes.")
    )
    is_builtin = serializers.BooleanField(read_only=True)
    field_type = serializers.ChoiceField(choices=FieldType.choices)
    labels = _texts(required=False)
    label = serializers.CharField(read_only=True, help_text=_("The label in the caller's language."))  # type: ignore[assignment]
    help_texts = _texts(required=False)
    help_text = serializers.CharField(read_only=True)  # type: ignore[assignment]
    is_enabled = serializers.BooleanField(required=False, default=True)
    is_required = serializers.BooleanField(required=False, default=False)
    is_unique = serializers.BooleanField(required=False, default=False)
    applies_to = serializers.ChoiceField(choices=AppliesTo.choices, required=False, default=AppliesTo.BOTH)
    sort_order = serializers.IntegerField(required=False, help_text=_("Smaller first."))
    subordinates_may_edit = serializers.BooleanField(required=False, default=False)
    shown_on_mobile = serializers.BooleanField(required=False, default=False)
    options = FieldOptionSerializer(many=True, required=False)


class FieldUpdateSerializer(FieldSerializer):
    # The original name, record type and whether it is built in never change.
    record_type = serializers.ChoiceField(choices=RecordType.choices, read_only=True)  # type: ignore[assignment]
    name = serializers.CharField(read_only=True)  # type: ignore[assignment]


_RECORD_TYPE = OpenApiParameter(
    "record_type", OpenApiTypes.STR, enum=RecordType.values, description=_("Only the fields of clients or contacts.")
)
_ADMINS = _error(_("Only an administrator can do this."))


def _data(definition: FieldDefinition) -> dict[str, Any]:
    data: dict[str, Any] = FieldSerializer(get_field_definition(pk=definition.pk)).data
    return data


def _save_options(actor: Any, definition: FieldDefinition, options: list[dict[str, Any]]) -> None:
    existing = {option.pk: option for option in definition.options.all()}
    order = []
    for item in options:
        if item.get("id") is not None:
            option = existing.get(item["id"])
            if option is None:
                raise serializers.ValidationError({"options": _("No such option: %(id)s") % {"id": item["id"]}})
            field_services.field_option_update(
                actor=actor, option=option, labels=item["labels"], is_retired=item.get("is_retired", False)
            )
        else:
            option = field_services.field_option_add(
                actor=actor, field=definition, labels=item["labels"], key=item.get("key")
            )
            if item.get("is_retired"):
                field_services.field_option_update(actor=actor, option=option, is_retired=True)
        order.append(option.pk)
    field_services.field_option_reorder(actor=actor, field=definition, ordered_ids=order)


@extend_schema_view(
    list=extend_schema(
        summary=_("List the fields of clients and contacts"),
        description=_("Built-in and custom fields with their settings and options, in sort order."),
        parameters=[_RECORD_TYPE],
        responses={200: FieldSerializer(many=True)},
    ),
    retrieve=extend_schema(summary=_("Read a field's settings"), responses={200: FieldSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Add a custom field"),
        request=FieldSerializer,
        responses={201: FieldSerializer, 400: INVALID, 403: _ADMINS},
    ),
    update=extend_schema(
        summary=_("Change a field's settings"),
        description=_(
            "A type change is refused when stored values do not fit, "
            "and so is making a field unique when values repeat."
        ),
        request=FieldUpdateSerializer,
        responses={200: FieldSerializer, 400: INVALID, 403: _ADMINS, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=_("Change some settings of a field"),
        request=FieldUpdateSerializer,
        responses={200: FieldSerializer, 400: INVALID, 403: _ADMINS, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary=_("Delete a custom field"),
        description=_("Its values are removed from every record (they stay in the records' history)."),
        responses={204: None, 403: _ADMINS, 404: NOT_FOUND, 409: _error(_("Built-in fields cannot be deleted."))},
    ),
)
@extend_schema(tags=["fields"])
class FieldViewSet(ApiViewSet):
    """Field settings: readable by every signed-in user, changed by administrators."""

    queryset = FieldDefinition.objects.none()  # names the model for the schema
    serializer_class = FieldSerializer
    pagination_class = None  # a few dozen rows: one answer

    def list(self, request: Request) -> Response:
        record_type = request.query_params.get("record_type", "")
        definitions = field_definition_queryset()
        if record_type:
            if record_type not in RecordType.values:
                raise serializers.ValidationError({"record_type": _("Choose client or contact.")})
            definitions = definitions.filter(record_type=record_type)
        else:
            field_services.field_sync_builtins()
        definitions = definitions.order_by("record_type", "sort_order", "id")
        return Response(FieldSerializer(definitions, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_data(get_field_definition(pk=int(pk))))

    def create(self, request: Request) -> Response:
        serializer = FieldSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        options = values.pop("options", [])
        labels = values.pop("labels", {})
        with transaction.atomic():
            definition = field_services.field_create(actor=self.actor, labels=labels, **values)
            if options:
                _save_options(self.actor, definition, options)
        return Response(_data(definition), status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        definition = get_field_definition(pk=int(pk))
        serializer = FieldUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        options = values.pop("options", None)
        with transaction.atomic():
            definition = field_services.field_update(actor=self.actor, field=definition, **values)
            if options is not None:
                _save_options(self.actor, definition, options)
        return Response(_data(definition))

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        field_services.field_delete(actor=self.actor, field=get_field_definition(pk=int(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)
