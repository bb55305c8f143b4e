from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm

from clientela.accounts.models import User
from clientela.accounts.services import validate_manager


class UserChangeForm(DjangoUserChangeForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        try:
            validate_manager(user=self.instance, manager=cleaned.get("manager"))
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    list_display = ("username", "first_name", "last_name", "email", "manager", "is_superuser", "is_active")
    list_select_related = ("manager",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (None, {"fields": ("manager", "language")}),
    )
