"""Importing the registry from .xlsx: residents, dwellings and organizations.

The workbook is read as a stream (`XlsxFile`: zipfile + expat): a few megabytes of memory whatever
the number of rows. openpyxl's read-only mode reads the whole sheet once more just to find its size
when the <dimension> element is missing or comes last (as in files openpyxl itself writes) and is
about ten times slower per cell, too slow for 100,000 rows in a minute.

A file is refused as a whole (nothing imported, one clear message) when it is not an .xlsx
workbook, is damaged (the whole sheet is parsed before the first row is imported), lacks a required
column or has more than MAX_ROWS rows. Otherwise every row is validated with the cleaners the
forms use (registry.actions) and either imported completely or refused with (row, column, reason in
Chinese) — a row is never half-imported. Rows are matched to what is registered (residents by
document, dwellings by external key or grid + address, organizations by credit code or grid + name),
so importing the same file again changes nothing: unchanged rows are counted as skipped.

Residents are created in bulk, BATCH rows per transaction with one audit row listing the ids
(never personal data), the same fields set the same way as registry.actions.save_person does
(Person.set_name/set_id_number/set_phone on unsaved instances); if a batch fails as a whole (a
document registered meanwhile by someone else) its rows are retried one by one. Changed residents,
and every dwelling and organization, go through the action functions, each row audited.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import pickle
import pyexpat
import re
import secrets
import struct
import subprocess
import sys
import traceback
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from posixpath import dirname, normpath
from posixpath import join as posix_join

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.cn import ric

from accounts.scope import get_scope
from areas.models import Area
from areas.resolver import get_index
from core import crypto
from core.audit import record
from registry import actions
from registry.choices import Gender, IdType, OrganizationKind, Relation, ResidenceStatus
from registry.models import Dwelling, Household, ImportJob, Organization, Person, Residence

log = logging.getLogger(__name__)

MAX_ROWS = 200_000  # data rows in one file
MAX_UPLOAD_BYTES = 60 * 1024 * 1024  # the .xlsx itself
MAX_PART_BYTES = 1024 * 1024 * 1024  # one part of it, uncompressed (a zip bomb stops here)
HEADER_SEARCH_ROWS = 10  # the header may sit below a title row or two
BATCH = 2_000
ERROR_CAP = 1_000  # errors kept on the job; all of them go to the error file
INLINE_ROWS = 500  # smaller files are imported during the upload request
CHUNK = 1 << 20
NAME_CACHE = 50_000  # distinct names whose pinyin is kept
PARALLEL_ROWS = 20_000  # files from this size on are read in a second process
INSERT_ROWS = 500  # rows per INSERT statement
INSERT_PARAMS = 30_000  # bound parameters per INSERT (SQLite ≥ 3.32 allows 32,766; PostgreSQL 65,535)
GRID_LEVELS = ("grid", "cell")


class FileRefused(Exception):
    """The whole file is refused: nothing of it is imported."""


# --- reading .xlsx as a stream -------------------------------------------------------------------

_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_DIGITS = "0123456789"
_REL_OFFICE_DOCUMENT = "/officeDocument"
_REL_WORKSHEET = "/worksheet"
_REL_SHARED_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"


# Cell values, without importing openpyxl (30 MB in each process). Date formats and serial dates as
# openpyxl.styles.numbers.is_date_format and openpyxl.utils.datetime.from_excel have them.
_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), 45, 46, 47, *range(27, 37), *range(50, 59)])  # 27-36, 50-58: CJK
_FORMAT_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_FORMAT_DATE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
MAC_EPOCH = dt.datetime(1904, 1, 1)


def is_date_format(code: str) -> bool:
    return bool(code) and _FORMAT_DATE.search(_FORMAT_STRIP.sub("", code.split(";")[0])) is not None


def from_excel(value: float, epoch: dt.datetime = WINDOWS_EPOCH) -> dt.datetime:
    day, fraction = divmod(value, 1)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:  # Excel's 1900-02-29
        day += 1
    return epoch + dt.timedelta(days=day, milliseconds=round(fraction * 86_400_000))


def column_index_from_string(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        if not "A" <= letter <= "Z":
            raise ValueError(letters)
        number = number * 26 + ord(letter) - 64
    if not 1 <= number <= 16_384:
        raise ValueError(letters)
    return number


def _local(tag: str) -> str:
    return tag.rpartition(":")[2] if ":" in tag else tag


def _damaged() -> FileRefused:
    return FileRefused(_("The file is damaged or not a valid .xlsx workbook."))


def _parser(start=None, end=None, text=None):
    """An expat parser that refuses DTDs and entity declarations (OOXML never has them)."""
    parser = pyexpat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16

    def refuse(*args):
        raise _damaged()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


class XlsxFile:
    """The first worksheet of an .xlsx workbook, row by row."""

    def __init__(self, path):
        try:
            self.zip = zipfile.ZipFile(path)
            infos = {info.filename: info for info in self.zip.infolist()}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise FileRefused(_("The file is not an .xlsx workbook.")) from exc
        if any(info.file_size > MAX_PART_BYTES for info in infos.values()):
            raise FileRefused(_("The file is too large (at most %(mb)d MB).") % {"mb": MAX_UPLOAD_BYTES >> 20})
        self.parts = infos
        rels = self._relationships("_rels/.rels", "")
        workbook = next((target for kind, target in rels.values() if kind.endswith(_REL_OFFICE_DOCUMENT)), None)
        if workbook is None or workbook not in infos:
            raise FileRefused(_("The file is not an .xlsx workbook."))
        sheets, self.date1904 = self._workbook(workbook)
        book_rels = self._relationships(posix_join(dirname(workbook), "_rels", workbook.rpartition("/")[2] + ".rels"),
                                        dirname(workbook))
        targets = [book_rels.get(rid) for rid in sheets]
        worksheets = [target for kind, target in filter(None, targets) if kind.endswith(_REL_WORKSHEET)]
        if not worksheets or worksheets[0] not in infos:
            raise FileRefused(_("The workbook has no worksheet."))
        self.sheet = worksheets[0]
        self.shared_path = next((t for k, t in book_rels.values() if k.endswith(_REL_SHARED_STRINGS)), None)
        styles = next((t for k, t in book_rels.values() if k.endswith(_REL_STYLES)), None)
        self.date_styles = self._date_styles(styles) if styles in infos else frozenset()
        self._shared: list[str] | None = None

    def close(self) -> None:
        self.zip.close()

    # the small parts, parsed whole

    def _read(self, name: str) -> bytes:
        try:
            return self.zip.read(name)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:
            raise _damaged() from exc

    def _parse(self, name: str, start, end=None, text=None) -> None:
        parser = _parser(start, end, text)
        try:
            parser.Parse(self._read(name), True)
        except pyexpat.ExpatError as exc:
            raise _damaged() from exc

    def _relationships(self, name: str, base: str) -> dict[str, tuple[str, str]]:
        """Id → (type, part name) of a .rels part."""
        found: dict[str, tuple[str, str]] = {}
        if name not in self.parts:
            return found

        def start(tag, attrs):
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else normpath(posix_join(base, target))
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

        self._parse(name, start)
        return found

    def _workbook(self, name: str) -> tuple[list[str], bool]:
        sheets: list[str] = []
        flags = {"date1904": False}

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                sheets.append(rid)
            elif tag == "workbookPr":
                flags["date1904"] = attrs.get("date1904", "0") in ("1", "true")

        self._parse(name, start)
        return sheets, flags["date1904"]

    def _date_styles(self, name: str) -> frozenset[int]:
        """The cell style indexes whose number format shows a date."""
        formats: dict[int, str] = {}
        xfs: list[int] = []
        stack: list[str] = []

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "numFmt":
                with contextlib.suppress(ValueError):
                    formats[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
            elif tag == "xf" and stack and stack[-1] == "cellXfs":
                try:
                    xfs.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xfs.append(0)
            stack.append(tag)

        def end(tag):
            stack.pop()

        self._parse(name, start, end)
        dates = set()
        for index, fmt_id in enumerate(xfs):
            if fmt_id in formats:
                if is_date_format(formats[fmt_id]):
                    dates.add(index)
            elif fmt_id in _BUILTIN_DATE_FORMATS:
                dates.add(index)
        return frozenset(dates)

    def shared_strings(self) -> list[str]:
        if self._shared is not None:
            return self._shared
        strings: list[str] = []
        if self.shared_path and self.shared_path in self.parts:
            parts: list[str] = []
            state = {"capture": False, "phonetic": 0}

            def start(tag, attrs):
                tag = _local(tag)
                if tag == "t":
                    state["capture"] = not state["phonetic"]
                elif tag == "si":
                    parts.clear()
                elif tag == "rPh":
                    state["phonetic"] += 1

            def end(tag):
                tag = _local(tag)
                if tag == "t":
                    state["capture"] = False
                elif tag == "si":
                    strings.append("".join(parts))
                elif tag == "rPh":
                    state["phonetic"] -= 1

            def text(data):
                if state["capture"]:
                    parts.append(data)

            parser = _parser(start, end, text)
            self._stream(self.shared_path, parser.Parse)
        self._shared = strings
        return strings

    def _stream(self, name: str, feed) -> None:
        """Feed a part to `feed` chunk by chunk (damaged data → FileRefused)."""
        try:
            with self.zip.open(name) as handle:
                while chunk := handle.read(CHUNK):
                    feed(chunk, False)
            feed(b"", True)
        except pyexpat.ExpatError as exc:
            raise _damaged() from exc
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, KeyError) as exc:
            raise _damaged() from exc

    def count_rows(self) -> int:
        """How many <row> elements the sheet has. Parses the whole sheet (and the shared strings),
        so a damaged file is refused before anything is imported."""
        self.shared_strings()
        parser = _parser()
        count = 0
        rest = b""

        def feed(chunk: bytes, final: bool) -> None:
            nonlocal count, rest
            parser.Parse(chunk, final)
            data = rest + chunk
            cut = len(data) if final else data.rfind(b"<")
            if cut < 0:
                cut = len(data)
            count += len(_ROW_TAG.findall(data, 0, cut))
            rest = data[cut:]

        self._stream(self.sheet, feed)
        return count

    def rows(self):
        """(row number, {column number: value}) for every row with a value, in order. Values are
        str, int, float, bool or datetime."""
        shared = self.shared_strings()
        date_styles = self.date_styles
        epoch = MAC_EPOCH if self.date1904 else WINDOWS_EPOCH
        columns: dict[str, int] = {}
        done: list[tuple[int, dict]] = []
        row_number = 0
        cells: dict[int, object] = {}
        next_column = 1
        column = 1
        kind = "n"
        style = None
        parts: list[str] = []
        capture = False
        phonetic = 0

        def start(tag, attrs):
            nonlocal row_number, cells, next_column, column, kind, style, capture, phonetic
            if ":" in tag:
                tag = tag.rpartition(":")[2]
            if tag == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip(_DIGITS)
                    column = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
                else:
                    column = next_column
                next_column = column + 1
                kind = attrs.get("t", "n")
                style = attrs.get("s")
                parts.clear()
            elif tag == "v":
                capture = True
            elif tag == "t":
                capture = not phonetic
            elif tag == "row":
                ref = attrs.get("r")
                row_number = int(ref) if ref else row_number + 1
                cells = {}
                next_column = 1
            elif tag == "rPh":
                phonetic += 1

        def end(tag):
            nonlocal capture, phonetic
            if ":" in tag:
                tag = tag.rpartition(":")[2]
            if tag == "c":
                if parts:
                    raw = "".join(parts)
                    if kind == "s":
                        value = shared[int(raw)]
                    elif kind in ("inlineStr", "str", "e", "d"):
                        value = raw
                    elif kind == "b":
                        value = raw.strip() in ("1", "true")
                    elif style is not None and int(style) in date_styles:
                        value = from_excel(float(raw), epoch)
                    elif "." in raw or "E" in raw or "e" in raw:
                        value = float(raw)
                    else:
                        value = int(raw)
                    if value != "":
                        cells[column] = value
            elif tag == "v" or tag == "t":
                capture = False
            elif tag == "row":
                if cells:
                    done.append((row_number, cells))
            elif tag == "rPh":
                phonetic -= 1

        def text(data):
            if capture:
                parts.append(data)

        parser = _parser(start, end, text)
        try:
            with self.zip.open(self.sheet) as handle:
                while True:
                    chunk = handle.read(CHUNK)
                    parser.Parse(chunk, not chunk)
                    if done:
                        yield from done
                        done.clear()
                    if not chunk:
                        break
        except (pyexpat.ExpatError, zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, IndexError,
                KeyError, OverflowError) as exc:
            raise _damaged() from exc


# --- the columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in the template (a data format: never translated)
    key: str
    required: bool = False
    text: bool = False  # typed as text in the template (document numbers, phones, codes)
    width: int = 14
    choices: str = ""  # the name of a CHOICES table: a drop-down in the template


RESIDENT_COLUMNS = [
    Column("姓名", "name", required=True, width=10),
    Column("证件类型", "id_type", choices="id_type", width=16),
    Column("证件号码", "id_number", required=True, text=True, width=22),
    Column("性别", "gender", choices="gender", width=6),
    Column("出生日期", "birth_date", width=12),
    Column("联系电话", "phone", text=True, width=14),
    Column("人口类型", "residence_status", choices="residence_status", width=10),
    Column("网格编码", "grid", required=True, text=True, width=18),
    Column("地址", "address", width=30),
    Column("单元", "unit", width=6),
    Column("房号", "room", width=6),
    Column("户号", "household", text=True, width=14),
    Column("与户主关系", "relation", choices="relation", width=12),
]
DWELLING_COLUMNS = [
    Column("网格编码", "grid", required=True, text=True, width=18),
    Column("地址", "address", required=True, width=30),
    Column("单元", "unit", width=6),
    Column("房号", "room", width=6),
    Column("经度", "lon", width=12),
    Column("纬度", "lat", width=12),
    Column("外部编号", "external_key", text=True, width=18),
]
ORGANIZATION_COLUMNS = [
    Column("单位名称", "name", required=True, width=24),
    Column("类型", "kind", required=True, choices="organization_kind", width=12),
    Column("网格编码", "grid", required=True, text=True, width=18),
    Column("统一社会信用代码", "credit_code", text=True, width=22),
    Column("业态", "business_type", width=12),
    Column("地址", "address", width=30),
    Column("经度", "lon", width=12),
    Column("纬度", "lat", width=12),
    Column("联系人", "contact_name", width=10),
    Column("联系电话", "contact_phone", text=True, width=14),
]
COLUMNS = {
    ImportJob.Kind.RESIDENTS: RESIDENT_COLUMNS,
    ImportJob.Kind.DWELLINGS: DWELLING_COLUMNS,
    ImportJob.Kind.ORGANIZATIONS: ORGANIZATION_COLUMNS,
}

# Accepted spellings besides each choice's code and its Chinese and English labels.
SYNONYMS = {
    "id_type": {"身份证": IdType.ID_CARD, "二代身份证": IdType.ID_CARD, "护照": IdType.PASSPORT,
                "港澳居民来往内地通行证": IdType.HK_MACAU, "台湾居民来往大陆通行证": IdType.TAIWAN,
                "其他": IdType.OTHER},
    "gender": {"男性": Gender.MALE, "女性": Gender.FEMALE},
    "residence_status": {"户籍": ResidenceStatus.REGISTERED, "常住": ResidenceStatus.PERMANENT,
                         "流动": ResidenceStatus.FLOATING, "外来人口": ResidenceStatus.FLOATING},
    "relation": {"本人": Relation.HEAD, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE, "子": Relation.CHILD,
                 "女": Relation.CHILD, "儿子": Relation.CHILD, "女儿": Relation.CHILD, "父亲": Relation.PARENT,
                 "母亲": Relation.PARENT, "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD,
                 "外孙子女": Relation.GRANDCHILD, "租户": Relation.TENANT, "非亲属": Relation.TENANT,
                 "其他": Relation.OTHER},
    "organization_kind": {"商铺": OrganizationKind.SHOP, "门头": OrganizationKind.SHOP,
                          "个体工商户": OrganizationKind.SHOP, "建筑工地": OrganizationKind.CONSTRUCTION_SITE,
                          "机关事业单位": OrganizationKind.RESIDENT_ORG},
}
CHOICE_CLASSES = {"id_type": IdType, "gender": Gender, "residence_status": ResidenceStatus, "relation": Relation,
                  "organization_kind": OrganizationKind}


def choice_labels(name: str) -> list[str]:
    """The Chinese labels of a choice, as the template offers them."""
    with translation.override("zh-hans"):
        return [str(label) for value, label in CHOICE_CLASSES[name].choices if value != Gender.UNKNOWN]


@cache
def _choice_table(name: str) -> dict[str, str]:
    table: dict[str, str] = {}
    choices = CHOICE_CLASSES[name]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                table[str(label).strip().lower()] = value
    for value in choices.values:
        table[value.lower()] = value
    table.update({k.lower(): v for k, v in SYNONYMS.get(name, {}).items()})
    return table


def parse_choice(name: str, text: str) -> str | None:
    return _choice_table(name).get(text.strip().lower().replace(" ", ""))


def header_text(value) -> str:
    text = str(value).strip() if value is not None else ""
    for mark in ("（必填）", "(必填)", "*", "＊"):
        text = text.replace(mark, "")
    return text.strip()


def find_header(book: XlsxFile, columns: list[Column]):
    """(header row number, {column number: key}) or FileRefused."""
    known = {c.header: c.key for c in columns}
    required = [c.header for c in columns if c.required]
    best: tuple[int, list[str]] | None = None
    for seen, (number, cells) in enumerate(book.rows()):
        if seen >= HEADER_SEARCH_ROWS:
            break
        headers = {col: header_text(v) for col, v in cells.items()}
        found = [h for h in headers.values() if h in known]
        if best is None or len(found) > len(best[1]):
            best = (number, found)
        if all(h in found for h in required):
            twice = sorted({h for h in found if found.count(h) > 1})
            if twice:
                raise FileRefused(_("The header %(column)s appears twice.") % {"column": "、".join(twice)})
            return number, {col: known[h] for col, h in headers.items() if h in known}
    if best is None:
        raise FileRefused(_("The file has no data rows."))
    missing = [h for h in required if h not in best[1]]
    raise FileRefused(_("The header row is missing the columns: %(columns)s. Download the template and keep "
                        "its headers.") % {"columns": "、".join(missing)})


def inspect(book: XlsxFile, kind: str) -> tuple[int, dict[int, str], int]:
    """(header row number, column map, data rows): refuses a file that cannot be imported at all."""
    header_row, mapping = find_header(book, COLUMNS[kind])
    rows = book.count_rows()
    data_rows = max(0, rows - 1)
    if data_rows > MAX_ROWS:
        raise FileRefused(_("The file has more than %(max)s data rows; split it into smaller files.")
                          % {"max": f"{MAX_ROWS:,}"})
    if data_rows == 0:
        raise FileRefused(_("The file has no data rows."))
    return header_row, mapping, data_rows


def inspect_upload(path, kind: str) -> int:
    """The number of data rows of an uploaded file, or FileRefused (in Chinese)."""
    with translation.override(settings.LANGUAGE_CODE):
        book = XlsxFile(path)
        try:
            return inspect(book, kind)[2]
        finally:
            book.close()


# --- cell values ---------------------------------------------------------------------------------


class CellError(Exception):
    pass


def text_of(value, limit: int | None = None) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    else:
        text = str(value).strip()
    if limit is not None and len(text) > limit:
        raise CellError(_("Too long (at most %(max)d characters).") % {"max": limit})
    return text


def code_of(value, limit: int = 40) -> str:
    """A code typed as a number keeps its digits while Excel keeps them all (15 significant)."""
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise CellError(_("Write this value as text: as a number Excel keeps only 15 digits."))
    return text_of(value, limit)


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def date_of(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_of(value)
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_("Not a valid date (e.g. 1990-01-31)."))


def float_of(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("Not a number."))
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(text_of(value))
    except ValueError as exc:
        raise CellError(_("Not a number.")) from exc


def messages_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: ValidationError(errors).messages for key, errors in exc.error_dict.items()}
    return {"": exc.messages}


@lru_cache(maxsize=4096)
def _birth_place_valid(region: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{region}{year:04d}01010000")
    except Exception:
        return False
    return True


_ID_CARD = re.compile(r"[0-9]{17}[0-9X]\Z")


def clean_id_card(value: str) -> str:
    """actions.clean_id_number for identity cards, with the birth-place lookup (slow in stdnum)
    cached by region and year. Anything it does not accept at once goes to actions.clean_id_number,
    which accepts it or raises the form's own message."""
    number = value.strip().upper().replace(" ", "")
    if _ID_CARD.match(number) and number[-1] == ric.calc_check_digit(number):
        try:
            dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            pass
        else:
            if _birth_place_valid(number[:6], int(number[6:10])):
                return number
    return actions.clean_id_number(IdType.ID_CARD, value)


