"""``make install``'s compiling of the C accelerators: built once, skipped while up to date, and
a machine without a compiler told so in one line while the Python runs instead."""
import os
import shutil
import sysconfig
from pathlib import Path

from search import build_speedups

SOURCE = Path(build_speedups.__file__).parent / "engine" / "_postings.c"
HEADER = SOURCE.with_name("_termrows.h")  # included by _postings.c and _columnar.c


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "search"
    package.mkdir()
    shutil.copy(SOURCE, package / SOURCE.name)
    shutil.copy(HEADER, package / HEADER.name)
    return package


def test_a_source_is_compiled_beside_itself_once(tmp_path, capsys):
    package = _package(tmp_path)
    assert build_speedups.main(package) == 0
    built = package / ("_postings" + sysconfig.get_config_var("EXT_SUFFIX"))
    assert built.is_file()
    assert capsys.readouterr().out.strip() == f"compiled search/{built.name}"
    assert build_speedups.main(package) == 0  # up to date: nothing to do, nothing said
    assert capsys.readouterr().out == ""


def test_a_changed_header_compiles_the_source_again(tmp_path, capsys):
    package = _package(tmp_path)
    assert build_speedups.main(package) == 0
    built = package / ("_postings" + sysconfig.get_config_var("EXT_SUFFIX"))
    os.utime(built, (1, 1))
    os.utime(package / SOURCE.name, (1, 1))  # the source older than its module, the header newer
    capsys.readouterr()
    assert build_speedups.main(package) == 0
    assert capsys.readouterr().out.strip() == f"compiled search/{built.name}"


def test_without_a_compiler_each_source_gets_one_line_and_the_install_goes_on(tmp_path, capsys, monkeypatch):
    package = _package(tmp_path)
    stale = package / ("_postings" + sysconfig.get_config_var("EXT_SUFFIX"))
    stale.write_bytes(b"compiled from an older source")
    os.utime(stale, (1, 1))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    assert build_speedups.main(package) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("_postings.c: not compiled, the pure-Python version will run")
    assert not stale.exists() and not list(package.glob("*.tmp"))  # no module older than its source


def test_no_compiled_module_is_older_than_its_source():
    """The tests hold the compiled modules to the Python; one built from an older source would be
    what they tested (run `make speedups` after editing a _*.c or a _*.h)."""
    root = Path(build_speedups.__file__).parent
    for source in root.rglob("_*.c"):
        built = source.with_name(source.stem + sysconfig.get_config_var("EXT_SUFFIX"))
        if built.exists():
            for part in [source, *source.parent.glob("_*.h")]:
                assert built.stat().st_mtime >= part.stat().st_mtime, f"{built.name} is older than {part.name}"
