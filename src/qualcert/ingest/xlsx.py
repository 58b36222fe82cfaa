"""The xlsx package around the cells: safety checks before parsing, and what an empty cell really holds.

An xlsx file is a zip archive of XML. Before python-calamine parses it we refuse
what is not a workbook we can read (an encrypted workbook or an old .xls is an OLE
file, not a zip) and decompression bombs (declared sizes beyond a cap, ratios
beyond a cap, or sizes that lie). calamine gives ``''`` both for an empty cell and
for a formula without a saved value or an error value (#N/A, #DIV/0!); only when a
cell we need is empty do we peek into that sheet's XML (parsed with defusedxml) to
tell them apart.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from functools import cached_property
from typing import Final

from defusedxml import ElementTree

from qualcert.errors import InputError, Location, Problem

MAX_TOTAL: Final = 200 * 2**20  # bytes a workbook may expand to
MAX_RATIO: Final = 100  # uncompressed : compressed, per member of at least RATIO_FLOOR bytes
RATIO_FLOOR: Final = 2**20  # small XML parts compress far better than 100:1 and are harmless
DEFLATE_RATIO: Final = 1032  # deflate cannot expand more than this; a smaller file cannot reach MAX_TOTAL
OLE_MAGIC: Final = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_MAGIC: Final = b"PK\x03\x04"
_ENCRYPTED: Final = "EncryptionInfo".encode("utf-16-le")
_FORMULA_OR_ERROR: Final = re.compile(rb'<(?:\w+:)?f[\s/>]|\bt="e"')


def is_workbook(data: bytes) -> bool:
    """Whether the bytes are a zip or an OLE file: something Excel wrote, never CSV text."""
    return data.startswith((ZIP_MAGIC, OLE_MAGIC))


_END: Final = struct.Struct("<10xHII")  # end of central directory: members, size, offset
_MEMBER: Final = struct.Struct("<4s6xH8xIIHHH")  # a member: signature, method, sizes, name/extra/comment lengths


def _central_directory(data: bytes) -> list[tuple[int, int, int]] | None:
    """(method, compressed size, uncompressed size) of every member, read from the zip's central directory
    with struct (a tenth of zipfile's cost, which counts for 12,000 workbooks); None when this simple
    reading does not apply (zip64, or anything unusual), and zipfile then decides."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count, size, offset = _END.unpack_from(data, end)
    if count == 0xFFFF or offset + size > end:
        return None
    members = []
    at = offset
    for _ in range(count):
        if at + 46 > end:
            return None
        signature, method, compressed, size, name, extra, comment = _MEMBER.unpack_from(data, at)
        if signature != b"PK\x01\x02" or 0xFFFFFFFF in (compressed, size):
            return None
        members.append((method, compressed, size))
        at += 46 + name + extra + comment
    return members


def _zipfile_members(archive: zipfile.ZipFile) -> list[tuple[int, int, int]]:
    return [(m.compress_type, m.compress_size, m.file_size) for m in archive.infolist()]


def check_package(data: bytes, file: str) -> None:
    """Raise InputError unless ``data`` is a zip that is safe to hand to the xlsx parser."""
    where = Location(file=file)
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED in data:
            message = "the workbook is password-protected (encrypted); save an unprotected copy and send that"
            raise InputError([Problem("encrypted-workbook", message, where)])
        message = "an old Excel 97-2003 workbook (.xls); open it and save it as .xlsx"
        raise InputError([Problem("xls-workbook", message, where)])
    try:
        members = _central_directory(data)
        if members is None:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = _zipfile_members(archive)
        if not {method for method, _, _ in members} <= {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
            raise InputError([Problem("corrupt-workbook", "the archive uses a compression Excel never uses", where)])
        total = sum(size for _, _, size in members)
        ratio = max((size / max(packed, 1) for _, packed, size in members if size >= RATIO_FLOOR), default=0)
        if total > MAX_TOTAL or ratio > MAX_RATIO:
            message = (
                f"refused: the workbook would expand to {total / 2**20:.0f} MB (compression ratio up to "
                f"{ratio:.0f}:1); the limits are {MAX_TOTAL // 2**20} MB and {MAX_RATIO}:1"
            )
            raise InputError([Problem("zip-bomb", message, where)])
        if len(data) * DEFLATE_RATIO > MAX_TOTAL:  # big enough to hide more than the cap behind false sizes
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():  # zipfile stops at the declared size and checks the CRC
                    with archive.open(member) as stream:
                        while stream.read(2**20):
                            pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, struct.error):
        message = (
            "not an xlsx workbook (not a readable zip archive)" if data.startswith(ZIP_MAGIC) else "not a spreadsheet"
        )
        raise InputError([Problem("corrupt-workbook", message, where)]) from None


class Package:
    """Lazy access to a workbook's sheet XML, only for the rare empty cell that needs a second look."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._blanks: dict[str, dict[str, tuple[str, str]]] = {}

    @cached_property
    def _archive(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self._data))

    @cached_property
    def _sheet_parts(self) -> dict[str, str]:
        """Sheet name → path of its XML part inside the archive (namespaces ignored: strict OOXML too)."""
        names = {n.lower(): n for n in self._archive.namelist()}
        book, rels = names.get("xl/workbook.xml"), names.get("xl/_rels/workbook.xml.rels")
        if book is None or rels is None:
            return {}
        targets = {
            el.get("Id"): el.get("Target", "")
            for el in ElementTree.fromstring(self._archive.read(rels)).iter()
            if _local(el.tag) == "Relationship"
        }
        parts: dict[str, str] = {}
        for el in ElementTree.fromstring(self._archive.read(book)).iter():
            if _local(el.tag) == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                target = targets.get(rid, "")
                if target:
                    parts[el.get("name", "")] = (
                        target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                    )
        return parts

    def blanks(self, sheet: str) -> dict[str, tuple[str, str]]:
        """Cells of ``sheet`` that calamine shows empty but are not: A1 ref → (problem code, what they hold)."""
        if sheet not in self._blanks:
            try:
                self._blanks[sheet] = self._read_blanks(sheet)
            except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile):  # ParseError is a SyntaxError
                self._blanks[sheet] = {}  # cannot tell: the cell stays empty, as calamine read it
        return self._blanks[sheet]

    def _read_blanks(self, sheet: str) -> dict[str, tuple[str, str]]:
        part = self._sheet_parts.get(sheet)
        xml = self._archive.read(part) if part else b""
        if not _FORMULA_OR_ERROR.search(xml):
            return {}
        found: dict[str, tuple[str, str]] = {}
        for _, el in ElementTree.iterparse(io.BytesIO(xml)):
            if _local(el.tag) != "c":
                continue
            children = {_local(child.tag): child for child in el}
            formula, value, ref = children.get("f"), children.get("v"), el.get("r")
            if ref and el.get("t") == "e":
                error = value.text if value is not None and value.text else "#VALUE!"
                found[ref] = ("error-value", f"the cell shows the error {error}; correct it or type the value")
            elif ref and formula is not None and (value is None or (not value.text and el.get("t") != "str")):
                found[ref] = (
                    "formula-without-value",
                    f"the cell holds the formula ={formula.text or '…'} but no saved value; "
                    "open the file in Excel or LibreOffice and save it again, or type the value",
                )
            el.clear()
        return found


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
