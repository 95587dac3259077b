"""The real-pages bench's own parts: the scorer, and churn that never touches the article.

The scorer and the hand-made page need nothing outside the repository; the checks on real
pages skip when ``../shared/realpages`` is absent.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bench.realpages import churn, score
from bench.realpages.pages import Page, block_texts, default_root, load_sets, locate, parse
from bench.realpages.run import write_steps
from versiontrack.extract import extract
from versiontrack.text import normalise_line, split_sentences

ROOT = default_root()
PARAGRAPHS = (
    "The council voted 7 to 2 on Monday to close the old bridge. Repairs would have cost "
    "millions, officials said.",
    "Residents who opposed the closing gathered outside the town hall before the meeting began.",
    "A new crossing is planned downstream, with construction expected to start in 2027.",
)
HAND_MADE = f"""<!DOCTYPE html><html><head><title>Bridge closes</title>
<meta property="article:modified_time" content="2026-12-07T04:10:00Z">
<script nonce="abc123">var loaded = 1700000000;</script>
<link rel="stylesheet" href="/site.css?v=41"><link rel="canonical" href="https://example.org/a">
</head><body>
<nav id="nav-17"><ul><li>Home</li><li>World</li><li>Sport</li><li>Culture</li></ul></nav>
<h1>Bridge closes</h1><p class="meta">Posted 10:42, Dec 7 · 312 comments</p>
<div class="story"><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></div>
<aside><ol><li>Most read 1</li><li>Most read 2</li><li>Most read 3</li></ol></aside>
<footer>Updated 12:05 · <time datetime="2026-12-07T12:05">12:05</time></footer>
</body></html>"""


def page(index: int = 0) -> Page:
    return Page("hand", "bridge", index, HAND_MADE, PARAGRAPHS)


# --- the scorer ------------------------------------------------------------------------------


def test_token_scores_on_a_hand_made_case() -> None:
    m = score.match("The cat sat on the mat.", "the CAT sat")
    assert (m.common, m.extracted, m.truth) == (3, 6, 3)
    assert (m.precision, m.recall) == (0.5, 1.0)
    assert m.f1 == pytest.approx(2 / 3)
    empty = score.match("", "some words")
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    assert score.match("", "").to_dict() == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_summary_is_the_mean_over_pages_and_micro_over_tokens() -> None:
    a = score.Match(common=3, extracted=6, truth=3)  # P .5, R 1
    b = score.Match(common=1, extracted=1, truth=4)  # P 1, R .25
    s = score.summary([a, b])
    assert s["pages"] == 2
    assert s["precision"] == pytest.approx(0.75)
    assert s["recall"] == pytest.approx(0.625)
    assert s["f1"] == pytest.approx((2 / 3 + 0.4) / 2)
    assert s["micro"]["precision"] == pytest.approx(4 / 7)
    assert s["micro"]["recall"] == pytest.approx(4 / 7)


def test_edit_found_needs_the_right_op_and_the_same_words() -> None:
    ops = [
        {"op": "edited", "old": "It rose 5%.", "new": "It rose 12%."},
        {"op": "added", "old": None, "new": "A new line."},
    ]
    assert score.edit_found(ops, "edited", "It rose 5 %", "it rose 12%")
    assert score.edit_found(ops, "added", None, "A new line")
    assert not score.edit_found(ops, "removed", "A new line.", None)
    assert not score.edit_found(ops, "edited", "It rose 5%.", "It rose 13%.")


def test_an_edit_to_the_headline_is_found_as_the_headline_field() -> None:
    fields = [{"field": "headline", "old": "Troops head to Kursk", "new": "Troops reach Kursk"}]
    assert score.field_found(fields, "Troops head to Kursk", "Troops reach Kursk")
    assert not score.field_found(fields, "Troops head to Kursk", "Troops near Kursk")
    assert not score.field_found(fields, "Envoy speaks", "Envoy spoke")
    added = [{"field": "standfirst", "old": "A convoy.", "new": "A convoy. Tanks too."}]
    assert score.field_found(added, None, "Tanks too.")
    assert not score.field_found(added, "A convoy.", None)


# --- truth and churn on a hand-made page ---------------------------------------------------


def test_block_texts_are_the_innermost_blocks() -> None:
    html = "<div><p>One <b>two</b></p><ul><li>three</li><li> four </li></ul><p></p></div>"
    assert block_texts(html) == ["One two", "three", "four"]


def test_block_texts_cut_at_line_breaks_but_not_inside_a_sentence() -> None:
    html = (
        "<div><p>Lorem ipsum<br>dolor sit.<br>Amet, consectetur<br>adipisicing elit</p>"
        "<p>+ Added Slime Block<br>+ Added Iron Trapdoor</p><pre><code>a(b,<br>c)</code></pre>"
        "<p>When</p><mjx-container display='true'>x = 1</mjx-container></div>"
    )
    assert block_texts(html) == [
        "Lorem ipsum dolor sit.",
        "Amet, consectetur adipisicing elit",
        "+ Added Slime Block",
        "+ Added Iron Trapdoor",
        "a(b,",
        "c)",
        "When",
        "x = 1",
    ]


def test_the_box_is_the_smallest_element_holding_the_truth() -> None:
    located = locate(parse(HAND_MADE), PARAGRAPHS)
    assert located.box.get("class") == "story"
    assert sorted(located.holders) == [0, 1, 2]
    assert {el.tag for el in located.holders.values()} == {"p"}


def _found(html: str, truth: tuple[str, ...]) -> set[int]:
    return set(locate(parse(html), truth).holders)


def test_churn_changes_what_is_around_the_article_and_nothing_in_it() -> None:
    steps = churn.render_steps(page())
    assert [s.step for s in steps] == [0, 1, 2, 3, 4]
    base = steps[0].html
    for step in steps[1:4]:
        html = step.html
        assert html != base
        assert _found(html, PARAGRAPHS) == {0, 1, 2}
        assert churn.AD_COPY[step.step % len(churn.AD_COPY)] in html
        assert 'nonce="abc123"' not in html and "?v=41" not in html
        assert "var loaded = 1700000000;</script>" not in html
        assert "Posted 10:42, Dec 7 · 312 comments" not in html
        assert 'href="https://example.org/a"' in html  # the canonical link is left alone
        assert "<h1>Bridge closes</h1>" in html
    assert "Updated" in steps[3].html and "comments</span>" in steps[3].html
    assert steps[3].stamps_in_box and not steps[2].stamps_in_box
    # the ad is placed after the box, before it, and after the last paragraph
    assert [s.ad_place for s in steps[1:]] == [
        "after box",
        "before box",
        "after last paragraph",
        "after last paragraph",
    ]
    story = steps[2].html.index('class="story"')
    assert steps[2].html.index('class="ad"') < story < steps[1].html.index('class="ad"')


def test_churn_is_deterministic_per_page_and_step() -> None:
    first = [s.html for s in churn.render_steps(page())]
    assert [s.html for s in churn.render_steps(page())] == first
    assert len(set(first)) == churn.STEPS


def _edited_paragraph(paragraph: str, edit: churn.Edit) -> str:
    if edit.op == "added":
        return f"{paragraph} {edit.new}"
    if edit.op == "removed":
        assert edit.old is not None
        return normalise_line(paragraph.replace(edit.old, ""))
    assert edit.old is not None and edit.new is not None
    return paragraph.replace(edit.old, edit.new)


def _one_sentence_changed(
    truth: tuple[str, ...], located: set[int], html: str, edit: churn.Edit
) -> None:
    """The edited page holds every truth paragraph found before but the edited one, which now
    reads as the edit says, one sentence apart from before."""
    found = _found(html, truth)
    assert found - {edit.paragraph} == located - {edit.paragraph}
    # an appended sentence leaves the old paragraph in the new one; any other edit breaks it
    assert (edit.paragraph in found) == (edit.op == "added")
    after = _edited_paragraph(truth[edit.paragraph], edit)
    assert _found(html, (after,)) == {0}
    ops = [
        op
        for op in difflib.SequenceMatcher(
            a=split_sentences(truth[edit.paragraph]), b=split_sentences(after), autojunk=False
        ).get_opcodes()
        if op[0] != "equal"
    ]
    assert len(ops) == 1
    _tag, i1, i2, j1, j2 = ops[0]
    assert (i2 - i1, j2 - j1) == {"edited": (1, 1), "added": (0, 1), "removed": (1, 0)}[edit.op]


def test_the_edit_step_is_the_last_churn_step_plus_the_edit() -> None:
    steps = churn.render_steps(page(0))
    edit = steps[churn.EDIT_STEP].edit
    assert edit is not None and edit.kind == "word swap" and edit.old and edit.new
    assert steps[churn.EDIT_STEP].html.replace(edit.new, edit.old) == steps[3].html


@pytest.mark.parametrize("index", range(4))
def test_the_edit_changes_exactly_one_sentence_of_one_paragraph(index: int) -> None:
    step = churn.render_steps(page(index))[churn.EDIT_STEP]
    assert step.edit is not None
    assert step.edit.kind == churn.KINDS[index]
    _one_sentence_changed(PARAGRAPHS, {0, 1, 2}, step.html, step.edit)


# --- the same on real pages ------------------------------------------------------------------

real = pytest.mark.skipif(
    not (ROOT / "fundus").is_dir() or not (ROOT / "readability").is_dir(),
    reason=f"the real pages are not at {ROOT} (../shared/realpages, or VERSIONTRACK_REALPAGES)",
)


@real
def test_on_real_pages_churn_keeps_the_truth_and_the_edit_is_one_sentence() -> None:
    pages = [p for p in load_sets(ROOT) if p.index % 9 == 0]
    assert len(pages) >= 20
    edits = 0
    for p in pages:
        steps = churn.render_steps(p)
        located = _found(steps[0].html, p.truth)
        for step in steps[1:4]:
            assert _found(step.html, p.truth) == located, (p.key, step.step)
        edit = steps[churn.EDIT_STEP].edit
        if located:
            if edit is None:  # every prose paragraph is shown twice, or there is none
                assert "no prose truth paragraph found in the page: no edit" in (
                    steps[churn.EDIT_STEP].notes
                ), p.key
                continue
            _one_sentence_changed(p.truth, located, steps[churn.EDIT_STEP].html, edit)
            edits += 1
    assert edits >= len(pages) - 4


def test_edit_found_accepts_a_sentence_cut_differently_with_the_same_change() -> None:
    ops = [
        {
            "op": "edited",
            "old": "“Set-Cookie” and “Set-Cookie2″.",
            "new": "“Set-Cookie” and “Set-Cookie9″.",
        }
    ]
    old = '"basic": normal response, all headers but “Set-Cookie” and “Set-Cookie2″.'
    assert not score.edit_found(ops, "edited", old, old.replace("Cookie2", "Cookie9"))
    shorter = "headers but “Set-Cookie” and “Set-Cookie2″."
    assert score.edit_found(ops, "edited", shorter, shorter.replace("Cookie2", "Cookie9"))
    assert not score.edit_found(ops, "edited", shorter, shorter.replace("Cookie2", "Cookie8"))


def test_an_added_sentence_the_splitter_joined_to_its_neighbour_is_found() -> None:
    before = "(Nor would I want to: why would I? Getting away is the point.)"
    added = "The figures are expected to be revised again."
    ops = [{"op": "edited", "old": before, "new": f"{before} {added}"}]
    assert score.edit_found(ops, "added", None, added)
    assert not score.edit_found(ops, "added", None, "The figures are expected to be revised.")
    assert not score.edit_found(ops, "removed", added, None)
    removed = [{"op": "edited", "old": f"{before} {added}", "new": before}]
    assert score.edit_found(removed, "removed", added, None)
    # more changed than the sentence: not this edit
    wider = [{"op": "edited", "old": before, "new": f"{before[:-2]} now.) {added}"}]
    assert not score.edit_found(wider, "added", None, added)


def test_only_prose_paragraphs_are_edited() -> None:
    assert churn.prose(PARAGRAPHS[1])
    for line in (
        "Wikimedia Commons has media related to Mozilla.",  # a sister-project line
        "‘Skylanders Imaginators’ will let you create and 3D print your own action figures",
        "Reproduciendo: Mira esto: Google Assistant mejora, hay más cambios en Twitter y...",
        "[责任编辑：alonliu]",
        "Third header",
    ):
        assert not churn.prose(line), line
    related = "Related: Ten bridges that closed this year and what replaced them across the county"
    truth = (related, *PARAGRAPHS)
    html = HAND_MADE.replace('<div class="story">', f'<div class="story"><p>{related}</p>')
    for index in range(8):
        edit = churn.render_steps(Page("hand", "bridge", index, html, truth))[-1].edit
        assert edit is not None and edit.paragraph != 0
    labels = ("Winners are in bold", "Album of the year")
    bare = HAND_MADE.replace(
        f"<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p>",
        "".join(f"<p>{label}</p>" for label in labels),
    )
    last = churn.render_steps(Page("hand", "bridge", 0, bare, labels))[-1]
    assert last.edit is None
    assert "no prose truth paragraph found in the page: no edit" in last.notes


def test_each_served_step_has_its_own_modification_time(tmp_path: Path) -> None:
    # the static server's ETag is mtime and size: an edit that keeps the size must not be
    # answered 304 because both steps were written in the same second
    write_steps([page()], tmp_path)
    files = [tmp_path / f"step-{n}" / "hand" / "bridge.html" for n in range(churn.STEPS)]
    assert len({f.stat().st_mtime for f in files}) == churn.STEPS


@real
def test_a_reading_swung_by_churn_loses_no_article_paragraph() -> None:
    # salon-1: at step 3 (an ad after the last paragraph, stamps in the box) precision mode
    # reads 10 paragraphs, the default reading 35, and the default reading lacks 4 article
    # paragraphs precision mode kept: they are merged in, not dropped as an "edit"
    (salon,) = [p for p in load_sets(ROOT, ("readability",)) if p.name == "salon-1"]
    steps = churn.render_steps(salon)
    before, after = (extract(steps[k].html.encode()).paragraphs for k in (2, 3))
    lost = [p for p in before if p not in after]
    # left: the lead picture's caption, read from the box only at step 2 (issue 9's note)
    assert lost == ["Ayn Rand, Rand Paul"]
    assert [p for p in after if p not in before] == []
