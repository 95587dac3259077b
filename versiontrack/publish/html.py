"""One change → the HTML fragment a feed reader shows for it.

The fragment describes only what changed — the field changes and the changed sentences — never
the whole article. Feed readers strip styles and classes, so it uses nothing but ``p``, ``ul``,
``li``, ``del``, ``ins``, ``strong``, ``em``, ``small`` and ``a`` (the archived copy).

Article text is untrusted (it comes from whatever a news site served), so everything taken
from it is passed through :func:`html.escape` here. The only markup accepted from outside is
the pre-rendered ``html`` of :class:`FieldChange` and :class:`SentenceOp`, which the diff stage
escapes; even that is checked to contain no tag but ``<del>``/``<ins>`` before it is used,
because it is read back from the database and published to the world.
"""

from __future__ import annotations

import re
from html import escape

from versiontrack.domain import ChangeEntry, FieldChange, SentenceOp

__all__ = ["MAX_OPS", "change_html", "is_diff_markup"]

#: Sentence changes shown in one feed item; a rewrite can touch hundreds and the item would
#: become the whole article. The rest is counted, and the full diff is one click away.
MAX_OPS = 50

_FIELD_LABELS = {
    "headline": "Headline",
    "standfirst": "Standfirst",
    "byline": "Byline",
    "url": "Address",
}
_TAG = re.compile(r"<[^>]*>")
# The only tags the diff stage emits: bare <del>, </del>, <ins>, </ins>.
_DIFF_TAG = re.compile(r"</?(?:del|ins)>")


def change_html(entry: ChangeEntry) -> str:
    """Render ``entry`` as a small HTML fragment for an RSS description or Atom content."""
    parts: list[str] = []
    if entry.kind == "removed":
        status = f" (HTTP {entry.http_status})" if entry.http_status is not None else ""
        parts.append(f"<p>This article was removed: its page is no longer available{status}.</p>")
    elif entry.kind == "restored":
        parts.append("<p>This article is back: its page is available again.</p>")
    elif entry.kind == "url":
        parts.append("<p>This article moved to a new address; its history continues.</p>")
    elif entry.from_version is not None and entry.to_version is not None:
        parts.append(
            f"<p><small>Version {entry.from_version} → {entry.to_version}: "
            f"{escape(entry.summary.describe())}</small></p>"
        )
    parts.extend(_field_html(change) for change in entry.diff.fields)
    if entry.diff.ops:
        parts.append(_ops_html(entry.diff.ops))
    if entry.archive_url and entry.archive_url.lower().startswith(("http://", "https://")):
        href = escape(entry.archive_url, quote=True)
        parts.append(f'<p><small>Archived copy: <a href="{href}">{href}</a></small></p>')
    return "\n".join(parts)


def _field_html(change: FieldChange) -> str:
    label = _FIELD_LABELS.get(change.field, change.field.capitalize())
    old = escape(change.old) if change.old else "<em>(none)</em>"
    new = escape(change.new) if change.new else "<em>(none)</em>"
    # Both full texts, so a reader sees the old and new wording whole, then the word-level
    # highlight that shows exactly what moved.
    lines = [
        f"<p><strong>{escape(label)} changed</strong></p>",
        f"<ul><li><small>before</small> <del>{old}</del></li>"
        f"<li><small>after</small> <ins>{new}</ins></li></ul>",
    ]
    if is_diff_markup(change.html):
        lines.append(f"<p><small>changes:</small> {change.html}</p>")
    return "\n".join(lines)


def _ops_html(ops: tuple[SentenceOp, ...]) -> str:
    shown = ops[:MAX_OPS]
    items = [f"<li><small>{op.op}</small> {_op_body(op)}</li>" for op in shown]
    html = "<p><strong>Text changes</strong></p>\n<ul>\n" + "\n".join(items) + "\n</ul>"
    hidden = len(ops) - len(shown)
    if hidden:
        noun = "change" if hidden == 1 else "changes"
        html += f"\n<p><small>… and {hidden} more sentence {noun}.</small></p>"
    return html


def _op_body(op: SentenceOp) -> str:
    if is_diff_markup(op.html):
        return op.html
    # Fallback when the stored html is missing or not what the diff stage produces: rebuild it
    # from the plain texts rather than publish markup we did not make.
    old = escape(op.old or "")
    new = escape(op.new or "")
    if op.op == "added":
        return f"<ins>{new}</ins>"
    if op.op == "removed":
        return f"<del>{old}</del>"
    if op.op == "edited":
        return f"<del>{old}</del> <ins>{new}</ins>"
    return new or old


def is_diff_markup(html: str) -> bool:
    """True for non-empty escaped text whose only tags are bare ``<del>``/``<ins>`` pairs."""
    if not html or not html.strip():
        return False
    if not all(_DIFF_TAG.fullmatch(tag) for tag in _TAG.findall(html)):
        return False
    return "<" not in _TAG.sub("", html)  # a "<" left over is an unclosed tag
