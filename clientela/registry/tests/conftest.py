"""A fake of ARES, ANAF and VIES on loopback, answering with the services' documented responses.

It checks each request the way the real services would (method, path, JSON body) and records
them, so tests can assert what was, and what was not, sent.
"""

import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

FIXTURES = Path(__file__).parent / "fixtures"
ARES_SUBJECT = re.compile(r"^/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/(\d{8})$")
ARES_SEARCH = "/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/vyhledat"
ANAF = "/api/PlatitorTvaRest/v9/tva"
VIES = "/taxation_customs/vies/rest-api/check-vat-number"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class FakeRegistry:
    url: str
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    delay: float = 0.0  # seconds each answer waits (to make the client time out)
    released: threading.Event = field(default_factory=threading.Event)


class Handler(BaseHTTPRequestHandler):
    registry: FakeRegistry

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _answer(self, status: int, body: Any) -> None:
        if self.registry.delay:
            self.registry.released.wait(self.registry.delay)
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass

    def _json_body(self) -> Any:
        if self.headers.get("Content-Type") != "application/json":
            return None
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def do_GET(self) -> None:
        self.registry.requests.append(("GET", self.path, None))
        match = ARES_SUBJECT.match(self.path)
        if match is None:
            return self._answer(404, {"kod": "CHYBA"})
        if match[1] == "27168352":
            return self._answer(200, fixture("ares-subject-27168352.json"))
        return self._answer(404, fixture("ares-not-found.json"))

    def do_POST(self) -> None:
        body = self._json_body()
        self.registry.requests.append(("POST", self.path, body))
        if self.path == ARES_SEARCH:
            if not (isinstance(body, dict) and set(body) == {"obchodniJmeno", "start", "pocet"}):
                return self._answer(400, {"kod": "CHYBA_VSTUPU"})
            if body["obchodniJmeno"] == "Modrá":
                return self._answer(200, fixture("ares-search.json"))
            return self._answer(200, {"pocetCelkem": 0, "ekonomickeSubjekty": []})
        if self.path == ANAF:
            today = timezone.localdate().isoformat()
            if not (
                isinstance(body, list)
                and len(body) == 1
                and isinstance(body[0].get("cui"), int)
                and body[0].get("data") == today
            ):
                return self._answer(400, {"cod": 400, "message": "Bad request"})
            if body[0]["cui"] == 18547290:
                return self._answer(200, fixture("anaf-18547290.json"))
            return self._answer(200, {"cod": 200, "message": "SUCCESS", "found": [], "notFound": [body[0]["cui"]]})
        if self.path == VIES:
            if not (isinstance(body, dict) and set(body) == {"countryCode", "vatNumber"}):
                return self._answer(400, {"errorWrappers": [{"error": "INVALID_INPUT"}]})
            answer = fixture("vies-ESB65410011.json")
            if (body["countryCode"], body["vatNumber"]) != ("ES", "B65410011"):
                answer.update(countryCode=body["countryCode"], vatNumber=body["vatNumber"], valid=False)
            return self._answer(200, answer)
        return self._answer(404, {"error": "no such path"})


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _point_settings_at(settings: Any, url: str) -> None:
    settings.REGISTRY_ARES_URL = url
    settings.REGISTRY_ANAF_URL = url
    settings.REGISTRY_VIES_URL = url


@pytest.fixture
def registry_server(settings: Any) -> Iterator[FakeRegistry]:
    """The fake registries on 127.0.0.1 (a free port), with the settings pointing at them."""
    registry = FakeRegistry(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("BoundHandler", (Handler,), {"registry": registry}))
    server.daemon_threads = True
    registry.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _point_settings_at(settings, registry.url)
    settings.REGISTRY_TIMEOUT = 5
    try:
        yield registry
    finally:
        registry.released.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def registry_down(settings: Any) -> str:
    """Settings pointing at a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    _point_settings_at(settings, url)
    return url
