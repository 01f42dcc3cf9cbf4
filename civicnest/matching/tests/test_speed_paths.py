"""The fast paths must give the same answers as the slow ones: pruned ranking, the cheap freshness
stamp, and the nightly batch that writes suggestions in batches."""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.matching import engine, selectors, services
from civicnest.matching.engine import Index, NeedQuery, ResourceDoc, make_doc, rank_resources
from civicnest.matching.live_index import LiveIndex, live_index
from civicnest.matching.models import Match, MatchStatus, Need, ServiceOffering
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.venues.tests.factories import RoomFactory

EVALUATION = Path(settings.BASE_DIR) / "data" / "matching"
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


# -- resources ranked for a need --------------------------------------------------------------------
def _res(id: int, region: str, title: str, kind: str = "venue", **dates: Any) -> ResourceDoc:
    return ResourceDoc(
        id=id,
        kind=kind,
        kind_label={"venue": "场地", "fund": "资金", "volunteers": "志愿者", "in_kind": "物资捐赠"}[
            kind
        ],
        title=title,
        description="",
        region=region,
        **dates,
    )


def test_resources_are_ranked_by_subject_place_and_time() -> None:
    today = datetime.date(2026, 11, 23)
    need = NeedQuery(text="想借个活动室给老人办生日会", region=COMMUNITY)
    resources = [
        _res(1, "420102002", "大智街道党群服务中心活动室"),  # same street, a venue: asked for
        _res(2, COMMUNITY, "保成社区活动室"),  # same community: nearer
        _res(3, "420106", "武昌区青少年活动室"),  # another district
        _res(4, COMMUNITY, "社区活动室", available_until=datetime.date(2026, 11, 1)),  # expired
        _res(5, COMMUNITY, "助学金", kind="fund"),  # nothing in common
        _res(6, "420102003", "二七街道会议室"),  # same district, other street
        _res(7, "4201", "市老年活动中心场地"),  # city level
    ]
    ranked = rank_resources(need, resources, today=today)
    assert [s.resource for s in ranked] == [2, 1, 7, 6]
    assert ranked[0].reasons[:2] == ["同一社区", "需要场地"]
    assert "同区其他街道的资源" in ranked[-1].reasons
    # Only after the need's window closes: not offered; open during it: offered, with its end date.
    late = [_res(8, COMMUNITY, "社区活动室", available_from=datetime.date(2027, 3, 1))]
    window = (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    assert rank_resources(need, late, today=today, window=window) == []
    soon = [_res(9, COMMUNITY, "社区活动室", available_until=datetime.date(2026, 12, 15))]
    assert rank_resources(need, soon, today=today, window=window)[0].reasons[-1] == (
        "可用至 2026-12-15"
    )


def test_volunteers_and_donations_are_found_by_the_words_residents_use() -> None:
    today = datetime.date(2026, 11, 23)
    resources = [
        _res(1, COMMUNITY, "青年志愿服务队", kind="volunteers"),
        _res(2, COMMUNITY, "爱心企业冬季棉被", kind="in_kind"),
    ]
    helpers = rank_resources(
        NeedQuery(text="搬家缺人手，老人搬不动", region=COMMUNITY), resources, today=today
    )
    assert [s.resource for s in helpers] == [1]
    assert "需要志愿者" in helpers[0].reasons
    warm = rank_resources(
        NeedQuery(text="困难户冬天缺棉被", region=COMMUNITY), resources, today=today
    )
    assert [s.resource for s in warm] == [2]


@pytest.mark.django_db
def test_staff_see_resources_on_the_need_page_within_their_jurisdiction(
    client: Any,
    resident: User,
    jiangan_staff: User,
    make_user: Callable[..., User],
    region: Callable[[str], Any],
) -> None:
    room = services.resource_create(
        actor=jiangan_staff,
        data={
            "kind": "venue",
            "title": "保成社区党群服务中心活动室",
            "description": "可容纳 40 人，周末开放",
            "provider": "保成社区居委会",
            "region": region(COMMUNITY),
        },
    )
    elsewhere = services.resource_create(
        actor=make_user(Role.BUREAU_OFFICER, "420106"),
        data={
            "kind": "venue",
            "title": "武昌区活动室",
            "provider": "武昌区",
            "region": region("420106"),
        },
    )
    need = services.need_submit(
        actor=resident,
        data={"title": "借场地", "description": "想借个活动室办老人生日会", "region": COMMUNITY},
    )
    street_officer = make_user(Role.BUREAU_OFFICER, "420102003")  # another street: not the room's
    ranked = selectors.resources_for_need(user=jiangan_staff, need=need)
    assert [r.title for r in ranked] == [room.title]
    assert elsewhere.title not in [r.title for r in ranked]

    client.force_login(jiangan_staff)
    page = client.get(need.get_absolute_url()).content.decode()
    assert "保成社区党群服务中心活动室" in page and "需要场地" in page
    client.force_login(resident)  # the resident sees the progress, not the staff's resource list
    assert "保成社区党群服务中心活动室" not in client.get(need.get_absolute_url()).content.decode()
    assert selectors.resources_for_need(user=street_officer, need=need) == []


@pytest.mark.django_db
def test_nightly_batch_ranked_in_forked_workers_writes_the_same_suggestions(
    org_rep: User, resident: User
) -> None:
    for i in range(4):
        _offering(org_rep, title=f"助餐配送{i}")
    for i in range(7):
        _need(resident, title=f"老人送餐{i}")

    def written() -> set[tuple[int, int, float]]:
        return set(
            Match.objects.filter(status=MatchStatus.SUGGESTED).values_list(
                "need_id", "offering_id", "score"
            )
        )

    assert services.refresh_all_suggestions(batch_size=3, workers=1) == 7
    alone = written()
    assert services.last_refresh["workers"] == 1
    assert services.refresh_all_suggestions(batch_size=3, workers=2) == 7
    assert services.last_refresh["workers"] == 2  # three batches, so the pool was really used
    assert written() == alone and len(alone) == 7 * 4


@pytest.mark.django_db
def test_bookable_rooms_of_the_venues_app_are_suggested_for_a_need_for_space(
    resident: User, jiangan_staff: User, jiangan_center: Any
) -> None:
    hall = RoomFactory.create(
        center=jiangan_center, name="党群服务中心多功能活动室", capacity=60, region_id="420102"
    )
    RoomFactory.create(center=jiangan_center, name="内部会议室", open_to="staff")
    RoomFactory.create(center=jiangan_center, name="已停用活动室", is_active=False)
    need = services.need_submit(
        actor=resident,
        data={"title": "借场地", "description": "想借个活动室办老人生日会", "region": COMMUNITY},
    )
    ranked = selectors.resources_for_need(user=jiangan_staff, need=need)
    assert [r.title for r in ranked] == [hall.name]
    assert ranked[0].url == hall.get_absolute_url() and ranked[0].detail == "可容纳 60 人"
    assert ranked[0].reasons[:2] == ["本区资源", "需要场地"]
    stranger = services.need_submit(
        actor=resident,
        data={"title": "作业", "description": "孩子作业没人辅导", "region": COMMUNITY},
    )
    assert selectors.resources_for_need(user=jiangan_staff, need=stranger) == []


def test_cached_length_norms_follow_every_change_of_the_index() -> None:
    """A doc swapped for another of the same length leaves the average unchanged: the cache must still move."""

    def meals(id: int) -> engine.OfferingDoc:
        return make_doc(
            id=id,
            title="长者助餐",
            description="为老人送午餐",
            categories=["elderly"],
            beneficiaries=["elderly"],
            areas=[COMMUNITY],
        )

    index = Index([meals(1)])
    query = NeedQuery(text="老人送餐", region=COMMUNITY)
    assert [s.offering for s in index.rank(query)] == [1]
    index.remove(1)
    index.add(meals(2))
    assert [s.offering for s in index.rank(query)] == [2]
    assert index.rank(query) == index.rank_exhaustive(query)


@pytest.mark.django_db
def test_a_match_staff_create_during_the_nightly_batch_wins_over_the_suggestion(
    org_rep: User, resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    offering = _offering(org_rep)
    needs = [_need(resident, title=f"老人送餐{i}") for i in range(3)]
    manager = type(Match.objects)
    original = manager.bulk_create

    def staff_got_there_first(self: Any, objs: Any, *args: Any, **kwargs: Any) -> Any:
        # Between the batch's look-up of acted-on matches and its insert, staff offer need 0.
        Match.objects.get_or_create(
            need=needs[0],
            offering=offering,
            defaults={"region_id": needs[0].region_id, "status": MatchStatus.OFFERED},
        )
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", staff_got_there_first)
    assert services.refresh_all_suggestions(batch_size=2, workers=1) == 3
    assert Match.objects.get(need=needs[0], offering=offering).status == MatchStatus.OFFERED
    assert set(
        Match.objects.filter(status=MatchStatus.SUGGESTED).values_list("need_id", flat=True)
    ) == {needs[1].pk, needs[2].pk}
