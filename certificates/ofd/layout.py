"""Where everything on the OFD certificate sits, in mm from the page's top-left corner (OFD's own
coordinates): the PDF's design, from the same LAYOUT, ROWS and LABELS.

The PDF draws its static part with WeasyPrint from templates/certificates/pdf/certificate.html and
its values with reportlab. Positions here follow both: a CSS box's ``top`` puts the text's baseline
``_ASCENT`` ems lower (WenQuanYi's ascent: WeasyPrint's normal line height is ascent plus descent),
a second line sits ``_LINE`` ems below the first; reportlab's values have their baseline at the
row's y. Colours are the template's.
"""

from dataclasses import dataclass

from certificates.issuance.pdf import LABELS, LAYOUT, PAGE_W, ROWS, CertificateData, _qr_matrix, _runs

from . import fonts

PT = 25.4 / 72  # mm per point: the PDF sizes its type in points
_ASCENT = 986 / 1024
_LINE = (986 + 304) / 1024

INK = (20, 20, 25)
GREY = (85, 85, 85)
FOOTER_GREY = (119, 119, 119)
RED = (164, 38, 44)
GOLD = (201, 163, 74)
RULE = (216, 207, 192)
BLACK = (0, 0, 0)
SEAL_ALPHA = 235  # the template's opacity 0.92, of 255
SEAL_BOUNDARY = (LAYOUT["seal_x"], LAYOUT["seal_y"], LAYOUT["seal_size"], LAYOUT["seal_size"])


@dataclass(frozen=True)
class Text:
    """One line of text starting at ``x``, its baseline at ``y``, ``size`` in mm."""

    x: float
    y: float
    size: float
    text: str
    color: tuple[int, int, int]
    spacing: float = 0.0  # added after every character (CSS letter-spacing)


@dataclass(frozen=True)
class Path:
    """A shape: ``data`` is OFD AbbreviatedData relative to the boundary's corner."""

    boundary: tuple[float, float, float, float]
    data: str
    stroke: tuple[int, int, int] | None = None
    fill: tuple[int, int, int] | None = None
    line_width: float = 0.0


@dataclass(frozen=True)
class Image:
    boundary: tuple[float, float, float, float]
    alpha: int = 255


def num(value: float) -> str:
    """A coordinate as OFD writes it: at most three decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _line_width(text: str, size: float, spacing: float) -> float:
    return fonts.width(text, size) + spacing * len(text)


def _centred(centre: float, y: float, size: float, text: str, color, spacing: float = 0.0) -> Text:
    """Centred as CSS centres a letter-spaced line (the spacing after the last letter counts)."""
    return Text(centre - _line_width(text, size, spacing) / 2, y, size, text, color, spacing)


def _css_line(top: float, size: float, line: int = 0) -> float:
    """The baseline of line ``line`` of a CSS box whose top is ``top`` (mm), type ``size`` mm."""
    return top + _ASCENT * size + line * _LINE * size


def fit_size(text: str, width: float, size_pt: float) -> float:
    """The PDF's rule (pdf._fit_size): half a point smaller until it fits, never under 8 pt."""
    while size_pt > 8 and fonts.width(text, size_pt * PT) > width:
        size_pt -= 0.5
    return size_pt


def _rect(x: float, y: float, w: float, h: float) -> str:
    return f"M {num(x)} {num(y)} L {num(x + w)} {num(y)} L {num(x + w)} {num(y + h)} L {num(x)} {num(y + h)} C"


def _frame(left: float, width: float, height: float, border: float, color) -> Path:
    """A CSS border of ``border`` mm inside the box (box-sizing: border-box), as a stroked rectangle."""
    inset = left + border / 2
    return Path((inset, inset, width - border, height - border),
                _rect(0, 0, width - border, height - border), stroke=color, line_width=border)


