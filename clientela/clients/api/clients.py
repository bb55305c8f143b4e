"""The clients resource: list, search, CRUD with optimistic concurrency, invalidate, restore, history."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.accounts.models import User
from clientela.clients import custom_list
from clientela.clients.api.common import (
    _TEXT,
    INVALID,
    NOT_FOUND,
    OWNER_OUTSIDE_TEAM,
    STALE,
    ApiViewSet,
    CustomFieldsField,
    ResponseSerializer,
    _error,
    _field_errors,
)
from clientela.clients.api.duplicates import DuplicatesMixin
from clientela.clients.api.merge import MERGED_REDIRECT, MergeMixin, merged_redirect
from clientela.clients.api.transfer import TransferMixin
from clientela.clients.field_selectors import custom_field_definitions
from clientela.clients.models import ADDRESS_PARTS, Client, ClientGroup, ClientKind, ClientStatus
from clientela.clients.selectors import (
    CLIENT_SORTS,
    DEFAULT_CLIENT_SORT,
    ClientFilters,
    StatusFilter,
    client_history,
    client_list,
    client_ordering,
    get_client_for_user,
)
from clientela.clients.services import (
    client_create,
    client_delete,
    client_invalidate,
    client_lock,
    client_restore,
    client_unlock,
    client_update,
)
from clientela.core.languages import Language

# Clients --------------------------------------------------------------------------------------


class AddressSerializer(serializers.Serializer):
    """A postal address, stored on the client as flat ``<prefix>_<part>`` fields."""

    street = serializers.CharField(max_length=255, **_TEXT)
    city = serializers.CharField(max_length=120, **_TEXT)
    postal_code = serializers.CharField(max_length=20, **_TEXT)
    region = serializers.CharField(max_length=120, **_TEXT)
    country = serializers.CharField(max_length=8, help_text=_("ISO 3166 alpha-2 code."), **_TEXT)

    def __init__(self, *args: Any, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(*args, source="*", required=False, **kwargs)

    def to_representation(self, instance: Client) -> dict[str, str]:
        kind = "billing" if self.prefix == "shipping" and instance.shipping_same_as_billing else self.prefix
        return {part: getattr(instance, f"{kind}_{part}") for part in ADDRESS_PARTS}

    def to_internal_value(self, data: Any) -> dict[str, str]:
        # source="*": the parts land in the client's values as the model's flat fields.
        values = super().to_internal_value(data)
        return {f"{self.prefix}_{part}": value for part, value in values.items()}


class OwnerField(serializers.PrimaryKeyRelatedField):
    """A user id; the service checks that the user is in the caller's team."""

    def __init__(self, **kwargs: Any) -> None:
        # One message for "no such user" and "not in your team": ids of strangers stay unknown.
        kwargs.setdefault("error_messages", {"does_not_exist": OWNER_OUTSIDE_TEAM})
        super().__init__(queryset=User.objects.filter(is_active=True), **kwargs)


@extend_schema_serializer(component_name="Client")  # "ClientRequest" in the schema
class ClientInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)
    name = serializers.CharField(max_length=255, allow_blank=True, help_text=_("Legal name, or the person's name."))
    tax_id = serializers.CharField(max_length=64, **_TEXT)
    registration_id = serializers.CharField(max_length=64, help_text=_("Company id: IČO, CUI, CIF, …"), **_TEXT)
    vat_id = serializers.CharField(
        max_length=64, help_text=_("Stored with its country prefix, which is added when missing."), **_TEXT
    )
    email = serializers.CharField(max_length=254, **_TEXT)
    phone = serializers.CharField(max_length=64, help_text=_("Stored in E.164 form."), **_TEXT)
    website = serializers.CharField(max_length=200, **_TEXT)
    billing_address = AddressSerializer(prefix="billing")
    shipping_address = AddressSerializer(
        prefix="shipping",
        help_text=_("When shipping_same_as_billing is true, this repeats the billing address and input is ignored."),
    )
    shipping_same_as_billing = serializers.BooleanField(required=False)
    country = serializers.CharField(max_length=8, help_text=_("ISO 3166 alpha-2 code."))
    currency = serializers.CharField(
        max_length=8, help_text=_("ISO 4217 code; the country's currency when left out."), **_TEXT
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    owner = OwnerField(required=False, help_text=_("A user id: yourself (the default) or someone in your team."))
    groups = serializers.PrimaryKeyRelatedField(many=True, queryset=ClientGroup.objects.all(), required=False)
    custom_fields = CustomFieldsField(record_type="client")
    status = serializers.ChoiceField(choices=ClientStatus.choices, read_only=True)
    version = serializers.IntegerField(
        read_only=True, help_text=_("Send it back with a change; a change made on an older version is refused.")
    )
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = serializers.IntegerField(source="updated_by_id", read_only=True, allow_null=True)


class ClientSerializer(ResponseSerializer, ClientInputSerializer):
    locked_by = serializers.IntegerField(
        source="locked_by_id", read_only=True, allow_null=True, help_text=_("Who locked the client, if anyone.")
    )
    locked_at = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema_serializer(component_name="ClientUpdate")
class ClientUpdateSerializer(ClientInputSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text=_("The version you read; a change made on an older version is refused (409).")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Partial updates make every field optional, but never the version they were made on.
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("Send the version of the client you changed.")]})
        return attrs


