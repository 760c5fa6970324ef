"""Photos are real images, size-capped, stored through the storage API, without EXIF."""

import io

import pytest
from PIL import Image

from redprop.requests.models import RequestPhoto, ServiceRequest
from redprop.requests.tests.helpers import file_request

pytestmark = pytest.mark.django_db


def jpeg_with_gps(size=(800, 600)):
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    buf.seek(0)
    buf.name = "photo.jpg"
    return buf


def test_file_with_photo_strips_exif(world):
    c = world.client("resident")
    resp = c.post(
        "/api/v1/requests/with-photos",
        {
            "category": "seepage",
            "description": "卫生间天花板渗水",
            "unit_id": world.unit.pk,
            "photos": [jpeg_with_gps()],
        },
    )
    assert resp.status_code == 201, resp.content
    photo = RequestPhoto.objects.get()
    with photo.image.open("rb") as f, Image.open(f) as img:
        assert img.format == "JPEG"
        assert not img.getexif()
    assert resp.json()["photos"][0]["url"].startswith("/media/requests/")


def test_fake_image_refused_and_nothing_written(world):
    c = world.client("resident")
    fake = io.BytesIO(b"this is not a picture at all")
    fake.name = "evil.jpg"
    resp = c.post(
        "/api/v1/requests/with-photos",
        {
            "category": "seepage",
            "description": "渗水",
            "unit_id": world.unit.pk,
            "photos": [fake],
        },
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_image"
    assert ServiceRequest.objects.count() == 0
    assert RequestPhoto.objects.count() == 0


def test_oversized_image_refused(world, settings):
    from redprop.requests import photos

    rid = file_request(world)["id"]
    big = io.BytesIO(b"\xff" * (photos.MAX_BYTES + 1))
    big.name = "big.jpg"
    resp = world.client("resident").post(
        f"/api/v1/requests/{rid}/photos", {"photo": big, "kind": "before"}
    )
    assert resp.status_code == 413
    assert resp.json()["code"] == "image_too_large"


def test_too_many_photos(world):
    c = world.client("resident")
    resp = c.post(
        "/api/v1/requests/with-photos",
        {
            "category": "seepage",
            "description": "渗水",
            "unit_id": world.unit.pk,
            "photos": [jpeg_with_gps((50, 50)) for _ in range(10)],
        },
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "too_many_photos"
