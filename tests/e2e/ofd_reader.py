"""An OFD reader that no one here wrote: ofd.js (npm, pinned in tests/e2e/package.json) in the system Chromium.

The issue's independent check of the OFD certificates: the file must open and render, with its seal, in a
third-party reader, and its page must look like the PDF page. ofd.js 0.2.6 ships a self-contained UMD build
(lib/ofd.umd.min.js: jszip, its XML parser, the SES_Signature v1/v4 parser and sm-crypto bundled in), so the
harness page only loads that one file — nothing is fetched at test time. (ofd.js 1.x is a different
product: a viewer whose parser is a separate WebAssembly package, parser_helper_x.js, with licence
parameters in its README — not the open-source reader of the repository, so not used.)

What ofd.js 0.2.6 does and does not do, as read in that bundle and seen here:
- elements are matched by their literal ``ofd:`` prefix: an OFD in the default namespace does not open;
- text: each TextCode character becomes an SVG <text> at X/Y advanced by DeltaX/DeltaY (``g`` runs
  included), in the CSS font family named by the Font's FamilyName/FontName: embedded FontFile programs are
  ignored, so glyphs come from the system fonts (Noto CJK / WenQuanYi here) — name an installed family;
- paths (M L B C S), pictures (PNG/JPEG, JBIG2), composite objects, page blocks, templates, annotations,
  axial shadings; no clipping areas. A picture's CTM is applied with a built-in 96 dpi guess, right only
  near 3.78 px/mm: keep the default width of 800 CSS pixels (3.8 px/mm on A4), or pictures come out resized;
- seals: SignedValue.dat parsed as SES_Signature v1 (GM/T 0031) or else v4 (GB/T 38540); the picture is
  drawn where the StampAnnot says (PageRef = the page's ID) when its type is png, jpg, gif or ofd (a vector
  seal document); an SM2 signature (OID 1.2.156.10197.1.501, DER, user id 1234567812345678) over the TBS
  part is checked with sm-crypto; the SM3 digests of Signature.xml's References can be checked too (of the
  last signature only). ``ofd:References`` must hold more than one Reference: ofd.js calls forEach on it,
  and a lone one (parsed as an object) makes the whole document fail to open.
"""

import base64
import dataclasses
import shutil
import subprocess
import tempfile
import time
from io import BytesIO
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

E2E_DIR = Path(__file__).resolve().parent
OFDJS_DIR = E2E_DIR / "node_modules" / "ofd.js"
OFDJS_BUNDLE = OFDJS_DIR / "lib" / "ofd.umd.min.js"
# The sample OFD files the package ships (third-party documents: read from the package, never copied here).
OFDJS_SAMPLES = OFDJS_DIR / "dist.zip"

