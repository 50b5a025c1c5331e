"""The stock setup the search benchmark compares against: haystack's own fields and Whoosh backend,
with jieba's ChineseAnalyzer on the text, as the jieba and haystack documentation suggest."""
from haystack import indexes
from jieba.analyse import ChineseAnalyzer

from articles.models import Article


class StockArticleIndex(indexes.SearchIndex):
    text = indexes.CharField(document=True, use_template=True, template_name="bench/stock_article_text.txt",
                             analyzer=ChineseAnalyzer())
    headline = indexes.CharField(model_attr="headline", analyzer=ChineseAnalyzer())
    kind = indexes.CharField(model_attr="kind")
    position = indexes.IntegerField(model_attr="position")

    def get_model(self):
        return Article

    def index_queryset(self, using=None):
        return Article.objects.select_related("issue__newspaper", "section").prefetch_related("credits__contributor")
