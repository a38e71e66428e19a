"""Audio clips on disk, addressed by content: sha256 of the text, voice, speed and
encoder settings. Identical text is synthesised once for everyone; whose page a text
came from is enforced on the reading script, never here. Writes are atomic (a temp
file renamed into place), so a reader never sees half a clip and two workers writing
the same clip at once do no harm."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from . import encode


def key(text: str, voice: str, wpm: int) -> str:
    material = "\0".join((encode.VERSION, voice, str(wpm), text))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class AudioCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, clip_key: str) -> Path:
        return self.folder / clip_key[:2] / f"{clip_key}.mp3"

    def get(self, clip_key: str) -> bytes | None:
        try:
            return self.path(clip_key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, clip_key: str, data: bytes) -> None:
        target = self.path(clip_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".mp3")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
