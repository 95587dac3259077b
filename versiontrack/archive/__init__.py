"""Archives in and out: WARC files, the Wayback Machine, Save Page Now.

- ``captures``: a page captured elsewhere, back-filled through ``pipeline.article.check_capture`` —
  the same reading, comparison and transaction as a live check.
- ``warc``: kept pages → a WARC/1.1 file (request, response and metadata records), and
  WARC/ARC files → captures in capture order.
- ``wayback``: the CDX API and ``id_`` replay → captures.
- ``spn``: Save Page Now, draining the queue that checks fill (``store.archive_queue``).
- ``commands``: the use cases behind ``versiontrack warc``, ``import wayback`` and ``archive``.
"""
