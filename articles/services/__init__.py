"""Writes, one module a job: ``ingest`` (page files into issues, pages and articles), ``reparse``
(stored pages segmented again), ``continuations`` (a story's parts across pages), ``newspapers``,
``editors`` and ``corpus`` (the synthetic benchmark archive).

The names callers use are re-exported here.
"""
from .continuations import link_continuations
from .corpus import SYNTHETIC_NEWSPAPER, write_synthetic_corpus
from .editors import EDITORS_GROUP, ensure_editors_group
from .ingest import (
    DEFAULT_NEWSPAPER_NAME,
    DEFAULT_NEWSPAPER_SLUG,
    PARALLEL_FROM_FILES,
    FileOutcome,
    IngestReport,
    default_jobs,
    ingest_paths,
    segmented_values,
)
from .newspapers import add_newspaper
from .reparse import reparse_stored

__all__ = [
    "DEFAULT_NEWSPAPER_NAME", "DEFAULT_NEWSPAPER_SLUG", "EDITORS_GROUP", "PARALLEL_FROM_FILES", "SYNTHETIC_NEWSPAPER",
    "FileOutcome", "IngestReport", "add_newspaper", "default_jobs", "ensure_editors_group", "ingest_paths",
    "link_continuations", "reparse_stored", "segmented_values", "write_synthetic_corpus",
]
