# Bump when segmentation rules change, so `ingest` can tell stored issues that `--reparse` would improve.
SEGMENTER_VERSION = "2.31"
