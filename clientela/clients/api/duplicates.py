"""``GET /api/v1/clients/{id}/duplicates/``: the likely duplicates of a client, and why each matched."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.clients.api.common import NOT_FOUND, ApiViewSet
from clientela.clients.duplicates import REASON_CODES, client_duplicates
from clientela.clients.selectors import get_client_for_user


class MatchReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[(code, code) for code in REASON_CODES])
    label = serializers.CharField(help_text=_("The reason in the caller's language."))  # type: ignore[assignment]
    score = serializers.IntegerField(
        min_value=0, max_value=100, help_text=_("100 for an equal id, e-mail or phone; the similarity for names.")
    )


class DuplicateCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="client.pk")
    name = serializers.CharField(source="client.name")
    kind = serializers.CharField(source="client.kind")
    country = serializers.CharField(source="client.country")
    tax_id = serializers.CharField(source="client.tax_id")
    registration_id = serializers.CharField(source="client.registration_id")
    vat_id = serializers.CharField(source="client.vat_id")
    email = serializers.CharField(source="client.email")
    phone = serializers.CharField(source="client.phone")
    owner = serializers.IntegerField(source="client.owner_id")
    score = serializers.IntegerField(help_text=_("The strongest reason's score."))
    reasons = MatchReasonSerializer(many=True)


class DuplicatesMixin(ApiViewSet):
    """The ``duplicates`` action of the clients resource."""

    @extend_schema(
        summary=_("Likely duplicates of a client"),
        description=_(
            "Active clients you can see with the same tax id, company registration id, VAT id, e-mail or "
            "phone, or a similar name; strongest first, each with the reasons it matched."
        ),
        responses={200: DuplicateCandidateSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def duplicates(self, request: Request, pk: str) -> Response:
        client = get_client_for_user(user=self.actor, pk=int(pk))
        candidates = client_duplicates(user=self.actor, client=client)
        return Response(DuplicateCandidateSerializer(candidates, many=True).data)
