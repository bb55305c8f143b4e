"""Service errors become HTTP answers that name the field or say what was refused."""

import pytest
from django.core.exceptions import ValidationError

from clientela.api.exceptions import exception_handler
from clientela.core.errors import ConcurrencyError, DomainError, PermissionDenied


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (ValidationError({"phone": ["Bad phone."]}), 400, {"phone": ["Bad phone."]}),
        (ValidationError("Unknown fields: x"), 400, {"non_field_errors": ["Unknown fields: x"]}),
        (ConcurrencyError("Changed meanwhile."), 409, {"detail": "Changed meanwhile.", "code": "stale_version"}),
        (DomainError("Still linked.", code="linked"), 409, {"detail": "Still linked.", "code": "linked"}),
        (PermissionDenied("Locked by Bob."), 403, {"detail": "Locked by Bob.", "code": "permission_denied"}),
    ],
)
def test_service_errors_answer_with_their_status_and_message(error, status, body):
    response = exception_handler(error, {})

    assert (response.status_code, response.data) == (status, body)
