"""The whole-article diff: changed fields as word diffs, then the body's sentence ops."""

from __future__ import annotations

from versiontrack.diff.sentences import diff_sentences
from versiontrack.diff.words import diff_words
from versiontrack.domain import FIELDS, ArticleText, Diff, FieldChange

__all__ = ["diff_texts"]


def diff_texts(old: ArticleText, new: ArticleText) -> Diff:
    """Everything that differs between two versions: changed fields, then body sentence ops."""
    fields = []
    for name in FIELDS:
        before, after = old.field(name), new.field(name)
        if before != after:
            fields.append(FieldChange(name, before, after, diff_words(before, after)))
    return Diff(tuple(fields), diff_sentences(old.sentences, new.sentences))
