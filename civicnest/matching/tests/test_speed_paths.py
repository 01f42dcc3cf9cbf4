"""The fast paths must give the same answers as the slow ones: pruned ranking, the cheap freshness
stamp, and the nightly batch that writes suggestions in batches."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.matching import engine, services
from civicnest.matching.engine import Index, NeedQuery, make_doc
from civicnest.matching.live_index import LiveIndex, live_index
from civicnest.matching.models import Match, MatchStatus, Need, ServiceOffering
from civicnest.registry.tests.factories import OrganizationFactory

EVALUATION = Path(engine.__file__).parent / "evaluation"
COMMUNITY = "420102002003"  # 江岸区 大智街道 保成社区


@pytest.fixture(scope="module")
def corpus() -> tuple[Index, list[NeedQuery]]:
    """The labelled set's 740 offerings twice over, with random standing, capacity and exclusions."""
    offerings = json.loads((EVALUATION / "offerings.json").read_text(encoding="utf-8"))
    needs = json.loads((EVALUATION / "needs.json").read_text(encoding="utf-8"))
    rng = random.Random(6)  # noqa: S311 - a reproducible corpus, not a secret
    docs = [
        make_doc(
            id=copy * 10_000 + i,
            title=o["title"],
            description=o["description"],
            categories=o["categories"],
            beneficiaries=o["beneficiaries"],
            areas=o["regions"],
            capacity=o["capacity"],
            used=rng.choice([0, 0, 0, o["capacity"]]),
            grade=rng.choice(["", "", "1A", "3A", "5A"]),
            rating=rng.choice([None, None, 1.0, 3.5, 5.0]),
            excluded=rng.random() < 0.03,
        )
        for copy in range(2)
        for i, o in enumerate(offerings)
    ]
    queries = []
    for n in needs:
        query = NeedQuery(
            text=f"{n['title']} {n['description']}",
            region=n["region"],
            beneficiaries=n["beneficiaries"],
            category=n["category"],
        )
        queries.append(query)
        # Without category and beneficiaries the no-text bound is lower, so other branches get pruned.
        queries.append(NeedQuery(text=n["description"][:6], region=n["region"]))
    return Index(docs), queries


