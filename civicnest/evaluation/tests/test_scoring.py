"""Weighted aggregation over indicator trees (property tests) and grade bands."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicnest.evaluation.models import DEFAULT_GRADE_BANDS
from civicnest.evaluation.scoring import (
    Node,
    build_tree,
    grade_for,
    leaves,
    max_points,
    total_score,
    validate_bands,
)

weights = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("50"), places=1)
rates = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
full_scores = st.sampled_from([Decimal("100"), Decimal("1000")])
# The machine is shared: generating trees can be slow under load, which is not a property failure.
relaxed = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@st.composite
def trees(draw: st.DrawFn) -> list[Node]:
    """Two or three levels, 1–5 children each, random weights."""
    counter = iter(range(1, 10_000))
    rows: list[tuple[int, int | None, Decimal]] = []

    def add(parent: int | None, depth: int) -> None:
        for _ in range(draw(st.integers(1, 3))):
            key = next(counter)
            rows.append((key, parent, draw(weights)))
            if depth < draw(st.integers(1, 3)):
                add(key, depth + 1)

    add(None, 1)
    return build_tree(rows)


@st.composite
def scored_trees(draw: st.DrawFn) -> tuple[list[Node], dict[int, Decimal]]:
    roots = draw(trees())
    return roots, {leaf.key: draw(rates) for leaf in leaves(roots)}


@relaxed
@given(scored_trees(), full_scores)
def test_total_stays_between_zero_and_full(
    tree: tuple[list[Node], dict[int, Decimal]], full: Decimal
) -> None:
    roots, scores = tree
    assert Decimal(0) <= total_score(roots, scores, full) <= full


@relaxed
@given(trees(), full_scores)
def test_all_full_marks_give_the_full_score_and_all_zero_give_zero(
    roots: list[Node], full: Decimal
) -> None:
    keys = [leaf.key for leaf in leaves(roots)]
    assert total_score(roots, dict.fromkeys(keys, Decimal(100)), full) == full
    assert total_score(roots, dict.fromkeys(keys, Decimal(0)), full) == Decimal(0)
    assert total_score(roots, {}, full) == Decimal(0)  # unscored leaves count zero


@relaxed
@given(scored_trees(), full_scores, st.data())
def test_raising_one_leaf_never_lowers_the_total(
    tree: tuple[list[Node], dict[int, Decimal]], full: Decimal, data: st.DataObject
) -> None:
    roots, scores = tree
    key = data.draw(st.sampled_from(sorted(scores)))
    higher = dict(scores)
    higher[key] = data.draw(st.decimals(min_value=scores[key], max_value=Decimal(100), places=2))
    assert total_score(roots, higher, full) >= total_score(roots, scores, full)


@relaxed
@given(scored_trees(), full_scores, st.integers(2, 9))
def test_only_weight_ratios_matter(
    tree: tuple[list[Node], dict[int, Decimal]], full: Decimal, factor: int
) -> None:
    roots, scores = tree

    def scaled(nodes: list[Node]) -> list[Node]:
        return [Node(n.key, n.weight * factor, scaled(n.children)) for n in nodes]

    assert total_score(scaled(roots), scores, full) == total_score(roots, scores, full)


@relaxed
@given(scored_trees(), full_scores)
def test_total_is_the_sum_of_leaf_points(
    tree: tuple[list[Node], dict[int, Decimal]], full: Decimal
) -> None:
    """The weighted mean equals Σ (leaf's share of the full score × its rate): what the forms show."""
    roots, scores = tree
    points = max_points(roots, full)
    by_points = sum((points[k] * r / 100 for k, r in scores.items()), Decimal(0))
    # max_points rounds each leaf to cents, so allow one cent per leaf.
    assert abs(total_score(roots, scores, full) - by_points) <= Decimal("0.01") * (len(scores) + 1)


@relaxed
@given(trees(), full_scores)
def test_leaf_points_add_up_to_the_full_score(roots: list[Node], full: Decimal) -> None:
    points = max_points(roots, full)
    total = sum((points[leaf.key] for leaf in leaves(roots)), Decimal(0))
    assert abs(total - full) <= Decimal("0.01") * len(points)


def test_a_worked_example() -> None:
    # Two groups weighted 10:30 share 1,000 points as 250/750; the first splits 1:1 into 125/125.
    roots = build_tree(
        [(1, None, Decimal(10)), (2, 1, Decimal(1)), (3, 1, Decimal(1)), (4, None, Decimal(30))]
    )
    assert max_points(roots, Decimal(1000)) == {
        1: Decimal("250.00"),
        2: Decimal("125.00"),
        3: Decimal("125.00"),
        4: Decimal("750.00"),
    }
    assert total_score(
        roots, {2: Decimal(100), 3: Decimal(0), 4: Decimal(80)}, Decimal(1000)
    ) == Decimal("725.00")  # 125 + 0 + 750 × 0.8


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("1000", "5A"),
        ("951", "5A"),
        ("950.99", "4A"),
        ("901", "4A"),
        ("900.99", "3A"),
        ("851", "3A"),
        ("850", "2A"),
        ("801", "2A"),
        ("800.99", "1A"),
        ("0", "1A"),
    ],
)
def test_default_grade_bands(total: str, grade: str) -> None:
    assert grade_for(Decimal(total), DEFAULT_GRADE_BANDS) == grade


def test_bands_are_configurable() -> None:
    strict = {"5A": 970, "4A": 930, "3A": 880, "2A": 820, "1A": 700}
    assert grade_for(Decimal("960"), strict) == "4A"
    assert grade_for(Decimal("699.99"), strict) == ""


def test_band_tables_are_validated() -> None:
    assert validate_bands(DEFAULT_GRADE_BANDS, ["5A", "4A", "3A", "2A", "1A"]) == []
    problems = validate_bands(
        {"5A": 900, "4A": 950, "6A": 1, "3A": "x"}, ["5A", "4A", "3A", "2A", "1A"]
    )
    assert "未知等级：6A" in problems
    assert "3A 的分数线不是数字" in problems
    assert "5A 的分数线必须高于 4A" in problems
