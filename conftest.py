"""Root fixtures: the real Wuhan region tree once per test database, role users in two districts."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region

JIANGAN = "420102"
WUCHANG = "420106"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load Wuhan's official regions (13 districts, 193 streets, 3,495 communities) once."""
    with django_db_blocker.unblock():
        load_city("4201")


@pytest.fixture(autouse=True)
def _regions_after_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests end with a flush of every table, regions included: put the tree back for
    the next transactional test on the worker (plain tests roll back and keep it)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        if not Region.objects.filter(code=JIANGAN).exists():
            load_city("4201")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _chinese_by_default() -> Iterator[None]:
    """A request under /en/ leaves English active in the thread; every test starts in Chinese."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def region() -> Callable[[str], Region]:
    return lambda code: Region.objects.get(code=code)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = {"n": 0}

    def make(
        role: str | None = None,
        region_code: str = JIANGAN,
        center: Center | None = None,
        username: str | None = None,
        **extra: Any,
    ) -> User:
        counter["n"] += 1
        user = User.objects.create_user(
            username=username or f"user{counter['n']}_{role or 'plain'}",
            password="Test-Password-2026",
            full_name=extra.pop("full_name", "测试用户"),
            **extra,
        )
        if role:
            RoleAssignment.objects.create(
                user=user, role=role, region_id=region_code, center=center
            )
        return user

    return make


@pytest.fixture
def jiangan_center(db: None) -> Center:
    return CenterFactory.create(region_id=JIANGAN, level="district", name="江岸区社会组织孵化中心")


@pytest.fixture
def wuchang_center(db: None) -> Center:
    return CenterFactory.create(region_id=WUCHANG, level="district", name="武昌区社会组织孵化中心")


@pytest.fixture
def jiangan_officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, JIANGAN, username="jiangan_officer")


@pytest.fixture
def wuchang_officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, WUCHANG, username="wuchang_officer")


@pytest.fixture
def city_officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, "4201", username="city_officer")


@pytest.fixture
def jiangan_staff(make_user: Callable[..., User], jiangan_center: Center) -> User:
    return make_user(Role.CENTER_STAFF, JIANGAN, center=jiangan_center, username="jiangan_staff")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def disk_media(settings: Any, tmp_path: Path) -> Path:
    """Uploads go to a real folder (the test settings keep them in memory), for storage-failure tests."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def _full_disk_after(limit: int) -> Callable[..., Any]:
    """os.fdopen whose files take `limit` bytes, then fail the way a full disk does."""
    real_fdopen = os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_fdopen(fd, mode, *args, **kwargs)
        if "w" not in mode:
            return handle

        class FullDisk:
            def write(self, data: bytes) -> int:
                handle.write(data[:limit])
                handle.flush()
                raise OSError(errno.ENOSPC, "No space left on device")

            def close(self) -> None:
                handle.close()

        return FullDisk()

    return fdopen


@pytest.fixture
def full_disk_after() -> Callable[[int], Callable[..., Any]]:
    """Patch `django.core.files.storage.filesystem.os.fdopen` with `full_disk_after(limit)`."""
    return _full_disk_after
