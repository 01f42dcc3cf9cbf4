"""Weighted score aggregation over an indicator tree, and grade bands. Pure functions: no database.

A leaf is scored as a rate from 0 to 100 (得分率). A node's rate is the weighted mean of its children's rates
(weights are shares among siblings, so only their ratios matter). The total is the root-level rate times the
template's full score (1,000 points for grading). Every indicator's maximum in points is therefore
full_score × the product of its and its ancestors' weight shares, which is what the forms show.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


@dataclass
class Node:
    key: int
    weight: Decimal
    children: list[Node] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children


def build_tree(rows: Iterable[tuple[int, int | None, Decimal]]) -> list[Node]:
    """(id, parent_id, weight) rows → the list of top-level nodes, in the given order."""
    nodes: dict[int, Node] = {}
    parents: list[tuple[int, int | None]] = []
    for key, parent, weight in rows:
        nodes[key] = Node(key, Decimal(weight))
        parents.append((key, parent))
    roots: list[Node] = []
    for key, parent in parents:
        (nodes[parent].children if parent in nodes else roots).append(nodes[key])
    return roots


def leaves(roots: Sequence[Node]) -> list[Node]:
    out: list[Node] = []
    for node in roots:
        out.extend([node] if node.is_leaf else leaves(node.children))
    return out


def node_rate(node: Node, rates: Mapping[int, Decimal]) -> Decimal:
    """The node's rate (0–100); a leaf without a score counts 0."""
    if node.is_leaf:
        return Decimal(rates.get(node.key, 0))
    return weighted_mean(node.children, rates)


def weighted_mean(nodes: Sequence[Node], rates: Mapping[int, Decimal]) -> Decimal:
    total_weight = sum((n.weight for n in nodes), Decimal(0))
    if not nodes or total_weight <= 0:
        return Decimal(0)
    return sum((n.weight * node_rate(n, rates) for n in nodes), Decimal(0)) / total_weight


def total_score(
    roots: Sequence[Node], rates: Mapping[int, Decimal], full_score: Decimal
) -> Decimal:
    """The weighted total in points, rounded to cents."""
    return (weighted_mean(roots, rates) * Decimal(full_score) / HUNDRED).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def max_points(roots: Sequence[Node], full_score: Decimal) -> dict[int, Decimal]:
    """Each indicator's share of the full score in points."""
    out: dict[int, Decimal] = {}

    def walk(nodes: Sequence[Node], budget: Decimal) -> None:
        total_weight = sum((n.weight for n in nodes), Decimal(0))
        for n in nodes:
            points = budget * n.weight / total_weight if total_weight else Decimal(0)
            out[n.key] = points.quantize(CENT, rounding=ROUND_HALF_UP)
            walk(n.children, points)

    walk(roots, Decimal(full_score))
    return out


def grade_for(total: Decimal, bands: Mapping[str, int | float | str]) -> str:
    """The highest grade whose lower bound the total reaches; '' when it reaches none."""
    ordered = sorted(((Decimal(str(v)), k) for k, v in bands.items()), reverse=True)
    for bound, grade in ordered:
        if total >= bound:
            return grade
    return ""


def validate_bands(bands: Mapping[str, object], allowed: Iterable[str]) -> list[str]:
    """Problems with a band table (Chinese messages): unknown grades, non-numbers, grades out of order."""
    allowed_list = list(allowed)
    problems: list[str] = []
    values: dict[str, Decimal] = {}
    for grade, value in bands.items():
        if grade not in allowed_list:
            problems.append(_("未知等级：%(g)s") % {"g": grade})
            continue
        try:
            values[grade] = Decimal(str(value))
        except Exception:
            problems.append(_("%(g)s 的分数线不是数字") % {"g": grade})
    present = [g for g in allowed_list if g in values]
    for higher, lower in itertools.pairwise(present):
        if values[higher] <= values[lower]:
            problems.append(_("%(a)s 的分数线必须高于 %(b)s") % {"a": higher, "b": lower})
    return problems
