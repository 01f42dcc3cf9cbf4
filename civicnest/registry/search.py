"""Name search helpers: Chinese substring, full pinyin and pinyin initials (和谐社工 → hexieshegong / hxsg)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_full(text: str) -> str:
    return "".join(lazy_pinyin(text, errors="ignore")).lower()[:400]


def pinyin_initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()[:120]


def looks_like_pinyin(query: str) -> bool:
    return query.isascii() and query.isalpha()
