"""read_issue_file refuses bad files with one line naming them, before they can hang or flood a run."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from articles.sources import IssueFileError, read_issue_file
from tests.conftest import seed_file


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(IssueFileError) as caught:
        read_issue_file(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path).replace("\n", "\\n")), message
    return message


def test_a_real_issue_is_read():
    issue = read_issue_file(seed_file("001"))
    assert issue.encoding == "utf-8" and len(issue.text) > 1000


def test_a_nul_byte_after_the_first_8_kb_is_refused(tmp_path):
    text = seed_file("001").read_bytes()[:20_000]
    cut = text.index(b"\n", 9000)
    path = tmp_path / "late-nul.txt"
    path.write_bytes(text[:cut] + b"\x00" + text[cut:])
    assert cut > 8192
    message = refusal(path)
    assert "NUL byte" in message and f"{cut:,}" in message


def test_a_nul_byte_at_the_very_end_is_refused(tmp_path):
    path = tmp_path / "tail.txt"
    path.write_bytes("太原日报\n".encode() * 5000 + b"\x00")
    assert "NUL byte" in refusal(path)


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    outcome = {}

    def read():  # opening a FIFO for reading blocks until a writer comes: run it where a hang shows
        try:
            read_issue_file(path)
        except IssueFileError as exc:
            outcome["error"] = str(exc)

    worker = threading.Thread(target=read, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(5)
    if worker.is_alive():  # unblock the reader so the test run itself cannot hang
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("read_issue_file opened the FIFO and blocked")
    assert time.monotonic() - started < 1
    assert "named pipe (FIFO)" in outcome["error"] and outcome["error"].startswith(str(path))


def test_dev_zero_and_a_symlink_to_it_are_refused(tmp_path):
    assert "character device" in refusal(Path("/dev/zero"))
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    assert "character device" in refusal(link)


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.txt"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        assert "socket" in refusal(path)
    finally:
        server.close()


def test_a_folder_is_refused(tmp_path):
    assert "folder" in refusal(tmp_path)


def test_the_read_is_capped_whatever_size_the_file_reports():
    # /proc files are regular and report size 0, yet hold bytes: the cap must hold on what is read
    path = Path("/proc/self/status")
    assert os.stat(path).st_size == 0
    message = refusal(path, max_bytes=64)
    assert "more than the 64 bytes limit" in message


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"a\n" * 600)
    assert "over the 1 KB limit" in refusal(path, max_bytes=1024)


def test_a_missing_file_and_a_newline_in_a_name_stay_one_line(tmp_path):
    assert "cannot read" in refusal(tmp_path / "gone.txt")
    odd = tmp_path / "two\nlines.txt"
    odd.write_bytes(b"\x00\x01")
    assert "two\\nlines.txt" in refusal(odd)
