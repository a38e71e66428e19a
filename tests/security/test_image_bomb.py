"""Decompression bombs: a picture whose header promises more pixels than any photo of
a document is refused from the header, before decoding, with the kind message beside
the field, in well under a second and without the server's memory growing."""
from __future__ import annotations

import io
import os
import struct
import threading
import time
import zlib

import pytest
from PIL import Image

from app.core.uploads import UploadUnreadable, clean_image
from conftest import WANG, csrf_token, error_summary_links, say, sign_in_as

TOO_LARGE = ("This picture is too large to open. Choose a photo or scan of at most "
             "40 million pixels (12000 pixels on its longer side).")
SIDE = 12_600  # 158.8 M pixels: just under Pillow's own error threshold (2 × 80 M)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A black 12600×12600 one-bit PNG: 19 KB that Pillow unpacks to 159 MB (a byte a
    pixel), then copies to re-encode it. Compressed row by row (fast: the machine is
    shared), never whole; Pillow reads it as what it is."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + SIDE // 8)  # filter byte, then the row's pixels, 8 a byte
    idat = b"".join(packer.compress(row) for _ in range(SIDE)) + packer.flush()
    data = (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", SIDE, SIDE, 1, 0, 0, 0, 0))
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))
    assert len(data) < 1024 * 1024
    # Pillow's own header read says what it is (its global limit lifted for this one
    # look: app/core/uploads.py lowers it once any image has been cleaned).
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        assert Image.open(io.BytesIO(data)).size == (SIDE, SIDE)
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    return data


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


class PeakMemory:
    """The largest resident size of this process while the block runs (sampled)."""

    def __enter__(self):
        self.start = self.peak = resident_bytes()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, resident_bytes())
            time.sleep(0.002)

    def __exit__(self, *_exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, resident_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def test_png_bomb_is_refused_from_its_header_quickly_and_without_memory(client, app, bomb):
    sign_in_as(client, WANG)
    url = "/apply/disability-card-renewal/photo"
    token = csrf_token(client.get(url).get_data(as_text=True))  # the page, then the post:
    started = time.perf_counter()
    with PeakMemory() as memory:
        response = client.post(url, data={"photo": (io.BytesIO(bomb), "bomb.png"),
                                          "csrf_token": token})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200  # the question again, with the message
    html = response.get_data(as_text=True)
    message = say(app, TOO_LARGE)
    assert ("photo", message) in error_summary_links(html)
    assert html.count(message) == 2  # in the summary and beside the field
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert memory.growth < 50 * 1024 * 1024, f"grew by {memory.growth / 2**20:.0f} MB"
    assert "photo" not in app.extensions["front_store"].open_draft(WANG.id,
                                                                   "disability-card-renewal").answers


def test_picture_above_the_pixel_limit_but_below_pillows_own_is_refused(app):
    """7000 × 7000 = 49 M pixels: Pillow itself would only warn."""
    out = io.BytesIO()
    Image.new("L", (7000, 7000)).save(out, "PNG")
    with app.test_request_context("/"), pytest.raises(UploadUnreadable):
        clean_image(out.getvalue(), "png")
