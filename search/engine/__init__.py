"""The search engine: a Whoosh index laid out and read our way, behind haystack.

The rest of ``search/`` is the application (forms, views, selectors, exports, the index queue);
it reaches this package through haystack (``HAYSTACK_CONNECTIONS`` names
``search.engine.backend.ArchiveWhooshEngine``), the field classes ``search_indexes`` declares
with, and the document digest ``services.check_index`` compares. This package in turn uses two
engine-neutral modules beside it: ``search.analysis`` (how text becomes words and bigrams) and
``search.query`` (the ``SearchPlan`` a query is parsed into).

What it stores
    One Whoosh index per archive (``SEARCH_INDEX_DIR``), one document per article. Texts are
    indexed twice: as jieba words without positions (``text``, ``headline``: ranked word
    matches, always whole terms) and as character 1–2-grams with positions (``grams``,
    ``headline_grams``, ``bylines``, ``section_text``: literal matches, never missed). Dates, positions and facet values are
    sortable columns, and so is each document's primary key (``django_pk``: a result's id without
    reading its stored fields); the only stored fields are the ids, a digest of the prepared
    document (``check_index`` compares it) and the article's ``updated`` stamp. No text is stored:
    snippets are cut from the database.
    Postings are packed blocks of arrays (``codec``: document deltas, weights as bytes, a block's
    positions in one array of the narrowest type, their counts being the weights; numbers wider
    than a byte a byte plane at a time; deflated per 1,024, except that a block of 1 KB or more
    has its head, the documents and weights a query without positions reads, bit-packed 32
    numbers at a time and only the rest deflated; a term of one block, nearly every term,
    without the block header its row repeats). Each segment's terms are a sorted,
    front-coded dictionary of its own (``terms``: about 20 bytes a term against the 79 of
    Whoosh's hash table). The index is 1.7x the raw text on real vocabulary at 10k articles
    (docs/performance.md, "Fourth pass").

How a document is written
    ``backend.ArchiveWhooshBackend.update`` prepares each article (``fields`` says which Whoosh
    field each haystack field becomes; ``whoosh_analysis`` turns our analysis into Whoosh
    tokens) and ``pool.ArchiveSegmentWriter`` pools its postings by term (``pool.TermPool``): a
    word field's terms with their counts in one call, gathered by term for the whole segment
    with numpy (``pool.WordColumns``), a gram field as its folded text, whose grams are made
    and sorted the same way (``pool.GramColumns``). The pool hands each term's arrays to the
    codec a term at a time; a term of one block, nearly every term, is encoded with its
    dictionary row in compiled code (``_postings.c``, with the Python encoders as its
    reference and fallback). A full
    build forks a worker per core, each writing whole segments of 5,000 articles, their
    postings not deflated (the merge deflates what it writes); the workers then merge them into
    one a worker (at most 100,000 articles each), read a term at a time
    as the merged segment is written (``merging``), so that a query looks each term up in two
    segments rather than thirty; they are swapped in under the index lock. An edit or a day's load writes a small segment and commits it unmerged, so it is
    searchable at once; then, if ten small segments share an order of magnitude, they are
    merged in a commit of their own (``backend.merge_tiers``), read a term at a time from their
    packed blocks (``merging``) rather than by Whoosh's loop over every posting.

How a query runs
    The views' form parses the user's text into a ``SearchPlan``; haystack passes it through to
    ``backend.search``. There ``columnar.IndexView`` (one per searcher, kept open until the
    index changes) evaluates the plan a posting list at a time: a term is looked up in every
    segment's dictionary and its postings inflated and decoded, segment after segment, into one
    set of arrays in one compiled call (``_columnar.gather``, the dictionary's rows read by
    ``_termrows.h``, which ``_postings.term_extent`` shares; a long list with positions on two
    threads, ``SEARCH_DECODE_THREADS``) and scored in the same call, each block as it is decoded
    (Whoosh's BM25F with each document's length term made once a version,
    ``_columnar.gather_scored``, the same doubles as numpy's; a long block's bit-packed head goes
    straight into the arrays; under a date filter only the blocks of its range are read); the
    plan's lists (each term's literal and jieba lists, its headline boost, the clauses' unions
    and their intersection) are combined in one compiled call (``_columnar.combine_clauses``:
    sorted lists merged, or, for an intersection of lists as dense as the range they span,
    scattered into arrays as long as the index, kept between queries and stamped rather than
    cleared), NOT is a numpy pass over flags, a literal checks every other bigram's positions
    (its keys made and intersected in compiled code, ``_columnar.phrase_keys``), facets are
    counts over per-document value numbers (only the values a page shows are sorted, when
    haystack's ``limit`` says how many) and the page is taken from a heap (``_columnar.top``);
    deleted documents are left out once, from the answer. Each compiled function has its Python
    as reference and fallback (``SegmentView.postings``, ``phrase_keys``, ``_bm25``,
    ``combine_clauses``' steps ``union``, ``intersection`` and ``and_maybe``, ``order``). Only
    the page's documents are named: their ids from the
    primary-key column, their model from the ``django_ct`` postings (stored fields only for a
    segment written before the column). The searcher is reopened when a commit or a rebuild has
    changed the index (``backend._version``: the version's table of contents the same file, the
    next one absent). Segment
    files are read in place from their memory map (``whoosh_buffers``).

What it keeps from Whoosh
    The files and their lifecycle: the table of contents, segments, columns, stored fields, the
    write lock and merging; the term reader, which reads our dictionary (or, in a segment
    written before it, Whoosh's table) through the same mapping methods; BM25F's formula and
    statistics. Whoosh's
    own query evaluation (``backend.compile_plan``) answers when a segment was written by
    another codec, and is the tests' reference for the columnar answers. Whoosh pickles the
    codec and the analysers into the index, so the names ``codec.ArchiveCodec``,
    ``codec.ArchiveSegment`` and ``whoosh_analysis.*`` must stay importable where they are.
"""
