"""Authentication that loads the user's role with the user: every request checks it."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from rest_framework.authentication import TokenAuthentication

from clientela.accounts.models import User


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("role").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class RoleTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> Any:
        token: Any = self.get_model()._default_manager.select_related("user__role").filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own refusal, with its message
        return (token.user, token)
