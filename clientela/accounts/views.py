"""The settings screens of administrators: users, roles and teams.

Every view refuses non-administrators (403, through RefusalMiddleware); the services check the
same again, so no other path can skip it.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.accounts import selectors, services
from clientela.accounts.forms import RoleForm, RoleGridForm, TeamForm, TransferForm, UserCreateForm, UserEditForm
from clientela.accounts.models import Action, Role, Team
from clientela.accounts.permissions import admin_required
from clientela.core.errors import DomainError
from clientela.core.http import AuthenticatedRequest
from clientela.core.http import render_page as _render
from clientela.core.http import wants_part as _wants_part


def _add_service_error(form: Form, error: ValidationError) -> None:
    """Put a service's errors on the fields they name; the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _get(queryset: Any, pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@admin_required
def settings_home(request: AuthenticatedRequest) -> HttpResponse:
    return redirect("accounts:user_list")


# Users -------------------------------------------------------------------------------------------


@admin_required
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    users = selectors.user_list()
    for term in search.split():
        users = users.filter(
            Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        )
    context = {"users": users, "search": search, "section": "users"}
    if _wants_part(request, "user-results"):
        return _render(request, "accounts/_user_results.html", context)
    return _render(request, "accounts/user_list.html", context)


@admin_required
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, initial={"role": services.builtin_role("salesperson").pk})
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.user_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            # Shown on this answer only, never stored in plain text nor put in a message or a redirect.
            response = _render(
                request, "accounts/user_created.html", {"new_user": user, "password": password, "section": "users"}
            )
            add_never_cache_headers(response)
            return response
    return _render(request, "accounts/user_form.html", {"form": form, "edited": None, "section": "users"})


@admin_required
def user_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = _get(selectors.user_list(), pk)
    form = UserEditForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Your changes to %(name)s were saved.") % {"name": user})
            return redirect("accounts:user_edit", pk=user.pk)
    context = {
        "form": form,
        "edited": user,
        "transfer_form": TransferForm(user=user),
        "owned": selectors.owned_record_counts(user=user),
        "section": "users",
    }
    return _render(request, "accounts/user_form.html", context)


# Roles -------------------------------------------------------------------------------------------


@admin_required
def role_grid(request: AuthenticatedRequest) -> HttpResponse:
    roles = list(selectors.role_list())
    form = RoleGridForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        changed = form.changed_actions()
        try:
            with transaction.atomic():  # the whole grid or nothing
                for role, actions in changed.items():
                    services.role_update(actor=request.user, role=role, actions=actions, is_admin=role.is_admin)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("The roles were saved."))
            if _wants_part(request, "role-grid"):
                form = RoleGridForm(roles=list(selectors.role_list()))
                return _render(request, "accounts/_role_grid.html", {"form": form, "actions": Action.choices})
            return redirect("accounts:role_grid")
    context = {"form": form, "actions": Action.choices, "section": "roles"}
    if _wants_part(request, "role-grid"):
        return _render(request, "accounts/_role_grid.html", context)
    return _render(request, "accounts/role_grid.html", context)


@admin_required
def role_create(request: AuthenticatedRequest) -> HttpResponse:
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Role “%(name)s” was added.") % {"name": role.label})
            return redirect("accounts:role_grid")
    return _render(request, "accounts/role_form.html", {"form": form, "section": "roles"})


@admin_required
@require_POST
def role_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    role = _get(Role.objects.all(), pk)
    try:
        services.role_delete(actor=request.user, role=role)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Role “%(name)s” was deleted.") % {"name": role.label})
    return redirect("accounts:role_grid")


# Teams -------------------------------------------------------------------------------------------


@admin_required
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    return _render(request, "accounts/team_list.html", {"teams": selectors.team_list(), "section": "teams"})


def _team_form(request: AuthenticatedRequest, team: Team | None) -> HttpResponse:
    initial = None
    if team is not None:
        initial = {"name": team.name, "description": team.description, "members": [m.pk for m in team.members.all()]}
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if team is None:
                team = services.team_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Team “%(name)s” was created.") % {"name": team.name})
            else:
                team = services.team_update(actor=request.user, team=team, **form.cleaned_data)
                messages.success(request, _("Team “%(name)s” was saved.") % {"name": team.name})
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            return redirect("accounts:team_list")
    return _render(request, "accounts/team_form.html", {"form": form, "team": team, "section": "teams"})


@admin_required
def team_create(request: AuthenticatedRequest) -> HttpResponse:
    return _team_form(request, None)


@admin_required
def team_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _team_form(request, _get(selectors.team_list(), pk))


@admin_required
def team_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = _get(selectors.team_list(), pk)
    if request.method == "POST":
        services.team_delete(actor=request.user, team=team)
        messages.success(request, _("Team “%(name)s” was deleted.") % {"name": team.name})
        return redirect("accounts:team_list")
    shares = team.shares.count()
    return _render(request, "accounts/team_confirm_delete.html", {"team": team, "shares": shares, "section": "teams"})
