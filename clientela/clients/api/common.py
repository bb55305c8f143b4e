"""Shared pieces of the REST API: error answers, field-error mapping, the base viewset."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema_field,
)
from rest_framework import serializers, viewsets
from rest_framework.parsers import JSONParser

from clientela.accounts.models import User
from clientela.clients.models import ADDRESS_PARTS

# The same message as the service's, so one translation serves both.
OWNER_OUTSIDE_TEAM = _("You can only give clients to yourself or to people in your team.")

# Optional text. Lengths given below only bound what is sent; the services decide what is valid
# (ids and phones are compacted before they are checked, so their input may be longer than stored).
_TEXT: dict[str, Any] = {"required": False, "allow_blank": True}


# Shared pieces ------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """A refused operation (403, 404, 409): a message in the user's language and a machine code."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


def _error(description: Any) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


NOT_FOUND = _error(_("Not found, or not yours to see."))
INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT, description=_("Each wrong field with what is wrong with it (nested for addresses).")
)
STALE = _error(_("The client changed since the given version; nothing was saved."))


class ResponseSerializer(serializers.Serializer):
    """The answer form of an input serializer: every field read-only, so the schema lists them all as present."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        _make_read_only(fields.values())
        return fields


def _make_read_only(fields: Any) -> None:
    for field in fields:
        field.read_only, field.required = True, False
        if isinstance(field, serializers.Serializer):
            _make_read_only(field.fields.values())


@contextmanager
def _field_errors() -> Iterator[None]:
    """Name a service's errors by the API's fields: ``billing_city`` is ``billing_address.city`` here."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        errors: dict[str, Any] = {}
        for field, messages in error.message_dict.items():
            kind, _sep, part = field.partition("_")
            if field.startswith("cf_"):
                # A custom field's error (keyed cf_<name> by the services), nested under custom_fields.
                errors.setdefault("custom_fields", {})[field[3:]] = messages
            elif kind in ("billing", "shipping") and part in ADDRESS_PARTS:
                errors.setdefault(f"{kind}_address", {})[part] = messages
            else:
                errors[field] = messages
        raise serializers.ValidationError(errors) from None


class ApiViewSet(viewsets.GenericViewSet):
    """What the three resources share: JSON in, filters read by each list itself, numeric ids."""

    filter_backends: list = []  # each list reads its own filters and hands them to a selector
    parser_classes = [JSONParser]  # nested addresses have no form encoding
    lookup_value_regex = r"\d+"

    @property
    def actor(self) -> User:
        # IsAuthenticated (the default permission) has let only signed-in users this far.
        return cast(User, self.request.user)


# Custom fields -----------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": str(
            _(
                "Custom field values keyed by each field's original name (see /api/v1/fields/ for the fields, "
                "their types and options): text, long_text, email, phone and url are strings; integer a whole "
                "number; decimal a string or number; date an ISO date (YYYY-MM-DD); boolean true or false; choice "
                "an option's key; multi_choice a list of option keys. On a change, send only the fields to "
                "change; null or an empty value clears one. Errors come as "
                '{"custom_fields": {"<name>": ["message"]}}.'
            )
        ),
    }
)
class CustomFieldsField(serializers.Field):
    """The record's custom values by original name; hidden fields are left out of the answer."""

    def __init__(self, *, record_type: str, **kwargs: Any) -> None:
        self.record_type = record_type
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def _shown(self) -> set[str]:
        # Read once per answer (a list shares its root serializer), and only when a record has values.
        cache = self.root.__dict__.setdefault("_custom_fields_shown", {})
        if self.record_type not in cache:
            from clientela.clients.field_selectors import custom_field_definitions

            cache[self.record_type] = {d.name for d in custom_field_definitions(record_type=self.record_type)}
        return cast(set[str], cache[self.record_type])

    def to_representation(self, value: Any) -> dict[str, Any]:
        if not value:
            return {}
        shown = self._shown()
        return {name: stored for name, stored in value.items() if name in shown}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Send an object keyed by the fields' original names."))
        return dict(data)
