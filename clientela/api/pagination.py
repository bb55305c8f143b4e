from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from clientela.core.pagination import InvalidCursor, KeysetPage, keyset_page


class KeysetPagination(BasePagination):
    """Keyset pages for the API: ``?cursor=`` follows ``next``/``previous``; ``?page_size=`` up to 200."""

    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        ordering = getattr(view, "keyset_ordering", None)
        if callable(ordering):
            ordering = ordering()
        ordering = ordering or ["id"]
        try:
            raw_size = request.query_params.get("page_size") or str(settings.REST_FRAMEWORK["PAGE_SIZE"])
            size = min(int(raw_size), self.max_page_size)
        except ValueError:
            raise ValidationError({"page_size": _("Enter a whole number.")}) from None
        if size < 1:
            raise ValidationError({"page_size": _("Enter a whole number.")})
        try:
            self.page: KeysetPage = keyset_page(
                queryset,
                ordering=ordering,
                size=size,
                after=request.query_params.get("cursor"),
                before=request.query_params.get("before"),
            )
        except InvalidCursor:
            raise ValidationError({"cursor": _("This page link is not valid any more.")}) from None
        return self.page.items

    def _link(self, name: str, cursor: str | None, drop: str) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, drop, "")
        return (
            replace_query_param(url, name, cursor)
            .replace(f"{drop}=&", "")
            .replace(f"&{drop}=", "")
            .replace(f"?{drop}=", "?")
        )

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link("cursor", self.page.next_cursor, "before"),
                "previous": self._link("before", self.page.previous_cursor, "cursor"),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        def parameter(name: str, kind: str, description: str) -> dict:
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": kind},
            }

        return [
            parameter("cursor", "string", _("The page after this cursor: follow the `next` link.")),
            parameter("before", "string", _("The page before this cursor: follow the `previous` link.")),
            parameter(
                "page_size",
                "integer",
                _("Rows per page, at most %(max)s.") % {"max": self.max_page_size},
            ),
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
