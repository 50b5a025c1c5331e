from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"


def seed_file(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def seed_excerpt(prefix: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a real seed issue: a small real fixture."""
    lines = seed_file(prefix).read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[first - 1: last]) + "\n"


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS
