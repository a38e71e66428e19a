"""Where the bytes of stored files live, apart from what they are (app/core/upload_store.py
keeps whose each file is, encrypts it and decides when it goes). Two kinds:

- a folder (the default, UPLOAD_DIR in the data folder): 0600 files in a 0700 folder.
  Several hosts may share it as a network volume.
- an S3-compatible bucket (`YIBAN_FILE_STORE=s3://bucket/prefix`, through boto3):
  every instance reads what any other wrote, with no shared disk. The endpoint of a
  server other than AWS's is `YIBAN_S3_ENDPOINT_URL`; credentials come the usual AWS
  way (AWS_ACCESS_KEY_ID … or an instance role).

Files are encrypted before they get here, so neither the volume nor the bucket ever
holds a readable document."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from .private import private_folder, write_private


class FileStore(Protocol):
    def put(self, name: str, data: bytes) -> None: ...
    def get(self, name: str) -> bytes: ...  # FileNotFoundError when there is none
    def delete(self, name: str) -> None: ...  # nothing when there is none
    def listing(self) -> dict[str, datetime]: ...  # every name → when written (UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class FolderStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def put(self, name: str, data: bytes) -> None:
        private_folder(self.folder)
        write_private(self.folder / name, data)

    def get(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)

    def listing(self) -> dict[str, datetime]:
        if not self.folder.is_dir():
            return {}
        return {path.name: _utc(datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))
                for path in self.folder.iterdir()
                if path.is_file() and not path.name.startswith(".")}


class S3Store:
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        # Short timeouts and a few retries: a page waits for an upload to be stored.
        self.client = boto3.client("s3", endpoint_url=endpoint_url, config=Config(
            connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"} if endpoint_url else None))

    def put(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data)

    def get(self, name: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(name) from None

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def listing(self) -> dict[str, datetime]:
        found = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if name and "/" not in name:
                    found[name] = _utc(item["LastModified"])
        return found


def open_store(url: str | None, folder: Path, endpoint_url: str | None = None) -> FileStore:
    """The store a setting names: unset, the folder; s3://bucket/prefix, the bucket."""
    if not url:
        return FolderStore(folder)
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"YIBAN_FILE_STORE must be s3://bucket/prefix, not {url!r}")
    return S3Store(parts.netloc, parts.path, endpoint_url)
