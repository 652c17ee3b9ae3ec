"""Owner and staff photos: checked by content, re-encoded, stripped of EXIF (it holds GPS)."""

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class CleanPhoto:
    def __init__(self, content: ContentFile, content_type: str, width: int, height: int):
        self.content, self.content_type, self.width, self.height = content, content_type, width, height


def photo_clean(upload) -> CleanPhoto:
    """Return a re-encoded copy of an uploaded photo, or raise ValidationError saying why not."""
    name = getattr(upload, "name", "photo")
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(_("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}, code="too_large")
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                if kind not in _FORMATS:
                    raise ValidationError(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name}, code="format")
                if probe.width * probe.height > settings.PHOTO_MAX_PIXELS:
                    raise ValidationError(_("%(name)s has too many pixels.") % {"name": name}, code="pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
                if kind == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                # Saving without exif= drops every metadata block, GPS location included.
                image.save(out, format=kind, **({"quality": 88} if kind in ("JPEG", "WEBP") else {}))
                width, height = image.size
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("%(name)s has too many pixels.") % {"name": name}, code="pixels")
    except Exception:
        raise ValidationError(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name}, code="format")
    content_type, extension = _FORMATS[kind]
    return CleanPhoto(ContentFile(out.getvalue(), name=f"photo.{extension}"), content_type, width, height)


def photos_clean(uploads) -> list[CleanPhoto]:
    """Every photo cleaned, or ValidationError for the first bad one (so nothing is saved)."""
    uploads = list(uploads or [])
    if len(uploads) > settings.PHOTO_MAX_COUNT:
        raise ValidationError(_("At most %(n)d photos.") % {"n": settings.PHOTO_MAX_COUNT}, code="too_many")
    return [photo_clean(u) for u in uploads]
