"""Text for ReportLab's standard fonts: escaped for its mini-markup and limited to the
characters Helvetica can draw (others become a plain equivalent, never a black box)."""

from __future__ import annotations

from xml.sax.saxutils import escape

__all__ = ["para", "plain"]

_REPLACE = {"≥": ">=", "≤": "<=", "→": "->", "←": "<-", "×": "x", "−": "-", "≈": "~"}


def plain(text: str) -> str:
    """`text` with every character Helvetica (cp1252) cannot draw replaced."""
    out = []
    for original in text:
        char = _REPLACE.get(original, original)
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            out.append("?")
        else:
            out.append(char)
    return "".join(out)


def para(text: str) -> str:
    """`plain` text escaped for a ReportLab Paragraph."""
    return escape(plain(text))