HARNESS_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>ofd.js harness</title>
<style>body { margin: 0; background: #fff; } #pages { display: inline-block; }</style>
<script src="ofd.umd.min.js"></script></head>
<body><div id="pages"></div>
<script>
// A picture has loaded when the browser can decode it; ofd.js draws pictures as SVG <image> (seals too).
const decodes = (href) => { const img = new Image(); img.src = href;
                            return img.decode().then(() => img.naturalWidth > 0, () => false); };
const SEAL = '[name="seal_img_div"]';

// Parse, render every page of the first document, wait for its pictures and fonts, then describe what was drawn.
window.harnessRender = (b64, width, checkDigests) => new Promise((resolve) => {
  const started = performance.now();
  const times = {};
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const fail = (stage, err) => resolve({error: `${stage}: ${err && (err.stack || err.message) || err}`,
                                        ms: performance.now() - started});
  try {
    ofd.parseOfdDocument({ofd: bytes.buffer, fail: (err) => fail("parse", err), success: async (docs) => {
      try {
        times.parse_ms = performance.now() - started;
        const holder = document.getElementById("pages");
        holder.replaceChildren(...ofd.renderOfd(width, docs[0]));
        const hrefs = new Map();
        for (const image of holder.querySelectorAll("image")) {
          const href = image.href.baseVal;
          if (!hrefs.has(href)) hrefs.set(href, decodes(href));
        }
        const loaded = new Map();
        for (const [href, decoding] of hrefs) loaded.set(href, await decoding);
        await document.fonts.ready;
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        times.render_ms = performance.now() - started - times.parse_ms;
        // The reader's own SM3 check of Signature.xml's References (slow: its SM3 works on hex strings).
        // ofd.js keeps the list of the last signature it parsed only.
        const digests = {};
        if (checkDigests && window.toBeChecked) {
          const digestStarted = performance.now();
          for (const [id, refs] of window.toBeChecked) digests[id] = refs.length ? ofd.digestCheck(refs) : null;
          times.digest_ms = performance.now() - digestStarted;
        }
        const pages = [...holder.children].map((pageDiv) => {
          const pageBox = pageDiv.getBoundingClientRect();
          const text = [...pageDiv.querySelectorAll("svg")]
            .filter((svg) => svg.closest(SEAL) === null)
            .map((svg) => [...svg.querySelectorAll("text")].map((t) => t.textContent).join(""))
            .filter((line) => line.length > 0);
          const seals = [...pageDiv.querySelectorAll(SEAL)].map((el) => {
            const box = el.getBoundingClientRect();
            const pictures = [...el.querySelectorAll("image")].map((image) => loaded.get(image.href.baseVal));
            const vectorMarks = el.querySelectorAll("path, text").length;
            const info = JSON.parse(el.dataset.signedInfo || "{}");
            const ses = JSON.parse(el.dataset.sesSignature || "{}");
            const sealInfo = ses.toSign && ses.toSign.eseal && ses.toSign.eseal.esealInfo || {};
            const visible = box.width > 0 && box.height > 0;
            return {
              signature_id: info.signatureID == null ? null : String(info.signatureID),
              ses_version: ses.realVersion || null,
              seal_name: sealInfo.property && sealInfo.property.name || null,
              seal_id: sealInfo.esID || null,
              picture_type: sealInfo.picture ? String(sealInfo.picture.type).toLowerCase() : null,
              signature_ok: info.VerifyRet === true,
              digests_ok: info.signatureID in digests ? digests[info.signatureID] : null,
              box: [box.x - pageBox.x, box.y - pageBox.y, box.width, box.height],
              picture_loaded: pictures.length > 0 && pictures.every(Boolean),
              vector_marks: vectorMarks,
              drawn: visible && ((pictures.length > 0 && pictures.every(Boolean)) || vectorMarks > 0),
              text: [...el.querySelectorAll("text")].map((t) => t.textContent).join(""),
            };
          });
          return {id: pageDiv.id, width: pageBox.width, height: pageBox.height, text, seals,
                  pictures: [...pageDiv.querySelectorAll("image")].filter((i) => i.closest(SEAL) === null)
                    .map((i) => loaded.get(i.href.baseVal))};
        });
        resolve({documents: docs.length, pages, px_per_mm: Number(ofd.getPageScale()), ...times,
                 ms: performance.now() - started});
      } catch (err) { fail("render", err); }
    }});
  } catch (err) { fail("parse", err); }
});
</script></body></html>
"""


@dataclasses.dataclass
class SealMark:
    """One seal the reader drew (or tried to): what it parsed from SignedValue.dat and where it put it."""

    signature_id: str | None
    ses_version: int | None  # 4: GB/T 38540 SES_Signature; 1: GM/T 0031 v1
    seal_name: str | None
    seal_id: str | None
    picture_type: str | None  # "png" or "ofd" are drawn; anything else is not
    signature_ok: bool  # the reader's own SM2 check of the seal's signature over its TBS part
    digests_ok: bool | None  # its SM3 check of Signature.xml's References (None: not asked, or no list kept)
    box: tuple[float, float, float, float]  # x, y, w, h in CSS pixels, relative to the page
    picture_loaded: bool  # a PNG picture decoded
    vector_marks: int  # paths and glyphs of an "ofd" picture
    drawn: bool  # a visible box with a decoded picture or vector marks in it
    text: str  # the glyphs of an "ofd" picture


@dataclasses.dataclass
class RenderedPage:
    id: str
    width: float  # CSS pixels
    height: float
    text: list[str]  # one entry per TextObject, in drawing order (seal text excluded)
    seals: list[SealMark]
    pictures: list[bool]  # for each ImageObject outside the seals: whether it decoded
    png: bytes | None  # screenshot of this page's box (None past ``screenshot_pages``)

    @property
    def seal_drawn(self) -> bool:
        return any(seal.drawn for seal in self.seals)


@dataclasses.dataclass
class OfdRendering:
    error: str | None  # the reader's own failure (parse, render, a page error it raised, or a time-out)
    pages: list[RenderedPage]
    documents: int = 0
    px_per_mm: float = 0.0  # the scale ofd.js chose: (width - 10) / page width in mm, one decimal, at most 5
    parse_ms: float = 0.0  # in the page: unzip, XML, seals (SM2 check included)
    render_ms: float = 0.0  # in the page: DOM, pictures decoded, fonts ready
    digest_ms: float = 0.0
    wall_ms: float = 0.0  # the whole call: context, page, render, screenshots
    console: list[str] = dataclasses.field(default_factory=list)  # what ofd.js logged (it logs swallowed errors)

    @property
    def png(self) -> bytes | None:
        return self.pages[0].png if self.pages else None

    @property
    def text(self) -> str:
        return "\n".join(line for page in self.pages for line in page.text)

    @property
    def seal_drawn(self) -> bool:
        return any(page.seal_drawn for page in self.pages)

    @property
    def seals(self) -> list[SealMark]:
        return [seal for page in self.pages for seal in page.seals]


class OfdReader:
    """Renders OFD bytes with ofd.js in a page of ``browser`` (Playwright, the system Chromium).

    The harness page and a copy of the bundle live in ``workdir`` and are opened as file:// URLs: no server.
    """

    def __init__(self, browser, workdir: Path | None = None):
        if not OFDJS_BUNDLE.exists():
            raise FileNotFoundError(
                f"{OFDJS_BUNDLE} is missing: run scripts/system-deps --browser (npm ci in tests/e2e)")
        self.browser = browser
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="ofd-reader-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(OFDJS_BUNDLE, self.workdir / OFDJS_BUNDLE.name)
        self.harness = self.workdir / "harness.html"
        self.harness.write_text(HARNESS_HTML, encoding="utf-8")

    def render(self, ofd: bytes, *, width: int = 800, check_digests: bool = False, screenshot_pages: int = 1,
               timeout_ms: int = 60000) -> OfdRendering:
        """Open ``ofd`` and render all pages of its first document ``width`` CSS pixels wide, in a fresh
        browser context (nothing carries over); screenshot the first ``screenshot_pages`` pages.
        ``check_digests`` also runs the reader's SM3 check of the signed files (seconds per 100 KB)."""
        started = time.perf_counter()
        context = self.browser.new_context(locale="zh-CN", viewport={"width": width + 40, "height": 1200})
        context.set_default_timeout(timeout_ms)
        console: list[str] = []
        page_errors: list[str] = []
        try:
            page = context.new_page()
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(self.harness.as_uri())
            page.evaluate("([b64, width, digests]) => { window.harnessResult = null;"
                          " harnessRender(b64, width, digests).then((r) => { window.harnessResult = r; }); }",
                          [base64.b64encode(ofd).decode("ascii"), width, check_digests])
            try:
                page.wait_for_function("window.harnessResult !== null", timeout=timeout_ms, polling=50)
            except PlaywrightTimeout:
                return OfdRendering(error=f"timeout: the reader did not finish in {timeout_ms} ms",
                                    pages=[], console=console, wall_ms=(time.perf_counter() - started) * 1000)
            result = page.evaluate("window.harnessResult")
            pages = []
            for index, described in enumerate(result.get("pages", [])):
                png = None
                if index < screenshot_pages:
                    png = page.locator("#pages > div").nth(index).screenshot(animations="disabled")
                pages.append(RenderedPage(
                    id=described["id"], width=described["width"], height=described["height"],
                    text=described["text"], pictures=described["pictures"], png=png,
                    seals=[SealMark(**{**seal, "box": tuple(seal["box"])}) for seal in described["seals"]]))
            return OfdRendering(
                error=result.get("error") or (page_errors[0] if page_errors else None), pages=pages,
                documents=result.get("documents", 0), px_per_mm=result.get("px_per_mm", 0.0),
                parse_ms=result.get("parse_ms", 0.0), render_ms=result.get("render_ms", 0.0),
                digest_ms=result.get("digest_ms", 0.0), console=console,
                wall_ms=(time.perf_counter() - started) * 1000)
        finally:
            context.close()


def ofdjs_sample(name: str) -> bytes:
    """A sample OFD file shipped in the ofd.js package (dist.zip): 999.ofd (an e-invoice, a v4 seal whose
    picture is an OFD document), h.ofd (two v4 seals, PNG pictures), n.ofd (a v1 seal, PNG picture)."""
    import zipfile

    with zipfile.ZipFile(OFDJS_SAMPLES) as archive:
        return archive.read(f"dist/{name}")


def pdf_page_png(pdf: bytes, *, page: int = 1, dpi: float = 96) -> bytes:
    """One page of a PDF as PNG, by poppler's pdftoppm (scripts/system-deps --browser installs poppler-utils)."""
    with tempfile.TemporaryDirectory(prefix="pdf-page-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", f"{dpi:g}", "-f", str(page), "-l", str(page), "-singlefile",
                        str(source), str(Path(folder) / "out")], check=True, capture_output=True, timeout=60)
        return (Path(folder) / "out.png").read_bytes()


