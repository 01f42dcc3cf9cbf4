"""Region-code arithmetic: the one place that knows how official codes nest (GB/T 2260 and the NBS codes).

Region codes are prefixes of their descendants' codes (42 → 4201 → 420106 → 420106001 → 420106001002),
so a subtree is a code range: every code c with prefix <= c < prefix-with-last-digit-plus-one. A range
uses the plain B-tree index on both SQLite and PostgreSQL, whatever the collation, which LIKE does not.
Nothing outside this module cuts codes (`code[:6]`) or compares prefixes (`startswith`).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from pathlib import Path

from django.db.models import Q
from django.utils.translation import gettext as _

VALID_CODE_LENGTHS = (2, 4, 6, 9, 12)


class RegionCodeError(ValueError):
    pass


@functools.cache
def districts_ending_in_00() -> frozenset[str]:
    """District-level codes that end in 00, so they look like city codes: the single district-level unit of a
    city without districts (东莞 441900, 中山 442000, 儋州 460400). Read from the shipped national data."""
    with (Path(__file__).resolve().parent / "data" / "areas.csv").open(encoding="utf-8") as f:
        return frozenset(row[0] for row in csv.reader(f) if row and row[0].endswith("00"))


def normalize_region_code(raw: str) -> str:
    """Accept a stored code (2/4/6/9/12 digits) or an official 6-digit province/city code (420100)."""
    code = (raw or "").strip()
    if not code.isascii() or not code.isdigit():
        raise RegionCodeError(_("区划代码只能由数字组成：%(code)s") % {"code": raw})
    if len(code) == 6 and code not in districts_ending_in_00():
        if code.endswith("0000"):
            code = code[:2]
        elif code.endswith("00"):
            code = code[:4]
    if len(code) not in VALID_CODE_LENGTHS:
        raise RegionCodeError(
            _("区划代码应为 6 位（区县）、9 位（街道）或 12 位（社区）数字：%(code)s")
            % {"code": raw}
        )
    return code


def code_range(prefix: str) -> tuple[str, str]:
    """The half-open range [low, high) of codes under `prefix` (digits only)."""
    if not prefix:
        return "", "~"
    head = prefix.rstrip("9")
    if not head:  # "99…": everything from the prefix up
        return prefix, "~"
    return prefix, head[:-1] + str(int(head[-1]) + 1)


def subtree_q(prefixes: Iterable[str], field_name: str) -> Q:
    """OR of code ranges; the empty set of prefixes matches nothing."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        low, high = code_range(prefix)
        q |= Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})
    return q


def minimal_prefixes(codes: Iterable[str]) -> tuple[str, ...]:
    """Drop codes already covered by a shorter one in the set."""
    result: list[str] = []
    for code in sorted(set(codes), key=len):
        if not any(code.startswith(kept) for kept in result):
            result.append(code)
    return tuple(sorted(result))


# Stored code length of each level: province 2, city 4, district 6, street 9, community 12.
PROVINCE, CITY, DISTRICT, STREET, COMMUNITY = 2, 4, 6, 9, 12


def child_code_length(code: str) -> int | None:
    """The code length of a region's children: "" → 2, 31 → 4, 3101 → 6, 310101 → 9, 9 → 12."""
    return {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}.get(len(code))


def within(code: str | None, prefix: str) -> bool:
    """Whether region `code` lies in the subtree of `prefix` (itself included)."""
    return code is not None and code.startswith(prefix)


def cut(code: str, length: int) -> str:
    """The ancestor of `code` at the level of `length` digits (the code itself when it is shorter)."""
    return code[:length]


def district_of(code: str) -> str:
    """The district (区县) a region lies in, or the region itself above district level."""
    return code[:DISTRICT]


def street_of(code: str) -> str:
    """The street (街道/乡镇) a region lies in, or the region itself above street level."""
    return code[:STREET]


def city_of(code: str) -> str:
    return code[:CITY]


def ancestors(code: str) -> list[str]:
    """Codes of the region's ancestors, nearest first (420106001002 → 420106001, 420106, 4201, 42)."""
    return [code[:n] for n in reversed(VALID_CODE_LENGTHS) if n < len(code)]


def parent_code(code: str) -> str | None:
    found = ancestors(code)
    return found[0] if found else None


def same_district(a: str, b: str) -> bool:
    return len(a) >= DISTRICT and len(b) >= DISTRICT and a[:DISTRICT] == b[:DISTRICT]
