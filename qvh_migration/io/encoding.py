"""Which text encoding a legacy CSV extract is in: cp1252 or UTF-8, and nothing else.

PatientCentre exports are Windows code page 1252; a re-saved file may be UTF-8. Anything else
(UTF-16 from a spreadsheet's "Unicode text", NUL bytes from a binary or truncated copy, bytes no
code page defines) must be named as an encoding problem with the file and the byte offset:
decoded anyway, it turns into a header nobody recognises ("lacks catalog columns ...").
"""

from __future__ import annotations

import codecs
from pathlib import Path

from qvh_migration.errors import MigrationInputError

_CHUNK = 1 << 22
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class EncodingProblem(MigrationInputError):
    """A text file is not in one of the accepted encodings."""


def _looks_like(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    sample = head[:200]
    if len(sample) >= 4 and sample[1::2].count(0) > 0.4 * len(sample[1::2]):
        return "UTF-16"
    if len(sample) >= 4 and sample[0::2].count(0) > 0.4 * len(sample[0::2]):
        return "UTF-16"
    return None


def detect_legacy_encoding(path: Path) -> str:
    """``"utf-8"`` (BOM allowed: ``"utf-8-sig"``) or ``"cp1252"``; else EncodingProblem.

    The file is read in chunks, so a multi-gigabyte extract costs one pass and little memory.
    UTF-8 is tried first: valid UTF-8 read as cp1252 would silently garble every accent.
    """
    name = path.name
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise MigrationInputError(path, f"cannot open extract ({exc.strerror or exc})") from exc
    with handle:
        head = handle.read(_CHUNK)
        looks = _looks_like(head)
        if looks:
            raise EncodingProblem(path, f"{name} is not cp1252/UTF-8 text (looks like {looks})", where="byte 0")
        utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        utf8_error: int | None = None  # first offset that is not UTF-8
        cp1252_error: int | None = None  # first byte cp1252 does not define
        offset, chunk = 0, head
        while chunk:
            nul = chunk.find(b"\0")
            if nul >= 0:
                raise EncodingProblem(path, f"{name} is not cp1252/UTF-8 text (NUL byte)", where=f"byte {offset + nul}")
            if utf8_error is None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError as exc:
                    utf8_error = offset + exc.start
            if cp1252_error is None:
                try:
                    chunk.decode("cp1252")  # one byte per character: chunks decode independently
                except UnicodeDecodeError as exc:
                    cp1252_error = offset + exc.start
            if utf8_error is not None and cp1252_error is not None:
                break
            offset += len(chunk)
            chunk = handle.read(_CHUNK)
        if utf8_error is None:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_error = offset
    if utf8_error is None:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    if cp1252_error is None:
        return "cp1252"
    raise EncodingProblem(
        path,
        f"{name} is not cp1252/UTF-8 text (not UTF-8 from byte {utf8_error}; a byte cp1252 does not "
        f"define at byte {cp1252_error})",
        where=f"byte {min(utf8_error, cp1252_error)}",
    )
