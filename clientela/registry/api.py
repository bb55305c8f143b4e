"""REST look-up in the business registries: GET /api/v1/registry/lookup/?country=CZ&id=… or &name=…

Semantics: by ``id`` the answer is a list of one, or 404 when the registry has no such company;
by ``name`` it is a list of the matches, empty when nothing matches. 400 for input that cannot be
looked up (nothing is sent to the registry then) or a country without a registry, 502 when the
registry does not answer in time. Errors are ``{"detail": message, "code": code}``.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clientela.registry.errors import RegistryError, RegistryNotFound, RegistryUnavailable
from clientela.registry.selectors import registry_lookup


class RegistryErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the user's language."))
    code = serializers.ChoiceField(
        choices=["invalid", "no_registry", "not_found", "registry_unavailable"],
        help_text=_("A machine-readable reason."),
    )


class RegistryAddressSerializer(serializers.Serializer):
    street = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    postal_code = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True, help_text=_("ISO 3166 alpha-2 code."))


class RegistryResultSerializer(serializers.Serializer):
    """A company as a registry describes it; a value the registry does not give is an empty string."""

    # The metaclass takes declared fields off the class, so this does not shadow Field.source.
    source = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text=_("The registry: ARES, ANAF or VIES.")
    )
    name = serializers.CharField(read_only=True)
    registration_id = serializers.CharField(read_only=True)
    tax_id = serializers.CharField(read_only=True)
    vat_id = serializers.CharField(read_only=True)
    address = RegistryAddressSerializer(source="*", read_only=True)
    # Text rather than an enum: "company", "individual" (an individual entrepreneur) or "" (not said).
    kind = serializers.CharField(
        read_only=True,
        help_text=_("“company”, “individual” for an individual entrepreneur, or empty when the registry does not say."),
    )
    is_individual_entrepreneur = serializers.BooleanField(read_only=True)
    legal_form = serializers.CharField(read_only=True, help_text=_("As the registry names or codes it."))


def _error(description: Any) -> OpenApiResponse:
    return OpenApiResponse(RegistryErrorSerializer, description=description)


class RegistryLookupView(APIView):
    @extend_schema(
        operation_id="registry_lookup",
        summary=_("Look a company up in its country's business registry"),
        description=_(
            "Give the country and either a company id (IČO for CZ, CUI for RO, a VAT id for other EU "
            "countries) or a name (CZ only). By id: a list of one, or 404. By name: the matches, an "
            "empty list when nothing matches. Answers are cached."
        ),
        parameters=[
            OpenApiParameter("country", OpenApiTypes.STR, required=True, description=_("ISO 3166 alpha-2 code.")),
            OpenApiParameter("id", OpenApiTypes.STR, description=_("The company id or VAT id.")),
            OpenApiParameter("name", OpenApiTypes.STR, description=_("Part of the company's name.")),
        ],
        responses={
            200: RegistryResultSerializer(many=True),
            400: _error(_("Input that cannot be looked up, or a country without a registry.")),
            404: _error(_("The registry has no company with this id.")),
            502: _error(_("The registry did not answer in time.")),
        },
        tags=["registry"],
    )
    def get(self, request: Request) -> Response:
        try:
            results = registry_lookup(
                country=request.query_params.get("country", ""),
                company_id=request.query_params.get("id"),
                name=request.query_params.get("name"),
            )
        except RegistryError as error:
            code: int
            if isinstance(error, RegistryNotFound):
                code = status.HTTP_404_NOT_FOUND
            elif isinstance(error, RegistryUnavailable):
                code = status.HTTP_502_BAD_GATEWAY
            else:
                code = status.HTTP_400_BAD_REQUEST
            return Response({"detail": error.message, "code": error.code}, status=code)
        return Response(RegistryResultSerializer(results, many=True).data)
