"""bench/build_bench.py: one segment of real articles built with the archive's writer, against
Whoosh's own loop and jieba alone."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_build_bench_times_a_segment_and_finds_the_same_postings_as_whooshs_loop(tmp_path):
    out = tmp_path / "build.json"
    subprocess.run([sys.executable, "bench/build_bench.py", "--articles", "60", "--pages", str(ROOT / "seeds"),
                    "--whoosh-loop", "--out", str(out)], cwd=ROOT, check=True, capture_output=True, text=True)
    (result,) = json.loads(out.read_text(encoding="utf-8"))
    assert result["articles"] == 60 and result["characters"] > 10_000
    assert result["same_postings"] is True
    assert result["build"]["articles_per_second"] > 0 and result["whoosh_loop"]["articles_per_second"] > 0
    assert result["cut_cpu_seconds"]["jieba"] > 0 and result["cut_cpu_seconds"]["wordcut"] > 0
    assert result["build_to_jieba"] == round(result["build"]["cpu_seconds"] / result["cut_cpu_seconds"]["jieba"], 2)