# --- fast inserts ----------------------------------------------------------------------------


def pinyin_fields(name: str) -> tuple[str, str, str]:
    """(name, name_pinyin, name_initials) exactly as Person.set_name sets them. For a name of Han
    characters that all have a pinyin, the initials are the first letters of the plain pinyin
    (what pypinyin's FIRST_LETTER style is), which halves the work; other names go through
    set_name itself."""
    from pypinyin import lazy_pinyin
    from pypinyin.constants import RE_HANS

    name = (name or "").strip()
    if RE_HANS.match(name):
        syllables = lazy_pinyin(name)
        if len(syllables) == len(name) and all(s.isascii() and s.isalpha() for s in syllables):
            return name, "".join(syllables).lower(), "".join(s[0] for s in syllables).lower()
    person = Person()
    person.set_name(name)
    return person.name, person.name_pinyin, person.name_initials


_PLAIN_TYPES = {"CharField", "TextField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
                "SmallIntegerField", "BigIntegerField", "FloatField", "BooleanField", "ForeignKey"}


class Inserter:
    """Multi-row INSERT … RETURNING id of model instances' current field values, as Django's
    bulk_create does on PostgreSQL and SQLite ≥ 3.35, without its per-value overhead (a third of
    the import's time). Instances may be one instance reused: each row's values are read when it
    is added. Dates and datetimes are adapted by the backend's own operations; auto_now fields get
    `now`; any other field type goes through its get_db_prep_save."""

    def __init__(self, model, now):
        self.model = model
        ops = connection.ops
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [f.column for f in self.fields]
        stamp = ops.adapt_datetimefield_value(now)
        self.getters = []
        for field in self.fields:
            kind = field.get_internal_type()
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.getters.append((None, stamp))
            elif kind == "DateTimeField":
                self.getters.append((field.attname, ops.adapt_datetimefield_value))
            elif kind == "DateField":
                self.getters.append((field.attname, ops.adapt_datefield_value))
            elif kind in _PLAIN_TYPES:
                self.getters.append((field.attname, None))
            else:
                self.getters.append((field.attname, lambda value, f=field: f.get_db_prep_save(value, connection)))
        template = model()
        self.defaults = {attname: getattr(template, attname) for attname, _prep in self.getters if attname}

    def row(self, values: dict) -> tuple:
        """A row from attribute values; the model's defaults for those not given."""
        defaults = self.defaults
        row = []
        for attname, prep in self.getters:
            if attname is None:
                row.append(prep)
            else:
                value = values[attname] if attname in values else defaults[attname]
                row.append(value if prep is None else prep(value))
        return tuple(row)

    def values(self, obj) -> tuple:
        """The row of `obj` as it is now."""
        row = []
        for attname, prep in self.getters:
            if attname is None:
                row.append(prep)
            elif prep is None:
                row.append(getattr(obj, attname))
            else:
                row.append(prep(getattr(obj, attname)))
        return tuple(row)

    def insert_objects(self, objects, returning: bool = True) -> list[int]:
        return self.insert([self.values(obj) for obj in objects], returning)

    def insert(self, rows: list[tuple], returning: bool = True) -> list[int]:
        """Inserts rows made by values(); their new ids in order (as bulk_create relies on)."""
        if not rows:
            return []
        if not connection.features.can_return_rows_from_bulk_insert:
            attnames = [f.attname for f in self.fields]
            instances = [self.model(**dict(zip(attnames, row, strict=True))) for row in rows]
            self.model.objects.bulk_create(instances)
            return [i.pk for i in instances]
        quote = connection.ops.quote_name
        # identifiers from the model's own metadata, values bound as parameters
        head = (f"INSERT INTO {quote(self.model._meta.db_table)} "  # noqa: S608
                f"({', '.join(quote(c) for c in self.columns)}) VALUES ")
        tail = f" RETURNING {quote(self.model._meta.pk.column)}" if returning else ""
        one = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        per = max(1, min(INSERT_ROWS, INSERT_PARAMS // len(self.columns)))
        ids: list[int] = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per):
                chunk = rows[start:start + per]
                cursor.execute(head + ", ".join([one] * len(chunk)) + tail, [v for row in chunk for v in row])
                if returning:
                    ids.extend(row[0] for row in cursor.fetchall())
        return ids


def set_heads(heads: dict[int, int]) -> None:
    """household id → the person id of its head, in one executemany."""
    if not heads:
        return
    quote = connection.ops.quote_name
    statement = (f"UPDATE {quote(Household._meta.db_table)} SET {quote('head_id')} = %s "  # noqa: S608
                 f"WHERE {quote(Household._meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.executemany(statement, [(person, household) for household, person in heads.items()])


# --- the import ----------------------------------------------------------------------------------


class RowChecks:
    """Reading the cells of a row: the checks every kind shares, and the errors found so far
    (row, column header, reason)."""

    columns: list[Column] = []

    def __init__(self):
        self.headers = {c.key: c.header for c in self.columns}
        self.errors: list[tuple[int, str, str]] = []
        self.failed_rows: set[int] = set()

    def error(self, row: int, key: str, reason: str) -> None:
        self.errors.append((row, self.headers.get(key, key), str(reason)))
        self.failed_rows.add(row)

    def cell(self, values: dict, key: str, errors: list, limit: int | None = None, required: bool = False,
             code: bool = False) -> str:
        try:
            text = code_of(values.get(key), limit or 40) if code else text_of(values.get(key), limit)
        except CellError as exc:
            errors.append((key, str(exc)))
            return ""
        if required and not text:
            errors.append((key, _("Required.")))
        return text

    def choice(self, values: dict, key: str, table: str, errors: list) -> str:
        text = text_of(values.get(key))
        if not text:
            return ""
        value = parse_choice(table, text)
        if value is None:
            errors.append((key, _("Unknown value; use one of: %(choices)s.")
                           % {"choices": "、".join(choice_labels(table))}))
            return ""
        return value

    def point(self, values: dict, errors: list) -> tuple[float | None, float | None]:
        point = {}
        for key in ("lon", "lat"):
            try:
                point[key] = float_of(values.get(key))
            except CellError as exc:
                errors.append((key, str(exc)))
                return None, None
        lon, lat = point["lon"], point["lat"]
        if (lon is None) != (lat is None):
            errors.append(("lon" if lon is None else "lat", _("Give both longitude and latitude, or neither.")))
            return None, None
        if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors.append(("lon", _("Longitude must lie between -180 and 180, latitude between -90 and 90.")))
            return None, None
        return lon, lat


def batches(rows, header_row: int, mapping: dict[int, str]):
    """(rows read so far, [(row number, {column key: value})]) of up to BATCH rows with a value."""
    batch: list[tuple[int, dict]] = []
    read = 0
    for number, cells in rows:
        if number <= header_row:
            continue
        values = {key: cells.get(col) for col, key in mapping.items()}
        read = number - header_row
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        batch.append((number, values))
        if len(batch) >= BATCH:
            yield read, batch
            batch = []
    yield read, batch


class Importer(RowChecks):
    # keys of the actions' ValidationErrors → column key
    error_columns: dict[str, str] = {}

    def __init__(self, job: ImportJob, user, path=None):
        super().__init__()
        self.job = job
        self.user = user
        self.path = path
        self.scope = get_scope(user)
        self.counts: Counter = Counter()
        self.notes: Counter = Counter()
        self._grids: dict[str, Area | str] = {}

    def validation_errors(self, row: int, exc: ValidationError, default: str = "") -> None:
        for key, messages in messages_of(exc).items():
            column = self.error_columns.get(key, key if key in self.headers else default)
            for message in messages:
                self.error(row, column, message)

    def may_change_path(self, path: str) -> bool:
        if self.scope.is_superuser:
            return True
        return any(path.startswith(p) for p in self.scope.paths.get("registry.change", ()))

    def grid(self, row: int, values: dict, errors: list) -> Area | None:
        try:
            code = code_of(values.get("grid"), 24)
        except CellError as exc:
            errors.append(("grid", str(exc)))
            return None
        if not code:
            errors.append(("grid", _("Required.")))
            return None
        found = self._grids.get(code)
        if found is None:
            area = Area.objects.filter(code=code).only("id", "name", "code", "level", "path", "district_code").first()
            if area is None:
                found = _("No grid has this code.")
            elif area.level not in GRID_LEVELS:
                found = _("This code is not a grid's.")
            elif not self.may_change_path(area.path):
                found = _("You may not import into this grid.")
            else:
                found = area
            self._grids[code] = found
        if isinstance(found, str):
            errors.append(("grid", found))
            return None
        return found

    def run(self, rows, header_row: int, mapping: dict[int, str], on_progress) -> None:
        for read, batch in batches(rows, header_row, mapping):
            if batch:
                self.process(batch)
            on_progress(read)

    def process(self, batch: list[tuple[int, dict]]) -> None:
        raise NotImplementedError


# --- residents -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ResidentRow:
    row: int
    name: str
    id_type: str
    id_number: str
    index: str
    phone: str
    gender: str
    birth_date: dt.date | None
    status: str
    relation: str
    grid_code: str
    address: str
    unit: str
    room: str
    household: str
    id_secrets: tuple = ()  # id_number_enc, id_number_index, id_number_last4 (Person.set_id_number)
    # set by ResidentReader.prepare()
    names: tuple = ()  # name, name_pinyin, name_initials (Person.set_name)
    phone_secrets: tuple = ()  # phone_enc, phone_index, phone_tail_index (Person.set_phone)
    want: dict | None = None  # gender, birth_date, residence_status, relation of a new resident
    # set by the writer
    grid: Area | None = None


def resident_values(r: ResidentRow, person: dict | None) -> dict:
    """Gender, birth date, residence status and relation as save_person would store them: from the
    row, else from the identity card number, else what is registered, else the defaults."""
    derived_gender, derived_birth = "", None
    if r.id_type == IdType.ID_CARD:
        derived_birth = ric.get_birth_date(r.id_number)
        derived_gender = Gender.MALE if int(r.id_number[16]) % 2 else Gender.FEMALE
    old = person or {}
    return {
        "gender": r.gender or derived_gender or old.get("gender") or Gender.UNKNOWN,
        "birth_date": r.birth_date or derived_birth or old.get("birth_date"),
        "residence_status": r.status or old.get("residence_status") or ResidenceStatus.PERMANENT,
        "relation": r.relation or old.get("relation") or Relation.HEAD,
    }


class ResidentReader(RowChecks):
    """Validates resident rows and prepares what a new resident needs (pinyin, the encrypted
    document and phone and their blind indexes) without the database, so that it can run in a
    process of its own beside the one writing (reader_main)."""

    columns = RESIDENT_COLUMNS

    def __init__(self, grid_codes):
        super().__init__()
        self.grid_codes = grid_codes  # the grids the importer may change: others are checked by the writer
        self.documents: dict[bytes, int] = {}  # id type + 128 bits of the blind index → first row
        self.heads: dict[tuple[str, str], int] = {}  # (grid code, household number) → row of its head
        self._names: dict[str, tuple[str, str, str]] = {}
        self._scratch = Person()
        self.grid_checks: list[tuple[int, str]] = []  # refused rows whose grid code the writer must check too

    def read(self, rows, header_row: int, mapping: dict[int, str]):
        """(rows read so far, the valid rows prepared, the errors found, (row, grid code) of refused rows
        whose grid code is not one the importer may change) per batch."""
        for read, batch in batches(rows, header_row, mapping):
            prepared = [r for r in (self.clean(n, v) for n, v in batch) if r is not None]
            for r in prepared:
                self.prepare(r)
            errors, self.errors = self.errors, []
            checks, self.grid_checks = self.grid_checks, []
            yield read, prepared, errors, checks

    def name_fields(self, name: str) -> tuple[str, str, str]:
        found = self._names.get(name)
        if found is None:
            found = pinyin_fields(name)
            if len(self._names) >= NAME_CACHE:
                self._names.clear()
            self._names[name] = found
        return found

    def clean(self, number: int, values: dict) -> ResidentRow | None:
        errors: list[tuple[str, str]] = []
        name = self.cell(values, "name", errors)
        if "name" not in dict(errors) and (not name or len(name) > 50):
            errors.append(("name", _("The name is required (at most 50 characters).")))
        id_type = self.choice(values, "id_type", "id_type", errors) or IdType.ID_CARD
        id_number = self.cell(values, "id_number", errors, limit=40, code=True)
        id_secrets: tuple = ()
        if id_number:
            try:
                if id_type == IdType.ID_CARD:
                    id_number = clean_id_card(id_number)
                else:
                    id_number = actions.clean_id_number(id_type, id_number)
            except ValidationError as exc:
                errors.extend(("id_number", m) for ms in messages_of(exc).values() for m in ms)
            else:
                scratch = self._scratch
                scratch.set_id_number(id_number)
                id_secrets = (scratch.id_number_enc, scratch.id_number_index, scratch.id_number_last4)
        elif "id_number" not in dict(errors):
            errors.append(("id_number", _("The document number is required: residents are matched by it.")))
        phone = self.cell(values, "phone", errors, limit=40, code=True)
        if phone:
            try:
                phone = actions.clean_phone(phone)
            except ValidationError as exc:
                errors.extend(("phone", m) for ms in messages_of(exc).values() for m in ms)
        gender = self.choice(values, "gender", "gender", errors)
        try:
            birth_date = date_of(values.get("birth_date"))
        except CellError as exc:
            errors.append(("birth_date", str(exc)))
            birth_date = None
        status = self.choice(values, "residence_status", "residence_status", errors)
        relation = self.choice(values, "relation", "relation", errors)
        grid_code = self.cell(values, "grid", errors, limit=24, code=True, required=True)
        address = self.cell(values, "address", errors, limit=200)
        unit = self.cell(values, "unit", errors, limit=20, code=True)
        room = self.cell(values, "room", errors, limit=20, code=True)
        household = self.cell(values, "household", errors, limit=40, code=True)
        if (unit or room) and not address:
            errors.append(("address", _("Fill in the address too.")))
        if household and not address:
            errors.append(("address", _("A household number needs the address of its dwelling.")))
        if household and not relation and "relation" not in dict(errors):
            errors.append(("relation", _("Choose the relation to the head of household.")))
        # the same document twice in the file: the later rows are refused
        index = id_secrets[1] if id_secrets else ""
        if index:
            first = self.documents.setdefault(id_type.encode() + bytes.fromhex(index[:32]), number)
            if first != number:
                errors.append(("id_number", _("The same document appears in row %(row)d.") % {"row": first}))
        if grid_code and household and relation == Relation.HEAD and not errors:
            first = self.heads.setdefault((grid_code, household), number)
            if first != number:
                errors.append(("relation", _("This household already has a head (row %(row)d).") % {"row": first}))
        if errors:
            for key, reason in errors:
                self.error(number, key, reason)
            if grid_code and grid_code not in self.grid_codes:
                self.grid_checks.append((number, grid_code))
            return None
        return ResidentRow(number, name, id_type, id_number, index, phone, gender, birth_date, status, relation,
                           grid_code, address, unit, room, household, id_secrets)

    def prepare(self, r: ResidentRow) -> None:
        """What save_person computes for a new resident, on an unsaved Person."""
        r.names = self.name_fields(r.name)
        scratch = self._scratch
        scratch.set_phone(r.phone)
        r.phone_secrets = (scratch.phone_enc, scratch.phone_index, scratch.phone_tail_index)
        r.want = resident_values(r, None)


def _frame(stream, item) -> None:
    data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def reader_main() -> None:
    """The reading process of a large resident import (started by ResidentImporter.run_beside with
    Django set up): the job's arguments as one JSON line on stdin, the prepared batches as pickled
    frames on stdout. It never touches the database."""
    spec = json.loads(sys.stdin.readline())
    out = sys.stdout.buffer
    try:
        with translation.override(spec["language"]):
            reader = ResidentReader(frozenset(spec["grid_codes"]))
            book = XlsxFile(spec["path"])
            try:
                mapping = {int(col): key for col, key in spec["mapping"].items()}
                for read, rows, errors, checks in reader.read(book.rows(), spec["header_row"], mapping):
                    _frame(out, ("rows", read, rows, errors, checks))
            finally:
                book.close()
        _frame(out, ("done",))
    except FileRefused as exc:
        _frame(out, ("refused", str(exc)))
    except Exception:
        log.exception("import reader failed")
        _frame(out, ("failed", traceback.format_exc()[-2000:]))


def _frames(stream):
    while True:
        head = stream.read(4)
        if not head:
            return
        if len(head) < 4:
            raise RuntimeError("the import reader stopped mid-frame")
        (size,) = struct.unpack(">I", head)
        data = stream.read(size)
        if len(data) < size:
            raise RuntimeError("the import reader stopped mid-frame")
        yield pickle.loads(data)  # noqa: S301 - from our own child process


class ResidentImporter(Importer):
    """Residents. Large files are read in a second process (reader_main: parsing, validation,
    pinyin, encryption — all the CPU work that needs no database) while this one looks the rows
    up and writes them, batch by batch; small files are read here."""

    columns = RESIDENT_COLUMNS
    error_columns = {"name": "name", "id_type": "id_type", "id_number": "id_number", "phone": "phone",
                     "residence_status": "residence_status", "relation": "relation", "grid": "grid",
                     "address": "address", "lon": "address"}

    def __init__(self, job, user, path=None):
        super().__init__(job, user, path)
        self.known_grids = self.prefetch_grids()
        self.grid_dwellings: dict[int, dict[tuple, int]] = {}
        self.grid_households: dict[int, dict[str, dict]] = {}

    def prefetch_grids(self) -> dict[str, Area]:
        """The grids the importer may change, by code (other codes are looked up and refused)."""
        areas = Area.objects.filter(level__in=GRID_LEVELS).only("id", "name", "code", "level", "path",
                                                                "district_code")
        if not self.scope.is_superuser:
            paths = self.scope.paths.get("registry.change", ())
            if not paths:
                return {}
            condition = Q()
            for path in paths:
                condition |= Q(path__startswith=path)
            areas = areas.filter(condition)
        found = {area.code: area for area in areas}
        self._grids.update(found)
        return found

    def run(self, rows, header_row: int, mapping: dict[int, str], on_progress) -> None:
        if self.path is not None and self.job.total >= PARALLEL_ROWS:
            self.run_beside(header_row, mapping, on_progress)
            return
        reader = ResidentReader(frozenset(self.known_grids))
        for read, prepared, errors, checks in reader.read(rows, header_row, mapping):
            self.take_errors(errors, checks)
            self.process(prepared)
            on_progress(read)

    def run_beside(self, header_row: int, mapping: dict[int, str], on_progress) -> None:
        command = [sys.executable, "-c",
                   "import django; django.setup(); from registry.imports import reader_main; reader_main()"]
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE")
                   or settings.SETTINGS_MODULE)
        spec = {"path": str(self.path), "header_row": header_row, "mapping": mapping,
                "grid_codes": sorted(self.known_grids), "language": translation.get_language()
                or settings.LANGUAGE_CODE}
        with subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE) as child:
            try:
                child.stdin.write((json.dumps(spec) + "\n").encode())
                child.stdin.close()
                for frame in _frames(child.stdout):
                    if frame[0] == "rows":
                        _kind, read, prepared, errors, checks = frame
                        self.take_errors(errors, checks)
                        self.process(prepared)
                        on_progress(read)
                    elif frame[0] == "done":
                        return
                    elif frame[0] == "refused":
                        raise FileRefused(frame[1])
                    else:
                        raise RuntimeError(f"the import reader failed:\n{frame[1]}")
                raise RuntimeError("the import reader stopped")
            finally:
                if child.poll() is None:
                    child.kill()

    def take_errors(self, errors, grid_checks) -> None:
        """The reader's errors, and those of the grid codes it could not check."""
        for row, column, reason in errors:
            self.errors.append((row, column, reason))
            self.failed_rows.add(row)
        for row, code in grid_checks:
            found: list[tuple[str, str]] = []
            self.grid(row, {"grid": code}, found)
            for key, reason in found:
                self.error(row, key, reason)

    # the registered dwellings and households of a grid, loaded once, kept up to date

    @staticmethod
    def place_key(address: str, unit: str, room: str) -> str:
        return f"{address}\x1f{unit}\x1f{room}"

    def dwellings_of(self, grid_id: int) -> dict[str, int]:
        """address/unit/room → dwelling id."""
        found = self.grid_dwellings.get(grid_id)
        if found is None:
            found = {}
            for pk, address, unit, room in (Dwelling.objects.filter(grid_id=grid_id).order_by("id")
                                            .values_list("id", "address", "unit", "room")):
                found.setdefault(self.place_key(address, unit, room), pk)
            self.grid_dwellings[grid_id] = found
        return found

    def households_of(self, grid_id: int) -> dict[str, list]:
        """household number → [household id, dwelling id, head id]."""
        found = self.grid_households.get(grid_id)
        if found is None:
            found = {}
            for pk, number, dwelling_id, head_id in (Household.objects.filter(grid_id=grid_id).order_by("id")
                                                     .values_list("id", "number", "dwelling_id", "head_id")):
                if number not in found:
                    found[number] = [pk, dwelling_id, head_id]
            self.grid_households[grid_id] = found
        return found

    def dwelling_id(self, r: ResidentRow) -> int | None:
        return self.dwellings_of(r.grid.pk).get(self.place_key(r.address, r.unit, r.room)) if r.address else None

    def household(self, r: ResidentRow) -> list | None:
        return self.households_of(r.grid.pk).get(r.household) if r.household else None

    # writing

    def process(self, rows: list[ResidentRow]) -> None:
        placed = []
        for r in rows:
            grid = self.known_grids.get(r.grid_code)
            if grid is None:  # no grid the importer may change: why not
                errors: list[tuple[str, str]] = []
                self.grid(r.row, {"grid": r.grid_code}, errors)
                for key, reason in errors or [("grid", _("You may not import into this grid."))]:
                    self.error(r.row, key, reason)
                continue
            r.grid = grid
            placed.append(r)
        rows = placed
        if not rows:
            return
        existing: dict[tuple[str, str], dict] = {}
        by_type: dict[str, set[str]] = {}
        for r in rows:
            by_type.setdefault(r.id_type, set()).add(r.index)
        for id_type, indexes in by_type.items():
            # id type and index together: the unique document index answers
            for p in (Person.objects.filter(id_type=id_type, id_number_index__in=indexes)
                      .exclude(id_number_index="").order_by()
                      .values("id", "id_type", "id_number_index", "name", "gender", "birth_date", "phone_index",
                              "residence_status", "dwelling_id", "household_id", "relation", "grid_id",
                              "area_path")):
                existing[(p["id_type"], p["id_number_index"])] = p
        creates, updates = [], []
        for r in rows:
            household = self.household(r)
            dwelling_id = self.dwelling_id(r)
            if household and household[1] and household[1] != dwelling_id:
                self.error(r.row, "household", _("This household number is registered at another address in "
                                                 "the grid."))
                continue
            person = existing.get((r.id_type, r.index))
            if person is None:
                creates.append(r)
            elif not self.may_change_path(person["area_path"]):
                self.error(r.row, "id_number", _("A resident with this document number is already registered."))
            elif self.unchanged(r, person, dwelling_id, household):
                self.counts["skipped"] += 1
            else:
                updates.append((r, person))
        if creates:
            try:
                self.create(creates)
            except (IntegrityError, DatabaseError):
                log.info("import job %s: batch failed, retrying its rows one by one", self.job.pk, exc_info=True)
                for r in creates:
                    try:
                        self.create([r])
                    except IntegrityError:
                        self.error(r.row, "id_number",
                                   _("A resident with this document number is already registered."))
                    except DatabaseError:
                        log.exception("import job %s: row %s", self.job.pk, r.row)
                        self.error(r.row, "", _("The row could not be saved (database error)."))
        for r, person in updates:
            self.update(r, person)

    def unchanged(self, r: ResidentRow, p: dict, dwelling_id, household) -> bool:
        want = resident_values(r, p)
        if r.address:
            if dwelling_id is None or dwelling_id != p["dwelling_id"]:
                return False
        elif p["grid_id"] != r.grid.pk:
            return False
        if r.household:
            if household is None or household[0] != p["household_id"]:
                return False
            if want["relation"] == Relation.HEAD and household[2] != p["id"]:
                return False
        if r.phone and r.phone_secrets[1] != p["phone_index"]:
            return False
        return (p["name"] == r.name and p["grid_id"] == r.grid.pk
                and all(p[k] == v for k, v in want.items()))

    def create(self, rows: list[ResidentRow]) -> None:
        """Creates the rows' residents (and the dwellings and households they name that are not
        registered yet) in one transaction with one audit row; the grids' dwellings and households
        learn the new ones only once it commits."""
        now, today = timezone.now(), timezone.localdate()
        new_dwellings: dict[tuple, dict] = {}
        new_households: dict[tuple, dict] = {}
        with transaction.atomic():
            for r in rows:
                key = (r.grid.pk, r.address, r.unit, r.room)
                if r.address and self.dwelling_id(r) is None and key not in new_dwellings:
                    new_dwellings[key] = {"address": r.address, "unit": r.unit, "room": r.room, "grid_id": r.grid.pk,
                                          "area_path": r.grid.path, "district_code": r.grid.district_code,
                                          "external_key": ""}
            inserter = Inserter(Dwelling, now)
            dwelling_ids = dict(zip(new_dwellings, inserter.insert([inserter.row(d) for d in new_dwellings.values()]),
                                    strict=True))
            for r in rows:
                key = (r.grid.pk, r.household)
                if r.household and self.household(r) is None and key not in new_households:
                    dwelling_id = self.dwelling_id(r) or dwelling_ids[(r.grid.pk, r.address, r.unit, r.room)]
                    new_households[key] = {"number": r.household, "dwelling_id": dwelling_id, "grid_id": r.grid.pk,
                                           "area_path": r.grid.path, "district_code": r.grid.district_code}
            inserter = Inserter(Household, now)
            household_ids = dict(zip(new_households,
                                     inserter.insert([inserter.row(h) for h in new_households.values()]),
                                     strict=True))

            people, placed = [], []
            inserter = Inserter(Person, now)
            for r in rows:
                want = r.want
                dwelling_id = (self.dwelling_id(r) or dwelling_ids[(r.grid.pk, r.address, r.unit, r.room)]
                               if r.address else None)
                household = self.household(r)
                household_id = ((household[0] if household else household_ids[(r.grid.pk, r.household)])
                                if r.household else None)
                name, pinyin, initials = r.names
                id_enc, id_index, id_last4 = r.id_secrets
                phone_enc, phone_index, phone_tail = r.phone_secrets
                people.append(inserter.row({
                    "name": name, "name_pinyin": pinyin, "name_initials": initials, "id_type": r.id_type,
                    "id_number_enc": id_enc, "id_number_index": id_index, "id_number_last4": id_last4,
                    "phone_enc": phone_enc, "phone_index": phone_index, "phone_tail_index": phone_tail,
                    "gender": want["gender"], "birth_date": want["birth_date"],
                    "residence_status": want["residence_status"], "relation": want["relation"],
                    "dwelling_id": dwelling_id, "household_id": household_id, "address_text": r.address[:200],
                    "grid_id": r.grid.pk, "area_path": r.grid.path, "district_code": r.grid.district_code,
                }))
                placed.append((dwelling_id, household_id, want["relation"]))
            ids = inserter.insert(people)
            inserter = Inserter(Residence, now)
            histories = []
            heads: dict[int, int] = {}
            for (dwelling_id, household_id, relation), person_id in zip(placed, ids, strict=True):
                if dwelling_id or household_id:
                    histories.append(inserter.row({"person_id": person_id, "dwelling_id": dwelling_id,
                                                   "household_id": household_id, "relation": relation,
                                                   "moved_in_on": today, "moved_out_on": None}))
                if household_id and relation == Relation.HEAD:
                    heads[household_id] = person_id
            inserter.insert(histories, returning=False)
            set_heads(heads)
            after = {"job": self.job.pk, "created": ids}
            if new_dwellings:
                after["dwellings"] = list(dwelling_ids.values())
            if new_households:
                after["households"] = list(household_ids.values())
            record(self.user, "registry.person.import", object_type="registry.person",
                   object_repr=f"{len(ids)} rows", note=f"import job {self.job.pk}", after=after,
                   district_code=rows[0].grid.district_code)
        # committed
        for (grid_id, address, unit, room), pk in dwelling_ids.items():
            self.dwellings_of(grid_id).setdefault(self.place_key(address, unit, room), pk)
        for (grid_id, number), pk in household_ids.items():
            self.households_of(grid_id).setdefault(number, [pk, new_households[(grid_id, number)]["dwelling_id"], None])
        if heads:
            for r in rows:
                household = self.household(r)
                if household and household[0] in heads:
                    household[2] = heads[household[0]]
        self.counts["created"] += len(ids)
        self.notes["dwellings"] += len(new_dwellings)
        self.notes["households"] += len(new_households)

    def update(self, r: ResidentRow, p: dict) -> None:
        """A registered resident whose row differs: registry.actions.save_person, audited."""
        want = resident_values(r, p)
        try:
            with transaction.atomic():
                dwelling = household = None
                if r.address:
                    dwelling = (Dwelling.objects.select_related("grid")
                                .filter(grid=r.grid, address=r.address, unit=r.unit, room=r.room).order_by("id")
                                .first())
                    if dwelling is None:
                        dwelling = actions.save_dwelling(self.user, address=r.address, grid=r.grid, unit=r.unit,
                                                         room=r.room)
                        self.notes["dwellings"] += 1
                elif p["grid_id"] == r.grid.pk and p["dwelling_id"]:
                    dwelling = Dwelling.objects.select_related("grid").get(pk=p["dwelling_id"])
                if r.household:
                    household = (Household.objects.select_related("dwelling__grid")
                                 .filter(grid=r.grid, number=r.household).order_by("id").first())
                    if household is None:
                        household = actions.save_household(self.user, dwelling=dwelling, number=r.household)
                        self.notes["households"] += 1
                elif dwelling is not None and p["household_id"]:
                    household = (Household.objects.select_related("dwelling__grid")
                                 .filter(pk=p["household_id"], dwelling=dwelling).first())
                actions.save_person(self.user, person=Person(pk=p["id"]), name=r.name, id_type=r.id_type,
                                    id_number=r.id_number, phone=r.phone, gender=want["gender"],
                                    birth_date=want["birth_date"], residence_status=want["residence_status"],
                                    dwelling=dwelling, household=household, relation=want["relation"],
                                    grid=r.grid)
        except ValidationError as exc:
            self.validation_errors(r.row, exc)
        except PermissionDenied:
            self.error(r.row, "grid", _("You may not import into this grid."))
        else:
            self.counts["updated"] += 1
        finally:  # the grid's dwellings and households may have changed: read them again when needed
            self.grid_dwellings.pop(r.grid.pk, None)
            self.grid_households.pop(r.grid.pk, None)


