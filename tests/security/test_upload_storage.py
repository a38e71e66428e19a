"""Uploads in plain form, world-readable, never cleaned: an ID-card
photo on disk is encrypted under the data keys and readable by the server's user alone,
a replaced file is deleted, an abandoned one is collected once it can no longer be
used, and one person's files in work not yet sent stay within a quota."""
from __future__ import annotations

import io
import os
import random
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from PIL import Image
from sqlalchemy import select

from app.core.upload_store import StoredUpload
from app.core.uploads import clean_image
from conftest import (PDF_BYTES, WANG, ZHANG, _dispose, _make_app, answer_question,
                      apply_and_submit, error_summary_links, sign_in_as, translate)
from databases import on_postgresql
from test_data_at_rest import app_with_keys
from test_supplements import asked, number, page_url, send, supplement  # noqa: F401
from test_uploads import photo_with_gps

PHOTO_URL = "/apply/disability-card-renewal/photo"
PROOF_URL = "/apply/remote-medical-filing/residence_proof"
ID_NUMBER = WANG.id_number.encode()


def pdf(size: int, marker: bytes = b"") -> bytes:
    """A PDF of about `size` bytes (kept as it is: only pictures are re-encoded)."""
    body = PDF_BYTES + marker
    return body + b"%" + b"x" * max(0, size - len(body) - 1)


def noise_png(side: int, seed: int = 1) -> bytes:
    """A picture that does not compress: about 3 × side² bytes, also after cleaning."""
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG")
    return out.getvalue()


def upload_to(client, app, url: str, data: bytes, filename: str):
    key = url.rsplit("/", 1)[-1]
    return answer_question(client, app, url, {key: (io.BytesIO(data), filename)})


def files_on_disk(app) -> dict[str, bytes]:
    folder = Path(app.config["UPLOAD_DIR"])
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def answer_of(app, owner, code: str, key: str) -> dict | None:
    draft = app.extensions["front_store"].open_draft(owner.id, code)
    return draft.answers.get(key) if draft else None


def rows(app) -> dict[str, StoredUpload]:
    with app.extensions["front_store"].db.session() as s:
        return {row.name: row for row in s.scalars(select(StoredUpload))}


@pytest.fixture
def wang(client):
    sign_in_as(client, WANG)
    return client


