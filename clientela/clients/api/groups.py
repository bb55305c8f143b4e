"""The client groups resource."""

from django.http import Http404
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
    ResponseSerializer,
)
from clientela.clients.models import ClientGroup
from clientela.clients.selectors import (
    get_group,
    group_list,
)
from clientela.clients.services import (
    group_create,
    group_delete,
    group_update,
)

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