class DwellingImporter(Importer):
    columns = DWELLING_COLUMNS
    error_columns = {"address": "address", "lon": "lon", "lat": "lat", "grid": "grid"}

    def __init__(self, job, user, path=None):
        super().__init__(job, user, path)
        self.seen: dict[tuple, int] = {}

    def process(self, batch):
        for number, values in batch:
            errors: list[tuple[str, str]] = []
            grid = self.grid(number, values, errors)
            address = self.cell(values, "address", errors, limit=200, required=True)
            unit = self.cell(values, "unit", errors, limit=20, code=True)
            room = self.cell(values, "room", errors, limit=20, code=True)
            lon, lat = self.point(values, errors)
            external_key = self.cell(values, "external_key", errors, limit=64, code=True)
            if grid is not None and address:
                key = ("key", external_key) if external_key else (grid.pk, address, unit, room)
                first = self.seen.setdefault(key, number)
                if first != number:
                    errors.append(("external_key" if external_key else "address",
                                   _("The same dwelling appears in row %(row)d.") % {"row": first}))
            if errors:
                for key, reason in errors:
                    self.error(number, key, reason)
                continue
            existing = None
            if external_key:
                existing = Dwelling.objects.filter(external_key=external_key).order_by("id").first()
            if existing is None:
                existing = (Dwelling.objects.filter(grid=grid, address=address, unit=unit, room=room)
                            .order_by("id").first())
            if existing is not None:
                if not self.may_change_path(existing.area_path):
                    self.error(number, "external_key" if external_key else "address",
                               _("You may not import into this grid."))
                    continue
                if lon is None:
                    lon, lat = existing.lon, existing.lat
                if (existing.grid_id, existing.address, existing.unit, existing.room, existing.lon, existing.lat) \
                        == (grid.pk, address, unit, room, lon, lat) \
                        and existing.external_key == (external_key or existing.external_key):
                    self.counts["skipped"] += 1
                    continue
            try:
                actions.save_dwelling(self.user, dwelling=existing, address=address, grid=grid, lon=lon, lat=lat,
                                      unit=unit, room=room, external_key=external_key,
                                      building=existing.building if existing else None)
            except ValidationError as exc:
                self.validation_errors(number, exc)
            except PermissionDenied:
                self.error(number, "grid", _("You may not import into this grid."))
            else:
                self.counts["updated" if existing else "created"] += 1


