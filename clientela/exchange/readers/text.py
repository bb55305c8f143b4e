"""Text files, CSV and the lines under vCards: the encoding (a BOM, else UTF-8, else charset-normalizer's
candidates weighed again by how plausible their text reads, the tie-break), the delimiter sniffed from the first
records, and the lines decoded strictly chunk by chunk, so that a byte that does not decode names its row.
"""

import codecs
import csv
import io
import pathlib
import re
import unicodedata
from collections import Counter
from collections.abc import Generator, Iterator
from functools import lru_cache

import charset_normalizer
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clientela.exchange.readers.common import (
    ImportFileError,
    Table,
    _cell_too_long,
    _check_row,
    _file_gone,
    _has_content,
    _Limits,
    _table_top,
    _trimmed,
)

# The encodings a user may choose instead of the detected one: (codec name, label). The labels are
# marked for translation but stored in English (a module constant outlives the request's language):
# show them through gettext. gb18030 is a superset of GBK and GB2312, so it reads those files too.
ENCODINGS: list[tuple[str, str]] = [
    ("utf-8", gettext_noop("Unicode (UTF-8)")),
    ("utf-8-sig", gettext_noop("Unicode (UTF-8 with BOM, as Excel saves “CSV UTF-8”)")),
    ("utf-16", gettext_noop("Unicode (UTF-16, as Excel saves “Unicode text”)")),
    ("gb18030", gettext_noop("Chinese Simplified (GB18030, GBK, GB2312)")),
    ("big5", gettext_noop("Chinese Traditional (Big5)")),
    ("cp1250", gettext_noop("Central European (Windows-1250)")),
    ("iso-8859-2", gettext_noop("Central European (ISO-8859-2)")),
    ("iso-8859-16", gettext_noop("South-Eastern European (ISO-8859-16)")),
    ("cp1252", gettext_noop("Western European (Windows-1252)")),
]
DELIMITERS = (",", ";", "\t", "|")

_SCORED_CHARS = 64 * 1024  # how much decoded text the encoding tie-break weighs per candidate
_CHUNK_BYTES = 64 * 1024
_MAX_LINE_CHARS = 10_000_000  # a "line" longer than this is not a table (a binary blob, a lost newline)
_SNIFF_RECORDS = 100


# CSV ---------------------------------------------------------------------------------------------


def _open_csv(
    path: pathlib.Path,
    sample: bytes,
    *,
    is_complete: bool,
    codec: str,
    delimiter: str | None,
    header_row: int | None,
    limits: _Limits,
) -> Table:
    if delimiter is None:
        delimiter = _sniff_delimiter(_decoded_sample(sample, codec, is_complete=is_complete))

    def raw_rows() -> Generator[tuple[int, list[str]], None, None]:
        return _csv_rows(path, codec, delimiter, limits)

    header_row, headers = _table_top(raw_rows, header_row)
    return Table(
        format="csv",
        encoding=codec,
        delimiter=delimiter,
        sheets=[],
        sheet="",
        header_row=header_row,
        headers=headers,
        _raw_rows=raw_rows,
    )


class _UndecodableText(Exception):
    """A line of the file does not decode in the chosen encoding (raised after the lines before it)."""

    def __init__(self, line: int, error: UnicodeDecodeError) -> None:
        super().__init__(line)
        self.line = line
        self.error = error


class _LineTooLong(Exception):
    pass


def _csv_rows(
    path: pathlib.Path, codec: str, delimiter: str, limits: _Limits
) -> Generator[tuple[int, list[str]], None, None]:
    """Every CSV record as (record number, cells without trailing empty ones), checked against the limits."""
    reader = csv.reader(_text_lines(path, codec), delimiter=delimiter)
    number = 0
    while True:
        try:
            record = next(reader, None)
        except _UndecodableText as problem:
            raise _undecodable(number + 1, codec, is_card=False) from problem.error
        except _LineTooLong as problem:
            raise _cell_too_long(number + 1) from problem
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise _cell_too_long(number + 1) from error
            raise ImportFileError(
                _("Row %(row)d is not valid CSV; check the quotes in that row.") % {"row": number + 1},
                code="invalid_csv",
            ) from error
        except OSError as error:
            raise _file_gone() from error
        if record is None:
            return
        number += 1
        cells = _trimmed(record)
        _check_row(number, cells, limits)
        yield number, cells


