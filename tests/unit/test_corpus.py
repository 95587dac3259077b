"""The corpus's truth: the Guardian reconstruction, the schedule, and page rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

import lxml.html
import pytest

from versiontrack.corpus import build_corpus, edits, guardian, render_article, seeds_dir
from versiontrack.corpus.articles import BOILERPLATE
from versiontrack.corpus.model import Corpus, CorpusArticle, CorpusVersion
from versiontrack.corpus.seeds import seed_lines

GUARDIAN = "guardian-nk-troops-kursk"
NOW = datetime(2024, 11, 6, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build_corpus()


def page(corpus: Corpus, slug: str, index: int = 0, seq: int = 1) -> str:
    article = corpus.article(slug)
    return render_article(
        article,
        article.versions[index],
        corpus.source(article.source),
        base_url="http://127.0.0.1:8000",
        seq=seq,
        now=NOW,
    )


def article_paragraphs(html: str, article: CorpusArticle) -> list[str]:
    """The page's ``<p>`` texts that are article paragraphs of some version, in page order."""
    known = {p for v in article.versions for p in v.paragraphs}
    texts = [p.text_content() for p in lxml.html.fromstring(html).iter("p")]
    return [t for t in texts if t in known]


# -- seeds ----------------------------------------------------------------------------------


def test_seeds_dir_holds_the_five_seeds() -> None:
    assert len(list(seeds_dir().glob("00[0-4]_*.txt"))) == 5


# -- the Guardian reconstruction ------------------------------------------------------------


def test_guardian_headlines_and_standfirsts(corpus: Corpus) -> None:
    v1, v2, v3 = corpus.article(GUARDIAN).versions
    assert v2.headline == "North Korean troops in Russian uniforms heading to Kursk, says US"
    assert v3.headline == (
        "North Korean troops fighting for Russia in Ukraine will ‘surely return in body bags’, "
        "US envoy says"
    )
    assert v2.standfirst == (
        "Lloyd Austin says deployment near Ukraine border is a dangerous and destabilising "
        "development"
    )
    assert v3.standfirst == (
        "Envoy to UN Robert Wood gives warning ahead of security council meeting, as US and "
        "South Korea defence chiefs urge North Korea to withdraw"
    )
    assert (v1.headline, v1.standfirst) == (v2.headline, v2.standfirst)


def test_guardian_v3_adds_exactly_the_body_bags_sentences(corpus: Corpus) -> None:
    _, v2, v3 = corpus.article(GUARDIAN).versions
    for sentence in guardian.V3_ADDITIONS:
        assert sentence in v3.text
        assert sentence not in v2.text
    assert v3.paragraphs[0] == guardian.V3_LEAD
    assert "body bags" not in v2.text
    # Nothing else changed in the body: drop the additions and the two texts agree.
    v3_rest = [p for p in v3.paragraphs if not any(s in p for s in guardian.V3_ADDITIONS)]
    assert tuple(v3_rest) == v2.paragraphs


def test_guardian_duplicated_row_is_kept_once(corpus: Corpus) -> None:
    for version in corpus.article(GUARDIAN).versions:
        assert version.text.count("A Ukrainian official told the Associated Press") == 1
        assert "anonymity.A Ukrainian" not in version.text


def test_guardian_v1_is_before_the_11000_estimate_and_the_jenca_paragraph(
    corpus: Corpus,
) -> None:
    v1, v2, _ = corpus.article(GUARDIAN).versions
    assert "as many as 10,000 troops" in v1.text
    assert "as many as 11,000 troops" in v2.text
    assert guardian.JENCA not in v1.text
    assert len(v2.paragraphs) == len(v1.paragraphs) + 1


def test_guardian_keeps_every_seed_body_sentence(corpus: Corpus) -> None:
    v3 = corpus.article(GUARDIAN).versions[-1]
    for line in seed_lines(1)[7:]:
        for sentence in guardian.V3_ADDITIONS:
            line = line.replace(sentence, "")
        half = len(line) // 2
        if line[:half] == line[half:]:
            line = line[:half]
        assert " ".join(line.split()) in " ".join(v3.text.split())


