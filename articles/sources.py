"""Reading issue files from disk: decoding, validation, the manifest of issue dates.

No database here. Every problem becomes an ``IssueFileError`` whose message is one line naming the
file, so the ingest command can report it and carry on with the other files.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "manifest.csv"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class IssueFileError(Exception):
    """A file that cannot be ingested; the message names the file and says why."""


@dataclass(frozen=True)
class ManifestEntry:
    newspaper: str | None
    date: dt.date | None
    page: int | None = None
    page_name: str = ""


@dataclass
class IssueFile:
    path: Path
    raw_bytes: bytes
    text: str
    encoding: str
    sha256: str
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


def parse_iso_date(value: str) -> dt.date:
    """``YYYY-MM-DD`` as a date; ``ValueError`` with a readable message otherwise."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def collect_paths(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into their ``.txt`` files (sorted); return the files and the errors."""
    files: list[Path] = []
    errors: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())
            if not found:
                errors.append(f"{path}: folder holds no .txt files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    return files, errors


def read_manifest(folder: Path) -> dict[str, ManifestEntry]:
    """``manifest.csv`` of a folder: ``file,newspaper,issue_date`` per line, optionally ``page``
    (版次) and ``page_name`` (版名) too (header required)."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise IssueFileError(f"{path}: cannot read manifest ({exc.__class__.__name__})") from None
    reader = csv.DictReader(text.splitlines())
    columns = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    file_col = columns.get("file") or columns.get("filename")
    date_col = columns.get("issue_date") or columns.get("date")
    paper_col = columns.get("newspaper")
    page_col = columns.get("page")
    page_name_col = columns.get("page_name")
    if not file_col or not date_col:
        raise IssueFileError(f"{path}: manifest needs the columns file and issue_date")
    entries: dict[str, ManifestEntry] = {}
    for line_no, row in enumerate(reader, start=2):
        name = (row.get(file_col) or "").strip()
        if not name:
            continue
        raw_date = (row.get(date_col) or "").strip()
        try:
            date = parse_iso_date(raw_date) if raw_date else None
        except ValueError as exc:
            raise IssueFileError(f"{path}, line {line_no}: issue_date {exc}") from None
        paper = (row.get(paper_col) or "").strip() if paper_col else ""
        raw_page = (row.get(page_col) or "").strip() if page_col else ""
        if raw_page and not (raw_page.isdigit() and 0 < int(raw_page) < 1000):
            raise IssueFileError(f"{path}, line {line_no}: page {raw_page!r} is not a page number (1 to 999)")
        page_name = (row.get(page_name_col) or "").strip()[:50] if page_name_col else ""
        entries[name] = ManifestEntry(newspaper=paper or None, date=date, page=int(raw_page) if raw_page else None,
                                      page_name=page_name)
    return entries


def _human_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    value, unit = (n / 1024, "KB") if n < 1024 * 1024 else (n / 1024 / 1024, "MB")
    return f"{value:.1f} {unit}".replace(".0 ", " ")


def _looks_binary(data: bytes) -> bool:
    """A NUL byte anywhere, or many control characters in the first 8 KB."""
    if b"\x00" in data:
        return True
    sample = data[:8192]
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(sample) * 0.05


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _cannot_read(shown: str, exc: OSError) -> IssueFileError:
    return IssueFileError(f"{shown}: cannot read ({exc.strerror or exc.__class__.__name__})")


def _printable(path: Path) -> str:
    """The path for a one-line message: control characters in a name (a newline) escaped."""
    text = str(path)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def read_issue_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> IssueFile:
    """Read and decode one issue file; UTF-8 (with or without BOM) or GB18030/GBK.

    Only regular files are opened: a FIFO would block and a device read forever, and both report
    size 0, so the kind is checked with ``os.stat`` before anything is opened. The read itself is
    capped at ``max_bytes`` + 1 whatever size the file reports (it may grow, or lie), and the file
    is opened with ``O_NONBLOCK`` so that a FIFO swapped in after the check cannot hang the run.
    """
    shown = _printable(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _cannot_read(shown, exc) from None
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "not a regular file")
        raise IssueFileError(f"{shown}: not a regular file ({kind}); refused without reading")
    if info.st_size > max_bytes:
        raise IssueFileError(f"{shown}: file is {_human_size(info.st_size)}, over the {_human_size(max_bytes)} limit")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the stat and the open
                raise IssueFileError(f"{shown}: not a regular file; refused without reading")
            with os.fdopen(fd, "rb", closefd=False) as fh:
                data = fh.read(max_bytes + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _cannot_read(shown, exc) from None
    if len(data) > max_bytes:
        raise IssueFileError(f"{shown}: file holds more than the {_human_size(max_bytes)} limit "
                             f"(it reported {_human_size(info.st_size)})")
    if not data.strip():
        raise IssueFileError(f"{shown}: file is empty")
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise IssueFileError(f"{shown}: not a text file (a NUL byte at offset {offset:,})")
    if _looks_binary(data):
        raise IssueFileError(f"{shown}: not a text file (binary content)")
    notes: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
        notes.append("UTF-8 byte-order mark removed")
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise IssueFileError(f"{shown}: neither UTF-8 nor GB18030 text") from None
        encoding = "gb18030"
        notes.append("decoded as GB18030/GBK")
    if "\r" in text:
        notes.append("CRLF line ends normalised")
    if not text.strip():
        raise IssueFileError(f"{shown}: file is empty")
    return IssueFile(
        path=path, raw_bytes=data, text=text, encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(), notes=notes,
    )
