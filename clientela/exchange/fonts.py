"""The fonts PDFs are set in: Noto Sans for Latin scripts and Noto Sans SC for Chinese, both embedded.

Both come from PyPI packages (justmytype-western-core, justmytype-intl-cjk: OFL-licensed Noto
variable fonts with TrueType outlines), so PDFs need no system font. A PDF cannot embed a variable
font: for each document the font is cut down to the characters the document uses and then fixed at
the wanted weight (fontTools; a fraction of a second, where fixing the whole 17 MB Chinese font
takes half a minute). See docs/decisions/0004-pdf-rendering.md.
"""

import importlib.resources
import string
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer


class PdfFontMissing(ImproperlyConfigured):
    """A font the PDFs need is not installed: PDFs are refused rather than printed with blank glyphs."""


@dataclass(frozen=True)
class FontSource:
    package: str
    resource: str  # path of the variable font inside the package
    family: str  # the name the static font gets
    axes: tuple[tuple[str, float], ...]  # pinned values of every axis but the weight

    def path(self) -> Path:
        try:
            path: Path | None = Path(str(importlib.resources.files(self.package).joinpath(self.resource)))
        except ModuleNotFoundError:
            path = None
        if path is None or not path.is_file():
            raise PdfFontMissing(
                f"The font {self.family} is missing: install the Python package {self.package} "
                f"(it is in requirements.lock; `make run` installs it). PDFs are not made without it."
            )
        return path


LATIN = FontSource(
    "justmytype_western_core", "fonts/ofl/notosans/NotoSans[wdth,wght].ttf", "NotoSans", (("wdth", 100.0),)
)
CHINESE = FontSource("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf", "NotoSansSC", ())

REGULAR, BOLD = 400, 700
_STYLE_NAMES = {REGULAR: "Regular", BOLD: "Bold"}
# Always kept: what the layout adds itself (page numbers, separators) besides the document's text.
_ALWAYS = string.digits + string.ascii_letters + string.punctuation + " ·—–→…"


def static_font(source: FontSource, weight: int, *, text: str, directory: Path) -> Path:
    """A static font of ``source`` at ``weight`` with the glyphs of ``text``, written into ``directory``."""
    font = TTFont(source.path(), lazy=True)
    options = subset.Options()
    # fpdf2 sets text without OpenType shaping: the layout tables and hinting would only cost time.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + _ALWAYS)
    subsetter.subset(font)
    static = instancer.instantiateVariableFont(font, {"wght": weight, **dict(source.axes)})
    _name(static, source.family, _STYLE_NAMES[weight])
    target = directory / f"{source.family}-{_STYLE_NAMES[weight]}.ttf"
    static.save(target)
    return target


def _name(font: TTFont, family: str, style: str) -> None:
    # The instancer keeps the default instance's names (Noto Sans SC's is "Thin"): name it for what it is.
    names = font["name"]
    for name_id in (16, 17, 21, 22):  # typographic names would win over the ones set here
        names.removeNames(nameID=name_id)
    for record in list(names.names):
        if record.nameID in (1, 2, 4, 6) and (record.platformID, record.langID) != (3, 0x409):
            names.removeNames(nameID=record.nameID, platformID=record.platformID, langID=record.langID)
    for name_id, value in ((1, family), (2, style), (4, f"{family} {style}"), (6, f"{family}-{style}")):
        names.setName(value, name_id, 3, 1, 0x409)
