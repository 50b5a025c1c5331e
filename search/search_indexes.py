"""The article index: what a search can match, filter, count and sort by."""
from __future__ import annotations

from django.db.models import Prefetch
from haystack import indexes

from articles.models import Article

from .engine.fields import FacetField, GramsField, MultiFacetField, SortField, StoredField, WordsField


def index_stamp(article: Article) -> str:
    """Changes whenever the indexed document would: compared by the consistency check."""
    return article.updated_at.isoformat()


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    # The document: kicker, headline, subheadline, section, bylines and body, one per line
    # (document_text), with the text of the story's parts on later pages.
    text = WordsField(document=True)
    grams = GramsField()
    # headline: searches the headline, the subheadline and the kicker (引题) if the model has one
    headline = WordsField()
    headline_grams = GramsField()
    bylines = GramsField()
    section_text = GramsField()

    section = FacetField()
    contributors = MultiFacetField()
    kind = FacetField(model_attr="kind")
    newspaper = FacetField()
    year = FacetField()
    month = FacetField()
    month_of_year = FacetField()

    day = SortField()
    position = SortField(model_attr="position")
    updated = StoredField()

    def get_model(self):
        return Article

    def index_queryset(self, using=None):
        # A story continued on another page is one document: its start, carrying the text of its
        # parts (the template adds them), and no document for a part linked to its start.
        parts = Article.objects.only("pk", "continues_id", "body").order_by("page__number", "position")
        return (Article.objects.for_reading().filter(continues__isnull=True)
                .prefetch_related(Prefetch("continuations", queryset=parts)))

    def read_queryset(self, using=None):
        return self.index_queryset(using)

    def prepare(self, obj: Article):
        data = super().prepare(obj)
        data["grams"] = data["text"]  # one rendering of the document feeds both analyses
        return data

    def prepare_text(self, obj: Article) -> str:
        return document_text(obj)

    def prepare_headline(self, obj: Article) -> str:
        return headline_text(obj)

    def prepare_headline_grams(self, obj: Article) -> str:
        return headline_text(obj)

    def prepare_bylines(self, obj: Article) -> str:
        return "\n".join(_names(obj))

    def prepare_section_text(self, obj: Article) -> str:
        return obj.section.name if obj.section_id else ""

    def prepare_section(self, obj: Article) -> str:
        return _facet_value(obj.section.name) if obj.section_id else ""

    def prepare_contributors(self, obj: Article) -> list[str]:
        return [_facet_value(name) for name in dict.fromkeys(_names(obj))]

    def prepare_newspaper(self, obj: Article) -> str:
        return obj.issue.newspaper.slug

    def prepare_year(self, obj: Article) -> str:
        return str(obj.issue.date.year)

    def prepare_month(self, obj: Article) -> str:
        return obj.issue.date.strftime("%Y-%m")

    def prepare_month_of_year(self, obj: Article) -> str:
        return str(obj.issue.date.month)

    def prepare_day(self, obj: Article) -> int:
        return int(obj.issue.date.strftime("%Y%m%d"))

    def prepare_updated(self, obj: Article) -> str:
        return index_stamp(obj)


def document_text(article: Article) -> str:
    """What a search reads of an article: its kicker, headline, subheadline and section on a line
    each (empty ones too), then one line per credit, then the body, then the body of each part of
    the story printed on a later page. A Django template made the same string before; rendering
    it took about 5 % of an index build (py-spy over ``update_index``)."""
    section = article.section.name if article.section_id else ""
    names = "".join(f"{credit.contributor.name}\n" for credit in article.credits.all())
    parts = "".join(f"\n{part.body}" for part in article.continuations.all())
    # the template file's closing newline included: the documents already indexed stay the same
    return f"{article.kicker}\n{article.headline}\n{article.subheadline}\n{section}\n{names}{article.body}{parts}\n"


def headline_text(article: Article) -> str:
    """The lines a ``headline:`` search looks in, one per line so that no phrase spans two."""
    lines = (getattr(article, "kicker", ""), article.headline, article.subheadline)
    return "\n".join(line for line in lines if line)


def _names(article: Article) -> list[str]:
    # credits are prefetched: sort in Python rather than issue a query per article
    credits = sorted(article.credits.all(), key=lambda credit: credit.position)
    return [credit.contributor.name for credit in credits]


def _facet_value(name: str) -> str:
    # facet values are comma-separated in Whoosh's keyword field
    return name.replace(",", "，").strip()
