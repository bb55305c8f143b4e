"""A client's record as a file over REST: ``/api/v1/clients/{id}/vcard/`` and ``/api/v1/clients/{id}/pdf/``."""

from typing import Any, cast

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clientela.accounts.models import Action, User
from clientela.accounts.permissions import require_action
from clientela.clients.api.common import INVALID, NOT_FOUND
from clientela.clients.selectors import get_client_for_user
from clientela.exchange import pdf, vcard
from clientela.exchange.files import client_attachment


class _FileRenderer(BaseRenderer):
    """Lets a client ask for the file's type in Accept; the file itself is answered as it is."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class PdfRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class VcardRenderer(_FileRenderer):
    media_type = "text/vcard"
    format = "vcf"


class VcardQuerySerializer(serializers.Serializer):
    version = serializers.ChoiceField(
        choices=vcard.VERSIONS,
        default=vcard.DEFAULT_VERSION,
        help_text=_("vCard 3.0 (RFC 2426, read by most address books) or 4.0 (RFC 6350)."),
    )


class _ClientFileView(APIView):
    def _client_for(self, pk: int) -> Any:
        require_action(self.actor, Action.EXPORT)
        return get_client_for_user(user=self.actor, pk=pk)

    @property
    def actor(self) -> User:
        return cast(User, self.request.user)

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON, whatever file type the client asked for.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


@extend_schema(tags=["clients"])
class ClientPdfView(_ClientFileView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="clients_pdf_retrieve",
        summary=_("A client as a PDF"),
        description=_(
            "The client's data, contacts, groups and recent changes, in the caller's language "
            "(Accept-Language), with its fonts embedded."
        ),
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The PDF file.")),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        client = self._client_for(pk)
        content = pdf.client_pdf(client, user=self.actor)
        return client_attachment(client, content, content_type=pdf.CONTENT_TYPE, extension="pdf")


@extend_schema(tags=["clients"])
class ClientVcardView(_ClientFileView):
    renderer_classes = [JSONRenderer, VcardRenderer]

    @extend_schema(
        operation_id="clients_vcard_retrieve",
        summary=_("A client as vCards"),
        description=_("One card for the client and one per contact, in one UTF-8 file."),
        parameters=[VcardQuerySerializer],
        responses={
            (200, "text/vcard"): OpenApiResponse(OpenApiTypes.STR, description=_("The vCard file.")),
            400: INVALID,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        client = self._client_for(pk)
        query = VcardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        content = vcard.client_vcard(client, version=query.validated_data["version"])
        return client_attachment(client, content, content_type=vcard.CONTENT_TYPE, extension="vcf")
