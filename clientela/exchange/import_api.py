"""Imports over REST: ``POST /api/v1/imports/`` with the file and options, progress and rows, run, revert.

The same services as the wizard: the file is read and the mapping suggested on upload; the pass
(dry or real) is queued for the worker at once, so the answer is 202 with the import to poll.
"""

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.clients.api.common import INVALID, NOT_FOUND, ApiViewSet
from clientela.core.pagination import InvalidCursor, keyset_page
from clientela.exchange import columns as cols
from clientela.exchange import selectors, services
from clientela.exchange.models import EmptyCells, ImportJob, ImportMode, ImportRow, RowOutcome
from clientela.exchange.readers import ImportFileError

ROWS_PAGE = 500


class JsonOrListField(serializers.JSONField):
    """A list or an object sent as JSON text in a multipart form, or as itself in JSON."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("Send valid JSON.")) from None
        return super().to_internal_value(data)


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A CSV, XLSX or vCard file."))
    encoding = serializers.CharField(required=False, allow_blank=True, help_text=_("Detected when left out."))
    delimiter = serializers.CharField(required=False, allow_blank=True, max_length=2)
    sheet = serializers.CharField(required=False, allow_blank=True)
    header_row = serializers.IntegerField(
        required=False, min_value=1, help_text=_("1-based; detected when left out (titles above it are skipped).")
    )
    mapping = JsonOrListField(
        required=False,
        help_text=_(
            "Which field each column fills: an object {header: field key}, or a list of field keys in the "
            'file\'s column order ("" for a column not imported). Suggested from the headers when left out. '
            "The keys are listed at /api/v1/imports/fields/."
        ),
    )
    mapping_name = serializers.CharField(required=False, allow_blank=True, help_text=_("A saved mapping to use."))
    match_keys = JsonOrListField(
        required=False,
        help_text=_('Keys that find the client a row is about, in order, e.g. ["tax_id", "name_country"].'),
    )
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.UPSERT)
    empty_cells = serializers.ChoiceField(choices=EmptyCells.choices, default=EmptyCells.KEEP)
    all_or_nothing = serializers.BooleanField(default=False)
    dry_run = serializers.BooleanField(default=True, help_text=_("Check and report only; run it with …/run/."))


class ImportSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    progress = serializers.IntegerField(read_only=True, help_text=_("Per cent of the rows done."))
    can_revert = serializers.BooleanField(read_only=True)
    revert_until = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "user", "filename", "size", "format", "encoding", "delimiter", "sheet", "sheets", "header_row",
            "headers", "mapping", "match_keys", "mode", "empty_cells", "all_or_nothing", "status", "is_dry_run",
            "progress", "total_rows", "processed_rows", "created_count", "updated_count", "unchanged_count",
            "skipped_count", "rejected_count", "error", "started_at", "finished_at", "seconds", "can_revert",
            "revert_until", "reverted_at", "kept_count", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ImportRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRow
        fields = ["number", "outcome", "client", "client_created", "changes", "messages", "cells", "is_reverted"]
        read_only_fields = fields


class ImportRowPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    results = ImportRowSerializer(many=True)


class FieldKeySerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    part = serializers.CharField()


@extend_schema(tags=["imports"])
@extend_schema_view(
    list=extend_schema(summary=_("Your imports (everyone's for an administrator), newest first")),
    retrieve=extend_schema(
        summary=_("An import's progress and counts"), responses={200: ImportSerializer, 404: NOT_FOUND}
    ),
)
class ImportViewSet(ApiViewSet):
    serializer_class = ImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> Any:
        return selectors.import_list(user=self.actor)

    def _job(self, pk: str) -> ImportJob:
        job = selectors.get_import_for_user(user=self.actor, pk=int(pk))
        if job is None:
            from rest_framework.exceptions import NotFound

            raise NotFound
        return job

    def list(self, request: Request) -> Response:
        jobs = self.get_queryset()[:100]
        return Response(ImportSerializer(jobs, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ImportSerializer(self._job(pk)).data)

    @extend_schema(
        summary=_("Upload a file and start its dry run (or its import)"),
        request={"multipart/form-data": ImportCreateSerializer},
        responses={202: ImportSerializer, 400: INVALID},
    )
    def create(self, request: Request) -> Response:
        form = ImportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data["file"]
        try:
            job = services.import_upload(user=self.actor, file=upload, filename=upload.name)
        except ImportFileError as error:
            raise serializers.ValidationError({"file": [str(error)]}) from None
        try:
            self._configure(job, data)
            job = services.import_start(job=job, user=self.actor, dry_run=data["dry_run"])
        except Exception:
            job.file.delete(save=False)
            job.delete()
            raise
        return Response(ImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    def _configure(self, job: ImportJob, data: dict[str, Any]) -> None:
        if any(data.get(name) for name in ("encoding", "delimiter", "sheet")) or data.get("header_row"):
            try:
                job = services.import_read_settings(
                    job=job,
                    user=self.actor,
                    encoding=data.get("encoding", ""),
                    delimiter=data.get("delimiter", ""),
                    sheet=data.get("sheet", ""),
                    header_row=data["header_row"] - 1 if data.get("header_row") else None,
                )
            except ImportFileError as error:
                raise serializers.ValidationError({"file": [str(error)]}) from None
        mapping = job.mapping
        if data.get("mapping_name"):
            saved = selectors.mapping_list().filter(name__iexact=data["mapping_name"]).first()
            if saved is None:
                raise serializers.ValidationError({"mapping_name": [_("There is no saved mapping of that name.")]})
            mapping = services.applied_mapping(saved, job.headers, fallback=mapping)
        given = data.get("mapping")
        if isinstance(given, dict):
            unknown = [header for header in given if header not in job.headers]
            if unknown:
                raise serializers.ValidationError(
                    {
                        "mapping": [
                            _("These columns are not in the file: %(headers)s.") % {"headers": ", ".join(unknown)}
                        ]
                    }
                )
            mapping = [given.get(header, "") or "" for header in job.headers]
        elif isinstance(given, list):
            mapping = [str(key or "") for key in given]
        elif given is not None:
            raise serializers.ValidationError({"mapping": [_("Send an object or a list.")]})
        match_keys = data.get("match_keys", job.match_keys)
        if not isinstance(match_keys, list):
            raise serializers.ValidationError({"match_keys": [_("Send a list.")]})
        services.import_set_options(
            job=job,
            user=self.actor,
            mapping=mapping,
            match_keys=[str(key) for key in match_keys],
            mode=data["mode"],
            empty_cells=data["empty_cells"],
            all_or_nothing=data["all_or_nothing"],
        )

    @extend_schema(
        summary=_("What each row did (or would do), in file order"),
        parameters=[
            OpenApiParameter("outcome", str, enum=RowOutcome.values, description=_("Only rows with this outcome.")),
            OpenApiParameter("cursor", str, description=_("The `next` of the previous page.")),
        ],
        responses={200: ImportRowPageSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def rows(self, request: Request, pk: str) -> Response:
        job = self._job(pk)
        outcome = request.query_params.get("outcome", "")
        rows = selectors.import_rows(job=job, outcome=outcome if outcome in RowOutcome.values else "")
        try:
            page = keyset_page(
                rows, ordering=["number", "id"], size=ROWS_PAGE, after=request.query_params.get("cursor")
            )
        except InvalidCursor:
            raise serializers.ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
        return Response({"next": page.next_cursor, "results": ImportRowSerializer(page.items, many=True).data})

    @extend_schema(
        summary=_("Run the import after its dry run"), request=None, responses={202: ImportSerializer, 409: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str) -> Response:
        job = services.import_start(job=self._job(pk), user=self.actor, dry_run=False)
        return Response(ImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary=_("Revert a finished import"),
        description=_(
            "Created clients are deleted and updated ones get their earlier values back, except records changed "
            "since the import: those are kept and listed in the rows' messages."
        ),
        request=None,
        responses={202: ImportSerializer, 409: OpenApiResponse(description=_("Too late, or not finished."))},
    )
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str) -> Response:
        job = services.import_revert(job=self._job(pk), user=self.actor)
        return Response(ImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary=_("The fields a column can fill: keys for `mapping`"), responses={200: FieldKeySerializer(many=True)}
    )
    @action(detail=False, methods=["get"])
    def fields(self, request: Request) -> Response:
        columns = [c for c in cols.client_columns() if c.importable]
        return Response([{"key": c.key, "title": c.label, "part": c.part} for c in columns])
