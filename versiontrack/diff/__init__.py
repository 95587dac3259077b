"""Diffs between two versions of an article, as typed ops: the ``diff`` stage of the pipeline.

Owns the comparison of two ``ArticleText`` values: fields (headline, standfirst, byline) are
compared as wholes, the body sentence by sentence, and every change is rendered as escaped HTML
with ``<del>``/``<ins>`` word highlights. Pure: no I/O, no settings, deterministic output.

Modules, each importing only from those above it:

- ``codes``: token sequences as strings of opaque characters, and the exact diff-match-patch
  common subsequence of two such strings (shared by the word and the sentence diff).
- ``words``: the word-level diff of two strings (``diff_words``, ``diff_words_split``).
- ``pairing``: how alike two sentences are (``similarity``) and the greedy pairing of deleted
  with inserted sentences.
- ``sentences``: the sentence matching (equal, moved, edited, merged, split) and
  ``diff_sentences``, the body's ops.
- ``align``: the same matching laid out as rows of a side-by-side view (``align``, ``Row``).
- ``texts``: ``diff_texts``, the whole-article diff (fields, then body).

How the body diff works:

1. Each distinct sentence becomes one opaque character (private-use code points, the way
   diff-match-patch's ``linesToChars`` treats lines) and diff-match-patch diffs those strings.
   The stretches between equal sentences are *replaced runs*.
2. A sentence deleted in one place and inserted verbatim in another is ``moved``.
3. Inside each replaced run, deleted and inserted sentences are paired greedily, most similar
   first (``similarity`` ≥ ``PAIR_THRESHOLD``); each pair is ``edited``.
4. Sentences still unpaired are paired across runs at a stricter ``MOVE_EDIT_THRESHOLD`` (a
   paragraph moved *and* touched up is an edit, not a removal plus an addition).
5. What is left is ``removed`` or ``added``. Ops are sorted into article order.
6. Each edit gets word highlights — unless more than ``FINE_EDITS`` sentences were edited (a
   rewrite): then each edit shows its changed middle as one replacement between the common
   head and tail, which costs a tenth and reads no worse when everything changed.

A rewrite also pairs cheaper in step 3: a run of more than ``FINE_EDITS`` sentences on each
side first pairs the sentences that stayed in place and barely changed (``_in_place``).

``align`` lays the same matching out as rows of a side-by-side view (old column, new column),
the way News Sniffer shows two versions.
"""
