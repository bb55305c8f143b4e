"""Domain errors raised by services; their messages are translatable and shown to the user."""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A business rule refused the operation; nothing was changed."""

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConcurrencyError(DomainError):
    """The record changed since the user loaded it (optimistic concurrency)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="stale_version")


class RecordLocked(DomainError):
    """Another user locked the record against changes."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="locked")


class PermissionDenied(DomainError):
    """The user may not do this to this record."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="permission_denied")


__all__ = ["ConcurrencyError", "DomainError", "PermissionDenied", "RecordLocked", "ValidationError"]
