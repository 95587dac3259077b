"""The five steps each real page is served in: honest churn around the article, then one edit.

Step 0 is the page as parsed and serialised by lxml (so that every later step differs from it
only by what is done here). Steps 1–4 churn what is outside the article box, decided from the
ground truth alone (``pages.locate``), never from versiontrack's output:

* digits in timestamps and counters (``12:04``, ``2024-02-28``, ``Feb 28``, ``1,204 comments``,
  ``3 min read``, ``<time datetime>``, ``<meta content>`` dates) are rewritten;
* ``<li>`` lists are shuffled; digits in ``id`` attributes and every ``nonce`` change; asset
  URLs (``script``/``link``/``img``/``source``) get a new query string; inline scripts change;
* an ad block (``<div class="ad">`` with one line of ad copy, new each step) is inserted right
  after the box (step 1), right before it (step 2) or right after the last truth paragraph
  (step 3).

Step 3 also puts an "updated" stamp and a comment counter at the start of the box (outside
every truth paragraph). Step 4 is step 3's page plus one real edit inside one truth paragraph
that reads as prose (``prose``; so that its diff is the edit alone), its kind cycling with the
page index: a word swap, a number change, an appended sentence, a deleted sentence (falling
back to another kind when the page offers no place for it); ``Edit`` records the sentence
that must show in ``diff --json``. Headlines (``<h1>``, ``<title>``) are left alone, and so
are non-date ``<meta>``.

Every choice comes from a ``random.Random`` seeded with (page, step): the same page and step
always give the same bytes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import lxml.html
from lxml.etree import _Element

from bench.realpages.pages import Located, Page, locate, page_text, parse, visible
from versiontrack.text import normalise_line, split_sentences

STEPS = 5
CHURN_STEPS = (1, 2, 3)
EDIT_STEP = 4
KINDS = ("word swap", "number change", "appended sentence", "deleted sentence")
# when a page offers no place for a kind, the next one tried
_FALLBACK = {
    "word swap": ("word swap", "appended sentence"),
    "number change": ("number change", "word swap", "appended sentence"),
    "appended sentence": ("appended sentence", "word swap"),
    "deleted sentence": ("deleted sentence", "appended sentence", "word swap"),
}
_OP = {
    "word swap": "edited",
    "number change": "edited",
    "appended sentence": "added",
    "deleted sentence": "removed",
}
AD_COPY = (
    "Save 20% on your first order with code NEWS20 — shop the winter sale today.",
    "Get 3 months of unlimited streaming for $1 — offer ends Sunday.",
    "Compare 40+ mortgage rates in 60 seconds and lock in your rate now.",
    "Flights to Lisbon from $199 return: book by Friday with free cancellation.",
)
APPENDED = (
    "Officials said on Tuesday that further details would be released later this week.",
    "A spokesperson declined to comment further when contacted by reporters on Wednesday.",
    "The figures are expected to be revised again when the final report is published.",
    "Several witnesses later confirmed this account in interviews with local media.",
)
SWAPS = ("considerable", "remarkable", "unexpected", "substantial", "deliberate")
# where the ad goes, by step
AD_PLACES = {1: "after box", 2: "before box", 3: "after last paragraph"}

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_UNITS = (
    r"(?:comments?|shares?|views?|likes?|reads?|replies|responses|followers|subscribers|"
    r"seconds?|secs?|min(?:ute)?s?|hours?|hrs?|days?|weeks?)"
)
_STAMP = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?\b"
    r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    rf"|\b{_MONTHS} \d{{1,2}}\b"
    rf"|\b\d{{1,2}} {_MONTHS}"
    rf"|\b\d[\d,.]*[kKmM]? {_UNITS}\b"
)
_DIGIT = re.compile(r"\d")
_DATE_META = re.compile(r"time|date|modified|published|updated", re.IGNORECASE)
_ASSET_RELS = frozenset({"stylesheet", "preload", "modulepreload", "icon", "prefetch"})
_ASSET_ATTRS = {"script": "src", "link": "href", "img": "src", "source": "src"}
# elements a <div> may not be placed in (the HTML parser would close them around it)
_NO_DIV_INSIDE = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "span", "a", "em", "strong", "b", "i"}
    | {"u", "small", "font", "label", "button", "time", "abbr", "cite", "q", "sup", "sub"}
)


@dataclass(frozen=True)
class Edit:
    """The real edit of step 4 and the sentence op it must produce."""

    kind: str
    op: str  # "edited", "added" or "removed", as in ``diff --json`` ops
    paragraph: int  # index into the page's truth
    old: str | None  # the sentence before (None for "added")
    new: str | None  # the sentence after (None for "removed")

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "op": self.op,
            "paragraph": self.paragraph,
            "old": self.old,
            "new": self.new,
        }


@dataclass
class Step:
    """One served step of one page."""

    step: int
    html: str
    ad_place: str | None = None
    stamps_in_box: bool = False
    edit: Edit | None = None
    notes: list[str] = field(default_factory=list)


def _paths(located: Located) -> tuple[str, dict[int, str]]:
    tree = located.root.getroottree()
    return tree.getpath(located.box), {i: tree.getpath(el) for i, el in located.holders.items()}


def _serialise(root: _Element) -> str:
    return "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode", method="html")


def render_steps(page: Page) -> list[Step]:
    """All ``STEPS`` steps of ``page``."""
    located = locate(parse(page.html), page.truth)
    box_path, holder_paths = _paths(located)
    steps = [Step(0, _serialise(located.root))]
    for number in range(1, STEPS):
        root = parse(page.html)
        tree = root.getroottree()
        box = tree.xpath(box_path)[0]
        holders = {i: tree.xpath(p)[0] for i, p in holder_paths.items()}
        # the edit step is the last churn step's page plus the edit: its diff is the edit alone
        churned = min(number, CHURN_STEPS[-1])
        step = Step(number, "")
        _churn(random.Random(f"{page.key}:{churned}"), root, box, holders, churned, step)
        if number == EDIT_STEP:
            rng = random.Random(f"{page.key}:{number}")
            step.edit = _edit(rng, page, holders, KINDS[page.index % len(KINDS)], step)
        step.html = _serialise(root)
        steps.append(step)
    return steps


# --- churn ---------------------------------------------------------------------------------


def _protected(box: _Element, holders: dict[int, _Element]) -> set[_Element]:
    keep: set[_Element] = set(box.iter())
    for el in holders.values():
        keep.update(el.iter())
    for el in box.getroottree().iter("h1", "title"):
        keep.update(el.iter())
    return keep


def _new_digits(rng: random.Random, text: str) -> str:
    return _DIGIT.sub(lambda _m: str(rng.randrange(10)), text)


def _restamp(rng: random.Random, text: str | None) -> str | None:
    if not text:
        return text
    return _STAMP.sub(lambda m: _new_digits(rng, m.group(0)), text)


def _churn(
    rng: random.Random,
    root: _Element,
    box: _Element,
    holders: dict[int, _Element],
    number: int,
    step: Step,
) -> None:
    keep = _protected(box, holders)
    # a list holding protected text keeps its order: only lists wholly outside are shuffled
    holding = {a for el in keep for a in el.iterancestors()}
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    for el in elements:
        outside = el not in keep
        if outside and el.tag not in ("script", "style") and visible(el):
            el.text = _restamp(rng, el.text)
        if el.getparent() is not None and el.getparent() not in keep and visible(el.getparent()):
            el.tail = _restamp(rng, el.tail)
        if el.get("nonce") is not None:
            el.set("nonce", f"{rng.getrandbits(64):016x}")
        if not outside:
            continue
        if el.get("id") and _DIGIT.search(el.get("id", "")):
            el.set("id", _new_digits(rng, el.get("id", "")))
        if el.tag == "time" and el.get("datetime"):
            el.set("datetime", _new_digits(rng, el.get("datetime", "")))
        meta_name = el.get("property") or el.get("name") or ""
        if el.tag == "meta" and el.get("content") and _DATE_META.search(meta_name):
            el.set("content", _restamp(rng, el.get("content")) or "")
        attr = _ASSET_ATTRS.get(el.tag)
        if el.tag == "link" and not _ASSET_RELS & set((el.get("rel") or "").lower().split()):
            attr = None  # a canonical or alternate link names the page, not an asset
        if attr and el.get(attr) and not el.get(attr, "").startswith("data:"):
            url = el.get(attr, "").split("?", 1)[0]
            el.set(attr, f"{url}?v={rng.getrandbits(32):08x}")
        if el.tag == "script" and el.text and el.text.strip():
            if "json" in (el.get("type") or ""):
                el.text = _restamp(rng, el.text)
            else:
                el.text = f'{el.text}\n;window.__bench_r="{rng.getrandbits(48):012x}";'
        if el.tag in ("ul", "ol") and el not in holding:
            items = [c for c in el if isinstance(c.tag, str) and c.tag == "li"]
            if len(items) >= 2 and len(items) == len(el):
                tails = [c.tail for c in items]
                rng.shuffle(items)
                for child in list(el):
                    el.remove(child)
                for child, tail in zip(items, tails, strict=True):
                    child.tail = tail
                    el.append(child)
    _place_ad(root, box, holders, number, step)
    if number == CHURN_STEPS[-1]:
        _stamp_box(rng, box, holders, step)


def _block(el: _Element) -> _Element:
    """``el`` or its nearest ancestor whose parent may hold a ``<div>``."""
    while el.getparent() is not None and el.getparent().tag in _NO_DIV_INSIDE:
        el = el.getparent()
    return el


def _ad(number: int) -> _Element:
    copy = AD_COPY[number % len(AD_COPY)]
    return lxml.html.fragment_fromstring(f'<div class="ad"><p>{copy}</p></div>')


def _place_ad(
    root: _Element, box: _Element, holders: dict[int, _Element], number: int, step: Step
) -> None:
    place = AD_PLACES[number]
    step.ad_place = place
    body = root.find("body")
    if box.tag in ("html", "body") or box.getparent() is None:
        target = body if body is not None else root
        if place == "before box":
            target.insert(0, _ad(number))
        else:
            target.append(_ad(number))
        step.notes.append("box is the whole body: ad at its start or end")
        return
    if place == "after last paragraph" and holders:
        last = holders[max(holders)]
        if last is box:
            box.append(_ad(number))
        else:
            _block(last).addnext(_ad(number))
    elif place == "before box":
        _block(box).addprevious(_ad(number))
    else:
        _block(box).addnext(_ad(number))


def _stamp_box(rng: random.Random, box: _Element, holders: dict[int, _Element], step: Step) -> None:
    if box.tag in _NO_DIV_INSIDE or box in holders.values():
        step.notes.append("box is one paragraph: no stamps inside it")
        return
    minutes, comments = rng.randrange(2, 59), rng.randrange(1000, 9999)
    stamp = lxml.html.fragment_fromstring(
        f'<div class="article-meta"><span class="updated">Updated {minutes} minutes ago</span> '
        f'<span class="comments">{comments:,} comments</span></div>'
    )
    # before the box's own leading text, so that no truth paragraph gains a word
    stamp.tail = box.text
    box.text = None
    box.insert(0, stamp)
    step.stamps_in_box = True


# --- the edit ------------------------------------------------------------------------------


def _text_nodes(holder: _Element) -> list[tuple[_Element, str]]:
    """(element, "text"|"tail") for every piece of text inside ``holder``, in order."""
    nodes = [(holder, "text")]
    for el in holder.iterdescendants():
        nodes.append((el, "text"))
        nodes.append((el, "tail"))
    return [(el, which) for el, which in nodes if getattr(el, which)]


def _get(node: tuple[_Element, str]) -> str:
    return getattr(node[0], node[1]) or ""


def _set(node: tuple[_Element, str], value: str) -> None:
    setattr(node[0], node[1], value)


def _sentence_with(paragraph: str, pattern: re.Pattern[str]) -> str | None:
    found = [s for s in split_sentences(paragraph) if pattern.search(s)]
    return found[0] if len(found) == 1 else None


def _replace_token(
    holder: _Element, paragraph: str, token: re.Pattern[str], replacement: str
) -> tuple[str, str] | None:
    """Replace the one occurrence of ``token`` (once in the paragraph and once in the holder's
    text nodes); (old sentence, new sentence) or None."""
    if len(token.findall(paragraph)) != 1 or len(token.findall(holder.text_content())) != 1:
        return None
    sentence = _sentence_with(paragraph, token)
    nodes = [n for n in _text_nodes(holder) if token.search(_get(n))]
    if sentence is None or len(nodes) != 1:
        return None
    _set(nodes[0], token.sub(replacement, _get(nodes[0]), count=1))
    return sentence, token.sub(replacement, sentence, count=1)


def _word_swap(rng: random.Random, holder: _Element, paragraph: str) -> tuple[str, str] | None:
    words = [w for w in re.findall(r"\b[a-z]{6,}\b", paragraph) if w not in SWAPS]
    rng.shuffle(words)
    for word in words:
        done = _replace_token(holder, paragraph, re.compile(rf"\b{word}\b"), rng.choice(SWAPS))
        if done:
            return done
    return None


def _number_change(rng: random.Random, holder: _Element, paragraph: str) -> tuple[str, str] | None:
    numbers = re.findall(r"(?<![\d.,])\d+(?![\d.,]\d)", paragraph)
    rng.shuffle(numbers)
    for number in numbers:
        token = re.compile(rf"(?<![\d.,]){number}(?![\d.,]?\d)")
        done = _replace_token(holder, paragraph, token, str(int(number) + 7))
        if done:
            return done
    return None


def _whole(holder: _Element, paragraph: str) -> bool:
    return normalise_line(holder.text_content()) == paragraph


def _append(rng: random.Random, holder: _Element, paragraph: str) -> tuple[None, str] | None:
    if not _whole(holder, paragraph) or not re.search(r"[.!?][\"'”’)]?$", paragraph):
        return None
    sentence = rng.choice(APPENDED)
    children = list(holder)
    if children:
        children[-1].tail = (children[-1].tail or "").rstrip() + " " + sentence
    else:
        holder.text = (holder.text or "").rstrip() + " " + sentence
    return None, sentence


def _delete(rng: random.Random, holder: _Element, paragraph: str) -> tuple[str, None] | None:
    sentences = split_sentences(paragraph)
    if len(sentences) < 2 or not _whole(holder, paragraph):
        return None
    order = list(range(len(sentences)))
    rng.shuffle(order)
    for i in order:
        sentence = sentences[i]
        if sentences.count(sentence) != 1:
            continue
        pattern = re.compile(r"\s*".join(re.escape(w) for w in sentence.split()))
        hits = [n for n in _text_nodes(holder) if pattern.search(_get(n))]
        if len(hits) != 1 or len(pattern.findall(_get(hits[0]))) != 1:
            continue
        text = _get(hits[0])
        match = pattern.search(text)
        assert match is not None
        start, end = match.span()
        # take the space before it (or after it, for the first sentence) with it
        if start and text[start - 1].isspace():
            start = len(text[:start].rstrip())
        else:
            end += len(text[end:]) - len(text[end:].lstrip())
        _set(hits[0], text[:start] + text[end:])
        return sentence, None
    return None


_MAKERS = {
    "word swap": _word_swap,
    "number change": _number_change,
    "appended sentence": _append,
    "deleted sentence": _delete,
}


def _edit(
    rng: random.Random, page: Page, holders: dict[int, _Element], kind: str, step: Step
) -> Edit | None:
    # a paragraph the page shows twice could be edited in one place and still read unchanged
    # in the other: never chosen
    text = page_text(next(iter(holders.values())).getroottree().getroot()) if holders else ""
    order = [i for i in sorted(holders) if text.count(page.truth[i]) == 1 and prose(page.truth[i])]
    rng.shuffle(order)
    for tried in _FALLBACK[kind]:
        for i in order:
            done = _MAKERS[tried](rng, holders[i], page.truth[i])
            if done is not None:
                if tried != kind:
                    step.notes.append(f"no place for a {kind}: made a {tried}")
                return Edit(tried, _OP[tried], i, done[0], done[1])
    step.notes.append("no prose truth paragraph found in the page: no edit")
    return None


# jusText's bound for a short block: below it a line is a label, a link or a credit
_PROSE_CHARS = 70
_SENTENCE_END = re.compile(r"(?<!\.\.)[.!?。！？][\"'”’»)]?$")


def prose(paragraph: str) -> bool:
    """A truth paragraph a newsroom edits: running text that ends a sentence. Readability's
    truth also holds what its reader keeps around an article (a related-link title, a video
    caption cut short with "...", an editor's credit, a sister-project line, a bare heading):
    an edit there tells nothing of how a tracker follows the article's text, so none is made."""
    return len(paragraph) >= _PROSE_CHARS and bool(_SENTENCE_END.search(paragraph))
