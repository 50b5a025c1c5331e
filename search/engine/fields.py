"""haystack fields that tell the archive's Whoosh backend which Whoosh field to build."""
from haystack import fields


class WordsField(fields.CharField):
    """Text analysed into jieba words (ranked word matches)."""

    whoosh_kind = "words"


class GramsField(fields.CharField):
    """Text analysed into character 1-2-grams with positions (literal matches, never missed)."""

    whoosh_kind = "grams"


class FacetField(fields.CharField):
    """An exact value to filter and count by (a section name, a year)."""

    whoosh_kind = "facet"


class MultiFacetField(fields.MultiValueField):
    """Several exact values (an article's contributors)."""

    whoosh_kind = "facet"


class SortField(fields.IntegerField):
    """An integer the results can be ordered by (an issue date as YYYYMMDD, a position)."""

    whoosh_kind = "sort"


class StoredField(fields.CharField):
    """Kept in the index but not searched (the stamp that tells a stale document)."""

    whoosh_kind = "stored"
