from typing import Any

from django import template

register = template.Library()


@register.filter
def may(user: Any, action: str) -> bool:
    """``{% if user|may:"export" %}``: whether the user's role allows an action."""
    return bool(getattr(user, "is_authenticated", False) and user.can(action))
