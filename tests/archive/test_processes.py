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
    def prepare():
        raise RuntimeError("no dictionary")

    _, work = _marking(tmp_path)
    child = start_prepared(prepare=prepare, work=work)
    assert child.run() is False
    assert not (tmp_path / "worked").exists()


@pytest.mark.django_db
def test_inside_a_transaction_nothing_is_forked(tmp_path):
    # a child could not see this transaction's rows: the caller does the work itself
    prepare, work = _marking(tmp_path)
    assert start_prepared(prepare=prepare, work=work) is None
    assert not (tmp_path / "prepared").exists()
