"""Forms of the settings screens and of sharing a record: they read the request; the services check and save."""

from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clientela.accounts.models import Action, Role, ShareAccess, Team, User
from clientela.core.languages import Language


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.label  # built-in roles in the reader's language


def _active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class _UserFields(forms.Form):
    """What the create and edit forms share."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ENGLISH)
    role = RoleChoiceField(label=_("Role"), queryset=Role.objects.order_by("id"), empty_label=None)
    manager = forms.ModelChoiceField(label=_("Manager"), queryset=User.objects.none(), required=False)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name", "id"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        managers = _active_users()
        if user is not None:
            managers = managers.exclude(pk=user.pk)
        manager_field = self.fields["manager"]
        assert isinstance(manager_field, forms.ModelChoiceField)
        manager_field.queryset = managers
        manager_field.empty_label = str(_("No manager"))


class UserCreateForm(_UserFields):
    username = forms.CharField(
        label=_("Username"), max_length=150, help_text=_("Letters, digits and @ . + - _ only; used to log in.")
    )

    field_order = ["username", "first_name", "last_name", "email", "language", "role", "manager", "teams"]


class UserEditForm(_UserFields):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("A user who leaves is deactivated, not deleted: their records stay, ready to be transferred."),
    )

    field_order = ["first_name", "last_name", "email", "language", "role", "manager", "teams", "is_active"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "language": user.language,
                "role": user.role_id,
                "manager": user.manager_id,
                "teams": [team.pk for team in user.teams.all()],
                "is_active": user.is_active,
            },
        )
        super().__init__(*args, user=user, **kwargs)


class TransferForm(forms.Form):
    """Whom the records of a user who leaves go to."""

    to_owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        to_owner = self.fields["to_owner"]
        assert isinstance(to_owner, forms.ModelChoiceField)
        to_owner.queryset = _active_users().exclude(pk=user.pk)
        to_owner.empty_label = str(_("Choose a user…"))


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    actions = forms.MultipleChoiceField(
        label=_("Allowed actions"),
        choices=Action.choices,
        required=False,
        initial=[Action.VIEW],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""


class RoleGridForm(forms.Form):
    """One row of checkboxes per role; administrator roles allow everything and are not edited here."""

    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles = roles
        for role in roles:
            if role.is_admin:
                continue
            self.fields[self.field_name(role)] = forms.MultipleChoiceField(
                label=role.label, choices=Action.choices, required=False, initial=list(role.actions)
            )

    @staticmethod
    def field_name(role: Role) -> str:
        return f"role_{role.pk}"

    def rows(self) -> list[dict[str, Any]]:
        """The grid as the template draws it: each role with, per action, whether it is ticked."""
        rows = []
        for role in self.roles:
            if role.is_admin:
                ticked = set(Action.values)
            elif self.is_bound:
                ticked = set(cast(QueryDict, self.data).getlist(self.field_name(role)))
            else:
                ticked = set(role.actions)
            rows.append(
                {
                    "role": role,
                    "field_name": self.field_name(role),
                    "cells": [(action, label, action in ticked) for action, label in Action.choices],
                }
            )
        return rows

    def changed_actions(self) -> dict[Role, list[str]]:
        """The roles whose actions the admin changed, with their new actions."""
        changed = {}
        # Only the rows the admin saw: a role added since the page was drawn keeps its actions.
        shown = set(cast(QueryDict, self.data).getlist("shown"))
        for role in self.roles:
            name = self.field_name(role)
            if (
                str(role.pk) in shown
                and name in self.cleaned_data
                and set(self.cleaned_data[name]) != set(role.actions)
            ):
                changed[role] = list(self.cleaned_data[name])
        return changed


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = _active_users()


class ShareForm(forms.Form):
    """Share a record with a user or a team: one picker for both, ``user:<id>`` or ``team:<id>``."""

    grantee = forms.ChoiceField(label=_("Share with"))
    access = forms.ChoiceField(label=_("Access"), choices=ShareAccess.choices, initial=ShareAccess.READ)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.users = {user.pk: user for user in _active_users()}
        self.teams = {team.pk: team for team in Team.objects.order_by("name", "id")}
        grantee = self.fields["grantee"]
        assert isinstance(grantee, forms.ChoiceField)
        grantee.choices = [
            ("", _("Choose a user or a team…")),
            (capfirst(_("users")), [(f"user:{pk}", str(user)) for pk, user in self.users.items()]),
            (capfirst(_("teams")), [(f"team:{pk}", team.name) for pk, team in self.teams.items()]),
        ]

    def grantee_arguments(self) -> dict[str, Any]:
        """``user=`` or ``team=`` for share_create."""
        kind, _sep, pk = self.cleaned_data["grantee"].partition(":")
        if kind == "team":
            return {"team": self.teams[int(pk)]}
        return {"user": self.users[int(pk)]}
