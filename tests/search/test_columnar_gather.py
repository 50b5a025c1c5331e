"""A term read from every segment in one compiled call (``_columnar.gather``, what
``columnar.IndexView.postings`` uses) gives the arrays the segments give one by one
(``SegmentView.postings``, its reference), on an index of many segments of the seeds: a sample of
every field's terms, with and without positions, the terms no segment holds, and on two threads
every term held by several segments."""
from __future__ import annotations

import random
from io import StringIO

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from haystack import connections

from search.engine import codec, columnar
from search.engine.backend import ArchiveWhooshBackend
from tests.search.conftest import first_blocks

pytestmark = pytest.mark.django_db

FIELDS_WITH_POSITIONS = ("grams", "headline_grams", "bylines", "section_text")
FIELDS_WITHOUT = ("text", "headline", "contributors", "section", "year", "kind")


@pytest.fixture(params=["as written", "every block split"])
def view(seeded_archive, request, monkeypatch):
    """The seeds indexed in many segments: their blocks as the codec writes them (the seeds' are
    short, so one stream each), or every block with values split, its head bit-packed."""
    if getattr(columnar._columnar, "gather", None) is None:
        pytest.fail("search/engine/_columnar.c is not compiled: run `make install`")
    if request.param == "every block split":
        monkeypatch.setattr(codec, "_MIN_SPLIT_BYTES", 0)  # the build's forked workers inherit it
    call_command("update_index", "--batch-size", "7", "--keep-segments", stdout=StringIO(), verbosity=0)
    backend = connections["default"].get_backend()
    backend.index = backend.index.refresh()
    _, view = backend._searcher_and_view()
    assert len(view.segments) >= 5
    if request.param == "every block split":
        assert _split_blocks(view) >= 20  # (most of the seeds' blocks are under the 48 bytes deflating needs)
    return view


def _split_blocks(view) -> int:
    """How many of the view's terms begin with a split block."""
    return sum(bool(level & codec.SPLIT) for segment in view.segments
               for level, _, _ in first_blocks(segment.reader._terms))


def _segment_by_segment(view, fieldname: str, text: str, positions: bool):
    found = [p for p in (s.postings(fieldname, text, positions=positions) for s in view.segments) if p]
    if not found:
        return None
    return tuple(None if found[0][i] is None else np.concatenate([p[i] for p in found]) for i in range(4))


def _same(gathered, reference, label):
    assert (gathered is None) == (reference is None), label
    if reference is None:
        return
    for ours, theirs in zip(gathered, reference, strict=True):
        if theirs is None:
            assert ours is None, label
        else:
            assert ours.dtype == theirs.dtype and ours.tolist() == theirs.tolist(), label


def _terms(view, fieldname: str) -> list[str]:
    return sorted({text.decode("utf-8") if isinstance(text, bytes) else text
                   for segment in view.segments for text in segment.reader.lexicon(fieldname)})


def test_every_segment_of_the_index_is_gathered_in_one_call(view):
    for fieldname in FIELDS_WITH_POSITIONS + FIELDS_WITHOUT:
        view.postings(fieldname, "太原")
        assert len(view._gatherable[fieldname][0]) == len(view.segments), fieldname