@pytest.mark.parametrize("limit", [1, 5, 10, 40])
def test_pruned_ranking_equals_scoring_every_candidate(
    corpus: tuple[Index, list[NeedQuery]], limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same ids, scores and reasons as scoring everything, with the bound and with it switched off."""
    index, queries = corpus
    original_points, original_bound = engine._points, engine._no_text_bound
    calls = {"n": 0}

    def counting(*args: Any) -> float | None:
        calls["n"] += 1
        return original_points(*args)

    def ranked(query: NeedQuery, *, bound: bool) -> tuple[list[Any], int]:
        calls["n"] = 0
        monkeypatch.setattr(
            engine, "_no_text_bound", original_bound if bound else lambda *_a: float("inf")
        )
        return [(s.offering, s.score, s.reasons) for s in index.rank(query, limit=limit)], calls[
            "n"
        ]

    monkeypatch.setattr(engine, "_points", counting)
    pruned = 0
    for query in queries:
        fast, fast_calls = ranked(query, bound=True)
        full, full_calls = ranked(query, bound=False)
        slow = [(s.offering, s.score, s.reasons) for s in index.rank_exhaustive(query, limit)]
        assert fast == slow, query
        assert full == slow, query
        pruned += fast_calls < full_calls
    assert pruned > 0  # the pruned path was taken, so the equality above covers it


def test_a_high_no_text_candidate_still_wins() -> None:
    """Category, beneficiaries, bigrams and standing can beat a weak text match: the bound must allow it."""
    weak = make_doc(
        id=1,
        title="社区活动",
        description="各类活动，偶尔有法律讲座",
        categories=["culture"],
        beneficiaries=[],
        areas=["4201"],  # city-wide: no geography points
    )
    strong = make_doc(
        id=2,
        title="助老服务站",
        description="上门帮扶、陪诊、代购",
        categories=["elderly"],
        beneficiaries=["elderly"],
        areas=[COMMUNITY],
        grade="5A",
        rating=5.0,
    )
    index = Index([weak, strong])
    query = NeedQuery(text="法律", region=COMMUNITY, beneficiaries=["elderly"], category="elderly")
    assert [s.offering for s in index.rank(query, limit=1)] == [2]
    assert index.rank(query, limit=2) == index.rank_exhaustive(query, limit=2)


@pytest.fixture
def org_rep(make_user: Callable[..., User]) -> User:
    org = OrganizationFactory.create(region_id="420102002", name="江岸区暖心为老服务中心")
    user = make_user(username="org_rep", full_name="暖心负责人")
    RoleAssignment.objects.create(
        user=user, role=Role.ORG_REP, region_id="420102", organization=org
    )
    return user


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(Role.RESIDENT, COMMUNITY, username="resident", full_name="王居民")


def _offering(org_rep: User, title: str = "独居老人助餐配送") -> ServiceOffering:
    return services.offering_save(
        actor=org_rep,
        organization=org_rep.role_assignments.get().organization,
        data={
            "title": title,
            "description": "为社区独居、失能老人每天送午餐",
            "categories": ["elderly"],
            "area_codes": ["420102002"],
            "beneficiaries": ["elderly"],
            "capacity": 30,
        },
    )


def _need(resident: User, title: str = "送餐") -> Need:
    return services.need_submit(
        actor=resident, data={"title": title, "description": "老人送餐", "region": COMMUNITY}
    )


@pytest.mark.django_db
def test_the_stamp_counts_at_most_once_a_second(
    org_rep: User, resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offering(org_rep)
    need = _need(resident)
    clock = {"now": 1000.0}
    monkeypatch.setattr(live_index, "_clock", lambda: clock["now"])
    live_index.reset()
    live_index.rank(need)

    def counts() -> int:
        with CaptureQueriesContext(connection) as queries:
            live_index.rank(need)
        return sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries)

    clock["now"] += 0.5
    assert counts() == 0
    clock["now"] += 0.6
    assert counts() == 1
    assert counts() == 0


@pytest.mark.django_db
def test_a_deletion_in_another_process_is_seen_within_a_second(
    org_rep: User, resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    meals = _offering(org_rep)
    other_meals = _offering(org_rep, title="长者食堂送餐")
    need = _need(resident)
    clock = {"now": 1000.0}
    other_process = LiveIndex(clock=lambda: clock["now"])
    assert {s.offering for s in other_process.rank(need)} == {meals.pk, other_meals.pk}
    meals_id = meals.pk
    meals.delete()  # its signal reaches this process's live_index only, never `other_process`
    clock["now"] += 0.2
    assert meals_id in {s.offering for s in other_process.rank(need)}  # not counted yet
    clock["now"] += 1.0
    assert [s.offering for s in other_process.rank(need)] == [other_meals.pk]


@pytest.mark.django_db
def test_nightly_batch_replaces_suggestions_in_batches_with_one_audit_entry(
    org_rep: User, resident: User, jiangan_staff: User
) -> None:
    offerings = [_offering(org_rep, title=f"助餐配送{i}") for i in range(3)]
    needs = [_need(resident, title=f"老人送餐{i}") for i in range(5)]
    services.match_offer(actor=jiangan_staff, need=needs[0], offering=offerings[0])
    last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    assert services.refresh_all_suggestions(batch_size=2) == 5
    first = set(
        Match.objects.filter(status=MatchStatus.SUGGESTED).values_list("need_id", "offering_id")
    )
    expected = {(n.pk, o.pk) for n in needs for o in offerings} - {(needs[0].pk, offerings[0].pk)}
    assert first == expected
    assert services.refresh_all_suggestions(batch_size=2) == 5
    again = Match.objects.filter(status=MatchStatus.SUGGESTED)
    assert set(again.values_list("need_id", "offering_id")) == expected  # replaced, not doubled
    assert Match.objects.get(need=needs[0], offering=offerings[0]).status == MatchStatus.OFFERED

    entries = list(LogEntry.objects.get_for_model(Match).filter(pk__gt=last).order_by("pk"))
    summaries = [e for e in entries if e.object_pk == ""]
    assert len(summaries) == 2  # one per night, none per replaced suggestion
    assert [e for e in entries if e.action == LogEntry.Action.DELETE] == []
    assert summaries[-1].changes_dict == {
        "系统推荐（条）": [str(len(expected)), str(len(expected))]
    }
    assert summaries[-1].additional_data == {"region": COMMUNITY}
    assert "5 个待对接需求" in summaries[-1].object_repr
