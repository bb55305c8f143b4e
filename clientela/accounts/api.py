"""REST API of users, roles, teams (administered by admins) and shares (of any record type).

As for clients: serializers type-check and shape, the services decide and write, reads go through
the selectors. Users and roles do not exist for non-administrators (403 on every verb); teams may
be read by everyone, since sharing with a team needs its id.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from clientela.accounts import selectors, services
from clientela.accounts.models import Action, BuiltinRole, Role, Share, ShareAccess, Team, User
from clientela.accounts.permissions import require_admin

# The REST conventions of every resource (base viewset, error answers) live with the first resources
# written, the clients'; they are generic and would move down to core if a third app needed them.
from clientela.clients.api.common import _TEXT, INVALID, NOT_FOUND, ApiViewSet, ResponseSerializer, _error
from clientela.core.languages import Language

ADMINS_ONLY = _error(_("Only an administrator can do this."))
REFUSED = _error(_("You may not change this record (or your role does not allow it)."))


class _AdminOnly:
    """Every verb of the resource is for administrators; others get 403 before anything is read."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authenticates first
        require_admin(request.user)


def _found(queryset: Any, pk: str) -> Any:
    found = queryset.filter(pk=int(pk)).first()
    if found is None:
        raise Http404
    return found


# Users --------------------------------------------------------------------------------------------


class UserSerializer(ResponseSerializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    role = serializers.IntegerField(source="role_id", allow_null=True)
    manager = serializers.IntegerField(source="manager_id", allow_null=True)
    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.all())
    is_active = serializers.BooleanField()
    is_admin = serializers.BooleanField(help_text=_("Sees and may change every record, and manages users."))
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)


class NewUserSerializer(UserSerializer):
    password = serializers.CharField(help_text=_("Generated; shown only in this answer. Hand it over safely."))


@extend_schema_serializer(component_name="UserUpdate")
class UserUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, **_TEXT)
    last_name = serializers.CharField(max_length=150, **_TEXT)
    email = serializers.EmailField(**_TEXT)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    role = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all())
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, help_text=_("null: no manager.")
    )
    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.all())
    is_active = serializers.BooleanField(
        help_text=_("false deactivates the user (who leaves): they cannot log in; their records stay.")
    )


@extend_schema_serializer(component_name="NewUser")
class UserCreateSerializer(UserUpdateSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.PrimaryKeyRelatedField(
        queryset=Role.objects.all(), required=False, help_text=_("The salesperson role when left out.")
    )
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.all(), required=False)
    is_active = None  # type: ignore[assignment]  # a new user is active


