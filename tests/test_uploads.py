"""Uploaded files: known by what they contain, and pictures stored without their
metadata: no EXIF, above all no GPS position of the citizen's home."""
from __future__ import annotations

import io
import struct
from datetime import timedelta
import zlib

import pytest
from PIL import Image
from sqlalchemy import text

from app.core.uploads import UploadUnreadable, clean_image, sniff, strip_jpeg, strip_png
from conftest import (PDF_BYTES, PNG_BYTES, WANG, answer_question, apply_and_submit,
                      error_summary_links, path_of, say, sign_in_as,
                      submit_check, translate, walk_service)

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def photo_with_gps(fmt: str = "JPEG", size=(40, 30), orientation: int | None = 6) -> bytes:
    """A phone photo: taken sideways, with the make of the phone and where it was taken."""
    exif = Image.Exif()
    exif[MAKE] = "ExamplePhone"
    if orientation:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (28.0, 11.0, 40.0), 3: "E", 4: (112.0, 58.0, 50.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(out, fmt, exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # it really has GPS
    return data


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {**dict(exif), "gps": dict(exif.get_ifd(GPS_IFD))}


# ---- through the journey -------------------------------------------------------------------
@pytest.fixture
def wang(client):
    sign_in_as(client, WANG)
    return client


def upload_photo(client, app, data: bytes, filename: str):
    return answer_question(client, app, "/apply/disability-card-renewal/photo",
                           {"photo": (io.BytesIO(data), filename)})


def stored(app, code: str, key: str) -> tuple[dict, bytes]:
    answer = app.extensions["front_store"].open_draft(WANG.id, code).answers[key]
    return answer, app.extensions["uploads"].read(answer["stored"])  # decrypted


def test_a_submitted_file_reaches_the_platform_as_its_bytes(wang, app):
    number = apply_and_submit(wang, app, "remote-medical-filing", {
        "residence_proof": {"residence_proof": (io.BytesIO(PDF_BYTES), "居住证明.pdf")}})
    platform = app.extensions["platform"]
    sent = platform.application(number, WANG.id).answers["residence_proof"]
    assert "stored" not in sent  # the platform's own document, not the front's file
    kept = platform.documents(number)
    assert [(d["id"], d["filename"], d["size"]) for d in kept] == [
        (sent["document"], "居住证明.pdf", len(PDF_BYTES))]
    assert platform.document_content(sent["document"]) == PDF_BYTES
    listed = app.test_cli_runner().invoke(args=["platform", "documents", number]).output
    assert f"居住证明.pdf  {len(PDF_BYTES)} bytes  sha256 {sent['sha256']}" in listed
    with platform.db.engine.connect() as connection:  # encrypted at rest, as it is kept
        raw, name = connection.execute(text("SELECT content, filename FROM document")).one()
    assert raw.startswith("gAAAA") and "居住证明" not in name and "%PDF" not in raw
    # The platform keeps its own copy: the front's went when it was delivered.
    uploads = app.extensions["uploads"]
    assert uploads.files.listing() == {}
    assert uploads.used_by(WANG.id) == 0
    assert uploads.collect(set(), older_than=timedelta(0)) == 0


def test_a_file_still_in_an_open_draft_stays_after_another_is_delivered(wang, app):
    upload_photo(wang, app, PNG_BYTES, "照片.png")
    photo, _content = stored(app, "disability-card-renewal", "photo")
    apply_and_submit(wang, app, "remote-medical-filing", {
        "residence_proof": {"residence_proof": (io.BytesIO(PDF_BYTES), "居住证明.pdf")}})
    assert set(app.extensions["uploads"].files.listing()) == {photo["stored"]}


def test_a_file_gone_before_it_was_sent_is_asked_for_again(wang, app):
    code = "remote-medical-filing"
    walk_service(wang, app, code, {
        "residence_proof": {"residence_proof": (io.BytesIO(PDF_BYTES), "居住证明.pdf")}})
    store, uploads = app.extensions["front_store"], app.extensions["uploads"]
    [name] = uploads.files.listing()
    assert "居住证明.pdf" in wang.get(f"/apply/{code}/check").get_data(as_text=True)
    uploads.files.delete(name)  # lost by the store (a restore, a bucket's lifecycle rule)
    platform = app.extensions["platform"]

    sent = submit_check(wang, code)
    page = wang.get(path_of(sent.location)).get_data(as_text=True)
    assert translate(app, "A file you uploaded could not be found any more, so nothing "
                          "has been sent.") in page
    assert platform.applications_of(WANG.id) == []
    draft = store.open_draft(WANG.id, code)  # open again, every other answer kept
    assert "residence_proof" not in draft.answers and len(draft.answers) >= 3
    check = wang.get(f"/apply/{code}/check").get_data(as_text=True)
    assert "居住证明.pdf" not in check  # shown as not uploaded: the citizen uploads it again
    outbox = app.extensions["outbox"]
    assert outbox.deliver_due() == {}  # not tried again and again


def test_gps_exif_is_gone_after_uploading_a_photo(wang, app):
    response = upload_photo(wang, app, photo_with_gps(), "IMG_0001.jpg")
    assert response.status_code == 302
    answer, data = stored(app, "disability-card-renewal", "photo")
    assert answer["filename"] == "IMG_0001.jpg"
    assert answer["stored"].endswith(".jpg") and answer["size"] == len(data)
    assert exif_of(data) == {"gps": {}}
    assert b"ExamplePhone" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (30, 40)  # turned upright before its orientation tag went


def test_gps_exif_is_gone_from_a_png_too(wang, app):
    upload_photo(wang, app, photo_with_gps("PNG", orientation=None), "scan.png")
    _answer, data = stored(app, "disability-card-renewal", "photo")
    assert exif_of(data) == {"gps": {}} and b"eXIf" not in data


def test_a_file_named_as_a_photo_but_something_else_is_refused(wang, app):
    response = upload_photo(wang, app, b"MZ\x90\x00 not a picture", "photo.jpg")
    assert response.status_code == 200
    assert error_summary_links(response.get_data(as_text=True)) == [
        ("photo", translate(app, "The file must be a %(types)s", types="JPG / PNG"))]


def test_a_damaged_picture_is_refused_beside_the_field(wang, app):
    response = upload_photo(wang, app, b"\xff\xd8\xff\xe0 broken beyond repair", "photo.jpg")
    html = response.get_data(as_text=True)
    message = say(app, "The file could not be opened – it may be damaged. Choose another file.")
    assert error_summary_links(html) == [("photo", message)]
    assert 'id="photo-error"' in html and message in html.split('id="photo-error"')[1]
    assert "photo" not in app.extensions["front_store"].open_draft(
        WANG.id, "disability-card-renewal").answers


def test_a_picture_stored_as_another_type_is_kept_as_what_it_is(wang, app):
    png = photo_with_gps("PNG", orientation=None)
    upload_photo(wang, app, png, "photo.jpg")  # a PNG named .jpg
    answer, data = stored(app, "disability-card-renewal", "photo")
    assert answer["stored"].endswith(".png") and data.startswith(b"\x89PNG")


# ---- the pieces -------------------------------------------------------------------------------
@pytest.mark.parametrize("head, kind", [
    (PDF_BYTES, "pdf"), (PNG_BYTES, "png"), (b"\xff\xd8\xff\xe0", "jpg"), (b"MZ\x90", None),
    (b"", None)])
def test_sniff_knows_a_file_by_its_first_bytes(head, kind):
    assert sniff(head[:16]) == kind


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_png_pillow_cannot_decode_still_loses_its_metadata_chunks():
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    broken = (PNG_BYTES[:8] + ihdr + png_chunk(b"eXIf", b"MM\x00*GPS 28N 112E")
              + png_chunk(b"tEXt", b"Comment\x00home") + png_chunk(b"IDAT", b"not zlib")
              + png_chunk(b"IEND", b""))
    cleaned = clean_image(broken, "png")
    assert b"eXIf" not in cleaned and b"tEXt" not in cleaned and b"GPS" not in cleaned
    assert cleaned == strip_png(broken) and b"IDAT" in cleaned


def test_a_jpeg_without_decodable_pixels_still_loses_exif():
    good = photo_with_gps()
    scan = good.index(b"\xff\xda")
    broken = good[:scan] + b"\xff\xda\x00\x02garbage\xff\xd9"
    cleaned = clean_image(broken, "jpg")
    assert b"Exif" not in cleaned and b"ExamplePhone" not in cleaned
    assert cleaned == strip_jpeg(broken)


@pytest.mark.parametrize("data, kind", [(PNG_BYTES[:20], "png"), (b"\xff\xd8\xff", "jpg")])
def test_a_picture_that_is_not_even_well_formed_is_refused(data, kind):
    with pytest.raises(UploadUnreadable):
        clean_image(data, kind)
