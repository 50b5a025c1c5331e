"""Compile the archive's C accelerators in place: ``python -m search.build_speedups``.

``make install`` runs it (``CC`` chooses the compiler, as for setuptools). Each ``_NAME.c`` under
``search/`` becomes ``_NAME<EXT_SUFFIX>`` beside it with the compiler Python was built with,
unless the compiled file is newer than its source and the ``_*.h`` headers beside it. The archive
works without them (each has a pure-Python equivalent that the tests hold it to), so a machine
without a C compiler gets a one-line warning here, not a failed install.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Libraries a module links beyond libm: only its own, so that a machine without zlib's headers
# loses the compiled decoder, not the other modules too.
LIBRARIES = {"_columnar": ["-lz", "-pthread"]}


def build(source: Path) -> Path | None:
    """Compiles ``source`` next to it; None if the compiled module is up to date already."""
    target = source.with_name(source.stem + sysconfig.get_config_var("EXT_SUFFIX"))
    # the headers beside a source are part of it (_termrows.h is shared by two modules)
    newest = max(path.stat().st_mtime for path in [source, *source.parent.glob("_*.h")])
    if target.exists() and target.stat().st_mtime >= newest:
        return None
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    # -O3 (its vectorised loops took a quarter off unpacking a long list), without -ffast-math or
    # contraction: every number is computed as Python computes it, so the scores are the same doubles.
    command = [*compiler, "-O3", "-fPIC", "-shared", "-fno-fast-math", "-ffp-contract=off",
               f"-I{sysconfig.get_paths()['include']}", str(source), "-o", str(target) + ".tmp", "-lm",
               *LIBRARIES.get(source.stem, [])]
    partial = Path(str(target) + ".tmp")
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    finally:
        if partial.exists() and not partial.stat().st_size:
            partial.unlink()
    try:
        partial.replace(target)  # never a half-written module where Python looks
    except FileNotFoundError:
        raise OSError(f"the compiler wrote no {partial.name}") from None
    return target


def main(root: Path = HERE) -> int:
    for source in sorted(root.rglob("_*.c")):
        try:
            target = build(source)
        except (OSError, subprocess.CalledProcessError) as error:
            # a module compiled from an older source must not run in its place
            stale = source.with_name(source.stem + sysconfig.get_config_var("EXT_SUFFIX"))
            for leftover in (stale, Path(str(stale) + ".tmp")):
                leftover.unlink(missing_ok=True)
            detail = (getattr(error, "stderr", None) or str(error)).strip().splitlines() or [type(error).__name__]
            print(f"{source.name}: not compiled, the pure-Python version will run ({detail[-1]})", file=sys.stderr)
            continue
        if target is not None:
            print(f"compiled {target.relative_to(root.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
