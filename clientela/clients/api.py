"""REST API of clients, groups and contacts: serializers shape the JSON, the services do the work.

Serializers only type-check and shape input; normalising and checking values is the services'
job, so the API answers with the same rules and messages as the web UI. Every read starts from a
selector, so another user's record does not exist for the caller (404), and every write is one
service call.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.accounts.models import User
from clientela.clients.models import ADDRESS_PARTS, Client, ClientGroup, ClientKind, ClientStatus, Contact
from clientela.clients.selectors import (
    CLIENT_SORTS,
    DEFAULT_CLIENT_SORT,
    ClientFilters,
    StatusFilter,
    client_history,
    client_list,
    client_ordering,
    contact_list,
    get_client_for_user,
    get_contact_for_user,
    get_group,
    group_list,
)
from clientela.clients.services import (
    client_create,
    client_delete,
    client_invalidate,
    client_restore,
    client_update,
    contact_create,
    contact_delete,
    contact_update,
    group_create,
    group_delete,
    group_update,
)
from clientela.core.languages import Language

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
            if kind in ("billing", "shipping") and part in ADDRESS_PARTS:
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
    status = serializers.ChoiceField(choices=ClientStatus.choices, read_only=True)
    version = serializers.IntegerField(
        read_only=True, help_text=_("Send it back with a change; a change made on an older version is refused.")
    )
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = serializers.IntegerField(source="updated_by_id", read_only=True, allow_null=True)


class ClientSerializer(ResponseSerializer, ClientInputSerializer):
    pass


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
        choices=[(key, label) for key, (label, _ordering) in CLIENT_SORTS.items()], default=DEFAULT_CLIENT_SORT
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


def _client_arguments(validated: Mapping[str, Any]) -> dict[str, Any]:
    """Split validated input into the services' values, owner, groups (and version)."""
    values = dict(validated)
    arguments = {"owner": values.pop("owner", None), "groups": values.pop("groups", None)}
    if "version" in values:
        arguments["version"] = values.pop("version")
    return {"values": values, **arguments}


