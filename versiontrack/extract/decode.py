"""Page bytes → text → tree: whether the bytes are an HTML page at all, which character
encoding they use, the numeric character references to control characters that no parser
accepts, and the page parsed as trafilatura's loader parses it (``parse``). Pure: no I/O.
"""

from __future__ import annotations

import codecs
import re

import trafilatura.utils
from lxml.html import HtmlElement, fromstring

from versiontrack.errors import NotHTML

_BINARY_MAGIC: tuple[bytes, ...] = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"RIFF",  # WebP, WAV, AVI
    b"PK\x03\x04",  # zip, docx, epub
    b"\x1f\x8b",  # gzip: the fetcher already undid Content-Encoding, so this is a file
    b"\x28\xb5\x2f\xfd",  # zstd
    b"BZh",
    b"7z\xbc\xaf\x27\x1c",
    b"OggS",
    b"ID3",
    b"\x00\x00\x01\x00",  # ico
)
# Roots and doctypes of markup that lxml's HTML parser would happily swallow as a page.
_NON_HTML_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "svg", "urlset", "sitemapindex", "opml"})
_FIRST_TAG = re.compile(rb"<(!doctype\s+|[?!]?)([a-z][\w:.-]*)", re.IGNORECASE)
_ANY_TAG = re.compile(rb"<[a-z!/?]", re.IGNORECASE)
_CONTROL_BYTES = bytes(sorted(frozenset(range(32)) - {9, 10, 12, 13}))
# <meta charset=x>, <meta http-equiv content="...; charset=x"> and <?xml encoding="x"?>.
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)
_SNIFF_BYTES = 4096


def _sniff(html: bytes) -> None:
    """Raise ``NotHTML`` when the bytes are clearly something else; let anything plausible by."""
    head = html[:_SNIFF_BYTES]
    if not head.strip():
        raise NotHTML("empty response body")
    if head.startswith(_BINARY_MAGIC) or head[4:8] == b"ftyp":  # ftyp: MP4/MOV/HEIC
        raise NotHTML("binary content (file signature)")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return  # NUL bytes are expected in UTF-16; decode handles it
    if b"\x00" in head:
        raise NotHTML("binary content (NUL bytes)")
    start = head[:1024]
    # counted in C: the bytes left when the control bytes are deleted
    if len(start) - len(start.translate(None, _CONTROL_BYTES)) > len(start) // 10:
        raise NotHTML("binary content (control bytes)")
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped[:1] in (b"{", b"["):
        raise NotHTML("JSON, not HTML")
    if not _ANY_TAG.search(html):
        raise NotHTML("plain text, no markup")
    first = _FIRST_TAG.search(stripped)
    if first is not None:
        name = first.group(2).lower().decode("ascii", "replace")
        if first.group(1).strip().lower() == b"!doctype" and name != "html":
            raise NotHTML(f"not an HTML doctype: {name}")
        if first.group(1) == b"?":  # an XML declaration: look at the first real element
            root = _FIRST_TAG.search(stripped, first.end())
            while root is not None and root.group(1):  # skip further <?...?> / <!...>
                root = _FIRST_TAG.search(stripped, root.end())
            name = root.group(2).lower().decode("ascii", "replace") if root else ""
        if name in _NON_HTML_ROOTS:
            raise NotHTML(f"not HTML: <{name}> document")


def _codec(label: bytes | str) -> str | None:
    """A Python codec name for a declared charset label, or None when unknown."""
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding), latin-1 and ASCII labels mean windows-1252: pages that
    # say iso-8859-1 routinely contain 0x80-0x9F curly quotes and dashes.
    return "cp1252" if name in {"latin-1", "iso8859-1", "ascii"} else name


