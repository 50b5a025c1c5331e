"""Compile the archive's C accelerators in place: ``python -m search.build_speedups``.

``make install`` runs it. Each ``_NAME.c`` under ``search/`` becomes ``_NAME<EXT_SUFFIX>`` beside it with the
compiler Python was built with, unless the compiled file is newer than its source. The archive
works without them (each has a pure-Python equivalent that the tests hold it to), so a machine
without a C compiler gets a one-line warning here, not a failed install.
"""
from __future__ import annotations

import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(source: Path) -> Path | None:
    """Compiles ``source`` next to it; None if the compiled module is up to date already."""
    target = source.with_name(source.stem + sysconfig.get_config_var("EXT_SUFFIX"))
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return None
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    # -O2 without -ffast-math: the word scores must be the same doubles Python computes.
    command = [*compiler, "-O2", "-fPIC", "-shared", "-fno-fast-math", "-ffp-contract=off",
               f"-I{sysconfig.get_paths()['include']}", str(source), "-o", str(target) + ".tmp", "-lm"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    Path(str(target) + ".tmp").replace(target)  # never a half-written module where Python looks
    return target


def main() -> int:
    for source in sorted(HERE.rglob("_*.c")):
        try:
            target = build(source)
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", "") or str(error)
            print(f"{source.name}: not compiled, the pure-Python version will run ({detail.strip().splitlines()[-1] if detail.strip() else error})",
                  file=sys.stderr)
            continue
        if target is not None:
            print(f"compiled {target.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