class OrganizationImporter(Importer):
    columns = ORGANIZATION_COLUMNS
    error_columns = {"kind": "kind", "name": "name", "credit_code": "credit_code", "phone": "contact_phone",
                     "contact_phone": "contact_phone", "grid": "grid", "lon": "lon", "lat": "lat"}

    def __init__(self, job, user, path=None):
        super().__init__(job, user, path)
        self.seen: dict[tuple, int] = {}

    def process(self, batch):
        for number, values in batch:
            errors: list[tuple[str, str]] = []
            name = self.cell(values, "name", errors, limit=120, required=True)
            kind = self.choice(values, "kind", "organization_kind", errors)
            if not kind and "kind" not in dict(errors):
                errors.append(("kind", _("Choose the kind of organization.")))
            grid = self.grid(number, values, errors)
            credit_code = self.cell(values, "credit_code", errors, limit=40, code=True)
            if credit_code:
                try:
                    credit_code = actions.clean_credit_code(credit_code)
                except ValidationError as exc:
                    errors.extend(("credit_code", m) for ms in messages_of(exc).values() for m in ms)
            business_type = self.cell(values, "business_type", errors, limit=50)
            address = self.cell(values, "address", errors, limit=200)
            lon, lat = self.point(values, errors)
            contact_name = self.cell(values, "contact_name", errors, limit=50)
            contact_phone = self.cell(values, "contact_phone", errors, limit=40, code=True)
            if contact_phone:
                try:
                    contact_phone = actions.clean_phone(contact_phone)
                except ValidationError as exc:
                    errors.extend(("contact_phone", m) for ms in messages_of(exc).values() for m in ms)
            if grid is not None and lon is not None:
                self.check_point(grid, lon, lat, errors)
            if grid is not None and name:
                key = ("code", credit_code) if credit_code else (grid.pk, name)
                first = self.seen.setdefault(key, number)
                if first != number:
                    errors.append(("credit_code" if credit_code else "name",
                                   _("The same organization appears in row %(row)d.") % {"row": first}))
            if errors:
                for key, reason in errors:
                    self.error(number, key, reason)
                continue
            existing = None
            if credit_code:
                existing = Organization.objects.filter(credit_code=credit_code).first()
            if existing is None:
                existing = Organization.objects.filter(grid=grid, name=name).order_by("id").first()
            if existing is not None:
                if not self.may_change_path(existing.area_path):
                    self.error(number, "credit_code" if credit_code else "name",
                               _("An organization with this credit code is already registered.") if credit_code
                               else _("You may not import into this grid."))
                    continue
                if lon is None:
                    lon, lat = existing.lon, existing.lat
                before = (existing.kind, existing.name, existing.credit_code, existing.business_type,
                          existing.address, existing.lon, existing.lat, existing.contact_name,
                          crypto.decrypt(existing.contact_phone_enc), existing.grid_id)
                if before == (kind, name, credit_code or existing.credit_code, business_type, address, lon, lat,
                              contact_name, contact_phone, grid.pk):
                    self.counts["skipped"] += 1
                    continue
                credit_code = credit_code or existing.credit_code
            try:
                actions.save_organization(self.user, organization=existing, kind=kind, name=name, grid=grid,
                                          credit_code=credit_code, business_type=business_type, address=address,
                                          lon=lon, lat=lat, contact_name=contact_name, contact_phone=contact_phone)
            except ValidationError as exc:
                self.validation_errors(number, exc)
            except PermissionDenied:
                self.error(number, "grid", _("You may not import into this grid."))
            else:
                self.counts["updated" if existing else "created"] += 1

    @staticmethod
    def check_point(grid: Area, lon: float, lat: float, errors: list) -> None:
        """The point must lie in the grid, as registry.actions.save_dwelling requires of dwellings."""
        area_id = get_index().resolve(lon, lat)
        located = Area.objects.filter(pk=area_id).only("path", "level").first() if area_id is not None else None
        if located is None or located.level not in GRID_LEVELS:
            errors.append(("lon", _("This location is outside every grid of the district.")))
        elif located.pk != grid.pk and not located.path.startswith(grid.path):
            errors.append(("lon", _("The location lies outside the chosen grid %(grid)s.") % {"grid": grid.name}))


