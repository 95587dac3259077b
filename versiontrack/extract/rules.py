"""Our boilerplate rules as data: the lines trafilatura keeps because they sit inside the
article (photo credits, share counters, "updated" stamps, breadcrumbs…), each a pattern with
the longest paragraph it may match. ``boilerplate`` applies them; the fingerprint reads the
same table. Keep rules narrow: a false positive deletes a sentence of the article.
"""

from __future__ import annotations

import re

_SHORT = 120  # promo rules only fire on lines this short, so real sentences survive
_AGENCIES = (
    r"getty images|afp|ap|ap photo|associated press|reuters|shutterstock|epa(?:-efe)?|alamy|"
    r"pa(?: media| wire| images)?|anadolu(?: agency)?|tass|sputnik|ria novosti|xinhua|"
    r"yonhap|kcna|bloomberg|nurphoto|sopa images|zuma(?: press)?|rex|ukrinform"
)

# a count as sites print it ("1,204", "1.2K", "12 345", "3M+"), and what they count
_COUNT = r"\d[\d.,\u00a0 ]*[km]?\+?"
_COUNTED = (
    r"views|reads|shares|likes|reactions|comments?|replies|votes|hits|visits|visitors|readers|"
    r"followers|subscribers|retweets|reposts"
)
# the words that introduce an update stamp, in the languages we have met
_UPDATED = (
    r"(?:(?:last )?(?:updated|modified|edited|posted|published)|publi\u00e9|mis \u00e0 jour|"
    r"modifi\u00e9|ver\u00f6ffentlicht|aktualisiert|publicado|actualizado)"
)