def static_items(variant: str, site: str, sealed: bool) -> list:
    """What every certificate of one variant shows: frame, title, labels, rules, caption, footer, seal."""
    bilingual = variant == "bilingual"
    centre = PAGE_W / 2
    items: list = [_frame(10, 190, 277, 2.2, RED), _frame(14, 182, 269, 0.5, GOLD)]
    items.append(_centred(centre, _css_line(46, 30 * PT), 30 * PT, "职业技能等级证书", RED, spacing=5))
    if bilingual:
        items.append(_centred(centre, _css_line(64, 13 * PT), 13 * PT, "Vocational Skill Level Certificate", RED,
                              spacing=0.6))
    scheme = "1+X 证书制度试点" + (" · 1+X Certificate Pilot" if bilingual else "")
    items.append(_centred(centre, _css_line(74 if bilingual else 68, 10.5 * PT), 10.5 * PT, scheme, GREY))
    label, small = 12.5 * PT, 7.5 * PT
    for i, key in enumerate(ROWS):
        y = LAYOUT["first_row_y"] + i * LAYOUT["row_h"]
        items.append(Text(LAYOUT["label_x"], _css_line(y - 5, label), label, LABELS["zh"][key], GREY))
        if bilingual:
            # The English label, after a <br>: on the second 12.5 pt line's baseline, in 7.5 pt.
            items.append(Text(LAYOUT["label_x"], _css_line(y - 5, label, 1), small,
                              LABELS["en"][key], GREY))
        items.append(Path((LAYOUT["value_x"], y + 1, LAYOUT["value_w"], 0.2),
                          f"M 0 0.1 L {num(LAYOUT['value_w'])} 0.1", stroke=RULE, line_width=0.2))
    if sealed:
        items.append(Image(SEAL_BOUNDARY, alpha=SEAL_ALPHA))
    caption, qr_centre = 8.5 * PT, LAYOUT["qr_x"] + LAYOUT["qr_size"] / 2
    caption_top = LAYOUT["qr_y"] + LAYOUT["qr_size"] + 2
    items.append(_centred(qr_centre, _css_line(caption_top, caption), caption, "扫码查验真伪", GREY))
    if bilingual:
        items.append(_centred(qr_centre, _css_line(caption_top, caption, 1), caption, "Scan to verify", GREY))
    footer = 8 * PT
    items.append(_centred(centre, _css_line(272, footer), footer,
                          f"本证书由发证机构加盖电子印章、经平台数字签名，可在 {site}/verify/ 输入证书编号查验", FOOTER_GREY))
    if bilingual:
        items.append(_centred(centre, _css_line(272, footer, 1), footer,
                              f"Digitally signed; verify at {site}/verify/", FOOTER_GREY))
    return items


def variable_items(data: CertificateData) -> list:
    """What one certificate adds, placed as the PDF's overlay places it: values, signature lines, QR."""
    values = data.values()
    items: list = []
    for i, key in enumerate(ROWS):
        y = LAYOUT["first_row_y"] + i * LAYOUT["row_h"]
        size = fit_size(values[key], LAYOUT["value_w"], 15 if key == "name" else 12.5)
        items.append(Text(LAYOUT["value_x"], y, size * PT, values[key], INK))
    org = fit_size(data.org_name, 70, 12) * PT
    items.append(_centred(LAYOUT["sign_x"], LAYOUT["org_y"], org, data.org_name, INK))
    items.append(_centred(LAYOUT["sign_x"], LAYOUT["date_y"], 11 * PT, values["issued_on"].split(" / ")[0], INK))
    items.append(qr_path(data.verify_url))
    return items


def qr_path(url: str) -> Path:
    """The QR code's dark modules as one filled path: each rectangle a run of dark modules in a row,
    grown downwards while the rows below repeat the run (fewer, taller rectangles: a shorter path and
    no seams between rows)."""
    matrix = _qr_matrix(url)
    n = len(matrix)
    module = LAYOUT["qr_size"] / n
    open_runs: dict[tuple[int, int], int] = {}  # (x, length) -> first row
    rectangles = []
    for y in range(n + 1):
        row = set(_runs(matrix[y])) if y < n else set()
        for run in [r for r in open_runs if r not in row]:
            rectangles.append((run[0], open_runs.pop(run), run[1], y))
        for run in row:
            open_runs.setdefault(run, y)
    rectangles.sort(key=lambda r: (r[1], r[0]))
    data = " ".join(_rect(x * module, top * module, length * module, (bottom - top) * module)
                    for x, top, length, bottom in rectangles)
    size = LAYOUT["qr_size"]
    return Path((LAYOUT["qr_x"], LAYOUT["qr_y"], size, size), data, fill=BLACK)