@extend_schema_view(
    list=extend_schema(summary=_("List users"), responses={200: UserSerializer(many=True), 403: ADMINS_ONLY}),
    retrieve=extend_schema(summary=_("Read a user"), responses={200: UserSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Add a user"),
        description=_("The answer carries the user's generated password, once."),
        request=UserCreateSerializer,
        responses={201: NewUserSerializer, 400: INVALID, 403: ADMINS_ONLY},
    ),
    update=extend_schema(
        summary=_("Change a user"),
        request=UserUpdateSerializer,
        responses={200: UserSerializer, 400: INVALID, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=_("Change some fields of a user"),
        request=UserUpdateSerializer,
        responses={200: UserSerializer, 400: INVALID, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["users"])
class UserViewSet(_AdminOnly, ApiViewSet):
    """Users, their roles, managers and teams (administrators only). Users are deactivated, never deleted."""

    queryset = User.objects.none()  # names the model for the schema; reads go through the selectors
    serializer_class = UserSerializer
    keyset_ordering = ["username", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def _answer(self, user: User, code: int = status.HTTP_200_OK) -> Response:
        return Response(UserSerializer(_found(selectors.user_list(), str(user.pk))).data, status=code)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.user_list())
        return self.get_paginated_response(UserSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(UserSerializer(_found(selectors.user_list(), pk)).data)

    def create(self, request: Request) -> Response:
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.setdefault("role", services.builtin_role(BuiltinRole.SALESPERSON))
        user, password = services.user_add(actor=self.actor, **values)
        answer = NewUserSerializer(_found(selectors.user_list(), str(user.pk))).data
        return Response({**answer, "password": password}, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        user = _found(selectors.user_list(), pk)
        serializer = UserUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = {"manager": user.manager, **serializer.validated_data}  # a left-out manager stays
        services.user_update(actor=self.actor, user=user, **values)
        return self._answer(user)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)


# Roles --------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Role")  # "RoleRequest" in the schema
class RoleInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    builtin = serializers.ChoiceField(
        choices=BuiltinRole.choices, read_only=True, allow_blank=True, help_text=_("Empty for roles an admin added.")
    )
    name = serializers.CharField(max_length=100, help_text=_("Unique, ignoring case; built-in roles keep theirs."))
    label = serializers.CharField(read_only=True, help_text=_("The name in the caller's language."))  # type: ignore[assignment]
    is_admin = serializers.BooleanField(required=False, help_text=_("Sees and may change every record."))
    actions = serializers.ListField(child=serializers.ChoiceField(choices=Action.choices), allow_empty=True)
    user_count = serializers.IntegerField(read_only=True, help_text=_("How many users have the role."))


class RoleSerializer(ResponseSerializer, RoleInputSerializer):
    pass


@extend_schema_view(
    list=extend_schema(summary=_("List roles"), responses={200: RoleSerializer(many=True), 403: ADMINS_ONLY}),
    retrieve=extend_schema(summary=_("Read a role"), responses={200: RoleSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Add a role"),
        request=RoleInputSerializer,
        responses={201: RoleSerializer, 400: INVALID, 403: ADMINS_ONLY},
    ),
    update=extend_schema(
        summary=_("Change what a role allows"),
        description=_("The built-in administrator role always allows everything."),
        request=RoleInputSerializer,
        responses={200: RoleSerializer, 400: INVALID, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=_("Change some fields of a role"),
        request=RoleInputSerializer,
        responses={200: RoleSerializer, 400: INVALID, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary=_("Delete a role"),
        description=_("Only an added role that no user has; built-in roles stay."),
        responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND, 409: _error(_("Built-in, or users still have it."))},
    ),
)
@extend_schema(tags=["roles"])
class RoleViewSet(_AdminOnly, ApiViewSet):
    """Roles and the actions each allows: view, create, edit, delete, export, lock, merge, transfer."""

    queryset = Role.objects.none()
    serializer_class = RoleSerializer
    keyset_ordering = ["id"]

    def _answer(self, role: Role, code: int = status.HTTP_200_OK) -> Response:
        return Response(RoleSerializer(_found(selectors.role_list(), str(role.pk))).data, status=code)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.role_list())
        return self.get_paginated_response(RoleSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(_found(selectors.role_list(), pk))

    def create(self, request: Request) -> Response:
        serializer = RoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = services.role_create(actor=self.actor, **serializer.validated_data)
        return self._answer(role, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        role = _found(Role.objects.all(), pk)
        serializer = RoleInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = {"actions": role.actions, "is_admin": role.is_admin, **serializer.validated_data}
        services.role_update(actor=self.actor, role=role, **values)
        return self._answer(role)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.role_delete(actor=self.actor, role=_found(Role.objects.all(), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Teams --------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Team")  # "TeamRequest" in the schema
class TeamInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100, help_text=_("Unique, ignoring case."))
    description = serializers.CharField(**_TEXT)
    members = serializers.PrimaryKeyRelatedField(many=True, queryset=User.objects.all(), required=False)


class TeamSerializer(ResponseSerializer, TeamInputSerializer):
    pass


@extend_schema_view(
    list=extend_schema(summary=_("List teams")),
    retrieve=extend_schema(summary=_("Read a team"), responses={200: TeamSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Add a team"),
        request=TeamInputSerializer,
        responses={201: TeamSerializer, 400: INVALID, 403: ADMINS_ONLY},
    ),
    update=extend_schema(
        summary=_("Change a team"),
        request=TeamInputSerializer,
        responses={200: TeamSerializer, 400: INVALID, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=_("Change some fields of a team"),
        request=TeamInputSerializer,
        responses={200: TeamSerializer, 400: INVALID, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary=_("Delete a team"),
        description=_("What was shared with the team is no longer shared with its members; the records stay."),
        responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["teams"])
class TeamViewSet(ApiViewSet):
    """Teams of users: everyone may read them (to share with one); administrators change them."""

    queryset = Team.objects.none()
    serializer_class = TeamSerializer
    keyset_ordering = ["name", "id"]

    def _answer(self, team: Team, code: int = status.HTTP_200_OK) -> Response:
        return Response(TeamSerializer(_found(selectors.team_list(), str(team.pk))).data, status=code)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.team_list())
        return self.get_paginated_response(TeamSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(_found(selectors.team_list(), pk))

    def create(self, request: Request) -> Response:
        require_admin(self.actor)  # before the input is read: a non-admin learns nothing from a 400
        serializer = TeamInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = services.team_create(actor=self.actor, **serializer.validated_data)
        return self._answer(team, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        require_admin(self.actor)
        team = _found(selectors.team_list(), pk)
        serializer = TeamInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = {"name": team.name, "description": team.description, **serializer.validated_data}
        services.team_update(actor=self.actor, team=team, **values)
        return self._answer(team)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        require_admin(self.actor)
        services.team_delete(actor=self.actor, team=_found(Team.objects.all(), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Shares -------------------------------------------------------------------------------------------


class RecordTypeField(serializers.ChoiceField):
    """The name of a record type that can be shared: client, contact (and those added later)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=sorted(selectors.shareable_types()), **kwargs)


@extend_schema_serializer(component_name="Share")  # "ShareRequest" in the schema
class ShareInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    record_type = RecordTypeField()
    record_id = serializers.IntegerField(
        min_value=1, help_text=_("A record you cannot see (or that does not exist) is refused with 400 on this field.")
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("Share with this user; give either user or team."),
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, help_text=_("Share with this team's members.")
    )
    access = serializers.ChoiceField(
        choices=ShareAccess.choices, help_text=_("read: see the record; edit: also change it.")
    )
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("user") is None) == (attrs.get("team") is None):
            raise serializers.ValidationError({"non_field_errors": [_("Share with either a user or a team.")]})
        return attrs


class ShareSerializer(ResponseSerializer, ShareInputSerializer):
    record_type = serializers.CharField(source="content_type.model")  # type: ignore[assignment]
    record_id = serializers.IntegerField(source="object_id")
    user = serializers.IntegerField(source="user_id", allow_null=True)  # type: ignore[assignment]
    team = serializers.IntegerField(source="team_id", allow_null=True)  # type: ignore[assignment]


class ShareFilterSerializer(serializers.Serializer):
    record_type = RecordTypeField(required=False, help_text=_("Only the shares of records of this type."))
    record_id = serializers.IntegerField(required=False, help_text=_("Only the shares of this record."))


@extend_schema_view(
    list=extend_schema(summary=_("List shares"), parameters=[ShareFilterSerializer]),
    retrieve=extend_schema(summary=_("Read a share"), responses={200: ShareSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Share a record"),
        description=_(
            "With a user or a team, to read or to edit. Only those who may change the record may share it (403). "
            "Sharing again with the same user or team changes the access."
        ),
        request=ShareInputSerializer,
        responses={201: ShareSerializer, 400: INVALID, 403: REFUSED},
    ),
    destroy=extend_schema(
        summary=_("Stop sharing a record"),
        description=_("Only those who may change the record may do so (403)."),
        responses={204: None, 403: REFUSED, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["shares"])
class ShareViewSet(ApiViewSet):
    """Who each record the caller can see is shared with."""

    queryset = Share.objects.none()
    serializer_class = ShareSerializer
    keyset_ordering = ["id"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def _shares(self) -> Any:
        return selectors.share_list(user=self.actor)

    def list(self, request: Request) -> Response:
        params = ShareFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        shares = selectors.share_list(
            user=self.actor,
            record_type=params.validated_data.get("record_type"),
            record_id=params.validated_data.get("record_id"),
        )
        page = self.paginate_queryset(shares)
        return self.get_paginated_response(ShareSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ShareSerializer(_found(self._shares(), pk)).data)

    def create(self, request: Request) -> Response:
        serializer = ShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        model = selectors.shareable_types()[data["record_type"]]
        record = selectors.owned_records(model).visible_to(self.actor).filter(pk=data["record_id"]).first()
        if record is None:
            raise serializers.ValidationError(
                {"record_id": [_("There is no record with id %(id)s that you can see.") % {"id": data["record_id"]}]}
            )
        share = services.share_create(
            actor=self.actor, record=record, user=data.get("user"), team=data.get("team"), access=data["access"]
        )
        return Response(ShareSerializer(_found(self._shares(), str(share.pk))).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.share_delete(actor=self.actor, share=_found(self._shares(), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
