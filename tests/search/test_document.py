"""The text an article's search document is made of (``search_indexes.document_text``)."""
from __future__ import annotations

import pytest
from django.template import engines

from articles.models import Article
from search.search_indexes import ArticleIndex, document_text

pytestmark = pytest.mark.django_db

# The Django template the document was rendered from before document_text, kept as the stock
# setup's in the benchmarks: the reference.
TEMPLATE = "bench/stock_article_text.txt"


def test_the_document_is_the_string_the_template_rendered(seeded):
    articles = list(ArticleIndex().index_queryset())
    assert len(articles) > 40
    template = engines["django"].get_template(TEMPLATE)
    for article in articles:
        assert document_text(article) == template.render({"object": article}), article.pk


def test_the_document_carries_kicker_section_credits_and_a_later_parts_text(seeded):
    article = Article.objects.filter(credits__isnull=False, section__isnull=False).first()
    part = Article.objects.exclude(pk=article.pk).filter(issue=article.issue).first()
    Article.objects.filter(pk=article.pk).update(kicker="引题<b>&")
    Article.objects.filter(pk=part.pk).update(continues=article)
    (article,) = ArticleIndex().index_queryset().filter(pk=article.pk)
    lines = document_text(article).split("\n")
    names = [credit.contributor.name for credit in article.credits.all()]
    assert lines[:4] == ["引题<b>&", article.headline, article.subheadline, article.section.name]
    assert lines[4:4 + len(names)] == names
    assert document_text(article).endswith("\n" + part.body + "\n")
    assert ArticleIndex().full_prepare(article)["text"] == document_text(article)


def test_the_stock_setup_of_the_benchmarks_indexes_the_same_text(seeded):
    from bench.stock_index import StockArticleIndex

    stock = StockArticleIndex()
    for article in ArticleIndex().index_queryset()[:10]:
        assert stock.fields["text"].prepare(article) == document_text(article)


def test_keywords_are_the_ones_jiebas_own_tokenizer_gives(seeded, monkeypatch):
    import jieba

    from search import related

    texts = [related.story_text([article]) for article in Article.objects.order_by("pk")[:12]]
    related.forget_table()
    ours = [related.keywords(text) for text in texts]
    extractor = related._extractor()
    extractor.tokenizer = jieba.dt
    monkeypatch.setattr(related, "_extractor", lambda: extractor)
    monkeypatch.setattr(related, "_words", lambda text: {w for w in jieba.cut(text) if related._WORDLIKE.match(w)
                                                         and w not in related.STOP_WORDS})
    related.forget_table()
    assert [related.keywords(text) for text in texts] == ours
    related.forget_table()
    assert all(ours) and len({tuple(words) for words in ours}) > 6