@dataclasses.dataclass
class PageLikeness:
    """How alike two renderings of a page are, both brought to the same small grayscale grid."""

    mean_diff: float  # mean absolute difference per pixel, 0 (same) .. 255
    ink_a: float  # share of inked pixels in each
    ink_b: float
    ink_overlap: float  # intersection over union of the (slightly widened) ink masks, 0 .. 1
    centroid_shift: float  # distance between the ink centroids, as a fraction of the page diagonal
    bbox_a: tuple[float, float, float, float] | None  # ink bounding box as fractions of the page: x0, y0, x1, y1
    bbox_b: tuple[float, float, float, float] | None

    def looks_alike(self, *, max_mean_diff: float = 12.0, min_ink_overlap: float = 0.6,
                    max_centroid_shift: float = 0.03, max_bbox_shift: float = 0.05) -> bool:
        """Tolerant by design: different rasterisers and substituted fonts move glyph edges, not the layout."""
        if self.bbox_a is None or self.bbox_b is None:
            return self.bbox_a == self.bbox_b and self.mean_diff <= max_mean_diff
        bbox_shift = max(abs(a - b) for a, b in zip(self.bbox_a, self.bbox_b, strict=True))
        return (self.mean_diff <= max_mean_diff and self.ink_overlap >= min_ink_overlap
                and self.centroid_shift <= max_centroid_shift and bbox_shift <= max_bbox_shift)