# ---- encrypted at rest --------------------------------------------------------------------
def test_an_uploaded_id_photo_is_not_readable_on_disk(wang, app):
    photo = photo_with_gps("PNG", size=(120, 80), orientation=None)
    assert upload_to(wang, app, PHOTO_URL, photo, "身份证.png").status_code == 302
    scan = pdf(20_000, b"ID " + ID_NUMBER)
    assert upload_to(wang, app, PROOF_URL, scan, "居住证.pdf").status_code == 302
    photo_answer = answer_of(app, WANG, "disability-card-renewal", "photo")
    proof = answer_of(app, WANG, "remote-medical-filing", "residence_proof")
    on_disk = files_on_disk(app)
    assert set(on_disk) == {photo_answer["stored"], proof["stored"]}
    for name, raw in on_disk.items():
        for plain in (b"\x89PNG", b"IHDR", b"IDAT", b"%PDF", ID_NUMBER):
            assert plain not in raw, f"{plain!r} readable in {name}"

    # The app reads both back as they were uploaded (the photo cleaned of its EXIF).
    stored_photo = app.extensions["uploads"].read(photo_answer["stored"])
    assert stored_photo.startswith(b"\x89PNG") and len(stored_photo) == photo_answer["size"]
    assert app.extensions["uploads"].read(proof["stored"]) == scan
    known_run = stored_photo[len(stored_photo) // 2:][:64]  # from the middle of its pixels
    assert all(known_run not in raw for raw in on_disk.values())


def test_a_file_from_before_encryption_is_still_read_and_the_prune_encrypts_it(app):
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(exist_ok=True)
    legacy = folder / ("ab" * 16 + ".pdf")
    legacy.write_bytes(pdf(5_000, ID_NUMBER))
    legacy.chmod(0o644)
    uploads = app.extensions["uploads"]
    assert uploads.read(legacy.name) == pdf(5_000, ID_NUMBER)

    result = app.test_cli_runner().invoke(args=["maintenance", "prune"])
    assert result.exit_code == 0, result.output
    assert "plain uploads: 1 encrypted" in result.output
    assert ID_NUMBER not in legacy.read_bytes() and b"%PDF" not in legacy.read_bytes()
    assert stat.S_IMODE(legacy.stat().st_mode) == 0o600
    assert uploads.read(legacy.name) == pdf(5_000, ID_NUMBER)
    again = app.test_cli_runner().invoke(args=["maintenance", "prune"])
    assert "plain uploads: 0 encrypted" in again.output


def test_key_rotation_moves_uploaded_files_to_the_new_key(app, wang, monkeypatch, tmp_path):
    upload_to(wang, app, PROOF_URL, pdf(3_000, ID_NUMBER), "居住证.pdf")
    name = answer_of(app, WANG, "remote-medical-filing", "residence_proof")["stored"]
    old = (tmp_path / "data_keys").read_text().split()[0]
    new = Fernet.generate_key().decode()
    _dispose(app)

    both = app_with_keys(monkeypatch, tmp_path, [new, old])
    try:
        result = both.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "uploads: 1 files now under the newest key" in result.output
    finally:
        _dispose(both)
    only_new = app_with_keys(monkeypatch, tmp_path, [new])
    try:
        assert only_new.extensions["uploads"].read(name) == pdf(3_000, ID_NUMBER)
    finally:
        _dispose(only_new)


# ---- private to the server's user ------------------------------------------------------
@pytest.mark.skipif(on_postgresql(), reason="checks the SQLite files of the data folder")
def test_upload_files_are_private_to_the_server_user(monkeypatch, tmp_path):
    previous = os.umask(0o022)  # the usual umask: without care, 0644 files, 0755 folders
    try:
        app = _make_app(monkeypatch, tmp_path / "data")
        client = app.test_client()
        sign_in_as(client, WANG)
        upload_to(client, app, PHOTO_URL, photo_with_gps("PNG", orientation=None), "id.png")
    finally:
        os.umask(previous)
    data = Path(app.config["DATA_DIR"])
    uploads = Path(app.config["UPLOAD_DIR"])
    [photo] = list(uploads.iterdir())
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in
             [data, uploads, photo, *data.glob("*.sqlite*")]}
    _dispose(app)
    assert {"front.sqlite", "platform.sqlite"} <= set(modes)
    assert modes == {name: 0o700 if name in (data.name, uploads.name) else 0o600
                     for name in modes}


# ---- deleted when replaced ----------------------------------------------------------------
def test_a_replaced_upload_is_deleted(wang, app):
    upload_to(wang, app, PHOTO_URL, photo_with_gps("PNG", orientation=None), "first.png")
    first = answer_of(app, WANG, "disability-card-renewal", "photo")["stored"]
    response = upload_to(wang, app, PHOTO_URL, photo_with_gps(), "second.jpg")
    assert response.status_code == 302
    second = answer_of(app, WANG, "disability-card-renewal", "photo")
    assert second["filename"] == "second.jpg" and second["stored"] != first
    assert set(files_on_disk(app)) == {second["stored"]}
    assert set(rows(app)) == {second["stored"]}


def test_a_replaced_supplement_file_is_deleted(zhang, app, number):  # noqa: F811
    supplement(app, number, "--part", "医保", "--file")
    url = page_url(number, asked(app, number).id)
    too_long = {"answer": "好" * 1001}  # an error: the valid file is kept for the next try
    send(zhang, url, too_long, files={"upload": (io.BytesIO(pdf(2_000)), "a.pdf")})
    [kept] = files_on_disk(app)
    send(zhang, url, too_long, files={"upload": (io.BytesIO(pdf(3_000)), "b.pdf")})
    [kept_now] = files_on_disk(app)
    assert kept_now != kept
    response = send(zhang, url, {"answer": "见附件"},
                    files={"upload": (io.BytesIO(pdf(4_000)), "c.pdf")})
    assert response.status_code == 302
    sent = asked(app, number).answer["file"]
    assert app.extensions["platform"].document_content(sent["document"]) == pdf(4_000)
    assert files_on_disk(app) == {}  # kept and sent: the platform has its own copy now


# ---- collected when abandoned ------------------------------------------------------------
def age(app, days: int) -> None:
    """Every stored file came `days` ago."""
    with app.extensions["front_store"].db.session() as s:
        for row in s.scalars(select(StoredUpload)):
            row.created_at -= timedelta(days=days)
    for path in Path(app.config["UPLOAD_DIR"]).iterdir():
        then = path.stat().st_mtime - days * 86400
        os.utime(path, (then, then))


