"""Uploaded photos: accepted only if they are real images of a sane size, re-encoded as JPEG so
that no EXIF/GPS metadata survives."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
Image.MAX_IMAGE_PIXELS = 40_000_000


def reencode(upload) -> tuple[ContentFile, int, int]:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The photo is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    data = upload.read()
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The photo is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The file is not a valid image (JPEG, PNG or WebP).")) from exc
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: metadata is dropped
    return ContentFile(out.getvalue(), name="photo.jpg"), image.width, image.height
