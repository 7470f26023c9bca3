"""Free text as ORCID can store it: the cleaning and cutting every serialiser applies.

ORCID refuses (400) text longer than its limits and XML 1.0 cannot carry control characters,
so every string the portal writes passes through `clean_text`, and through `cut_text` where a
limit applies. Cutting is never silent: callers record that they cut (see
works.orcid_serialization).
"""

from __future__ import annotations

import re
import unicodedata

# Characters XML 1.0 cannot carry, plus the C1 controls (legal in XML but never meant as text).
_NOT_XML_TEXT = re.compile(
    "[^\u0009\u000a\u000d\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_WHITESPACE = re.compile(r"\s+")
_LINE_ENDS_AND_TABS = str.maketrans("\t\n\r", "   ")


def clean_text(value: str | None, *, single_line: bool = True) -> str:
    """`value` as ORCID can store it: NFC, no characters XML 1.0 cannot carry, trimmed; one-line
    fields with every run of whitespace (tabs, newlines, no-break spaces) made one space."""
    if not value:
        return ""
    # Most text is already clean: printable ASCII (NFC as it stands; no tab, newline or control
    # character), no run of spaces, nothing to trim. Said so in four C-speed checks, not three
    # regular expressions (a sync cleans every title, name and id of every work it hashes).
    if value.isascii():
        if value.isprintable() and "  " not in value and value[0] != " " and value[-1] != " ":
            return value
        # ASCII whose only other characters are tabs and line ends (a generated BibTeX citation):
        # on one line that is its words joined by single spaces, the same as below.
        if single_line and value.translate(_LINE_ENDS_AND_TABS).isprintable():
            return " ".join(value.split())
    text = unicodedata.normalize("NFC", value)
    text = _NOT_XML_TEXT.sub("", text)
    if single_line:
        text = _WHITESPACE.sub(" ", text)
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def cut_text(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` characters at a word boundary, ending with '…'."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    # Cut at the last space unless that throws away most of the text (one giant word).
    if space >= limit // 2:
        head = head[:space]
    head = head.rstrip(" ,;:.-–—(")
    return head + "…"
