"""The contacts resource: people at the clients the caller can see."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.clients.api.common import (
    _TEXT,
    INVALID,
    NOT_FOUND,
    ApiViewSet,
    CustomFieldsField,
    ResponseSerializer,
    _field_errors,
)
from clientela.clients.models import Client, Contact
from clientela.clients.selectors import (
    contact_list,
    get_contact_for_user,
)
from clientela.clients.services import (
    contact_create,
    contact_delete,
    contact_update,
)
from clientela.core.languages import Language

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
    custom_fields = CustomFieldsField(record_type="contact")

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
        custom = values.pop("custom_fields", None)
        with _field_errors():
            contact = contact_create(client=client, user=self.actor, values=values, custom_fields=custom)
        return Response(ContactSerializer(self._contact(str(contact.pk))).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        contact = self._contact(pk, write=True)
        serializer = ContactInputSerializer(
            contact, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("client", None)
        custom = values.pop("custom_fields", None)
        with _field_errors():
            contact = contact_update(contact=contact, user=self.actor, values=values, custom_fields=custom)
        return Response(ContactSerializer(self._contact(str(contact.pk))).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        contact_delete(contact=self._contact(pk, write=True), user=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
