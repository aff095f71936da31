"""The provinces as a tile grid: one square per province, placed roughly where it lies. A tile grid
and not a map, on purpose: publishing a map of China needs official map approval (审图号)."""

from django.utils.translation import gettext as _

# (row, column) of each province code on a 8 x 9 grid; 66 is 新疆生产建设兵团, next to 新疆.
TILE_POSITIONS = {
    "23": (0, 8),
    "15": (1, 5), "22": (1, 8),
    "65": (2, 1), "62": (2, 3), "64": (2, 4), "14": (2, 5), "13": (2, 6), "11": (2, 7), "21": (2, 8),
    "66": (3, 0), "63": (3, 2), "61": (3, 4), "41": (3, 5), "37": (3, 6), "12": (3, 7),
    "54": (4, 1), "51": (4, 3), "50": (4, 4), "42": (4, 5), "34": (4, 6), "32": (4, 7),
    "53": (5, 3), "52": (5, 4), "43": (5, 5), "36": (5, 6), "33": (5, 7), "31": (5, 8),
    "45": (6, 4), "44": (6, 5), "35": (6, 6),
    "46": (7, 5),
}
SHADES = 5


def tile_grid(rows: list[dict], measure: str, short_names: dict[str, str]) -> dict:
    """Tiles for ``rows`` (one per province, from selectors.by_province) shaded by ``measure`` in
    five classes of equal width between the lowest and highest value; provinces without data are
    shown blank, never as zero."""
    values = {r["code"]: r.get(measure) for r in rows}
    present = [v for v in values.values() if v is not None]
    low, high = (min(present), max(present)) if present else (0, 0)
    tiles = []
    for code, (row, column) in TILE_POSITIONS.items():
        value = values.get(code)
        if value is None:
            shade = None
        elif high == low:
            shade = SHADES - 1
        else:
            shade = min(SHADES - 1, int((value - low) / (high - low) * SHADES))
        tiles.append({"code": code, "name": short_names.get(code, code), "row": row, "column": column,
                      "value": value, "shade": shade})
    return {"tiles": tiles, "low": low, "high": high, "measure": measure,
            "legend": _("颜色越深数值越高；空白表示没有数据。")}
