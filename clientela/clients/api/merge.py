"""Merging clients over REST: ``POST /api/v1/clients/{id}/merge/``, the merges into a client, and undo.

- ``POST /api/v1/clients/{id}/merge/`` with ``{"others": [ids], "values": {field: client id}}``
  merges the others into ``{id}``; ``values`` names, per field, the client whose value survives
  (fields left out keep the survivor's value, or the first other client's where the survivor's is
  empty). Answers the merge record.
- ``GET /api/v1/clients/{id}/merges/``: the merges into a client, newest first, with ``undoable``.
- ``POST /api/v1/clients/{id}/merges/{merge_id}/undo/``: undo one (409 once the survivor changed).
- ``GET /api/v1/clients/{id}/`` of a merged client answers 307 (Temporary Redirect) to its survivor:
  temporary, because an undo brings the client back, and a permanent redirect would be cached.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.clients.api.common import INVALID, NOT_FOUND, ApiViewSet, _error, _field_errors
from clientela.clients.merge import client_merge, client_merge_undo, merge_fields, merge_undo_refusal
from clientela.clients.models import Client, ClientMerge
from clientela.clients.selectors import get_client_for_user


class MergeRequestSerializer(serializers.Serializer):
    others = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=50,
        help_text=gettext_lazy("Ids of the clients merged into this one."),
    )
    values = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text=gettext_lazy(
            "Per field (kind, name, tax_id, registration_id, vat_id, email, phone, website, billing_address, "
            "shipping_address, country, currency, language, owner), the id of the client whose value survives. "
            "A field left out keeps the survivor's value, or the first other client's where the survivor's is empty."
        ),
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text=gettext_lazy(
            "Optional: per client id, the version you read; the merge is refused (409) if any changed."
        ),
    )

    def validate_values(self, values: dict[str, int]) -> dict[str, int]:
        known = {merge_field.key for merge_field in merge_fields()}
        unknown = sorted(set(values) - known)
        if unknown:
            raise serializers.ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
        return values


class MergeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survivor = serializers.IntegerField(source="survivor_id")
    survivor_version = serializers.IntegerField(
        help_text=gettext_lazy("The survivor's version after the merge: send it with your next change.")
    )
    merged = serializers.SerializerMethodField(help_text=gettext_lazy("Ids of the clients merged into the survivor."))
    created_at = serializers.DateTimeField()
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
    undone_at = serializers.DateTimeField(allow_null=True)
    undone_by = serializers.IntegerField(source="undone_by_id", allow_null=True)
    undoable = serializers.SerializerMethodField()

    def get_merged(self, merge: ClientMerge) -> list[int]:
        return sorted(int(pk) for pk in merge.details.get("others", {}))

    def get_undoable(self, merge: ClientMerge) -> bool:
        return merge_undo_refusal(merge) is None


def merged_redirect(request: Request, client: Client) -> Response:
    """The answer for a merged client's address: where it lives on."""
    location = request.build_absolute_uri(reverse("api:client-detail", kwargs={"pk": client.merged_into_id}))
    body = {
        "detail": _("This client was merged into client %(id)s.") % {"id": client.merged_into_id},
        "code": "merged",
        "merged_into": client.merged_into_id,
    }
    return Response(body, status=status.HTTP_307_TEMPORARY_REDIRECT, headers={"Location": location})


MERGED_REDIRECT = _error(gettext_lazy("The client was merged: Location names the client it was merged into."))
_LOCKED = _error(gettext_lazy("Someone else locked one of the clients."))
_REFUSED = _error(gettext_lazy("Your role does not allow merging, or you may not change one of the clients."))


class MergeMixin(ApiViewSet):
    """The ``merge``, ``merges`` and ``merges/{merge_id}/undo`` actions of the clients resource."""

    @extend_schema(
        summary=gettext_lazy("Merge clients into this one"),
        description=gettext_lazy(
            "Every link (contacts, groups, shares, other records) moves to this client; the merged clients "
            "leave a redirect. All or nothing. Undo with merges/{merge_id}/undo/."
        ),
        request=MergeRequestSerializer,
        responses={
            200: MergeSerializer,
            400: INVALID,
            403: _REFUSED,
            404: NOT_FOUND,
            409: _error(gettext_lazy("A client changed since the given version, or was already merged.")),
            423: _LOCKED,
        },
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        survivor = get_client_for_user(user=self.actor, pk=int(pk), write=True)
        serializer = MergeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Clients the caller cannot see do not exist for them (404), as everywhere else.
        others = [get_client_for_user(user=self.actor, pk=other) for other in dict.fromkeys(data["others"])]
        with _field_errors():
            merge = client_merge(
                user=self.actor,
                survivor=survivor,
                others=others,
                values=data.get("values", {}),
                versions=data.get("versions"),
            )
        return Response(MergeSerializer(merge).data)

    @extend_schema(
        summary=gettext_lazy("Merges into a client"),
        description=gettext_lazy("Newest first, undone ones included; undoable says whether undo is still possible."),
        responses={200: MergeSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def merges(self, request: Request, pk: str) -> Response:
        client = get_client_for_user(user=self.actor, pk=int(pk))
        merges = ClientMerge.objects.filter(survivor=client).select_related("survivor")
        return Response(MergeSerializer(merges, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Undo a merge"),
        description=gettext_lazy(
            "The merged clients come back with their contacts, groups, shares and links, and the survivor gets "
            "its earlier values and groups. Refused (409) once the survivor changed after the merge."
        ),
        request=None,
        parameters=[OpenApiParameter("merge_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            200: MergeSerializer,
            403: _REFUSED,
            404: NOT_FOUND,
            409: _error(gettext_lazy("Already undone, or a client changed after the merge.")),
            423: _LOCKED,
        },
    )
    @action(detail=True, methods=["post"], url_path=r"merges/(?P<merge_id>\d+)/undo", url_name="merge-undo")
    def merge_undo(self, request: Request, pk: str, merge_id: str) -> Response:
        survivor = get_client_for_user(user=self.actor, pk=int(pk), write=True)
        merge = ClientMerge.objects.filter(pk=int(merge_id), survivor=survivor).first()
        if merge is None:
            raise NotFound(_("No such merge."))
        client_merge_undo(user=self.actor, merge=merge)
        merge.refresh_from_db()
        return Response(MergeSerializer(merge).data)