def _undecodable(number: int, codec: str, *, is_card: bool) -> ImportFileError:
    if is_card:
        message = _(
            "Card %(number)d cannot be read as %(encoding)s text: the file may mix encodings. Save the file "
            "again as UTF-8, or choose the encoding it was saved in."
        )
    else:
        message = _(
            "Row %(number)d cannot be read as %(encoding)s text: the file may mix encodings. Save the file "
            "again as UTF-8 (in Excel: “CSV UTF-8”), or choose the encoding it was saved in."
        )
    return ImportFileError(message % {"number": number, "encoding": _encoding_label(codec)}, code="encoding")


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _text_lines(path: pathlib.Path, codec: str) -> Iterator[str]:
    """The file's lines, decoded strictly chunk by chunk, each with its line ending (as ``newline=""``).

    A chunk that does not decode still gives the complete lines before the bad byte; then
    ``_UndecodableText`` tells the line it is on, so the error can name the row. A leading BOM is dropped.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    pending = ""
    emitted = 0
    at_start = True
    with path.open("rb") as file:
        while True:
            chunk = file.read(_CHUNK_BYTES)
            final = not chunk
            state = decoder.getstate()
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as error:
                # The error counts from the bytes the decoder held back plus this chunk.
                decoder.setstate(state)
                valid = decoder.decode(chunk[: max(error.start - len(state[0]), 0)])
                if at_start:
                    valid = valid.removeprefix("\ufeff")
                lines, _rest = _split_lines(pending + valid, final=False)
                yield from lines
                raise _UndecodableText(emitted + len(lines) + 1, error) from error
            if at_start and text:
                text = text.removeprefix("\ufeff")
                at_start = False
            lines, pending = _split_lines(pending + text, final=final)
            emitted += len(lines)
            yield from lines
            if len(pending) > _MAX_LINE_CHARS:
                raise _LineTooLong(emitted + 1)
            if final:
                return


def _split_lines(text: str, *, final: bool) -> tuple[list[str], str]:
    """Complete lines (with their endings) and the unfinished rest; a trailing CR waits for its LF."""
    lines: list[str] = []
    start = 0
    for match in _NEWLINE.finditer(text):
        if match.end() == len(text) and match.group() == "\r" and not final:
            break
        lines.append(text[start : match.end()])
        start = match.end()
    rest = text[start:]
    if final and rest:
        lines.append(rest)
        rest = ""
    return lines, rest


def _decoded_sample(sample: bytes, codec: str, *, is_complete: bool) -> str:
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(sample, final=is_complete)
    if not is_complete:
        text = text[: max(text.rfind("\n"), 0)]  # the last line may be cut
    return text.removeprefix("\ufeff")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most records into the same number of cells (more than one).

    The csv module parses each candidate, so delimiters inside quotes do not count: a semicolon file
    whose quoted or decimal numbers hold commas stays a semicolon file.
    """
    best: tuple[int, int] = (0, 0)
    chosen = ","
    for delimiter in DELIMITERS:
        widths: Counter[int] = Counter()
        try:
            for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
                if number >= _SNIFF_RECORDS:
                    break
                if len(record) > 1 and _has_content(record):
                    widths[len(record)] += 1
        except csv.Error:
            pass  # what was counted before the broken record still tells
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        if (count, width) > best:
            best, chosen = (count, width), delimiter
    return chosen


# Encodings ---------------------------------------------------------------------------------------


_OFFERED = {codecs.lookup(codec).name: codec for codec, _label in ENCODINGS}


def _chosen_encoding(name: str) -> str:
    """The user's encoding, by the name we offer it under; any text encoding Python knows is accepted."""
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ImportFileError(
            _("“%(encoding)s” is not a text encoding we know. Choose one of: %(choices)s.")
            % {"encoding": name, "choices": ", ".join(codec for codec, _label in ENCODINGS)},
            code="encoding",
        )
    return _OFFERED.get(info.name, info.name)