def compare_pages(png_a: bytes, png_b: bytes, *, size: tuple[int, int] | None = None, ink_below: int = 200,
                  widen: int = 3) -> PageLikeness:
    """Compare two page images (e.g. the OFD screenshot and the PDF page): both flattened on white, grayscale,
    resized to ``size`` — by default 148 px on the long side, in ``png_b``'s proportions (A4: 105 x 148,
    0.5 px/mm); ink is a pixel darker than ``ink_below``; ``widen`` (odd) thickens ink before the overlap."""
    from PIL import Image, ImageChops, ImageFilter, ImageStat

    def flat(png: bytes) -> Image.Image:
        image = Image.open(BytesIO(png)).convert("RGBA")
        white = Image.new("RGBA", image.size, "white")
        white.alpha_composite(image)
        return white.convert("L")

    a, b = flat(png_a), flat(png_b)
    if size is None:
        long_side = max(b.size)
        size = (max(1, round(148 * b.width / long_side)), max(1, round(148 * b.height / long_side)))
    a, b = a.resize(size, Image.Resampling.BOX), b.resize(size, Image.Resampling.BOX)
    mean_diff = ImageStat.Stat(ImageChops.difference(a, b)).mean[0]
    mask_a = a.point(lambda v: 255 if v < ink_below else 0)
    mask_b = b.point(lambda v: 255 if v < ink_below else 0)
    wide_a = mask_a.filter(ImageFilter.MaxFilter(widen)) if widen > 1 else mask_a
    wide_b = mask_b.filter(ImageFilter.MaxFilter(widen)) if widen > 1 else mask_b
    union = ImageStat.Stat(ImageChops.lighter(wide_a, wide_b)).sum[0]
    both = ImageStat.Stat(ImageChops.darker(wide_a, wide_b)).sum[0]
    width, height = size

    def centroid(mask: Image.Image) -> tuple[float, float] | None:
        total = xs = ys = 0
        pixels = mask.load()
        for y in range(height):
            for x in range(width):
                if pixels[x, y]:
                    total += 1
                    xs += x
                    ys += y
        return (xs / total / width, ys / total / height) if total else None

    def bbox(mask: Image.Image) -> tuple[float, float, float, float] | None:
        found = mask.getbbox()
        return (found[0] / width, found[1] / height, found[2] / width, found[3] / height) if found else None

    def share(mask: Image.Image) -> float:
        return ImageStat.Stat(mask).mean[0] / 255

    centre_a, centre_b = centroid(mask_a), centroid(mask_b)
    if centre_a and centre_b:
        diagonal = (1 + (height / width) ** 2) ** 0.5
        shift = ((centre_a[0] - centre_b[0]) ** 2 + ((centre_a[1] - centre_b[1]) * height / width) ** 2) ** 0.5
        centroid_shift = shift / diagonal
    else:
        centroid_shift = 0.0 if centre_a == centre_b else 1.0
    return PageLikeness(mean_diff=mean_diff, ink_a=share(mask_a), ink_b=share(mask_b),
                        ink_overlap=(both / union) if union else 1.0, centroid_shift=centroid_shift,
                        bbox_a=bbox(mask_a), bbox_b=bbox(mask_b))

