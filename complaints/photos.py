"""Owner and staff photos: checked by content, rebuilt from their pixels alone, bounded in cost.

A photo is decoded and saved anew from a fresh image holding only its pixels, so nothing else of
the upload survives: no EXIF (it holds GPS), XMP, ICC profile, PNG text chunk, JPEG comment (a
JPEG/HTML polyglot hides script there) or bytes after the image.

Decoding costs seconds of CPU and hundreds of MB for a large photo, so it is bounded: pixels per
photo and per request (read from the headers before anything is decoded), and decodes at once
across every web process (PHOTO_DECODE_SLOTS slots shared through the cache). Callers decode
before they lock a ticket, so a slow decode never holds up other work on it.
"""

import io
import logging
import time
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from redis.exceptions import RedisError

log = logging.getLogger("lighthouse.photos")

_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
_SLOT_KEY = "photo-decode-slot:%d"
_SLOT_TTL = 120  # seconds: longer than any decode, so a slot a crashed process held frees itself
_SLOT_WAIT_SECONDS = 2.0  # a moment's wait for a free slot before answering "busy"
_SLOT_POLL = 0.2
_CACHE_ERRORS = (RedisError, OSError)  # what an unreachable cache server raises


class CleanPhoto:
    def __init__(self, content: ContentFile, content_type: str, width: int, height: int):
        self.content, self.content_type, self.width, self.height = content, content_type, width, height


@dataclass
class _Probe:
    name: str
    data: bytes
    kind: str
    pixels: int


def _not_a_photo(name):
    return ValidationError(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name}, code="format")


def _too_many_pixels(name):
    return ValidationError(_("%(name)s has too many pixels.") % {"name": name}, code="pixels")


def _photo_probe(upload) -> _Probe:
    """The upload's bytes, format and pixel count from its header, without decoding its pixels."""
    name = getattr(upload, "name", "photo")
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(_("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}, code="too_large")
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind, pixels = probe.format, probe.width * probe.height
                if kind not in _FORMATS:
                    raise _not_a_photo(name)
                if pixels > settings.PHOTO_MAX_PIXELS:
                    raise _too_many_pixels(name)
                probe.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name)
    except Exception:
        raise _not_a_photo(name)
    return _Probe(name, data, kind, pixels)


def _mode_for(image, kind: str) -> str:
    """The pixel mode to keep: grey stays grey, transparency stays (PNG, WebP), the rest is RGB."""
    if image.mode in ("1", "L"):
        return "L"
    if kind != "JPEG" and (image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info):
        return "RGBA"
    return "RGB"


def _photo_rebuild(probe: _Probe) -> CleanPhoto:
    """Decode, turn upright, copy the pixels alone into a new image and encode that."""
    try:
        image = Image.open(io.BytesIO(probe.data))
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # keep the photo upright once EXIF is gone
        mode = _mode_for(image, probe.kind)
        source = image.convert(mode) if image.mode != mode else image
        if source is not image:
            image.close()  # at most two copies of the pixels in memory at once
        # A new image has no info: only the pixels pasted into it reach the encoder.
        pixels = Image.new(mode, source.size)
        pixels.paste(source)
        source.close()
        out = io.BytesIO()
        pixels.save(out, format=probe.kind, **({"quality": 88} if probe.kind in ("JPEG", "WEBP") else {}))
        width, height = pixels.size
    except Exception:
        raise _not_a_photo(probe.name)
    content_type, extension = _FORMATS[probe.kind]
    return CleanPhoto(ContentFile(out.getvalue(), name=f"photo.{extension}"), content_type, width, height)


def _slot_take(token: str) -> str | None:
    """The key of a free decode slot, now held; None when the cache cannot be reached."""
    deadline = time.monotonic() + _SLOT_WAIT_SECONDS
    while True:
        try:
            for index in range(settings.PHOTO_DECODE_SLOTS):
                if cache.add(_SLOT_KEY % index, token, timeout=_SLOT_TTL):
                    return _SLOT_KEY % index
        except _CACHE_ERRORS as exc:
            log.warning("photo decode slots unavailable, decoding anyway (%s: %s)", type(exc).__name__, exc)
            return None
        if time.monotonic() >= deadline:
            raise ValidationError(
                _("Many photos are being processed right now; please try again in a minute."), code="busy"
            )
        time.sleep(_SLOT_POLL)


def _slot_free(key: str, token: str):
    try:
        if cache.get(key) == token:  # not a slot that expired and someone else took
            cache.delete(key)
    except _CACHE_ERRORS:
        pass  # it expires by itself


@contextmanager
def photo_decode_slot():
    """Hold one of PHOTO_DECODE_SLOTS decode slots shared by every process, or raise ValidationError
    (code "busy") when none frees up within a moment. Fails open: with the cache unreachable,
    decoding goes ahead, since a slow photo is better than a refused complaint."""
    token = uuid.uuid4().hex
    key = _slot_take(token)
    try:
        yield
    finally:
        if key:
            _slot_free(key, token)


def photos_clean(uploads) -> list[CleanPhoto]:
    """Every photo rebuilt from its pixels, or ValidationError for the first bad one (so nothing is
    saved). Every header is checked, and the pixels of all photos together, before any decoding."""
    uploads = list(uploads or [])
    if not uploads:
        return []
    if len(uploads) > settings.PHOTO_MAX_COUNT:
        raise ValidationError(_("At most %(n)d photos.") % {"n": settings.PHOTO_MAX_COUNT}, code="too_many")
    probes = [_photo_probe(u) for u in uploads]
    if sum(p.pixels for p in probes) > settings.PHOTO_MAX_PIXELS_PER_REQUEST:
        raise ValidationError(
            _("These photos have too many pixels together (at most %(mp)d megapixels at once); send fewer or smaller ones.")
            % {"mp": settings.PHOTO_MAX_PIXELS_PER_REQUEST // 1_000_000}, code="pixels",
        )
    with photo_decode_slot():
        return [_photo_rebuild(p) for p in probes]
