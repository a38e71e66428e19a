"""Files citizens upload (answers to file questions, supplements): known by what they
contain, not by their name, and stored under a random name. Photos and scans are
re-encoded with Pillow, so nothing rides along that the department does not need:
no EXIF (the phone, the time, and above all the GPS position of the citizen's home),
no text chunks, no thumbnails. PDF files are kept as they are.

Where they are kept, encrypted and private, is app/core/upload_store.py; here is what
may be kept: each person's files in work not yet sent (drafts, a supplement's file
kept across an error, files not yet collected) stay within UPLOAD_QUOTA_MB, and a file
an answer no longer names (replaced by another) is deleted at once."""
from __future__ import annotations

import io
import secrets
import warnings

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from .upload_store import UploadStore, stored_names

# What each accepted type starts with.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
}
IMAGE_FORMATS = {"jpg": "JPEG", "png": "PNG"}
# A photo or scan of a document: a phone takes 12–50 megapixels, and nothing a
# department reads needs more. Decided from the header, before any pixel is decoded,
# so a few hundred KB that would unpack to gigabytes (a decompression bomb) costs
# nothing; 40 M pixels also bounds what a decode may take (160 MB at 4 bytes a pixel).
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
# Text chunks are metadata we drop anyway: Pillow need not hold megabytes of them.
PngImagePlugin.MAX_TEXT_CHUNK = PngImagePlugin.MAX_TEXT_MEMORY = 64 * 1024
JPEG_QUALITY = 90


class UploadRefused(ValueError):
    """A file that is not stored; `message` says why, beside the field."""

    message = ""


class UploadUnreadable(UploadRefused):
    """The file says it is an image but cannot be decoded (damaged, or not an image)."""

    message = _l("The file could not be opened – it may be damaged. Choose another file.")


class ImageTooLarge(UploadUnreadable):
    """More pixels than any photo of a document has: refused before decoding."""

    message = _l("This picture is too large to open. Choose a photo or scan of at most "
                 "40 million pixels (12000 pixels on its longer side).")


class QuotaExceeded(UploadRefused):
    """The person's files in work not yet sent would take up more than UPLOAD_QUOTA_MB."""

    def __init__(self, used: int, limit: int, size: int):
        super().__init__(f"{used} + {size} bytes > {limit}")
        self.used, self.limit, self.size = used, limit, size

    @property
    def message(self) -> str:
        return _("This file (%(size)s MB) does not fit: the files in your applications not "
                 "yet sent already take up %(used)s MB of the %(limit)d MB you can keep here. "
                 "Send an application you have finished, or replace a large file in another "
                 "one with a smaller photo, then choose this file again.",
                 size=megabytes(self.size), used=megabytes(self.used),
                 limit=self.limit // (1024 * 1024))


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageTooLarge(f"{width}×{height}")


def sniff(head: bytes) -> str | None:
    """The type a file's first bytes show: pdf, png, jpg, or None."""
    return next((kind for kind, starts in SIGNATURES.items()
                 if any(head.startswith(s) for s in starts)), None)


def display_filename(name: str) -> str:
    """The name to show back to the user: Chinese kept (unlike secure_filename), any
    path and control characters dropped. The file itself is stored under a random name."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:100]


def clean_image(data: bytes, kind: str) -> bytes:
    """The picture alone, encoded afresh: turned upright by its EXIF orientation first
    (the orientation tag goes with the rest of the metadata). A picture whose pixels
    Pillow cannot decode (a slightly damaged file a phone or viewer still shows) keeps
    its pixels as they are but loses every metadata chunk or segment all the same;
    one that is not even well formed is refused."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: a refusal here.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                check_dimensions(image.size)
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLarge(str(error)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return strip_png(data) if kind == "png" else strip_jpeg(data)
    # A new image from the pixels alone: no info, EXIF, ICC or text survives.
    keep = ("L", "RGB", "CMYK") if kind == "jpg" else ("1", "L", "LA", "RGB", "RGBA")
    if upright.mode not in keep:
        upright = upright.convert("RGB" if kind == "jpg" else "RGBA")
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    if kind == "jpg":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue()


def uploads() -> UploadStore:
    return current_app.extensions["uploads"]


def store_upload(upload, owner_id: str, replacing: dict | None = None) -> dict:
    """Save a checked upload (FileStorage) for a citizen, encrypted; what an answer
    keeps about it: {filename shown, stored name, size in bytes}. `replacing`: the
    file it is to replace, which does not count against the quota. Raises
    UploadUnreadable, or QuotaExceeded (nothing is written then)."""
    upload.stream.seek(0)
    data = upload.stream.read()
    kind = sniff(data[:16])
    if kind is None:  # the form checked the type; a file without a signature is refused
        raise UploadUnreadable("unknown file type")
    if kind in IMAGE_FORMATS:
        data = clean_image(data, kind)
    leaving_out = uploads().sent_by(owner_id) | stored_names(replacing)
    used, limit = uploads().used_by(owner_id, leaving_out), quota()
    if used + len(data) > limit:
        raise QuotaExceeded(used, limit, len(data))
    stored = f"{secrets.token_hex(16)}.{kind}"
    uploads().save(stored, data, owner_id)
    return {"filename": display_filename(upload.filename or "") or stored, "stored": stored,
            "size": len(data)}


def quota() -> int:
    return current_app.config["UPLOAD_QUOTA_MB"] * 1024 * 1024


def discard_replaced(old, new) -> None:
    """Once the answer names `new`: delete the file `old` that it replaced (a file
    answer, or None)."""
    for name in stored_names(old) - stored_names(new):
        uploads().discard(name)


# Chunks a PNG needs to show its pixels; every other one (eXIf, tEXt, zTXt, iTXt, tIME,
# iCCP …) is metadata and goes.
PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"}


def strip_png(data: bytes) -> bytes:
    signature = SIGNATURES["png"][0]
    out, at = [signature], len(signature)
    while True:
        if at + 12 > len(data):
            raise UploadUnreadable("truncated PNG")
        length = int.from_bytes(data[at:at + 4], "big")
        kind, end = data[at + 4:at + 8], at + 12 + length
        if end > len(data):
            raise UploadUnreadable("truncated PNG")
        if kind in PNG_KEEP:
            out.append(data[at:end])
        if kind == b"IEND":
            return b"".join(out)
        at = end


def strip_jpeg(data: bytes) -> bytes:
    """Drop APP1–APP15 (EXIF, XMP, maker notes …) and comments before the image data."""
    out, at = [data[:2]], 2
    while at < len(data):
        if data[at] != 0xFF or at + 4 > len(data):
            raise UploadUnreadable("malformed JPEG")
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the compressed pixels follow, kept as they are
            out.append(data[at:])
            return b"".join(out)
        length = int.from_bytes(data[at + 2:at + 4], "big")
        end = at + 2 + length
        if length < 2 or end > len(data):
            raise UploadUnreadable("malformed JPEG")
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out.append(data[at:end])
        at = end
    raise UploadUnreadable("JPEG without image data")
