"""Work prepared in a forked process while the parent goes on, done only when the parent says."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from archive.processes import start_prepared


def _wait_for(path: Path, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.01)
    return False


def _marking(tmp_path: Path):
    def prepare():
        (tmp_path / "prepared").write_text(str(os.getpid()))

    def work():
        (tmp_path / "worked").write_text(str(os.getpid()))

    return prepare, work


@pytest.mark.django_db(transaction=True)
def test_the_child_prepares_at_once_and_works_only_when_told(tmp_path):
    prepare, work = _marking(tmp_path)
    child = start_prepared(prepare=prepare, work=work)
    assert child is not None
    assert _wait_for(tmp_path / "prepared")  # while this process goes on
    time.sleep(0.1)
    assert not (tmp_path / "worked").exists()
    assert child.run() is True
    worker = int((tmp_path / "worked").read_text())
    assert worker == int((tmp_path / "prepared").read_text()) != os.getpid()


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_child_leaves_without_working(tmp_path):
    prepare, work = _marking(tmp_path)
    child = start_prepared(prepare=prepare, work=work)
    child.cancel()
    assert (tmp_path / "prepared").exists() and not (tmp_path / "worked").exists()


@pytest.mark.django_db(transaction=True)
def test_a_child_that_failed_to_prepare_reports_failure(tmp_path):
    log = tmp_path / "log"

    def prepare():
        import logging

        logging.getLogger("archive.processes").addHandler(logging.FileHandler(log))
        raise RuntimeError("no dictionary")

    _, work = _marking(tmp_path)
    child = start_prepared(prepare=prepare, work=work)
    assert child.run() is False
    assert not (tmp_path / "worked").exists()
    assert "failed to prepare" in log.read_text() and "no dictionary" in log.read_text()


@pytest.mark.django_db
def test_inside_a_transaction_nothing_is_forked(tmp_path):
    # a child could not see this transaction's rows: the caller does the work itself
    prepare, work = _marking(tmp_path)
    assert start_prepared(prepare=prepare, work=work) is None
    assert not (tmp_path / "prepared").exists()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()  # a zombie has ended; only its parent's reaping is left
    except FileNotFoundError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_child_whose_parent_was_killed_leaves(tmp_path):
    import multiprocessing

    prepare, work = _marking(tmp_path)

    def parent():
        start_prepared(prepare=prepare, work=work)
        os.kill(os.getpid(), 9)  # killed before saying a word

    process = multiprocessing.get_context("fork").Process(target=parent)
    process.start()
    process.join()
    assert _wait_for(tmp_path / "prepared")
    child = int((tmp_path / "prepared").read_text())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
    assert not (tmp_path / "worked").exists()


@pytest.mark.django_db(transaction=True)
def test_a_child_still_preparing_when_cancelled_is_stopped(tmp_path):
    def prepare():
        (tmp_path / "preparing").write_text(str(os.getpid()))
        time.sleep(60)  # an index on a hung disk

    _, work = _marking(tmp_path)
    child = start_prepared(prepare=prepare, work=work)
    assert _wait_for(tmp_path / "preparing")
    began = time.monotonic()
    child.cancel(wait=0.2)
    assert time.monotonic() - began < 5
    assert not _alive(int((tmp_path / "preparing").read_text()))