# -- articles and versions ------------------------------------------------------------------


def test_every_article_but_one_has_several_distinct_versions(corpus: Corpus) -> None:
    single = [a.slug for a in corpus.articles if len(a.versions) == 1]
    assert single == ["jns-zelensky-urges-action"]
    for article in corpus.articles:
        assert article.slug in single or 2 <= len(article.versions) <= 4
        for before, after in zip(article.versions, article.versions[1:], strict=False):
            assert before.text != after.text, article.slug
        assert all(v.note for v in article.versions)


def test_one_article_per_source_and_all_text_present(corpus: Corpus) -> None:
    assert sorted(a.source for a in corpus.articles) == sorted(s.name for s in corpus.sources)
    for article in corpus.articles:
        for version in article.versions:
            assert version.headline and version.byline and version.paragraphs


def test_seed_boilerplate_is_not_article_text(corpus: Corpus) -> None:
    for source, lines in BOILERPLATE.items():
        (article,) = corpus.articles_of(source)
        for version in article.versions:
            for line in lines:
                assert line not in version.paragraphs, (source, line)


@pytest.mark.parametrize(
    ("slug", "old", "new"),
    [
        ("zerohedge-body-bags", "in terms details", "in terms of details"),
        ("blog-first-direct-clashes", "but have have strongly", "but have strongly"),
    ],
)
def test_typo_fixes(corpus: Corpus, slug: str, old: str, new: str) -> None:
    v1, v2, *_ = corpus.article(slug).versions
    assert old in v1.text and old not in v2.text and new in v2.text


def test_enr_edits(corpus: Corpus) -> None:
    v1, v2, v3 = corpus.article("enr-us-confirms-nk-soldiers").versions
    assert v1.standfirst != v2.standfirst == v3.standfirst
    assert sorted(v1.paragraphs) == sorted(v2.paragraphs)  # a move, no wording change
    assert v1.paragraphs[-1].startswith("In Brussels") and v2.paragraphs[2].startswith(
        "In Brussels"
    )
    changed = [(a, b) for a, b in zip(v2.paragraphs, v3.paragraphs, strict=True) if a != b]
    assert len(changed) == 1 and "die for nothing" in changed[0][1]


def test_blog_v3_removes_one_sentence(corpus: Corpus) -> None:
    from versiontrack.corpus.articles import BLOG_ADDED, BLOG_REMOVED

    v1, v2, v3 = corpus.article("blog-first-direct-clashes").versions
    assert BLOG_ADDED not in v1.text and BLOG_ADDED in v2.text
    assert BLOG_REMOVED in v2.text and BLOG_REMOVED not in v3.text
    assert len(v3.paragraphs) == len(v2.paragraphs)


def test_edits_fail_loudly_on_missing_targets() -> None:
    paragraphs = ("One. Two.", "Three.")
    with pytest.raises(ValueError):
        edits.replace(paragraphs, "Four", "Five")
    with pytest.raises(ValueError):
        edits.move_after(paragraphs, "Three", "Nine")
    assert edits.remove_sentence(paragraphs, "Two.") == ("One.", "Three.")
    assert edits.move_after(paragraphs, "One", "Three") == ("Three.", "One. Two.")


# -- schedule -------------------------------------------------------------------------------


def test_schedule_truth(corpus: Corpus) -> None:
    expected = {
        "guardian-nk-troops-kursk": 3,
        "zerohedge-body-bags": 2,
        "enr-us-confirms-nk-soldiers": 3,
        "jns-zelensky-urges-action": 1,
        "blog-first-direct-clashes": 3,
    }
    assert {a.slug: corpus.expected_versions(a.slug) for a in corpus.articles} == expected
    assert len(corpus.steps) == 5
    assert [corpus.version_at(GUARDIAN, s) for s in range(5)] == [0, 1, 1, 2, 2]
    assert corpus.version_at("zerohedge-body-bags", 4) is None
    assert corpus.version("zerohedge-body-bags", 4) is None
    assert corpus.article("zerohedge-body-bags").gone_status == 410


