"""Ranking leaves the web workers: a submitted need or a 刷新推荐 only queues `need_suggest` on the
"matching" queue; the one worker per machine that serves that queue holds the index and writes the
suggestions, which the need page (polling) and the API then read from the database."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.matching import services
from civicnest.matching.live_index import live_index
from civicnest.matching.models import Match, MatchStatus, Need
from civicnest.matching.tests.test_lifecycle import COMMUNITY, _offering, _rep, _submit


@pytest.fixture
def queued_tasks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The production task backend: tasks wait in the database for a worker (run here in-process;
    its connection housekeeping would close the test's transaction, so it is switched off)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    live_index.reset()
    yield
    live_index.reset()


def _work(queue: str) -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", queue_name=queue, stdout=io.StringIO()
    )


def _suggested(need: Need) -> set[int]:
    return set(
        Match.objects.filter(need=need, status=MatchStatus.SUGGESTED).values_list(
            "offering_id", flat=True
        )
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_tasks")
def test_web_requests_queue_ranking_and_only_the_matching_worker_ranks(
    client: Any, api_client: Any, make_user: Callable[..., User], jiangan_staff: User
) -> None:
    meals = _offering(
        _rep(make_user, "暖心为老服务中心"), "独居老人助餐配送", "为独居老人每天送午餐上门"
    )
    resident = make_user(Role.RESIDENT, COMMUNITY, username="resident", full_name="王居民")

    need = _submit(resident)
    need.refresh_from_db()
    assert need.suggestions_due is not None and _suggested(need) == set()
    assert live_index._index is None  # the submitting process built no index
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.queue_name) == (
        "civicnest.matching.tasks.need_suggest",
        "matching",
    )

    client.force_login(jiangan_staff)
    page = client.get(need.get_absolute_url()).content.decode()
    assert 'data-testid="suggestions-pending"' in page and 'hx-trigger="every 2s"' in page
    assert "暂无合适的服务" not in page  # not "nothing found" while the worker has not answered
    api_client.force_authenticate(jiangan_staff)
    listed = api_client.get("/api/v1/needs/").json()["results"]
    assert [(n["id"], n["suggestions_pending"]) for n in listed] == [(need.pk, True)]
    assert api_client.get(f"/api/v1/needs/{need.pk}/matches/").json() == []

    _work("default")  # a worker of the other queue leaves it alone
    assert DBTaskResult.objects.get().status == "READY"
    _work("matching")
    need.refresh_from_db()
    assert need.suggestions_due is None and _suggested(need) == {meals.pk}
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    fragment = client.get(f"/matching/needs/{need.pk}/matches/").content.decode()
    assert meals.title in fragment and "hx-trigger" not in fragment  # polling stops
    ranked = api_client.get(f"/api/v1/needs/{need.pk}/matches/").json()
    assert [r["service"] for r in ranked] == [meals.pk] and ranked[0]["reasons"]

    # 刷新推荐 queues again; the page says so instead of ranking in the request.
    live_index.reset()
    response = client.post(f"/matching/needs/{need.pk}/refresh/", follow=True)
    assert "已请求刷新推荐" in response.content.decode()
    assert live_index._index is None
    assert DBTaskResult.objects.filter(status="READY", queue_name="matching").count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_tasks")
def test_refresh_is_for_staff_in_scope_and_a_late_request_is_not_lost(
    client: Any, make_user: Callable[..., User], jiangan_staff: User
) -> None:
    resident = make_user(Role.RESIDENT, COMMUNITY, username="resident", full_name="王居民")
    need = _submit(resident)
    client.force_login(resident)
    assert client.post(f"/matching/needs/{need.pk}/refresh/").status_code == 403
    foreign = make_user(Role.BUREAU_OFFICER, "420103")  # 江汉区
    client.force_login(foreign)
    assert client.post(f"/matching/needs/{need.pk}/refresh/").status_code == 404

    # A request made while the worker ranks keeps the need pending for the next run.
    services.suggestions_request(actor=jiangan_staff, need=need)
    Need.objects.filter(pk=need.pk).update(suggestions_due=need.created_at.replace(year=2999))
    assert services.suggestions_write(need_id=need.pk) == 0
    need.refresh_from_db()
    assert need.suggestions_due is not None
    assert services.suggestions_write(need_id=987654) == 0  # a need deleted meanwhile
