"""Where uploaded files' bytes live (app/core/file_store.py): a private folder by default,
or an S3-compatible bucket several instances share. One contract, run against both: the
folder, and a real S3-compatible server (s3rver, from the npm registry at setup) over
HTTP through boto3. Then the uploads themselves on a bucket: stored encrypted, read back,
collected, re-encrypted, and read by another instance that shares the bucket but not
the disk."""
from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.file_store import FolderStore, S3Store, open_store
from conftest import PNG_BYTES, ZHANG, _dispose, _make_app
from s3_server import BUCKET, CREDENTIALS, S3Server

NAME = "0123456789abcdef0123456789abcdef.png"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """s3rver on a free port, with a bucket, for this module; its AWS-style keys."""
    server = S3Server(tmp_path_factory.mktemp("s3rver"))
    with pytest.MonkeyPatch.context() as mp:
        for name, value in CREDENTIALS.items():
            mp.setenv(name, value)
        try:
            yield server.endpoint
        finally:
            server.stop()


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    if request.param == "folder":
        return FolderStore(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Store(BUCKET, f"test-{os.urandom(4).hex()}", endpoint)


# ---- the contract -------------------------------------------------------------------------
def test_what_is_put_is_got_back_byte_for_byte(store):
    data = os.urandom(300_000)
    store.put(NAME, data)
    assert store.get(NAME) == data
    store.put(NAME, b"replaced")
    assert store.get(NAME) == b"replaced"


def test_a_missing_file_is_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.get(NAME)


def test_delete_removes_it_and_a_second_delete_is_harmless(store):
    store.put(NAME, b"x")
    store.delete(NAME)
    store.delete(NAME)
    with pytest.raises(FileNotFoundError):
        store.get(NAME)


def test_the_listing_names_every_file_with_when_it_was_written(store):
    from app.core.clock import utcnow
    before = utcnow() - timedelta(seconds=5)
    names = [f"{i:032x}.pdf" for i in range(3)]
    for name in names:
        store.put(name, b"%PDF-")
    listing = store.listing()
    assert sorted(listing) == names
    assert all(before <= when <= utcnow() + timedelta(seconds=5) for when in listing.values())


def test_the_folder_is_private_to_the_server_s_user(tmp_path):
    store = FolderStore(tmp_path / "files")
    store.put(NAME, b"x")
    assert (tmp_path / "files").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "files" / NAME).stat().st_mode & 0o777 == 0o600


def test_the_setting_chooses_the_store(tmp_path):
    assert isinstance(open_store(None, tmp_path), FolderStore)
    assert isinstance(open_store("s3://bucket/yiban", tmp_path, "http://127.0.0.1:9"), S3Store)
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        open_store("/srv/files", tmp_path)


# ---- uploads on a bucket ---------------------------------------------------------------------
@pytest.fixture
def two_instances(monkeypatch, tmp_path, s3_endpoint):
    """Two apps with their own data folders (no shared disk), one front database and one
    data keyring between them (as several instances share them), files on one bucket."""
    prefix = f"uploads-{os.urandom(4).hex()}"
    on_bucket = {"FILE_STORE": f"s3://{BUCKET}/{prefix}", "S3_ENDPOINT_URL": s3_endpoint}
    first = _make_app(monkeypatch, tmp_path / "a", **on_bucket)
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # keys and databases as A has them
    second = _make_app(monkeypatch, tmp_path / "b", **on_bucket,
                       FRONT_DATABASE_URL=first.config["FRONT_DATABASE_URL"])
    yield first, second, prefix
    for app in (first, second):
        _dispose(app)


def test_a_file_stored_by_one_instance_is_read_by_another(two_instances):
    first, second, _prefix = two_instances
    with first.app_context():
        first.extensions["uploads"].save(NAME, PNG_BYTES, ZHANG.id)
    on_disk = Path(first.config["UPLOAD_DIR"])
    assert not on_disk.exists() or not any(on_disk.iterdir())  # nothing on A's own disk
    with second.app_context():
        assert second.extensions["uploads"].read(NAME) == PNG_BYTES
        assert second.extensions["uploads"].used_by(ZHANG.id) == len(PNG_BYTES)


def test_the_bucket_holds_only_ciphertext(two_instances):
    first, _second, prefix = two_instances
    with first.app_context():
        first.extensions["uploads"].save(NAME, PNG_BYTES, ZHANG.id)
    raw = S3Store(BUCKET, prefix, first.config["S3_ENDPOINT_URL"]).get(NAME)
    assert PNG_BYTES[:8] not in raw and raw.startswith(b"gAAAA")  # a Fernet token


def test_unused_files_are_collected_and_keys_rotated_on_the_bucket(two_instances):
    first, second, prefix = two_instances
    uploads = first.extensions["uploads"]
    kept = "ffffffffffffffffffffffffffffffff.png"
    with first.app_context():
        uploads.save(NAME, PNG_BYTES, ZHANG.id)
        uploads.save(kept, PNG_BYTES, ZHANG.id)
        assert uploads.collect({kept}, older_than=timedelta(0)) == 1
        assert sorted(S3Store(BUCKET, prefix, first.config["S3_ENDPOINT_URL"]).listing()) == [kept]
        assert uploads.used_by(ZHANG.id) == len(PNG_BYTES)
        assert uploads.reencrypt() == 1
    with second.app_context():
        assert second.extensions["uploads"].read(kept) == PNG_BYTES
