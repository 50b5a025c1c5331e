"""bench/terms_bench.py: the term dictionary against Whoosh's table, on an index's own rows."""
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema

from bench.terms_bench import measure
from search.engine import backend
from search.engine.whoosh_analysis import CharGramTokenizer, JiebaWordTokenizer, PairsTEXT

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_both_tables_are_written_from_the_largest_segments_rows_and_timed(tmp_path):
    schema = Schema(id=ID(stored=True, unique=True), grams=PairsTEXT(CharGramTokenizer()),
                    words=PairsTEXT(JiebaWordTokenizer(), positions=False))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    paragraphs = [p for p in (SEEDS / "000_f0b56df181bc18e0.txt").read_text(encoding="utf-8").split("\n") if p]
    for batch in (paragraphs[:3], paragraphs[3:]):  # a small segment and the largest
        writer = backend._open_writer(ix, lock=True)
        for number, text in enumerate(batch):
            writer.add_document(id=f"{len(batch)}-{number}", grams=text, words=text)
        writer.commit(merge=False)
    result = measure(tmp_path, lookups=200)
    assert result["segment_documents"] == len(paragraphs) - 3
    with ix.reader() as reader:
        largest = max((leaf for leaf, _ in reader.leaf_readers()), key=lambda r: r.doc_count_all())
        assert result["terms"] == sum(1 for _ in largest.all_terms())
    assert result["lookups"] == 200 + 50
    assert result["ours"]["bytes"] < result["whoosh"]["bytes"] / 3
    for name in ("ours", "whoosh"):
        assert result[name]["lookup_us"] > 0 and result[name]["walk_us_per_term"] > 0