class ClientFilterSerializer(serializers.Serializer):
    """The query parameters of the client list."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Words found in the name, tax, registration or VAT id, e-mail, phone or contact names."),
    )
    status = serializers.ChoiceField(
        choices=StatusFilter.VALUES,
        default=StatusFilter.ACTIVE,
        help_text=_("Invalid clients are listed only with invalid or all."),
    )
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)
    country = serializers.CharField(required=False, allow_blank=True, help_text=_("ISO 3166 alpha-2 code."))
    group = serializers.IntegerField(required=False, help_text=_("Only clients in this group."))
    owner = serializers.IntegerField(required=False, help_text=_("Only clients owned by this user."))
    ordering = serializers.ChoiceField(
        choices=[(key, label) for key, (label, _ordering) in CLIENT_SORTS.items()],
        default=DEFAULT_CLIENT_SORT,
        help_text=_("Also cf_<name> or -cf_<name>: by a custom field's value (clients without one come first)."),
    )


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    old = serializers.JSONField()
    new = serializers.JSONField()


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateTimeField()
    user = serializers.IntegerField(source="user.pk", allow_null=True, help_text=_("Who made the change."))
    type = serializers.CharField(help_text=_("created, changed or deleted."))
    reason = serializers.CharField()
    version = serializers.IntegerField()
    changes = HistoryChangeSerializer(many=True)


_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _custom_filters(query: Any) -> dict[str, Any]:
    """Filters and sort by custom fields from the query (``cf_<name>``, ``ordering=cf_<name>``); see custom_list."""
    definitions = custom_field_definitions(record_type="client")
    arguments: dict[str, Any] = {"custom": custom_list.parse_filters(query, definitions)}
    ordering = query.get("ordering", "")
    if ordering.lstrip("-").startswith(custom_list.PREFIX):
        definition = custom_list.sort_definition(ordering, definitions)
        if definition is None:
            raise serializers.ValidationError({"ordering": [_("No custom field of that name can be sorted by.")]})
        arguments.update(sort=ordering, custom_sort=definition)
        query.pop("ordering")
    return arguments


def _client_arguments(validated: Mapping[str, Any]) -> dict[str, Any]:
    """Split validated input into the services' values, owner, groups (and version)."""
    values = dict(validated)
    arguments = {
        "owner": values.pop("owner", None),
        "groups": values.pop("groups", None),
        "custom_fields": values.pop("custom_fields", None),
    }
    if "version" in values:
        arguments["version"] = values.pop("version")
    return {"values": values, **arguments}