IMPORTERS = {
    ImportJob.Kind.RESIDENTS: ResidentImporter,
    ImportJob.Kind.DWELLINGS: DwellingImporter,
    ImportJob.Kind.ORGANIZATIONS: OrganizationImporter,
}


# --- jobs ----------------------------------------------------------------------------------------


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def store_upload(upload, kind: str, user) -> ImportJob:
    """Saves an uploaded file under MEDIA_ROOT/imports/ and creates its job (not yet started).
    FileRefused when it cannot be imported at all: nothing is kept then."""
    if upload.size > MAX_UPLOAD_BYTES:
        with translation.override(settings.LANGUAGE_CODE):
            raise FileRefused(_("The file is too large (at most %(mb)d MB).") % {"mb": MAX_UPLOAD_BYTES >> 20})
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    relative = f"imports/{stamp}-{user.pk}-{secrets.token_hex(4)}.xlsx"
    path = media_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    try:
        total = inspect_upload(path, kind)
    except FileRefused:
        path.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(user=user, kind=kind, file=relative, file_name=(upload.name or "")[:200],
                                    file_sha256=digest.hexdigest(), total=total)


def create_job(path, kind: str, user, file_name: str = "") -> ImportJob:
    """A job for a file already on disk under MEDIA_ROOT (benchmarks, management commands)."""
    path = Path(path)
    relative = str(path.resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()))
    return ImportJob.objects.create(user=user, kind=kind, file=relative, file_name=file_name or path.name)