def prune(app) -> str:
    result = app.test_cli_runner().invoke(args=["maintenance", "prune"])
    assert result.exit_code == 0, result.output
    return result.output


def test_abandoned_uploads_are_collected_after_the_draft_expires(zhang, app, number):  # noqa: F811
    # Abandoned: a supplement's file kept across an error, never sent; and a plain file
    # from before, which nothing names.
    supplement(app, number, "--part", "医保", "--file")
    send(zhang, page_url(number, asked(app, number).id), {"answer": "好" * 1001},
         files={"upload": (io.BytesIO(pdf(2_000)), "abandoned.pdf")})
    [abandoned] = files_on_disk(app)
    legacy = Path(app.config["UPLOAD_DIR"]) / ("cd" * 16 + ".png")
    legacy.write_bytes(photo_with_gps("PNG", orientation=None))
    # In use: a file in an open draft. A submitted application's file went from the
    # front once the platform had it.
    upload_to(zhang, app, PHOTO_URL, photo_with_gps("PNG", orientation=None), "photo.png")
    in_draft = answer_of(app, ZHANG, "disability-card-renewal", "photo")["stored"]
    apply_and_submit(zhang, app, "remote-medical-filing", {
        "residence_proof": {"residence_proof": (io.BytesIO(pdf(3_000)), "proof.pdf")}})
    # An application sent before the platform kept its own documents (platform_0004)
    # names the front's file itself.
    earlier = "ef" * 16 + ".pdf"
    app.extensions["uploads"].save(earlier, pdf(1_000), ZHANG.id)
    app.extensions["platform"].submit("remote-medical-filing", ZHANG.id, {"residence_proof": {
        "filename": "old.pdf", "stored": earlier, "size": 1_000}}, "sent-before-0004")
    everything = {abandoned, legacy.name, in_draft, earlier}
    assert set(files_on_disk(app)) == everything

    assert "unused uploads: 0 deleted" in prune(app)  # the sign-in that kept it may go on
    age(app, app.config["PERMANENT_SESSION_LIFETIME"].days + 1)
    assert "unused uploads: 2 deleted" in prune(app)
    assert set(files_on_disk(app)) == {in_draft, earlier}
    assert set(rows(app)) == {in_draft, earlier}


# ---- a quota per person ---------------------------------------------------------------------
def test_a_citizen_cannot_fill_the_disk_past_the_quota(wang, app):
    app.config["UPLOAD_QUOTA_MB"] = 1
    # Files in an application sent on are the platform's record: they do not count.
    apply_and_submit(wang, app, "remote-medical-filing", {
        "residence_proof": {"residence_proof": (io.BytesIO(pdf(700_000)), "sent.pdf")}})
    photo = noise_png(270)  # about 220 KB, also after cleaning
    assert upload_to(wang, app, PHOTO_URL, photo, "photo.png").status_code == 302
    proof = pdf(600_000)
    assert upload_to(wang, app, PROOF_URL, proof, "first.pdf").status_code == 302
    # Replacing a file: the old one does not count against the new.
    assert upload_to(wang, app, PROOF_URL, proof, "second.pdf").status_code == 302
    kept = answer_of(app, WANG, "remote-medical-filing", "residence_proof")
    on_disk = files_on_disk(app)

    # The photo it would replace does not count: 0.6 MB + this 0.5 MB > 1 MB.
    bigger = noise_png(420)
    response = upload_to(wang, app, PHOTO_URL, bigger, "bigger.png")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = translate(
        app, "This file (%(size)s MB) does not fit: the files in your applications not yet "
        "sent already take up %(used)s MB of the %(limit)d MB you can keep here. Send an "
        "application you have finished, or replace a large file in another one with a "
        "smaller photo, then choose this file again.",
        size=f"{len(clean_image(bigger, 'png')) / 1048576:.1f}",
        used=f"{kept['size'] / 1048576:.1f}", limit=1)
    assert error_summary_links(html) == [("photo", message)]
    assert message in html.split('id="photo-error"')[1]
    assert files_on_disk(app) == on_disk  # nothing written
    assert answer_of(app, WANG, "remote-medical-filing", "residence_proof") == kept
    assert answer_of(app, WANG, "disability-card-renewal", "photo")["filename"] == "photo.png"
