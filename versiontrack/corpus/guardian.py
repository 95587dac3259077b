"""The Guardian article: versions 2 and 3 rebuilt from a News Sniffer diff, plus a version 1.

Seed 001 is News Sniffer's side-by-side view of versions 2 and 3 of a Guardian article, flattened
to text: a few lines of News Sniffer chrome, "Version 2 Version 3", both headlines on one line,
"(about 4 hours later)", both standfirsts on one line, then one line per table row of the body.
In a row the version 2 cell and the version 3 cell are simply concatenated.

Reconstruction choices:

* **Headlines and standfirsts**: the two cells of each line are split at the known end of the
  version 2 text (hard-coded below, checked against the seed). Version 3 is the remainder.
* **Body**: a row's two cells cannot be separated reliably, since nothing marks where one ends.
  We therefore read each body line as a paragraph present in both versions, except for the
  sentences about the US envoy Robert Wood's "body bags" warning, which are the version 3
  additions (they are the only body text about Wood, and they are what the new headline and
  standfirst announce). So version 3 = version 2 + those three sentences.
* **Where the additions go**: the new lead sentence ("The US and South Korean defence chiefs have
  called …") becomes version 3's opening paragraph, as a rewritten top line would. The two
  other Wood sentences ("Speaking before the UN security council, Wood gave …" and
  "“I would advise Chairman Kim …,” Wood added.") form one new paragraph after the paragraph
  ending "… delivered to Pyongyang in exchange." In the flattening the quote trails a paragraph
  about South Korea's defence minister Kim, where "Chairman Kim" would read as a muddle; kept
  together, the new paragraph reads as the Guardian would print it.
* **The duplicated row** ("… spoke on condition of anonymity.A Ukrainian official …") is an
  unchanged row whose identical cells were concatenated: it is kept once.
* Everything else is kept verbatim, including the flattening's lost dash in "Ukraine a stance"
  and the closing "With Agence France-Presse and Associated Press" line (a body paragraph on the
  Guardian). The byline is not in the seed: "Guardian staff and agencies" is our choice.

Version 1 is invented to give the article a third version: the same headline and standfirst as
version 2, the second paragraph saying "as many as 10,000 troops" (version 2: 11,000, matching the
body's South Korean estimate, as an editor bringing the top in line with the body would), and
without the paragraph on the UN's Miroslav Jenca, which version 2 adds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from versiontrack.corpus import edits
from versiontrack.corpus.model import CorpusArticle, CorpusVersion
from versiontrack.corpus.seeds import seed_lines, seed_path

SEED = 1
BYLINE = "Guardian staff and agencies"
PUBLISHED = datetime(2024, 10, 30, 14, 5, tzinfo=UTC)

V2_HEADLINE = "North Korean troops in Russian uniforms heading to Kursk, says US"
V2_STANDFIRST = (
    "Lloyd Austin says deployment near Ukraine border is a dangerous and destabilising development"
)

#: The version 3 body additions, verbatim from the seed.
V3_LEAD = (
    "The US and South Korean defence chiefs have called for North Korea to withdraw its troops "
    "from Russia, as the US envoy to the UN, Robert Wood, bluntly warned that Pyongyang’s forces "
    "entering Ukraine “will surely return in body bags”."
)
V3_SPEAKING = (
    "Speaking before the UN security council, Wood gave an even more explicit warning, saying if "
    "Pyongyang’s forces “enter Ukraine in support of Russia, they will surely return in body "
    "bags.”"
)
V3_ADVISE = (
    "“I would advise Chairman Kim [Jong-un] to think twice about engaging in such reckless and "
    "dangerous behaviour,” Wood added."
)
V3_ADDITIONS = (V3_LEAD, V3_SPEAKING, V3_ADVISE)
#: The paragraph the Wood paragraph follows in version 3.
WOOD_ANCHOR = "delivered to Pyongyang in exchange."

#: Version 1 → 2 changes.
V1_NUMBER = ("as many as 10,000 troops", "as many as 11,000 troops")
JENCA = "Miroslav Jenca, the UN’s assistant secretary-general"


def _split_cells(line: str, left: str) -> str:
    """The version 3 cell of a flattened row whose version 2 cell is ``left``."""
    if not line.startswith(left + " "):
        raise ValueError(f"seed row does not start with the version 2 text {left!r}")
    return line[len(left) + 1 :]


def _undouble(line: str) -> str:
    """A row whose two identical cells were concatenated, kept once."""
    half = len(line) // 2
    if len(line) % 2 == 0 and line[:half] == line[half:]:
        return line[:half]
    return line


def _without(line: str, sentence: str) -> str:
    return re.sub(r"\s+", " ", line.replace(sentence, "")).strip()


def source_url() -> str:
    """The article's original URL, as News Sniffer names it in the seed."""
    for line in seed_lines(SEED):
        match = re.search(r"https://www\.theguardian\.com/\S+", line)
        if match:
            return match.group(0)
    raise ValueError("seed 001 names no Guardian URL")


