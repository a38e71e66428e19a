"""What espeak-ng makes of a text: its phoneme output (`espeak-ng -q -x`), and whether
it switched to another language's rules on the way ("(en)" in the output means the
text was read with English sounds).

Sentences are checked in batches, one espeak-ng call per batch; a batch with a switch
is split in halves until each switch is pinned to its sentence, so a clean page costs
one call and a bad one names every sentence."""
from __future__ import annotations

import re
import subprocess

SWITCH = re.compile(r"\(([a-z]{2,3}(?:-[a-z0-9]+)*)\)")
BATCH = 400


def phonemes(text: str, voice: str) -> str:
    result = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice],
                            input=text, capture_output=True, text=True, timeout=120,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f"espeak-ng -v {voice} failed on {text[:60]!r}: {result.stderr}")
    return result.stdout


def switches(output: str) -> list[str]:
    """The languages espeak-ng switched to, e.g. ['en', 'cmn'] for '(en)…(cmn)'."""
    return SWITCH.findall(output)


def switching(texts: list[str], voice: str) -> dict[str, str]:
    """{text: its phoneme output} for each text that espeak-ng reads partly in
    another language with `voice`."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(texts))

    def check(batch: list[str]) -> None:
        # A line break between sentences: each is its own clause, none runs into the next.
        output = phonemes("\n".join(batch) + "\n", voice)
        if not switches(output):
            return
        if len(batch) == 1:
            found[batch[0]] = output.strip()
            return
        half = len(batch) // 2
        check(batch[:half])
        check(batch[half:])

    for start in range(0, len(unique), BATCH):
        check(unique[start:start + BATCH])
    return found