@extend_schema_view(
    list=extend_schema(summary=_("List clients"), parameters=[ClientFilterSerializer]),
    retrieve=extend_schema(summary=_("Read a client"), responses={200: ClientSerializer, 404: NOT_FOUND}),
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
class ClientViewSet(ApiViewSet):
    """Clients the caller can see: their own, their team's, or every client for an admin."""

    queryset = Client.objects.none()  # names the model for the schema; reads go through the selectors
    serializer_class = ClientSerializer

    def _filters(self) -> ClientFilters:
        if not hasattr(self, "_client_filters"):
            params = ClientFilterSerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            data = params.validated_data
            self._client_filters = ClientFilters(
                search=data.get("search", ""),
                status=data["status"],
                kind=data.get("kind", ""),
                country=data.get("country", ""),
                group=data.get("group"),
                owner=data.get("owner"),
                sort=data["ordering"],
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
        return Response(ClientSerializer(self._client(pk)).data)

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


# Groups ---------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Group")  # "GroupRequest" in the schema
class GroupInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120, allow_blank=True, help_text=_("Unique, ignoring case."))
    description = serializers.CharField(**_TEXT)
    client_count = serializers.IntegerField(
        read_only=True, help_text=_("How many active clients that you can see are in the group.")
    )


class GroupSerializer(ResponseSerializer, GroupInputSerializer):
    pass


_SEARCH = OpenApiParameter("search", OpenApiTypes.STR, description=_("Words in the name or description."))


@extend_schema_view(
    list=extend_schema(summary=_("List client groups"), parameters=[_SEARCH]),
    retrieve=extend_schema(summary=_("Read a client group"), responses={200: GroupSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Create a client group"),
        request=GroupInputSerializer,
        responses={201: GroupSerializer, 400: INVALID},
    ),
    update=extend_schema(
        summary=_("Change a client group"),
        request=GroupInputSerializer,
        responses={200: GroupSerializer, 400: INVALID, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=_("Change some fields of a client group"),
        request=GroupInputSerializer,
        responses={200: GroupSerializer, 400: INVALID, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary=_("Delete a client group"),
        description=_("Only the group goes: its clients stay, without it."),
        responses={204: None, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["groups"])
class GroupViewSet(ApiViewSet):
    """Client groups, shared by the whole company; counts include only clients the caller can see."""

    queryset = ClientGroup.objects.none()  # names the model for the schema
    serializer_class = GroupSerializer
    keyset_ordering = ["name", "id"]

    def _group(self, pk: int) -> ClientGroup:
        group = group_list(user=self.actor).filter(pk=pk).first()
        if group is None:
            raise Http404(_("No such group."))
        return group

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(group_list(user=self.actor, search=request.query_params.get("search", "")))
        return self.get_paginated_response(GroupSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(GroupSerializer(self._group(int(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = GroupInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = group_create(user=self.actor, **serializer.validated_data)
        return Response(GroupSerializer(self._group(group.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        group = get_group(pk=int(pk))
        serializer = GroupInputSerializer(group, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = {"name": group.name, "description": group.description, **serializer.validated_data}
        group_update(group=group, user=self.actor, **values)
        return Response(GroupSerializer(self._group(group.pk)).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        group_delete(group=get_group(pk=int(pk)), user=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Contacts -------------------------------------------------------------------------------------


class VisibleClientField(serializers.PrimaryKeyRelatedField):
    """A client id among those the caller may change; any other id is unknown, whether it exists or not."""

    default_error_messages = {"does_not_exist": _("There is no client with id {pk_value} that you can change.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Client.objects.all(), **kwargs)

    def get_queryset(self) -> Any:
        return Client.objects.editable_by(self.context["request"].user)


@extend_schema_serializer(component_name="Contact")  # "ContactRequest" in the schema
class ContactInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    client = VisibleClientField(
        help_text=_("Set when the contact is created; a client you cannot see is refused with 400 on this field.")
    )
    first_name = serializers.CharField(max_length=120, **_TEXT)
    last_name = serializers.CharField(max_length=120, allow_blank=True)
    position = serializers.CharField(max_length=120, **_TEXT)
    email = serializers.CharField(max_length=254, **_TEXT)
    phone = serializers.CharField(
        max_length=64, help_text=_("Stored in E.164 form; read in the client's country without a prefix."), **_TEXT
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    is_primary = serializers.BooleanField(
        required=False, help_text=_("A client has one primary contact; setting it takes the flag from the other.")
    )

    def validate_client(self, client: Client) -> Client:
        if self.instance is not None and client.pk != self.instance.client_id:
            raise serializers.ValidationError(_("A contact cannot be moved to another client."))
        return client


class ContactSerializer(ResponseSerializer, ContactInputSerializer):
    pass


@extend_schema_view(
    list=extend_schema(
        summary=_("List contacts"),
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description=_("Words in the name, e-mail or phone.")),
            OpenApiParameter("client", OpenApiTypes.INT, description=_("Only the contacts of this client.")),
        ],
    ),
    retrieve=extend_schema(summary=_("Read a contact"), responses={200: ContactSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Add a contact to a client"),
        description=_(
            "A client the caller cannot see (or that does not exist) is refused with 400 on the `client` field."
        ),
        request=ContactInputSerializer,
        responses={201: ContactSerializer, 400: INVALID},
    ),
    update=extend_schema(
        summary=_("Change a contact"),
        request=ContactInputSerializer,
        responses={200: ContactSerializer, 400: INVALID, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=_("Change some fields of a contact"),
        request=ContactInputSerializer,
        responses={200: ContactSerializer, 400: INVALID, 404: NOT_FOUND},
    ),
    destroy=extend_schema(summary=_("Remove a contact"), responses={204: None, 404: NOT_FOUND}),
)
@extend_schema(tags=["contacts"])
class ContactViewSet(ApiViewSet):
    """Contact persons of the clients the caller can see."""

    queryset = Contact.objects.none()  # names the model for the schema
    serializer_class = ContactSerializer
    keyset_ordering = ["last_name", "first_name", "id"]

    def _contact(self, pk: str, *, write: bool = False) -> Contact:
        return get_contact_for_user(user=self.actor, pk=int(pk), write=write)

    def list(self, request: Request) -> Response:
        contacts = contact_list(user=self.actor, search=request.query_params.get("search", ""))
        client = request.query_params.get("client")
        if client:
            try:
                contacts = contacts.filter(client_id=int(client))
            except ValueError:
                raise serializers.ValidationError({"client": [_("Enter a whole number.")]}) from None
        page = self.paginate_queryset(contacts)
        return self.get_paginated_response(ContactSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ContactSerializer(self._contact(pk)).data)

    def create(self, request: Request) -> Response:
        serializer = ContactInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        client = values.pop("client")
        contact = contact_create(client=client, user=self.actor, values=values)
        return Response(ContactSerializer(self._contact(str(contact.pk))).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        contact = self._contact(pk, write=True)
        serializer = ContactInputSerializer(
            contact, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("client", None)
        contact = contact_update(contact=contact, user=self.actor, values=values)
        return Response(ContactSerializer(self._contact(str(contact.pk))).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        contact_delete(contact=self._contact(pk, write=True), user=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = [
    "ClientSerializer",
    "ClientViewSet",
    "ContactSerializer",
    "ContactViewSet",
    "GroupSerializer",
    "GroupViewSet",
]
