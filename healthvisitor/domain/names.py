"""Names as a search matches them: case, accents and punctuation set aside.

A health visitor types "zoe" for Zoë, "obrien" or "o'brien" for O'Brien, and
"smith" for Smith-Jones: the search compares keys made by ``name_key``, stored
beside each name so the database can use an index for a prefix search.
"""

from __future__ import annotations

import unicodedata

#: Characters that join parts of a name and are read as a space.
_JOINERS = frozenset("-‐‑–—_/.")


def name_key(name: str) -> str:
    """``name`` folded for searching: lower case, no accents, letters and digits only.

    Joiners (hyphens, slashes, full stops) become single spaces; apostrophes
    and other marks vanish. ``name_key("Zoë O'Brien-Smith") == "zoe obrien smith"``.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char.isalnum():
            kept.append(char)
        elif char.isspace() or char in _JOINERS:
            kept.append(" ")
    # ß casefolds to "ss"; ø, æ and ł do not decompose, so spell them out.
    folded = "".join(kept).translate(_SPELLED_OUT)
    return " ".join(folded.split())


_SPELLED_OUT = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"})


def after_every_extension(prefix: str) -> str | None:
    """The least string greater than every string that starts with ``prefix``.

    A prefix search becomes the range ``prefix <= word < after_every_extension(prefix)``,
    which an index answers on both engines: SQLite compares text by code point
    (UTF-8 bytes) and the search words' column has ``COLLATE "C"`` on
    PostgreSQL, which does the same. The last character is stepped to the next
    code point (over the surrogates, which cannot be stored); ``None`` when
    there is no such string (an empty prefix, or one of U+10FFFF only): no upper
    bound is needed then.
    """
    stem = prefix
    while stem:
        last = ord(stem[-1])
        if last < _LAST_CODE_POINT:
            following = last + 1
            if _FIRST_SURROGATE <= following <= _LAST_SURROGATE:
                following = _LAST_SURROGATE + 1
            return stem[:-1] + chr(following)
        stem = stem[:-1]
    return None


_LAST_CODE_POINT = 0x10FFFF
_FIRST_SURROGATE, _LAST_SURROGATE = 0xD800, 0xDFFF
