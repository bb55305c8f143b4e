"""``POST /api/v1/clients/transfer/``: give chosen clients, or every client of one user, to another owner."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.accounts.models import User
from clientela.clients.api.common import INVALID, OWNER_OUTSIDE_TEAM, ApiViewSet, _error
from clientela.clients.models import Client
from clientela.clients.services import client_transfer


class TransferSerializer(serializers.Serializer):
    clients = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=10_000,
        help_text=_("Ids of the clients to transfer; a client you cannot see is refused with 400 on this field."),
    )
    from_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        help_text=_("Instead of clients: transfer every client of this user (one who leaves, say)."),
    )
    to_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        # One message for "no such user" and "not in your team": ids of strangers stay unknown.
        error_messages={"does_not_exist": OWNER_OUTSIDE_TEAM},
        help_text=_("The new owner: yourself or someone in your team (anyone, for an admin)."),
    )
    include_open_documents = serializers.BooleanField(
        default=False, help_text=_("Also hand over the clients' open documents (offers, orders, projects).")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("clients" in attrs) == ("from_owner" in attrs):
            raise serializers.ValidationError({"non_field_errors": [_("Give either clients or from_owner, not both.")]})
        if "clients" in attrs:
            wanted = set(attrs["clients"])
            user = self.context["request"].user
            found = list(Client.objects.visible_to(user).filter(pk__in=wanted))
            missing = sorted(wanted - {client.pk for client in found})
            if missing:
                raise serializers.ValidationError(
                    {"clients": [_("There is no client with id %(id)s that you can see.") % {"id": missing[0]}]}
                )
            attrs["clients"] = found
        return attrs


class TransferResultSerializer(serializers.Serializer):
    transferred = serializers.IntegerField(help_text=_("How many clients changed owner."))


class TransferMixin(ApiViewSet):
    """The transfer action of the clients resource."""

    @extend_schema(
        summary=_("Transfer clients to another owner"),
        description=_(
            "All or nothing: if one of the clients is one you may not change, nothing moves (403, or 423 for a "
            "client someone else locked). Contacts go with their client; each client records the transfer in "
            "its history."
        ),
        request=TransferSerializer,
        responses={
            200: TransferResultSerializer,
            400: INVALID,
            403: _error(_("Your role does not allow transfers, or you may not change one of the clients.")),
            423: _error(_("Someone else locked one of the clients.")),
        },
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def transfer(self, request: Request) -> Response:
        serializer = TransferSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            moved = client_transfer(
                user=self.actor,
                to_owner=data["to_owner"],
                clients=data.get("clients"),
                from_owner=data.get("from_owner"),
                include_open_documents=data["include_open_documents"],
            )
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            # The service names the new owner "owner"; here it is "to_owner".
            errors = {
                "to_owner" if field == "owner" else field: messages for field, messages in error.message_dict.items()
            }
            raise serializers.ValidationError(errors) from None
        return Response(TransferResultSerializer({"transferred": moved}).data)
