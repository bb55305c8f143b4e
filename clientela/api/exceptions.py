"""Domain errors from the services as HTTP answers: 400 bad input, 403 refused, 409 a conflict or stale
version, 423 a record someone else locked."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clientela.core.errors import ConcurrencyError, DomainError, PermissionDenied, RecordLocked


def _detail(error: DjangoValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return {field: [str(message) for message in messages] for field, messages in error.message_dict.items()}
    return {"non_field_errors": [str(message) for message in error.messages]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response(_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConcurrencyError):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RecordLocked):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_423_LOCKED)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