def _encoding_label(codec: str) -> str:
    labels = dict(ENCODINGS)
    return _(labels[codec]) if codec in labels else codec


def _detect_encoding(sample: bytes, *, is_complete: bool) -> str:
    """The encoding of a text file from its first megabyte: a BOM, else UTF-8 if it decodes, else a guess.

    UTF-8 wins whenever the sample is valid UTF-8, and also when some lines are UTF-8 and others not
    (a file pasted together from two sources): reading goes on in UTF-8 and stops at the first other
    line with its number, instead of turning the UTF-8 lines into mojibake.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        return _utf16_without_bom(sample)
    if _decodes(sample, "utf-8", is_complete=is_complete) is not None or _has_utf8_text_lines(sample):
        return "utf-8"
    return _legacy_encoding(sample, is_complete=is_complete)


def _decodes(sample: bytes, codec: str, *, is_complete: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(codec)(errors="strict").decode(sample, final=is_complete)
    except (UnicodeDecodeError, LookupError):
        return None


def _has_utf8_text_lines(sample: bytes) -> bool:
    """Whether some lines beyond ASCII are UTF-8 and read as real words (other lines not being UTF-8).

    Bytes of an 8-bit code page rarely form valid UTF-8 at all, and when they do, they decode to odd
    words (letters of two scripts), which do not count.
    """
    for line in sample.split(b"\n")[:-1]:
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        odd_words, _uncovered = _implausibility(text)
        if not odd_words:
            return True
    return False


def _utf16_without_bom(sample: bytes) -> str:
    """UTF-16 text without its BOM has a zero byte in every other place; other zero bytes mean binary."""
    head = sample[:4096]
    even, odd = head[0::2], head[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        other = even if zeros is odd else odd
        is_shaped = zeros.count(0) >= 0.4 * len(zeros) and other.count(0) <= 0.05 * len(other)
        if is_shaped and _decodes(sample, codec, is_complete=False) is not None:
            return codec
    raise ImportFileError(
        _("This file is not text (it holds binary data). Upload a CSV, Excel (.xlsx) or vCard (.vcf) file."),
        code="binary",
    )


def _legacy_encoding(sample: bytes, *, is_complete: bool) -> str:
    """The likeliest 8-bit or East Asian encoding: charset-normalizer's candidates, weighed again.

    charset-normalizer ranks on statistics that a small sample does not carry: it reads Spanish
    cp1252 ("Peñíscola") as cp1250 ("Peńíscola") and Czech ISO-8859-2 ("Příliš žluťoučký") as cp1250
    ("Přílią ľlu»oučký"). So among its candidates, and the Central and Western European code pages
    our users save in, the one whose text is the most plausible wins (see ``_implausibility``);
    charset-normalizer's order breaks ties.
    """
    if not is_complete:
        # A character cut at the end of the sample would rule its encoding out; in the encodings left
        # to guess (ASCII-compatible ones), a newline byte is always a whole character.
        sample = sample[: sample.rfind(b"\n") + 1] or sample
        is_complete = True
    results = charset_normalizer.from_bytes(sample)
    proposed = list(dict.fromkeys(_codec_name(match.encoding) for match in results))
    if not proposed:
        raise ImportFileError(
            _(
                "The text encoding of this file cannot be recognised. Save it as UTF-8 (in Excel: “CSV UTF-8”), "
                "or choose the encoding it was saved in."
            ),
            code="encoding",
        )
    candidates = list(proposed)
    if any(_is_single_byte(codec) for codec in proposed):
        candidates += [codec for codec in ("cp1250", "iso-8859-2", "cp1252") if codec not in candidates]
    scored: list[tuple[tuple[int, int], int, str]] = []
    for rank, codec in enumerate(candidates):
        text = _decodes(sample, codec, is_complete=is_complete)
        if text is not None:
            scored.append((_implausibility(text[:_SCORED_CHARS]), rank, codec))
    if not scored:
        return proposed[0]  # the streaming reader names the row it cannot decode
    return min(scored)[2]


def _codec_name(name: str) -> str:
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return _OFFERED.get(canonical, canonical)


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    try:
        return len(bytes(range(0x80, 0x100)).decode(codec, errors="replace")) == 0x80
    except LookupError:
        return False


# Letters beyond ASCII that one language writes with; a word mixing letters of no single language
# (ř with ą, ń with í) is what decoding in the wrong code page produces.
_ALPHABETS = [
    frozenset(letters)
    for letters in (
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "ąćęłńóśźż",  # Polish
        "áéíóöőúüű",  # Hungarian
        "čćđšž",  # Slovenian, Croatian, Bosnian
        "ăâîșțşţ",  # Romanian (comma below and the cedilla of older code pages)
        "äöüß",  # German
        "àâæçéèêëîïôœùûüÿ",  # French
        "áéíñóúü",  # Spanish
        "àçèéíïòóúü",  # Catalan (the l·l middle dot is allowed inside words)
        "áâãàçéêíóôõú",  # Portuguese
        "àèéìíîòóùú",  # Italian
        "áéíóúàèëïöü",  # Dutch
        "æøåé",  # Danish, Norwegian
        "åäöé",  # Swedish, Finnish
        "áðéíóúýþæö",  # Icelandic
        "çğıöşüâî",  # Turkish
        "ąčęėįšųūž",  # Lithuanian
        "āčēģīķļņšūž",  # Latvian
        "äöõüšž",  # Estonian
        "çë",  # Albanian
    )
]
_WORD = re.compile(r"[^\s,;|\t\"'()\[\]{}<>=/\\]+")
_WORD_EDGES = "«»„“”‘’‚‹›¿¡…–—.:!?*#&+-_"
_INSIDE_WORDS = {"·", "’", "‑", "´"}
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HALFWIDTH": "CJK", "FULLWIDTH": "LATIN"}


def _implausibility(text: str) -> tuple[int, int]:
    """How unlike real text a decoding is: (control characters + odd words, letters of no one language).

    An odd word holds a symbol between letters (»), letters of two scripts, or accented Latin letters
    that no single language writes together. The second number counts, over the whole text, the accented
    letters outside the one alphabet that covers most of them; it breaks ties between decodings that
    both look word by word plausible ("València" in cp1252 against "Valčncia" in cp1250).
    """
    bad = sum(1 for char in text if _is_control(char))
    letters: set[str] = set()
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        word_letters, is_odd = _word_letters(word.strip(_WORD_EDGES))
        letters |= word_letters
        bad += is_odd
    uncovered = min((len(letters - alphabet) for alphabet in _ALPHABETS), default=0)
    return bad, uncovered


def _word_letters(word: str) -> tuple[set[str], bool]:
    """The accented Latin letters of a word, and whether the word is odd (see ``_implausibility``)."""
    scripts: set[str] = set()
    letters: set[str] = set()
    is_odd = False
    for char in word:
        if char.isascii():
            if char.isalpha():
                scripts.add("LATIN")
            continue
        kind = _char_kind(char)
        if kind == "":
            is_odd = True
        elif kind != "-":
            scripts.add(kind)
            if kind == "LATIN":
                letters.update(lower for lower in char.lower() if not lower.isascii() and lower.isalpha())
    if len(scripts) > 1 or (letters and not any(letters <= alphabet for alphabet in _ALPHABETS)):
        is_odd = True
    return letters, is_odd


@lru_cache(maxsize=4096)
def _char_kind(char: str) -> str:
    """A letter's script ("LATIN", "CJK", …); "-" for what may sit inside a word; "" for an intruder."""
    category = unicodedata.category(char)
    if category.startswith("L"):
        script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
        return _SCRIPT_GROUPS.get(script, script)
    if category.startswith(("M", "N")) or char in _INSIDE_WORDS:
        return "-"
    return ""


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" and char not in "\t\r\n"
