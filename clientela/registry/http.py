"""JSON over HTTP to the registries, with the configured timeout; every failure is "unavailable"."""

import json
import logging
import urllib.error
import urllib.request
from http.client import HTTPException
from typing import Any

from django.conf import settings

from clientela.registry.errors import RegistryUnavailable

logger = logging.getLogger(__name__)

USER_AGENT = "Clientela CRM (business-registry look-up)"


def request_json(method: str, url: str, *, source: str, body: Any = None) -> tuple[int, Any]:
    """Send ``body`` as JSON and return (status, parsed JSON); 4xx answers are returned, not raised.

    A network error, a timeout, a 5xx answer or a body that is not JSON raise RegistryUnavailable.
    """
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 (https/http only, from settings)
    try:
        with urllib.request.urlopen(request, timeout=settings.REGISTRY_TIMEOUT) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
        error.close()
        if status >= 500:
            logger.warning("%s answered %s to %s %s", source, status, method, url)
            raise RegistryUnavailable(source=source) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, HTTPException, OSError) as error:
        logger.warning("%s did not answer %s %s: %s", source, method, url, error)
        raise RegistryUnavailable(source=source) from None
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        logger.warning("%s answered %s %s with a body that is not JSON", source, method, url)
        raise RegistryUnavailable(source=source) from None
