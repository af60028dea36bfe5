"""QR posters for grids: an A4 portrait sheet to put up in the grid, whose QR code opens the
resident report page of that grid (/r/<grid code>/).

Drawn with Pillow; the QR code is made by segno. The text needs a CJK font: the first one found of
POSTER_FONT_PATH (setting), WenQuanYi Micro Hei and a few common paths; without one the poster is
still drawn with Pillow's default font (the Chinese text then shows as boxes, the QR code, the grid
code and the address under the code stay usable).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

# A4 at 150 dpi (210 × 297 mm)
PAGE_SIZE = (1240, 1754)
DPI = 150
MARGIN = 90
BLUE = (31, 78, 121)
TEXT = (31, 41, 51)
GREY = (90, 99, 112)

CJK_FONT_PATHS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
]


@dataclass
class PosterText:
    """What a poster says besides its QR code."""

    url: str
    grid_name: str
    grid_code: str
    community: str = ""
    street: str = ""
    staff_line: str = ""  # e.g. "网格长：张三"; empty when the grid has no one assigned


def find_cjk_font() -> str | None:
    configured = getattr(settings, "POSTER_FONT_PATH", "") or ""
    for path in ([configured] if configured else []) + CJK_FONT_PATHS:
        if path and os.path.isfile(path):
            return path
    return None


@lru_cache(maxsize=64)
def _truetype(path: str, size: int):
    return ImageFont.truetype(path, size)


def _default_font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # an old Pillow, or one built without FreeType
        return ImageFont.load_default()


def get_font(size: int):
    path = find_cjk_font()
    if path:
        try:
            return _truetype(path, size)
        except OSError:
            pass
    return _default_font(size)


def _safe(draw: ImageDraw.ImageDraw, text: str, font) -> str:
    """The text as this font can draw it: a bitmap font only knows Latin-1."""
    try:
        draw.textbbox((0, 0), text, font=font)
        return text
    except (UnicodeError, ValueError, OSError):
        return text.encode("ascii", "replace").decode("ascii")


def _width(draw, text: str, font) -> int:
    left, _top, right, _bottom = draw.textbbox((0, 0), text, font=font)
    return right - left


def _fit(draw, text: str, size: int, max_width: int, min_size: int = 18):
    """The largest font up to `size` in which `text` fits `max_width`."""
    font = get_font(size)
    text = _safe(draw, text, font)
    while size > min_size and _width(draw, text, font) > max_width:
        size = max(min_size, int(size * 0.9))
        font = get_font(size)
    return font, text


def _centered(draw, y: int, text: str, size: int, fill, max_width: int) -> int:
    """Draw one line centred at height y; returns the y below it."""
    if not text:
        return y
    font, text = _fit(draw, text, size, max_width)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = (PAGE_SIZE[0] - (right - left)) // 2 - left
    draw.text((x, y - top), text, font=font, fill=fill)
    return y + (bottom - top)


def qr_image(url: str, target_px: int) -> Image.Image:
    """The QR code of `url` as an RGB image about `target_px` wide (quiet zone included)."""
    qr = segno.make(url, error="m", micro=False, boost_error=True)
    border = 4
    modules = qr.symbol_size(scale=1, border=border)[0]
    scale = max(1, target_px // modules)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=border, dark="#000000", light="#ffffff")
    out.seek(0)
    with Image.open(out) as image:
        return image.convert("RGB")


def render_poster(text: PosterText) -> Image.Image:
    width, height = PAGE_SIZE
    inner = width - 2 * MARGIN
    image = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)

    # title band
    band = 250
    draw.rectangle([0, 0, width, band], fill=BLUE)
    font, title = _fit(draw, _("Scan to report a problem"), 120, inner)
    left, top, right, bottom = draw.textbbox((0, 0), title, font=font)
    draw.text(((width - (right - left)) // 2 - left, (band - (bottom - top)) // 2 - top), title,
              font=font, fill="white")

    y = band + 60
    y = _centered(draw, y, text.grid_name, 84, TEXT, inner) + 28
    place = " · ".join(part for part in (text.street, text.community) if part)
    y = _centered(draw, y, place, 46, GREY, inner) + 40

    # the QR code, as large as the rest of the page allows
    footer_space = 330 if text.staff_line else 260
    room = min(inner - 40, height - y - footer_space)
    qr = qr_image(text.url, room)
    if qr.width > room:
        qr = qr.resize((room, room), Image.NEAREST)
    qr_x = (width - qr.width) // 2
    draw.rectangle([qr_x - 6, y - 6, qr_x + qr.width + 6, y + qr.height + 6], outline=BLUE, width=4)
    image.paste(qr, (qr_x, y))
    y += qr.height + 24

    y = _centered(draw, y, _("Grid code: %(code)s") % {"code": text.grid_code}, 36, GREY, inner) + 10
    y = _centered(draw, y, text.url, 24, GREY, inner) + 34
    if text.staff_line:
        y = _centered(draw, y, text.staff_line, 46, TEXT, inner) + 30

    # bottom line
    draw.rectangle([0, height - 130, width, height], fill=BLUE)
    font, slogan = _fit(draw, _("Report with a photo · Follow the progress · Rate the result"), 48, inner)
    left, top, right, bottom = draw.textbbox((0, 0), slogan, font=font)
    draw.text(((width - (right - left)) // 2 - left, height - 130 + (130 - (bottom - top)) // 2 - top), slogan,
              font=font, fill="white")
    return image


def grid_poster_text(grid, url: str) -> PosterText:
    """The names on a grid's poster: its community and street, and who runs the grid."""
    ancestors = grid.ancestors()
    community = next((a.name for a in reversed(ancestors) if a.level == "community"), "")
    street = next((a.name for a in reversed(ancestors) if a.level == "street"), "")
    return PosterText(url=url, grid_name=grid.name, grid_code=grid.code, community=community, street=street,
                      staff_line=grid_staff_line(grid))


def grid_staff_line(grid) -> str:
    """"网格长：姓名" for the grid's active chief, else "网格员：姓名" for an active grid worker;
    staff names are public on a poster (residents should know whom to ask). Empty if nobody has a
    full name on record."""
    from accounts.models import RoleAssignment
    from areas.models import StaffAssignment

    def first_name(duties, roles) -> str:
        for assignment in (StaffAssignment.objects.active().filter(area=grid, duty__in=duties, user__is_active=True)
                           .select_related("user").order_by("starts_on", "id")):
            if assignment.user.full_name.strip():
                return assignment.user.full_name.strip()
        for assignment in (RoleAssignment.objects.active().filter(area=grid, role__in=roles, user__is_active=True)
                           .select_related("user").order_by("id")):
            if assignment.user.full_name.strip():
                return assignment.user.full_name.strip()
        return ""

    chief = first_name(["grid_chief"], ["grid_chief"])
    if chief:
        return _("Grid chief: %(name)s") % {"name": chief}
    worker = first_name(["full_time_worker", "part_time_worker"], ["grid_worker"])
    if worker:
        return _("Grid worker: %(name)s") % {"name": worker}
    return ""


def grid_poster(grid, url: str) -> Image.Image:
    """The poster in the district's language (Chinese), whatever language the staff page uses."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_poster(grid_poster_text(grid, url))


def to_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(DPI, DPI))
    return out.getvalue()


def to_pdf(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PDF", resolution=float(DPI))
    return out.getvalue()
