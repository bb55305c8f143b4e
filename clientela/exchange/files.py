"""Downloads: a file answer whose name survives accents and Chinese in every browser."""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

from clientela.clients.models import Client

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()&+-]+")


def client_filename(client: Client, extension: str) -> str:
    """The client's name as a file name: "Modrá Vlna s.r.o..pdf" stays as it is, minus path characters."""
    stem = " ".join(_UNSAFE.sub(" ", client.name).split()).strip(" .") or f"client-{client.pk}"
    return f"{stem[:120].strip()}.{extension}"


def content_disposition(filename: str, *, fallback: str = "download") -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the exact name as ``filename*`` (RFC 6266)."""
    stem, dot, extension = filename.rpartition(".")
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    folded = " ".join(_ASCII_UNSAFE.sub(" ", folded).split()).strip(" .")
    ascii_name = f"{folded or fallback}{dot}{extension}"
    if ascii_name == filename:
        return f'attachment; filename="{ascii_name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def client_attachment(client: Client, content: bytes | str, *, content_type: str, extension: str) -> HttpResponse:
    """The file of one client, named after it ("client-42" where nothing of the name is ASCII)."""
    response = HttpResponse(content, content_type=content_type)
    filename = client_filename(client, extension)
    response["Content-Disposition"] = content_disposition(filename, fallback=f"client-{client.pk}")
    # A record's data: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
