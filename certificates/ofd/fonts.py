"""The fonts of the OFD certificate: which face draws each character and a subset of that face
holding only the characters one certificate uses, written as a TrueType file to embed.

The faces and the coverage rule are the PDF's (certificates.issuance.pdf): WenQuanYi Zen Hei draws
what it has, Noto Sans CJK SC the rare characters it lacks (𠮷), and a character neither has raises
the same ``GlyphMissing``. The PDF's full-font path gives CSS the same fallback order, so a rare name
looks the same in both.

fontTools' own subsetter decompiles the whole face (glyph names, cmap, metrics, every glyph's
location) on each call: about 0.3 s for WenQuanYi. The face is therefore read once per process and
each subset is built from it with FontBuilder: the used glyphs' outlines are redrawn (composites
decomposed, Noto's cubic curves converted to quadratic ones) into a fresh glyf-based font.
"""

import io
import threading
from dataclasses import dataclass

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph

from certificates.issuance.pdf import (
    FAST_FONT_FAMILY,
    FAST_FONT_PATH,
    FULL_FONT_FAMILY,
    FULL_FONT_PATH,
    GlyphMissing,
)

FAST, FULL = "fast", "full"
_SOURCES = {FAST: (FAST_FONT_PATH, 0, FAST_FONT_FAMILY), FULL: (FULL_FONT_PATH, 2, FULL_FONT_FAMILY)}
_GLYPH_CACHE_MAX = 8192  # redrawn glyphs kept per face: the characters of many certificates


class _CompiledGlyph(Glyph):
    """A redrawn glyph that keeps its compiled bytes: compiling the coordinates is most of a
    subset's time, and a glyph without components compiles the same in every font."""

    def compile(self, glyfTable, recalcBBoxes=True, **kwargs):
        return self.binary


@dataclass(frozen=True)
class Run:
    """Consecutive characters of one text drawn by one face."""

    face: str
    text: str


class Face:
    """One face of a system font collection, read once: its cmap, advances and glyph outlines."""

    def __init__(self, key: str):
        path, number, family = _SOURCES[key]
        self.key, self.family = key, family
        self._font = TTFont(path, fontNumber=number, lazy=True)
        self.cmap = self._font.getBestCmap()
        self.units_per_em = self._font["head"].unitsPerEm
        self._metrics = self._font["hmtx"].metrics
        self._glyph_set = self._font.getGlyphSet()
        self._cubic = "CFF " in self._font
        self._glyphs = {}
        self._lock = threading.Lock()
        hhea, os2 = self._font["hhea"], self._font["OS/2"]
        self._vertical = {"ascent": hhea.ascent, "descent": hhea.descent, "lineGap": hhea.lineGap}
        self._os2 = {name: getattr(os2, name) for name in (
            "sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent", "usWinDescent", "fsType",
            "usWeightClass")}

    def advance(self, char: str) -> float:
        """The advance width of ``char`` in em (half an em for a blank the face lacks)."""
        name = self.cmap.get(ord(char))
        return 0.5 if name is None else self._metrics[name][0] / self.units_per_em

    def _glyph(self, name: str):
        glyph = self._glyphs.get(name)
        if glyph is None:
            recording = DecomposingRecordingPen(self._glyph_set)
            with self._lock:
                self._glyph_set[name].draw(recording)
            pen = TTGlyphPen(None)
            # CFF outlines run counter-clockwise and cubic; TrueType's run clockwise and quadratic.
            recording.replay(Cu2QuPen(pen, max_err=1.0, reverse_direction=True) if self._cubic else pen)
            glyph = pen.glyph()
            glyph.recalcBounds(None)
            binary = glyph.compile(None, recalcBBoxes=False)
            glyph.__class__ = _CompiledGlyph
            glyph.binary = binary
            if len(self._glyphs) >= _GLYPH_CACHE_MAX:
                self._glyphs.clear()
            self._glyphs[name] = glyph
        return glyph

    def subset(self, chars: str) -> bytes:
        """A TrueType font with the glyphs of ``chars`` only, mapped from their code points.
        Deterministic: the same characters give the same bytes."""
        chars = {c for c in chars if ord(c) in self.cmap}  # a blank the face lacks is only an advance
        sources = sorted({self.cmap[ord(c)] for c in chars}, key=self._font.getGlyphID)
        names = {source: f"g{i}" for i, source in enumerate(sources, start=1)}
        order = [".notdef", *names.values()]
        builder = FontBuilder(self.units_per_em, isTTF=True)
        head = self._font["head"]
        builder.setupHead(unitsPerEm=self.units_per_em, created=head.created, modified=head.modified,
                          fontRevision=head.fontRevision)
        builder.setupGlyphOrder(order)
        builder.setupCharacterMap({ord(c): names[self.cmap[ord(c)]] for c in chars})
        glyphs = {".notdef": Glyph()}
        glyphs.update((names[source], self._glyph(source)) for source in sources)
        # FontBuilder.setupGlyf without its checks and bounds: cached glyphs are quadratic and bounded.
        builder.font["loca"], builder.font["glyf"] = newTable("loca"), newTable("glyf")
        glyf = builder.font["glyf"]
        glyf.glyphs, glyf.glyphOrder = glyphs, order
        metrics = {".notdef": (self.units_per_em // 2, 0)}
        for source, name in names.items():
            metrics[name] = (self._metrics[source][0], getattr(glyf[name], "xMin", 0))
        builder.setupHorizontalMetrics(metrics)
        builder.setupHorizontalHeader(**self._vertical)
        builder.setupNameTable({"familyName": self.family, "styleName": "Regular",
                                "psName": self.family.replace(" ", "") + "-Subset"}, mac=False)
        builder.setupOS2(**self._os2)
        builder.setupPost(keepGlyphNames=False)
        out = io.BytesIO()
        builder.save(out)
        return out.getvalue()


_faces: dict[str, Face] = {}
_faces_lock = threading.Lock()


def face(key: str) -> Face:
    """The face ``key`` (FAST or FULL), read on first use (the full one only for a rare character)."""
    found = _faces.get(key)
    if found is None:
        with _faces_lock:
            found = _faces.get(key) or Face(key)
            _faces[key] = found
    return found


def face_of(char: str) -> str:
    """FAST when WenQuanYi draws ``char``, else FULL when Noto does; raises GlyphMissing otherwise.
    Whitespace never fails: it draws nothing, and WenQuanYi has the spaces the certificate uses."""
    if ord(char) in face(FAST).cmap:
        return FAST
    if ord(char) in face(FULL).cmap:
        return FULL
    if char.isspace():
        return FAST
    raise GlyphMissing([char])


def check_coverage(texts) -> None:
    """GlyphMissing naming every character of ``texts`` no certificate font draws (as pdf.glyph_plan)."""
    fast = face(FAST).cmap
    rare = {c for text in texts for c in text if ord(c) not in fast and not c.isspace()}
    if rare:
        full = face(FULL).cmap
        missing = sorted(c for c in rare if ord(c) not in full)
        if missing:
            raise GlyphMissing(missing)


def runs(text: str) -> list[Run]:
    """``text`` cut where the drawing face changes (after check_coverage passed)."""
    out: list[Run] = []
    for char in text:
        key = face_of(char)
        if out and out[-1].face == key:
            out[-1] = Run(key, out[-1].text + char)
        else:
            out.append(Run(key, char))
    return out


def width(text: str, size: float) -> float:
    """The width of ``text`` at ``size`` (any unit: the result is in the same one)."""
    return sum(face(face_of(c)).advance(c) for c in text) * size