@extend_schema_view(
    list=extend_schema(
        summary=_("List clients"),
        description=_(
            "Filter by a custom field with the parameter cf_<name> (its original name): equal to the value (an "
            "option's key; yes or no; a number or date, or a range low..high with either end open); "
            "cf_<name>__contains: a text field contains the text. Sort by one with ordering=cf_<name> or "
            "-cf_<name> (clients without a value come first when ascending, last when descending)."
        ),
        parameters=[ClientFilterSerializer],
    ),
    retrieve=extend_schema(
        summary=_("Read a client"), responses={200: ClientSerializer, 307: MERGED_REDIRECT, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary=_("Create a client"),
        request=ClientInputSerializer,
        responses={201: ClientSerializer, 400: INVALID},
    ),
    update=extend_schema(
        summary=_("Change a client"),
        request=ClientUpdateSerializer,
        responses={200: ClientSerializer, 400: INVALID, 404: NOT_FOUND, 409: STALE},
    ),
    partial_update=extend_schema(
        summary=_("Change some fields of a client"),
        description=_("`version` is required, as in a full update."),
        request=ClientUpdateSerializer,
        responses={200: ClientSerializer, 400: INVALID, 404: NOT_FOUND, 409: STALE},
    ),
    destroy=extend_schema(
        summary=_("Delete a client for good"),
        responses={
            204: None,
            404: NOT_FOUND,
            409: _error(_("Records still link to the client (named in the message); invalidate it instead.")),
        },
    ),
)
@extend_schema(tags=["clients"])
class ClientViewSet(TransferMixin, DuplicatesMixin, MergeMixin, ApiViewSet):
    """Clients the caller can see: their own, their team's, or every client for an admin."""

    queryset = Client.objects.none()  # names the model for the schema; reads go through the selectors
    serializer_class = ClientSerializer

    def _filters(self) -> ClientFilters:
        if not hasattr(self, "_client_filters"):
            query = self.request.query_params.copy()
            custom: dict[str, Any] = {}
            if any(key.startswith("cf_") for key in query) or query.get("ordering", "").lstrip("-").startswith("cf_"):
                custom = _custom_filters(query)
            params = ClientFilterSerializer(data=query)
            params.is_valid(raise_exception=True)
            data = params.validated_data
            self._client_filters = ClientFilters(
                search=data.get("search", ""),
                status=data["status"],
                kind=data.get("kind", ""),
                country=data.get("country", ""),
                group=data.get("group"),
                owner=data.get("owner"),
                sort=custom.pop("sort", None) or data["ordering"],
                **custom,
            )
        return self._client_filters

    def keyset_ordering(self) -> list[str]:
        return client_ordering(self._filters().sort)

    def _client(self, pk: str, *, write: bool = False) -> Client:
        return get_client_for_user(user=self.actor, pk=int(pk), write=write)

    def _answer(self, client: Client, code: int = status.HTTP_200_OK) -> Response:
        # Read back through the selector: the answer shows what the caller may see, groups included.
        return Response(ClientSerializer(self._client(str(client.pk))).data, status=code)

    def list(self, request: Request) -> Response:
        clients = client_list(user=self.actor, filters=self._filters()).prefetch_related("groups")
        page = self.paginate_queryset(clients)
        return self.get_paginated_response(ClientSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        client = self._client(pk)
        if client.is_merged:
            return merged_redirect(request, client)
        return Response(ClientSerializer(client).data)

    def create(self, request: Request) -> Response:
        serializer = ClientInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = _client_arguments(serializer.validated_data)
        arguments["groups"] = arguments["groups"] or ()
        with _field_errors():
            client = client_create(user=self.actor, **arguments)
        return self._answer(client, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        client = self._client(pk, write=True)
        serializer = ClientUpdateSerializer(client, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with _field_errors():
            client = client_update(client=client, user=self.actor, **_client_arguments(serializer.validated_data))
        return self._answer(client)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        client_delete(client=self._client(pk, write=True), user=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Invalidate a client"),
        description=_("Hides the client from lists and search; it stays stored and can be restored."),
        request=None,
        responses={200: ClientSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def invalidate(self, request: Request, pk: str) -> Response:
        return self._answer(client_invalidate(client=self._client(pk, write=True), user=self.actor))

    @extend_schema(
        summary=_("Restore an invalidated client"),
        request=None,
        responses={200: ClientSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        return self._answer(client_restore(client=self._client(pk, write=True), user=self.actor))

    @extend_schema(
        summary=_("Lock a client"),
        description=_("Nobody else can change or delete a locked client until you or an admin unlock it."),
        request=None,
        responses={200: ClientSerializer, 404: NOT_FOUND, 423: _error(_("Someone else locked the client."))},
    )
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str) -> Response:
        return self._answer(client_lock(client=self._client(pk), user=self.actor))

    @extend_schema(
        summary=_("Unlock a client"),
        description=_("Only the user who locked the client, or an admin, can unlock it."),
        request=None,
        responses={200: ClientSerializer, 403: _error(_("Locked by someone else.")), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str) -> Response:
        return self._answer(client_unlock(client=self._client(pk), user=self.actor))

    @extend_schema(
        summary=_("A client's change log"),
        description=_("Every change, newest first: who, when, why, and each changed field's old and new value."),
        responses={200: HistoryEntrySerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str) -> Response:
        entries = [
            {**entry, "type": _HISTORY_TYPES.get(entry["type"], entry["type"])}
            for entry in client_history(client=self._client(pk))
        ]
        return Response(HistoryEntrySerializer(entries, many=True).data)
