"""Decode CSV bytes: BOM, strict UTF-8, strict CP949 (LIBRARIES.md §5), or what the user forces.

A tiny CP949 file can pass a strict UTF-8 decode (345 Hangul syllables have CP949
byte pairs that are valid UTF-8); the guard re-reads such text as CP949 when
UTF-8 produced Latin-1 junk and no Hangul.
"""

from __future__ import annotations

import codecs
import re

from qualcert.errors import InputError, Location, Problem

_LATIN = re.compile("[\x80-\u024f]")
_HANGUL = re.compile("[\uac00-\ud7a3]")


def _undecodable(data: bytes, file: str, exc: UnicodeDecodeError, what: str) -> InputError:
    line = data.count(b"\n", 0, exc.start) + 1
    message = f"{what} (byte {data[exc.start : exc.start + 1].hex()} at offset {exc.start}); use --encoding"
    return InputError([Problem("undecodable", message, Location(file=file, line=line))])


def decode(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """(encoding used, text). Raises InputError naming the file and line when nothing fits."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError([Problem("unknown-encoding", f"unknown encoding {encoding!r}", Location(file))]) from None
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise _undecodable(data, file, exc, f"not {encoding} text") from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return "utf-8-sig", data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _undecodable(data, file, exc, "starts like UTF-8 but is not UTF-8 text") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        try:
            return "utf-16", data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _undecodable(data, file, exc, "starts like UTF-16 but is not UTF-16 text") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return "cp949", data.decode("cp949")
        except UnicodeDecodeError as exc:
            raise _undecodable(data, file, exc, "neither UTF-8 nor CP949 text") from None
    if not _HANGUL.search(text) and _LATIN.search(text):  # Hangul is found early; Latin means a scan to the end
        try:
            alt = data.decode("cp949")
        except UnicodeDecodeError:
            return "utf-8", text
        if _HANGUL.search(alt):
            return "cp949", alt
    return "utf-8", text