def decode(html: bytes) -> str:
    """Bytes → text: BOM, then valid UTF-8, then the declared charset, then windows-1252.

    Deterministic on purpose: a statistical guess (trafilatura's charset_normalizer fallback)
    can flip between two versions of the same page and turn a one-word edit into a rewrite.
    Valid UTF-8 wins over a declaration because an undeclared HTTP header usually overrides a
    stale ``<meta charset>`` and non-UTF-8 text is almost never valid UTF-8 by accident.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if html.startswith(bom):
            return html[len(bom) :].decode(name, errors="replace")
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_CHARSET.search(html[:_SNIFF_BYTES])
    name = _codec(declared.group(1) or declared.group(2)) if declared else None
    # a UTF-16/32 label on bytes without NULs (see _sniff) is wrong; fall through
    if name and not name.startswith(("utf-16", "utf-32")):
        try:
            return html.decode(name)
        except UnicodeDecodeError:
            return html.decode(name, errors="replace")
    return html.decode("cp1252", errors="replace")


# A numeric character reference (the ";" is optional in HTML) to a C0 control or U+FFFE/F,
# the code points XML forbids that lxml puts in the tree from a reference (it makes &#0; a
# U+FFFD itself, as HTML says, and tab, LF and CR are allowed). Only those are matched: the
# usual &#8217; costs nothing but the scan.
_CONTROL_REF = re.compile(
    r"&#(?:[xX]0*(1?[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F])|0*([12]?[0-9]|3[01]|6553[45])(?!\d));?"
)
_XML_ALLOWED = frozenset({0x00, 0x09, 0x0A, 0x0D})


def _drop_control_refs(text: str) -> str:
    """Remove references such as ``&#27;`` to characters XML forbids (C0 controls, U+FFFE/F).

    lxml's HTML parser turns the reference into the raw character, which trafilatura then
    cannot assign back to an element ("All strings must be XML compatible"): it discards the
    whole document, so one ``&#27;[32m`` made a page "no article body". The raw byte never
    reaches the tree, and the reference now goes the same way; a form feed stays a space.
    """

    def replace(match: re.Match[str]) -> str:
        hex_digits, digits = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if code in _XML_ALLOWED:
            return match.group()
        return " " if code == 0x0C else ""

    return _CONTROL_REF.sub(replace, text)


# the characters XML forbids that trafilatura's loader removes (its ``INVALID_XML_CHARS``): the
# C0 controls but tab, LF and CR, each one byte in UTF-8, and U+FFFE/F
_XML_FORBIDDEN = bytes(sorted(frozenset(range(32)) - {9, 10, 13}))
_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def parse(html: bytes) -> HtmlElement | None:
    """The page's tree as ``trafilatura.load_html`` builds it from our decoding of ``html``
    (None when it is no HTML page), with that loader's parser, in less time (1.15 → 0.98 ms
    on a bench page of 100 KB, 3.0 → 2.25 ms on the real pages' median of 180 KB).

    The loader runs a regex over the whole text for forbidden characters and parses the text
    as a str; here the text is encoded once and those characters are looked for in the bytes
    (in C), and the bytes are parsed, which libxml2 does faster and into the same tree
    (``tests/unit/test_extract_decode.py`` compares both on every page it has). A page that
    holds one of them, or that the loader would repair otherwise, or that does not parse as
    bytes, goes to the loader itself; its repair of a doctype is made here.
    """
    page = text = _drop_control_refs(decode(html))
    beginning = page[:50].lower()
    if "doctype" in beginning:
        # the loader's repair: a doctype on the first line that libxml2 chokes on goes (an
        # XHTML one), and a line break follows that line
        first, newline, rest = page.partition("\n")
        bare = trafilatura.utils.DOCTYPE_TAG.sub("", first, count=1)
        if bare != first or not newline:
            text = f"{bare}\n{rest}"
    data = text.encode("utf-8")
    # (looked for after the repair, in the text encoded once: the doctype the repair takes
    # away is the same span whether or not such a character sits in it)
    if len(data.translate(None, _XML_FORBIDDEN)) != len(data) or any(
        c in data for c in _NONCHARACTERS
    ):
        return trafilatura.utils.load_html(page)
    if any("<html" in line and line.endswith("/>") for line in text[:4096].splitlines()[:4]):
        return trafilatura.utils.load_html(page)  # its repair of a self-closed <html/>
    try:
        tree = fromstring(data, parser=trafilatura.utils.HTML_PARSER)
    except Exception:  # whatever lxml raises, the loader's own fallbacks decide
        return trafilatura.utils.load_html(page)
    if tree is None or len(tree) < 1:
        return trafilatura.utils.load_html(page)
    # the loader's test that the text is HTML at all
    return None if "html" not in beginning and len(tree) < 2 else tree