def test_schedule_has_a_churn_only_step_and_only_moves_forward(corpus: Corpus) -> None:
    assert corpus.changed_at(2) == ()
    assert set(corpus.changed_at(3)) == {
        GUARDIAN,
        "zerohedge-body-bags",
        "blog-first-direct-clashes",
    }
    for article in corpus.articles:
        served = [corpus.version_at(article.slug, s) for s in range(len(corpus.steps))]
        indexes = [i for i in served if i is not None]
        assert indexes == sorted(indexes) and indexes[0] == 0
        assert len(set(indexes)) == len(article.versions)  # every version is served


def test_corpus_rejects_a_step_with_a_missing_version(corpus: Corpus) -> None:
    from versiontrack.corpus.model import Step

    bad = Step(0, {**corpus.steps[0].versions, GUARDIAN: 7})
    with pytest.raises(ValueError):
        Corpus(corpus.sources, corpus.articles, (bad,))


# -- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", [a.slug for a in build_corpus().articles])
def test_churn_changes_the_page_but_not_the_article_text(corpus: Corpus, slug: str) -> None:
    article = corpus.article(slug)
    first, second = page(corpus, slug, seq=1), page(corpus, slug, seq=2)
    assert first != second
    assert page(corpus, slug, seq=1) == first  # deterministic per request number
    for html in (first, second):
        assert article_paragraphs(html, article) == list(article.versions[0].paragraphs)
        doc = lxml.html.fromstring(html)
        assert doc.find(".//h1").text_content().strip() == article.versions[0].headline
        assert doc.xpath("//link[@rel='canonical']/@href") == [
            "http://127.0.0.1:8000" + article.path
        ]


def test_pages_show_each_version_exactly(corpus: Corpus) -> None:
    for article in corpus.articles:
        for index, version in enumerate(article.versions):
            html = page(corpus, article.slug, index)
            assert article_paragraphs(html, article) == list(version.paragraphs)
            meta = lxml.html.fromstring(html).xpath("//meta[@property='og:title']/@content")
            assert meta == [version.headline]
            if version.standfirst:
                assert version.standfirst in lxml.html.fromstring(html).text_content()


def test_templates_are_all_different(corpus: Corpus) -> None:
    markers = {
        "guardian": 'data-gu-name="standfirst"',
        "zerohedge": '<script id="__NEXT_DATA__"',
        "enr": "field--name-field-lead",
        "jns": 'class="jns-subtitle"',
        "blog": 'class="cart-contents"',
    }
    pages = {a.source: page(corpus, a.slug) for a in corpus.articles}
    for source, marker in markers.items():
        assert [s for s, html in pages.items() if marker in html] == [source]

    def skeleton(html: str) -> tuple[str, ...]:
        return tuple(f"{el.tag}.{el.get('class')}" for el in lxml.html.fromstring(html).iter())

    assert len({skeleton(html) for html in pages.values()}) == 5


def test_pages_carry_the_seed_boilerplate(corpus: Corpus) -> None:
    for source, lines in BOILERPLATE.items():
        (article,) = corpus.articles_of(source)
        text = lxml.html.fromstring(page(corpus, article.slug)).text_content()
        for line in lines:
            if line.startswith("Cart: "):
                continue  # the cart counter is churn: it changes per request
            assert line in text, (source, line)


def test_blocks_are_placed_before_their_paragraph(corpus: Corpus) -> None:
    for article in corpus.articles:
        html = page(corpus, article.slug)
        for block in article.blocks:
            assert block.before is not None
            assert html.index(escape(block.text, quote=False)) < html.index(
                escape(block.before, quote=False)
            )


def test_pages_render_for_a_version_with_no_standfirst(corpus: Corpus) -> None:
    article = corpus.article("zerohedge-body-bags")
    version = CorpusVersion("Headline", "", "Byline", ("Only paragraph.",))
    html = render_article(
        article, version, corpus.source("zerohedge"), base_url="http://x", seq=3, now=NOW
    )
    assert (
        "Only paragraph." in html and '<meta name="description" content="Only paragraph.">' in html
    )
