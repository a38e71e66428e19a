"""Audio clips on disk, addressed by content: sha256 of the text, voice, speed and
encoder settings. Identical text is synthesised once for everyone; whose page a text
came from is enforced on the reading script, never here. Writes are atomic (a temp
file renamed into place), so a reader never sees half a clip and two workers writing
the same clip at once do no harm.

The folder is bounded: past `max_bytes` the clips used longest ago are deleted (a clip
read is touched, at most once a day), down to 90% of it. Checked after every 5% of the
budget written, so a busy site pays one folder scan per few thousand new clips."""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

from . import encode


def key(text: str, voice: str, wpm: int) -> str:
    material = "\0".join((encode.VERSION, voice, str(wpm), text))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


DEFAULT_MAX_BYTES = 1024 * 1024 * 1024  # 1 GiB: about 100 hours of speech
TOUCH_AFTER = 24 * 3600  # seconds: a clip's use is recorded at most this often
KEEP_FRACTION = 0.9  # a pruning leaves this much of the budget in use


class AudioCache:
    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self._written = 0  # bytes put since the last check
        self._lock = threading.Lock()

    def path(self, clip_key: str) -> Path:
        return self.folder / clip_key[:2] / f"{clip_key}.mp3"

    def get(self, clip_key: str) -> bytes | None:
        path = self.path(clip_key)
        try:
            data = path.read_bytes()
            if time.time() - path.stat().st_mtime > TOUCH_AFTER:
                os.utime(path)  # recently used: pruned last
            return data
        except FileNotFoundError:  # (also: pruned meanwhile by another process)
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
        with self._lock:
            self._written += len(data)
            due = self._written >= self.max_bytes // 20
            if due:
                self._written = 0
        if due:
            self.prune()

    def prune(self) -> int:
        """Delete the clips used longest ago until the folder is within 90% of its
        budget, if it is over; how many bytes were freed."""
        clips = []
        for path in self.folder.glob("*/*.mp3"):
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            clips.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in clips)
        if total <= self.max_bytes:
            return 0
        freed = 0
        for _, size, path in sorted(clips, key=lambda clip: clip[0]):
            if total - freed <= self.max_bytes * KEEP_FRACTION:
                break
            try:
                path.unlink()
                freed += size
            except FileNotFoundError:
                pass
        return freed