#: (pattern, maximum length) pairs matched against a whole whitespace-folded paragraph. A
#: paragraph is dropped only when a pattern matches all of it (``fullmatch``) and it is no
#: longer than the limit. Keep rules narrow: a false positive deletes a sentence of the article.
#: Dashes and quotes are spelled as escapes (\u2013 en dash, \u2014 em dash, \u2019 apostrophe).
_RULES: tuple[tuple[str, int], ...] = (
    # widgets and page chrome
    (r"loading(?: \w+)?(?:\u2026|\.{2,3})?", 30),
    # a slideshow's or player's controls, alone on a line: "Fullscreen", "Close", "Next"
    (
        r"(?:full ?screen|exit full ?screen|close|previous|prev|next|play|pause|replay|mute|"
        r"unmute|enlarge|expand|collapse|zoom(?: in| out)?|skip(?: ad)?|"
        r"(?:show|load|see|view) (?:more|less|all))\W*",
        20,
    ),
    (r"advertisement|advertising|sponsored(?: content)?|ad|promoted(?: content)?", 30),
    (r"(?:story|article) continues (?:below|after)(?: (?:this )?advertisement)?", 50),
    (r"(?:back|scroll|return) to top\W*", 30),
    (r"comments? (?:are|is) (?:now )?closed\.?", 40),
    (r"(?:write|leave|post) a (?:reply|comment)(?: or (?:reply|comment))?\W*", 50),
    (r"(?:show|view|hide|load|read) (?:all |more )?\d* ?comments?\W*|\d+ comments?|comments", 50),
    (r"share(?: (?:this|the))?(?: article| story| post| page)?(?: (?:on|via) \w+)?\W*", 50),
    (
        r"(?:click to )?(?:share|tweet|email|print|copy link)(?: (?:on|to) \w+)?"
        r"(?: \(opens in new window\))?",
        60,
    ),
    (r"cart:? .{0,30}\(\s*\d+\s+items?\s*\)|(?:view |your )?cart|checkout", 60),
    (r"(?:read|see) (?:more|also)\b.*|related(?: articles?| stories| content)?:.*", _SHORT),
    # the article's tag list: "Topics: uber, libertarians, Sydney", "Tags: Politics, Brexit"
    (r"(?:tags?|topics?|filed under|categor(?:y|ies)|keywords)\s?:\s?[^.!?:]+", _SHORT),
    (r"(?:most (?:read|popular|viewed)|recommended(?: for you)?|trending(?: now)?)\W*", 40),
    # the label over a block of teasers: "Related Videos", "Recent Slide Shows", "More stories"
    (
        r"(?:related|recent|more|latest|popular|featured|top) (?:videos?|slide ?shows?|"
        r"galleries|photos|stories|articles|posts|news|podcasts)\W*",
        40,
    ),
    (
        r"(?:we|this (?:site|website)) uses? cookies\b.*|(?:accept|reject)(?: all)?(?: cookies)?"
        r"|manage (?:cookie )?(?:preferences|settings)",
        300,
    ),
    # counters that change on every request: "246,894 views", "1.2K shares", "Hits: 4,512",
    # "Comments (31)", "Viewed 5,120 times", "1,204 people are reading this now"
    (rf"{_COUNT} (?:{_COUNTED})", 40),
    (rf"(?:{_COUNTED}):? {_COUNT}|(?:{_COUNTED}) ?\({_COUNT}\)", 40),
    (rf"(?:viewed|read|shared|seen|visited) {_COUNT} times?", 40),
    (
        rf"{_COUNT} (?:(?:people|readers|users|visitors|others) )?(?:are )?"
        r"(?:reading|viewing|watching|following|online)"
        r"(?: (?:this|the|these|right|now|article|story|page|post|live|blog|updates|coverage))*",
        70,
    ),
    # label-style credits; the byline field carries the author ("Author: Dan Alexe")
    (
        r"(?:(?:author|words|translation):|(?:written|translation|translated(?: from \w+)?) by)"
        r" [^.!?;:]{2,60}",
        80,
    ),
    # newsletter and subscription promos: calls to action, anchored at the start of the line
    # so that a sentence which merely mentions signing up survives
    (r"(?:sign up|subscribe)\b.*|newsletters?", _SHORT),
    (r"(?:get|receive) (?:our|the) [\w '\u2019]{0,40}(?:newsletter|briefing|alerts?)\b.*", _SHORT),
    (r".*\b(?:delivered|straight|direct) to your inbox\b.*", _SHORT),
    (r"be the first to (?:know|hear|read)\b.*", _SHORT),
    (r"we (?:don['\u2019]t|do not|won['\u2019]t|will never|never) (?:spam|share your)\b.*", _SHORT),
    (r"(?:read|see|view) our privacy (?:policy|notice)\b.*", _SHORT),
    (r"(?:enter )?your e-?mail(?: address)?\W*", 40),
    (r"by (?:signing up|subscribing|clicking)\b.*", _SHORT),
    # image and video credits alone on a line
    (
        r"(?:photograph|photo|picture|image|illustration|video|composite|graphic|credit)s?"
        r"(?: credit)?:.*",
        _SHORT,
    ),
    (
        rf"\(?(?:(?:photo|image) by )?(?:[^/]{{1,60}}(?:/| via ))?(?:{_AGENCIES})"
        rf"(?:\s*(?:/|via)\s*(?:{_AGENCIES}))*\)?",
        90,
    ),
    # bare date/time stamps: "Thu, 10/31/2024 \u2013 11:05", "Last modified on Thu 31 Oct 2024
    # 11.23 GMT", "Publié le 30/10/2024 à 22:15"; they change on every update and are metadata
    (
        rf"(?:{_UPDATED}(?: on| le| am| el)?:? )?"
        r"(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,? )?"
        r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{2,4}|"
        r"\d{1,2}\.? \w+ \d{4}|\w+ \d{1,2},? \d{4})"
        r"(?:,? (?:[-\u2013\u2014] |at |\u00e0 |um |a las |\| )?\d{1,2}[:.h]\d{2}(?::\d{2})?"
        r"(?: ?[ap]\.?m\.?)?(?: [a-z]{2,4})?(?: uhr)?)?",
        80,
    ),
    # relative times, which change as the clock moves: "Updated 3 minutes ago", "5m ago",
    # "Last updated 2 hours ago", "Just now", "il y a 3 heures", "vor 5 Minuten", "hace 2 horas"
    (
        rf"(?:{_UPDATED}\W{{0,2}} )?(?:(?:\d+|an?|one|a few) ?(?:s|secs?|seconds?|m|mins?|"
        r"minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mo|months?|y|yrs?|years?) ago|just now|"
        r"moments ago|il y a \d+ (?:secondes?|minutes?|heures?|jours?)|"
        r"vor \d+ (?:sekunden|minuten|stunden|tagen)|"
        r"hace \d+ (?:segundos?|minutos?|horas?|d\u00edas?))\.?",
        60,
    ),
    # a bare clock time, alone or as an update stamp: "11:52", "Updated 14:32 BST"
    (
        rf"(?:(?:{_UPDATED}|as of)(?: at)?:? \d{{1,2}}[:.h]\d{{2}}|\d{{1,2}}:\d{{2}})"
        r"(?::\d{2})?(?: ?[ap]\.?m\.?)?(?: [a-z]{2,4})?",
        40,
    ),
    # vote and slideshow counters: "0 : 0", "12 | 3", "1 of 5", "Image 3/12", "Photo 2 of 9"
    (r"\d{1,6} ?[:|] ?\d{1,6}", 15),
    (r"(?:(?:image|photo|picture|slide|foto|bild)s? )?\d{1,3} ?(?:of|/|von|de|sur) ?\d{1,3}", 25),
    # "Originally published at example.com on November 18, 2011.": a republished post's origin
    (
        r"(?:this (?:article|story|post|piece) (?:was )?)?"
        r"originally (?:published|appeared|posted)\b.*",
        250,
    ),
    # "Previous article: <headline>", "Next story"
    (r"(?:previous|prev|next|older|newer) (?:article|story|post|page)\b.*", 250),
    # breadcrumbs ("Home > World", "Accueil \u203a Monde"), rows of links ("Print | Email | Top",
    # or long sides: "Previous: <headline> | Next: <headline>"); a side never holds a sentence end
    (r"[^.!?>\u203a]{1,40}(?: [>\u203a] [^.!?>\u203a]{1,40}){1,5}", 120),
    (r"[^|]{1,30}(?: \| [^|]{1,30})+", _SHORT),
    (r"(?:(?![.!?] )[^|]){1,100}(?: \| (?:(?![.!?] )[^|]){1,100})+", 250),
    # nothing but punctuation and symbols: bullets, pipes, "***" section breaks
    (r"[\W_]*", _SHORT),
)
# longest limit first: read down the table, each rule's reach is within the one before it
BOILERPLATE: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), limit)
    for pattern, limit in sorted(_RULES, key=lambda rule: rule[1], reverse=True)
)
