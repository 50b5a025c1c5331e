"""The WSGI entry point warms the search before serving, and serves even when that fails."""
from __future__ import annotations

import gc
import importlib
import logging

import pytest

import archive.wsgi
import search.selectors

pytestmark = pytest.mark.django_db


def test_a_worker_warms_the_search_as_it_starts_and_keeps_it_out_of_the_collector(monkeypatch):
    calls = []
    monkeypatch.setattr(search.selectors, "warm_up_search", lambda: calls.append("warmed"))
    gc.unfreeze()
    try:
        importlib.reload(archive.wsgi)
        assert calls == ["warmed"]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_failed_warm_up_is_logged_and_the_worker_still_serves(monkeypatch, caplog):
    def broken():
        raise OSError("index folder unreadable")
    monkeypatch.setattr(search.selectors, "warm_up_search", broken)
    try:
        with caplog.at_level(logging.WARNING, logger="archive"):
            module = importlib.reload(archive.wsgi)
    finally:
        gc.unfreeze()
    assert "search warm-up failed" in caplog.text and "index folder unreadable" in caplog.text
    assert callable(module.application)
