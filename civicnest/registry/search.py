"""Name search helpers: Chinese substring, full pinyin and pinyin initials (和谐社工 → hexieshegong / hxsg)."""

from __future__ import annotations

from pypinyin import lazy_pinyin


def pinyin_full(text: str) -> str:
    return pinyin_forms(text)[0]


def pinyin_initials(text: str) -> str:
    return pinyin_forms(text)[1]


def pinyin_forms(text: str) -> tuple[str, str]:
    """Full pinyin and initials from one conversion (imports compute both for every row)."""
    syllables = [s.lower() for s in lazy_pinyin(text, errors="ignore")]
    return "".join(syllables)[:400], "".join(s[0] for s in syllables if s)[:120]


def looks_like_pinyin(query: str) -> bool:
    return query.isascii() and query.isalpha()