def run_import(job_id: int) -> dict:
    """Runs one import job to its end (the background task calls this; so may a test)."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return summary(job)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return summary(ImportJob.objects.get(pk=job.pk))
    job.status = ImportJob.Status.RUNNING
    user = job.user
    importer = None
    progress = 0
    with translation.override(settings.LANGUAGE_CODE):
        try:
            if not user.is_active or not get_scope(user).can("registry.change"):
                raise FileRefused(_("Your account may no longer import into the registry."))
            book = XlsxFile(media_path(job.file))
            try:
                header_row, mapping, total = inspect(book, job.kind)
                ImportJob.objects.filter(pk=job.pk).update(total=total)
                job.total = total
                importer = IMPORTERS[job.kind](job, user, media_path(job.file))

                def on_progress(read: int) -> None:
                    nonlocal progress
                    progress = read
                    ImportJob.objects.filter(pk=job.pk).update(
                        progress=read, created=importer.counts["created"], updated=importer.counts["updated"],
                        skipped=importer.counts["skipped"], failed=len(importer.failed_rows),
                        error_count=len(importer.errors))

                with sqlite_cache():
                    importer.run(book.rows(), header_row, mapping, on_progress)
            finally:
                book.close()
            job.status = ImportJob.Status.DONE
            job.progress = job.total
        except FileRefused as exc:
            job.status = ImportJob.Status.FAILED
            job.message = str(exc)
            job.progress = progress
        except Exception:
            log.exception("import job %s failed", job.pk)
            job.status = ImportJob.Status.FAILED
            job.progress = progress
            job.message = _("The import stopped after %(rows)d rows because of an internal error. The rows before "
                            "were imported; import the file again to finish (imported rows are skipped).") % {
                                "rows": progress}
        finish(job, importer)
    return summary(job)


@contextlib.contextmanager
def sqlite_cache(kib: int = int(os.environ.get("IMPORT_CACHE_KIB", 64 * 1024)), checkpoint_pages: int = 25_000):
    """On SQLite, for the import: a larger page cache (the default 2 MB holds little of the indexes
    every new resident goes into) and fewer WAL checkpoints (each writes and syncs every page changed
    since the last; the same index pages change batch after batch). Back to before afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def finish(job: ImportJob, importer: Importer | None) -> None:
    if importer is not None:
        errors = sorted(importer.errors, key=lambda e: e[0])
        job.created = importer.counts["created"]
        job.updated = importer.counts["updated"]
        job.skipped = importer.counts["skipped"]
        job.failed = len(importer.failed_rows)
        job.error_count = len(errors)
        job.errors = [{"row": r, "column": c, "reason": m} for r, c, m in errors[:ERROR_CAP]]
        job.notes = {k: v for k, v in importer.notes.items() if v}
        if len(errors) > ERROR_CAP:
            job.error_file = write_error_file(job, errors)
    job.finished_at = timezone.now()
    if job.file:
        media_path(job.file).unlink(missing_ok=True)  # personal data is not kept beyond the import
    job.save()
    record(job.user, "registry.import", object_type="registry.importjob", object_id=str(job.pk),
           object_repr=f"{job.get_kind_display()} #{job.pk}", note=job.message[:500],
           after={"kind": job.kind, "status": job.status, "total": job.total, "created": job.created,
                  "updated": job.updated, "skipped": job.skipped, "failed": job.failed, **job.notes})


def write_error_file(job: ImportJob, errors) -> str:
    from registry.excel import error_workbook

    relative = f"imports/errors/job-{job.pk}.xlsx"
    path = media_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    error_workbook(errors).save(path)
    return relative


def summary(job: ImportJob) -> dict:
    return {"job": job.pk, "status": job.status, "total": job.total, "created": job.created,
            "updated": job.updated, "skipped": job.skipped, "failed": job.failed, "errors": job.error_count,
            "message": job.message}