@pytest.mark.parametrize("fieldname", FIELDS_WITH_POSITIONS + FIELDS_WITHOUT)
def test_sampled_terms_gathered_are_what_the_segments_give_one_by_one(view, fieldname):
    terms = _terms(view, fieldname)
    assert terms, fieldname
    rng = random.Random(fieldname)
    sample = rng.sample(terms, min(400, len(terms)))
    # terms no segment holds: before the first, after the last, between two, a longer key
    sample += ["", "\x00", terms[0][:-1] or "!", terms[-1] + "\U0010ffff", terms[len(terms) // 2] + "\x01"]
    for positions in (False, True) if fieldname in FIELDS_WITH_POSITIONS else (False,):
        several = 0
        for text in sample:
            gathered = view.postings(fieldname, text, positions=positions)
            tables, narrow = view._gatherable[fieldname]
            assert columnar._columnar.gather(tables, text.encode("utf-8"), positions,
                                             positions and narrow) is not NotImplemented, (fieldname, text)
            reference = _segment_by_segment(view, fieldname, text, positions)
            _same(gathered, reference, (fieldname, text, positions))
            several += sum(s.postings(fieldname, text) is not None for s in view.segments) > 1
        assert several, fieldname  # terms held by more than one segment were compared


def test_a_key_longer_than_the_compiled_look_up_reads_is_left_to_the_python(view):
    text = "太" * 400  # 1,200 bytes of UTF-8: past _termrows.h's MAX_KEY
    tables = tuple(s.table("grams") for s in view.segments)
    assert columnar._columnar.gather(tables, text.encode("utf-8"), False, False) is NotImplemented
    assert view.postings("grams", text, positions=True) is None  # the Python: no segment holds it


def test_postings_not_as_the_codec_writes_them_are_left_to_the_python(view):
    tables = tuple(s.table("grams") for s in view.segments)
    narrow = isinstance(view.searcher.schema["grams"].format, columnar.NarrowPositions)
    assert columnar._columnar.gather(tables, "太原".encode(), True, narrow) is not NotImplemented
    # every segment's postings file zeroed: its rows point at bytes no block starts with
    spoiled = tuple(table[:5] + (bytes(len(table[5])),) + table[6:] for table in tables)
    assert columnar._columnar.gather(spoiled, "太原".encode(), True, narrow) is NotImplemented
    # a dictionary's block starts cut short
    cut = tuple(table[:2] + (table[2][:1],) + table[3:] for table in tables)
    assert columnar._columnar.gather(cut, "太原".encode(), False, False) is NotImplemented


def test_an_index_with_a_segment_the_call_cannot_read_is_read_segment_by_segment(view, monkeypatch):
    expected = view.postings("grams", "太原", positions=True)
    view._gatherable.clear()
    unreadable = view.segments[len(view.segments) // 2]  # one segment, say of Whoosh's own table
    table = columnar.SegmentView.table
    monkeypatch.setattr(columnar.SegmentView, "table",
                        lambda self, fieldname: None if self is unreadable else table(self, fieldname))
    calls = []
    original = columnar.SegmentView.postings
    monkeypatch.setattr(columnar.SegmentView, "postings",
                        lambda self, *args, **kwargs: calls.append(self) or original(self, *args, **kwargs))
    _same(view.postings("grams", "太原", positions=True), expected, "one by one")
    assert len(calls) == len(view.segments) and view._gatherable["grams"][0] == ()


@pytest.mark.parametrize("fieldname", ("grams", "text", "headline_grams", "contributors"))
def test_a_list_decoded_on_two_threads_is_the_list_decoded_on_one(view, fieldname):
    """Every term held by several segments, its list long enough for a second thread (``least``
    lowered so that the seeds' lists are): each run of segments fills its own rows and positions,
    joined in segment order."""
    tables = tuple(s.table(fieldname) for s in view.segments)
    narrow = isinstance(view.searcher.schema[fieldname].format, columnar.NarrowPositions)
    terms = _terms(view, fieldname)
    held_by_several = [t for t in terms if sum(s.postings(fieldname, t) is not None for s in view.segments) > 1]
    assert held_by_several, fieldname
    for text in held_by_several + terms[:20]:
        for positions in (False, True) if fieldname in FIELDS_WITH_POSITIONS else (False,):
            one = columnar._columnar.gather(tables, text.encode("utf-8"), positions, positions and narrow, 1)
            assert isinstance(one, tuple), (fieldname, text)  # read, not left to the Python
            for least in (0, 3):
                two = columnar._columnar.gather(tables, text.encode("utf-8"), positions, positions and narrow, 2,
                                                least)
                assert two == one, (fieldname, text, positions, least)


def test_the_view_decodes_on_the_threads_the_settings_name(view, settings):
    assert settings.HAYSTACK_CONNECTIONS["default"]["DECODE_THREADS"] == settings.SEARCH_DECODE_THREADS
    assert view.threads == settings.SEARCH_DECODE_THREADS
    options = dict(settings.HAYSTACK_CONNECTIONS["default"])
    options.pop("ENGINE")
    for threads in (1, 2):
        assert ArchiveWhooshBackend("default", **{**options, "DECODE_THREADS": threads}).decode_threads == threads
    # without the option, the settings' number (as a bench's own connections have it)
    options.pop("DECODE_THREADS")
    assert ArchiveWhooshBackend("default", **options).decode_threads == settings.SEARCH_DECODE_THREADS
    with pytest.raises(ImproperlyConfigured, match="DECODE_THREADS"):
        ArchiveWhooshBackend("default", **{**options, "DECODE_THREADS": "many"})


def test_a_field_the_schema_lacks_holds_no_terms_as_segment_by_segment(view):
    # the segments give None (the field's key prefix is Whoosh's 65535, which no row has): so
    # must the gathered look-up, which asks the schema how the field's positions are laid out
    assert _segment_by_segment(view, "no such field", "太原", True) is None
    for positions in (False, True):
        assert view.postings("no such field", "太原", positions=positions) is None


@pytest.mark.parametrize("fieldname", ("grams", "text", "headline_grams", "headline"))
def test_a_term_read_and_scored_in_one_call_is_the_term_read_then_scored(view, fieldname, monkeypatch):
    """``gather_scored`` (what ``IndexView.term`` uses) makes the documents and the very doubles
    of ``gather`` then ``bm25_normed`` (and of numpy's formula), for every term, on one thread
    and on two, and answers None for a term no segment holds."""
    compiled = columnar._columnar
    tables = tuple(s.table(fieldname) for s in view.segments)
    norms = view.length_norms(fieldname)
    terms = _terms(view, fieldname)
    assert terms, fieldname
    for text in terms[:200]:
        for boost in (1.0, columnar.HEADLINE_BOOST):
            made = compiled.gather_scored(tables, text.encode("utf-8"), 1, norms, view.size, boost, columnar.K1 + 1)
            assert isinstance(made, tuple), (fieldname, text)
            assert compiled.gather_scored(tables, text.encode("utf-8"), 2, norms, view.size, boost,
                                          columnar.K1 + 1, 0) == made
            docs, scores = np.frombuffer(made[0], np.int64), np.frombuffer(made[1], np.float64)
            found = view.postings(fieldname, text)
            assert docs.tolist() == found[0].tolist()
            monkeypatch.setattr(columnar, "_columnar", None)  # numpy's formula: the reference
            try:
                reference = view.term(fieldname, text, boost)
            finally:
                monkeypatch.setattr(columnar, "_columnar", compiled)
            assert scores.tobytes() == reference.scores.tobytes(), (fieldname, text, boost)
            assert view.term(fieldname, text, boost).scores.tobytes() == scores.tobytes()
    assert compiled.gather_scored(tables, "無此詞".encode(), 1, norms, view.size, 1.0, columnar.K1 + 1) is None
    # a document past the length terms: left to the Python, which raises there
    assert compiled.gather_scored(tables, terms[0].encode("utf-8"), 1, norms[:0], view.size, 1.0,
                                  columnar.K1 + 1) is NotImplemented


@pytest.fixture
def small_blocks_view(seeded_archive, monkeypatch):
    """The seeds indexed with four postings a block, so that a common term's list is many blocks,
    each with its header's last document: what a range of documents skips by."""
    if getattr(columnar._columnar, "gather_scored", None) is None:
        pytest.fail("search/engine/_columnar.c is not compiled: run `make install`")
    monkeypatch.setattr(codec.ArchiveCodec.__init__, "__defaults__", (4, 3, 1))  # blocklimit 4
    call_command("update_index", "--batch-size", "40", stdout=StringIO(), verbosity=0)
    backend = connections["default"].get_backend()
    backend.index = backend.index.refresh()
    _, view = backend._searcher_and_view()
    return view


@pytest.mark.parametrize("fieldname", ("grams", "text"))
def test_a_term_read_within_a_range_holds_every_document_of_it_scored_alike(small_blocks_view, fieldname):
    view = small_blocks_view
    rng = random.Random(fieldname)
    terms = [t for t in _terms(view, fieldname) if len(view.term(fieldname, t).docs) >= 12]
    assert len(terms) >= 10, fieldname
    skipped = 0
    for text in terms[:80]:
        whole = view.term(fieldname, text, 2.0)
        for _ in range(6):
            low = rng.randrange(-3, view.size + 3)
            high = low + rng.choice([0, 1, 5, 40, view.size])
            part = view.term(fieldname, text, 2.0, within=(low, high))
            inside = (whole.docs >= low) & (whole.docs <= high)
            held = (part.docs >= low) & (part.docs <= high)
            assert part.docs[held].tolist() == whole.docs[inside].tolist(), (text, low, high)
            # the same scores: the idf still counts the blocks not read
            assert part.scores[held].tobytes() == whole.scores[inside].tobytes(), (text, low, high)
            # what is outside the range is some of the term's documents, scored alike
            at = np.searchsorted(whole.docs, part.docs)
            assert (whole.docs[at] == part.docs).all() and whole.scores[at].tobytes() == part.scores.tobytes()
            skipped += len(part.docs) < len(whole.docs)
    assert skipped > 50  # blocks were left unread


def test_a_filtered_plan_reading_only_the_filters_range_answers_as_the_whole_lists_filtered(
        small_blocks_view, monkeypatch):
    import datetime as dt

    from articles.models import Issue
    from search.query import Filters, SearchPlan, parse

    view = small_blocks_view
    days = sorted(set(Issue.objects.values_list("date", flat=True)))
    assert len(days) >= 4
    ranges = []
    term = view.term

    def recorded(fieldname, text, boost=1.0, within=None):
        ranges.append(within)
        return term(fieldname, text, boost, within)

    monkeypatch.setattr(view, "term", recorded)
    for query in ("太原", "发展 经济", "太原 OR 市", "-太原 市", '"太原市"', "headline:太原"):
        for day in days[1:3]:
            filters = Filters(date_from=day, date_to=day + dt.timedelta(days=1))
            ranges.clear()
            filtered = columnar.evaluate_plan(view, SearchPlan(parse(query), filters))
            # each term's list read for the filter's first and last documents (a phrase's are
            # read with their positions, whole)
            allowed = np.flatnonzero(columnar.filter_mask(view, filters))
            assert set(ranges) == ({(int(allowed[0]), int(allowed[-1]))} if '"' not in query else set()), (query, day)
            whole = columnar.evaluate_plan(view, SearchPlan(parse(query), Filters()))
            keep = columnar.filter_mask(view, filters)[whole.docs]
            assert filtered.docs.tolist() == whole.docs[keep].tolist(), (query, day)
            assert filtered.scores.tobytes() == whole.scores[keep].tobytes(), (query, day)
    # a filter nothing passes answers nothing, without reading
    nothing = Filters(date_from=dt.date(1900, 1, 1), date_to=dt.date(1900, 1, 2))
    assert len(columnar.evaluate_plan(view, SearchPlan(parse("太原"), nothing)).docs) == 0


def test_a_date_filters_documents_are_those_whose_day_is_within_it(small_blocks_view):
    import datetime as dt

    from search.query import Filters

    view = small_blocks_view
    day = view.column("day")
    days = sorted(set(day.tolist()))
    as_date = [dt.date(d // 10000, d // 100 % 100, d % 100) for d in days]
    ends = [None, *as_date, as_date[0] - dt.timedelta(days=1), as_date[-1] + dt.timedelta(days=1)]
    for start in ends:
        for end in ends:
            if start is None and end is None:
                continue
            mask = columnar.filter_mask(view, Filters(date_from=start, date_to=end))
            expected = np.ones(view.size, bool)  # the comparison over every document it replaced
            if start is not None:
                expected &= day >= int(start.strftime("%Y%m%d"))
            if end is not None:
                expected &= day <= int(end.strftime("%Y%m%d"))
            assert mask.tolist() == expected.tolist(), (start, end)