def versions() -> tuple[CorpusVersion, CorpusVersion, CorpusVersion]:
    """Versions 1, 2 and 3 of the Guardian article (see the module docstring)."""
    lines = seed_lines(SEED)
    top = lines.index("Version 2 Version 3")
    headline_row, interval, standfirst_row = lines[top + 1 : top + 4]
    if not interval.startswith("(") or not interval.endswith("later)"):
        raise ValueError(f"unexpected seed 001 layout near {interval!r}")
    v3_headline = _split_cells(headline_row, V2_HEADLINE)
    v3_standfirst = _split_cells(standfirst_row, V2_STANDFIRST)

    body = [_undouble(line) for line in lines[top + 4 :]]
    for sentence in V3_ADDITIONS:
        if sum(sentence in line for line in body) != 1:
            raise ValueError(f"seed 001 should hold {sentence[:40]!r}… once")
        body = [_without(line, sentence) for line in body]
    v2_paragraphs = tuple(line for line in body if line)

    v3_paragraphs = edits.insert_after(v2_paragraphs, None, V3_LEAD)
    v3_paragraphs = edits.insert_after(v3_paragraphs, WOOD_ANCHOR, f"{V3_SPEAKING} {V3_ADVISE}")

    v1_paragraphs = edits.replace(v2_paragraphs, V1_NUMBER[1], V1_NUMBER[0])
    v1_paragraphs = edits.remove(v1_paragraphs, JENCA)

    return (
        CorpusVersion(
            V2_HEADLINE,
            V2_STANDFIRST,
            BYLINE,
            v1_paragraphs,
            modified=PUBLISHED,
            note="first version",
        ),
        CorpusVersion(
            V2_HEADLINE,
            V2_STANDFIRST,
            BYLINE,
            v2_paragraphs,
            modified=PUBLISHED + timedelta(minutes=50),
            note=(
                "number edited: 'as many as 10,000 troops' → 'as many as 11,000 troops' "
                "(1 sentence edited); the Miroslav Jenca paragraph added (1 sentence added)"
            ),
        ),
        CorpusVersion(
            v3_headline,
            v3_standfirst,
            BYLINE,
            v3_paragraphs,
            modified=PUBLISHED + timedelta(hours=4, minutes=50),
            note=(
                "headline and standfirst rewritten; Robert Wood 'body bags' lead paragraph added "
                "at the top and a two-sentence Wood paragraph added (3 sentences added)"
            ),
        ),
    )


def article() -> CorpusArticle:
    """The Guardian article, served under the Guardian's own path."""
    path = "/guardian" + source_url().removeprefix("https://www.theguardian.com")
    return CorpusArticle(
        slug="guardian-nk-troops-kursk",
        source="guardian",
        path=path,
        versions=versions(),
        published=PUBLISHED,
        seed=seed_path(SEED).name,
        aliases=("/guardian/p/x4k2q",),  # a Guardian-style short link
    )
