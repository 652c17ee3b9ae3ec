"""Photos (security probe findings 12 and 19): nothing but pixels survives re-encoding, photos per
ticket and pixels per request are capped, and decoding happens outside the ticket's lock under a
shared cap on concurrent decodes."""

import io
import struct

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image, PngImagePlugin
from redis.exceptions import ConnectionError as RedisConnectionError

from complaints import photos as photo_module
from complaints.models import ComplaintEvent, ComplaintPhoto
from complaints.services import complaint_owner_message, complaint_submit, complaint_visit, submission, tickets
from tests.complaints.conftest import image_bytes

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert('polyglot')</script>"


def _in_english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"


def _upload(data, name="a.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def _submit(owner, noise, photos=()):
    return complaint_submit(resident=owner.resident, category=noise, description="楼上漏水",
                            unit=owner.resident.occupancies.get().unit, photos=photos)


def _stored(complaint):
    return [p.image.read() for p in ComplaintPhoto.objects.filter(complaint=complaint).order_by("pk")]


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.append(kind)
        at += 12 + length
    return chunks


def test_jpeg_html_polyglot_keeps_no_trace_of_its_script_or_metadata(owner, noise):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(
        buffer, "JPEG", comment=b"<html>" + SCRIPT, exif=exif, icc_profile=b"ICC-" + SCRIPT,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SCRIPT + b"</x:xmpmeta>",
    )
    polyglot = buffer.getvalue() + b"<html><body>" + SCRIPT + b"</body></html>"  # and HTML after the image
    assert polyglot.count(b"<script>") == 4
    complaint = _submit(owner, noise, [_upload(polyglot)])
    (stored,) = _stored(complaint)
    for trace in (b"<script", b"alert", b"polyglot", b"SpyCam", b"xmpmeta", b"ICC", b"<html"):
        assert trace not in stored, trace
    reopened = Image.open(io.BytesIO(stored))
    assert reopened.size == (64, 48) and not {"comment", "exif", "icc_profile", "xmp"} & set(reopened.info)


def test_png_text_exif_and_colour_profile_chunks_are_dropped(owner, noise):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    info.add_itxt("XML:com.adobe.xmp", SCRIPT.decode())
    info.add_text("Zipped", SCRIPT.decode(), zip=True)
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    buffer = io.BytesIO()
    paletted = Image.new("P", (64, 48), 3)
    paletted.putpalette([v for c in range(256) for v in (c, c, c)])
    paletted.save(buffer, "PNG", pnginfo=info, exif=exif, icc_profile=b"ICC-profile", transparency=3)
    raw = buffer.getvalue()
    assert {b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP"} <= set(_png_chunks(raw))
    complaint = _submit(owner, noise, [_upload(raw, "a.png", "image/png")])
    (stored,) = _stored(complaint)
    assert set(_png_chunks(stored)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert b"script" not in stored and b"SpyCam" not in stored
    assert Image.open(io.BytesIO(stored)).getpixel((0, 0))[3] == 0  # the transparent pixel stays transparent


def test_webp_metadata_chunks_are_dropped(owner, noise):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(buffer, "WEBP", icc_profile=b"ICC-" + SCRIPT, xmp=SCRIPT, exif=exif)
    raw = buffer.getvalue()
    assert b"SpyCam" in raw and b"ICCP" in raw and b"XMP " in raw
    complaint = _submit(owner, noise, [_upload(raw, "a.webp", "image/webp")])
    (stored,) = _stored(complaint)
    for trace in (b"script", b"SpyCam", b"ICCP", b"EXIF", b"XMP "):
        assert trace not in stored, trace


def test_photos_per_ticket_are_capped_for_owners_messages(client, owner, noise, settings):
    settings.PHOTO_MAX_PER_COMPLAINT = 3
    complaint = _submit(owner, noise, [_upload(image_bytes()), _upload(image_bytes())])
    client.force_login(owner)
    _in_english(client)
    url = reverse("portal:complaint_message", args=[complaint.number])
    response = client.post(url, {"text": "再补两张", "photos": [_upload(image_bytes()), _upload(image_bytes())]}, follow=True)
    assert "at most 3 photos" in response.content.decode()
    assert complaint.photos.count() == 2
    assert not ComplaintEvent.objects.filter(complaint=complaint, kind=ComplaintEvent.Kind.OWNER_MESSAGE).exists()
    client.post(url, {"text": "再补一张", "photos": [_upload(image_bytes())]})
    assert complaint.photos.count() == 3


def test_owners_photos_never_use_up_the_staff_visit_allowance(owner, noise, service, settings):
    settings.PHOTO_MAX_PER_COMPLAINT = 2
    complaint = _submit(owner, noise, [_upload(image_bytes()), _upload(image_bytes())])
    complaint_visit(complaint, actor=service, findings="渗水点在厨房", photos=[_upload(image_bytes()), _upload(image_bytes())])
    assert complaint.photos.filter(public=False).count() == 2
    with pytest.raises(ValidationError) as caught:
        complaint_visit(complaint, actor=service, findings="再拍一张", photos=[_upload(image_bytes())])
    assert caught.value.code == "ticket_full"


def test_total_pixels_decoded_per_request_are_capped(client, owner, noise, settings):
    settings.PHOTO_MAX_PIXELS_PER_REQUEST = 64 * 48 * 2
    client.force_login(owner)
    _in_english(client)
    unit = owner.resident.occupancies.get().unit
    data = {"category": noise.pk, "where": f"unit:{unit.pk}", "description": "漏水"}
    response = client.post(reverse("portal:complaint_new"), {**data, "photos": [_upload(image_bytes()) for _ in range(3)]})
    assert response.status_code == 400 and "pixels" in response.content.decode()
    assert not ComplaintPhoto.objects.exists()
    response = client.post(reverse("portal:complaint_new"), {**data, "photos": [_upload(image_bytes()) for _ in range(2)]})
    assert response.status_code == 302 and ComplaintPhoto.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_photos_are_decoded_before_any_transaction_or_row_lock(owner, noise, service, monkeypatch):
    seen = []
    real = tickets.photos_clean

    def watching(uploads):
        uploads = list(uploads)
        if uploads:
            seen.append(connection.in_atomic_block)
        return real(uploads)

    monkeypatch.setattr(tickets, "photos_clean", watching)
    monkeypatch.setattr(submission, "photos_clean", watching)
    complaint = _submit(owner, noise, [_upload(image_bytes())])
    complaint_owner_message(complaint, user=owner, text="补充照片", photos=[_upload(image_bytes())])
    complaint_visit(complaint, actor=service, findings="现场", photos=[_upload(image_bytes())])
    assert seen == [False, False, False]
    assert complaint.photos.count() == 3


def test_decoding_answers_busy_when_every_shared_slot_is_taken(owner, noise, settings, monkeypatch):
    settings.PHOTO_DECODE_SLOTS = 2
    monkeypatch.setattr(photo_module, "_SLOT_WAIT_SECONDS", 0)
    complaint = _submit(owner, noise)
    with photo_module.photo_decode_slot(), photo_module.photo_decode_slot():
        with pytest.raises(ValidationError) as caught:
            complaint_owner_message(complaint, user=owner, text="照片", photos=[_upload(image_bytes())])
        assert caught.value.code == "busy"
        complaint_owner_message(complaint, user=owner, text="没有照片的留言不需要解码")
    assert complaint.photos.count() == 0
    complaint_owner_message(complaint, user=owner, text="照片", photos=[_upload(image_bytes())])  # slots released
    assert complaint.photos.count() == 1


def test_decode_slots_fail_open_when_the_cache_is_down(owner, noise, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "delete", down)
    complaint = _submit(owner, noise, [_upload(image_bytes())])
    assert complaint.photos.count() == 1
