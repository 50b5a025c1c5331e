"""Newspaper issue segmentation: plain text in, articles out. No Django in here."""
from .bylines import Credit
from .version import SEGMENTER_VERSION
from .dates import infer_issue_date
from .segmenter import SegmentationResult, SegmentedArticle, segment

__all__ = ["SEGMENTER_VERSION", "Credit", "SegmentationResult", "SegmentedArticle", "infer_issue_date", "segment"]
