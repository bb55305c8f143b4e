"""The client list as a file over REST: ``GET /api/v1/clients/export/?format=csv|xlsx|vcf``.

The same filters as ``GET /api/v1/clients/`` (parsed by that endpoint's own code), or ``id`` values
for some clients; the same writers as the list page's Export menu (``clientela.exchange.exports``).
"""

from typing import Any, cast

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clientela.accounts.models import User
from clientela.clients.api.clients import ClientFilterSerializer, ClientViewSet
from clientela.clients.api.common import INVALID, _error
from clientela.clients.selectors import ClientFilters
from clientela.exchange import exports, vcard
from clientela.exchange.api import VcardRenderer


class _FileRenderer(BaseRenderer):
    """Lets ``?format=`` (DRF's own parameter) and Accept name the file type; the file is answered as it is."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = exports.Format.CSV


class XlsxRenderer(_FileRenderer):
    media_type = exports.CONTENT_TYPES[exports.Format.XLSX]
    format = exports.Format.XLSX


class ExportQuerySerializer(serializers.Serializer):
    """How the list is exported (the list's filters come beside these)."""

    format = serializers.ChoiceField(
        choices=exports.Format.VALUES,
        default=exports.Format.CSV,
        help_text=_("csv, xlsx (one sheet) or vcf (a card per client and per contact)."),
    )
    encoding = serializers.ChoiceField(
        choices=list(exports.ENCODINGS),
        default=exports.DEFAULT_ENCODING,
        help_text=_(
            "CSV only. utf-8-sig (UTF-8 with a BOM, for Excel) by default. cp1250, iso-8859-2 and cp1252 cannot "
            "hold every character: those they cannot hold are written as “?”, and a header they cannot hold is "
            "refused (400)."
        ),
    )
    delimiter = serializers.CharField(
        default=",",
        trim_whitespace=False,
        help_text=_("CSV only: “,” (the default), “;” or a tab (also the words comma, semicolon, tab)."),
    )
    column_set = serializers.ChoiceField(
        choices=exports.ColumnSet.VALUES,
        default=exports.ColumnSet.ALL,
        help_text=_(
            "all: every column an import reads back; shown: the list page's columns (id, name, kind, ids, "
            "country, e-mail, phone, owner, groups)."
        ),
    )
    version = serializers.ChoiceField(
        choices=vcard.VERSIONS, default=vcard.DEFAULT_VERSION, help_text=_("vcf only: vCard 3.0 or 4.0.")
    )
    id = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=exports.MAX_SELECTED,
        help_text=_(
            "Export these clients (repeat the parameter) instead of the list; ids you may not see are left out."
        ),
    )

    def validate_delimiter(self, value: str) -> str:
        try:
            return exports.parse_delimiter(value)
        except exports.ValidationError as error:
            raise serializers.ValidationError(error.messages) from None


def list_filters(request: Request) -> ClientFilters:
    """The filters of ``GET /api/v1/clients/`` from this request, parsed by that endpoint itself."""
    view = ClientViewSet()
    view.request = request
    return view._filters()


_FILE = _("The file, named clients-<date>.<format>; CSV and vCard are streamed as they are read.")


@extend_schema(tags=["clients"])
class ClientListExportView(APIView):
    renderer_classes = [JSONRenderer, CsvRenderer, XlsxRenderer, VcardRenderer]

    @extend_schema(
        operation_id="clients_export",
        summary=_("Export the client list as a file"),
        description=_(
            "The clients the list would give for the same filters (custom fields too: cf_<name>, "
            "cf_<name>__contains, ordering=cf_<name>), or those named by id, as CSV, XLSX or vCard. Needs the "
            "Export action. Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first) start with ' "
            "in CSV and are marked as text in XLSX. A CSV whose export fails part-way ends with a line "
            "starting EXPORT FAILED, and the connection is cut."
        ),
        parameters=[ClientFilterSerializer, ExportQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description=_FILE),
            (200, exports.CONTENT_TYPES[exports.Format.XLSX]): OpenApiResponse(OpenApiTypes.BINARY, description=_FILE),
            (200, "text/vcard"): OpenApiResponse(OpenApiTypes.STR, description=_FILE),
            400: INVALID,
            403: _error(_("Your role does not allow exports.")),
        },
    )
    def get(self, request: Request) -> Any:
        actor = cast(User, request.user)
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        options = exports.ExportOptions(
            format=data["format"],
            encoding=data["encoding"],
            delimiter=data["delimiter"],
            column_set=data["column_set"],
            vcard_version=data["version"],
        )
        export = exports.client_export(
            user=actor, filters=list_filters(request), options=options, selected=data.get("id") or None
        )
        export.check()
        return exports.file_response(export)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # An unknown ?format= is this view's 400 (the serializer says what it takes), not DRF's 404.
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            return (JSONRenderer(), JSONRenderer.media_type)

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON, whatever file type the client asked for.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
