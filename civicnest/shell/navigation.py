"""The side menu per role. Later capabilities add their entries to MENU."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicnest.accounts.roles import STAFF_ROLES, Role
from civicnest.regions.scoping import Scope

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[str]


MENU: list[tuple[str | Promise, list[MenuEntry]]] = [
    (
        _("工作台"),
        [
            MenuEntry(_("首页"), "shell:home", "house", ALL_ROLES),
            MenuEntry(_("消息通知"), "core:notifications", "bell", ALL_ROLES),
            MenuEntry(
                _("工作通知"),
                "notices:list",
                "envelope-paper",
                STAFF_ROLES | {Role.ORG_REP},
            ),
            MenuEntry(_("统计看板"), "stats:dashboard", "bar-chart-line", STAFF_ROLES),
            MenuEntry(_("情况专报"), "stats:report-list", "file-earmark-bar-graph", STAFF_ROLES),
        ],
    ),
    (
        _("平台网络"),
        [
            MenuEntry(_("网络总览"), "network:tree", "diagram-3", STAFF_ROLES),
            MenuEntry(_("中心列表"), "network:center-list", "building", STAFF_ROLES),
            MenuEntry(_("行政区划"), "regions:browse", "geo-alt", STAFF_ROLES),
            MenuEntry(_("公告与政策"), "disclosure:announcement-list", "megaphone", STAFF_ROLES),
        ],
    ),
    (
        _("社会组织"),
        [
            MenuEntry(
                _("社会组织名录"), "registry:org-list", "people", STAFF_ROLES | {Role.ORG_REP}
            ),
            MenuEntry(_("团队备案"), "registry:team-list", "flag", ALL_ROLES),
            MenuEntry(
                _("年检年报"), "registry:report-list", "journal-check", STAFF_ROLES | {Role.ORG_REP}
            ),
            MenuEntry(_("党建工作"), "party:org-list", "flag-fill", STAFF_ROLES | {Role.ORG_REP}),
        ],
    ),
    (
        _("孵化培育"),
        [MenuEntry(_("孵化看板"), "incubation:board", "egg", ALL_ROLES)],
    ),
    (
        _("供需对接"),
        [
            MenuEntry(_("提交需求"), "matching:need-create", "chat-heart", ALL_ROLES),
            MenuEntry(
                _("我的需求"),
                "matching:need-list",
                "list-check",
                frozenset({Role.RESIDENT, Role.VOLUNTEER}),
            ),
            MenuEntry(_("对接看板"), "matching:board", "arrow-left-right", STAFF_ROLES),
            MenuEntry(_("需求收件箱"), "matching:inbox", "inbox", frozenset({Role.ORG_REP})),
            MenuEntry(_("服务目录"), "matching:offering-list", "grid", ALL_ROLES),
            MenuEntry(_("协商议事"), "governance:topic-list", "megaphone", ALL_ROLES),
        ],
    ),
    (
        _("场地与活动"),
        [
            MenuEntry(_("场地预约"), "venues:room-list", "door-open", ALL_ROLES),
            MenuEntry(_("我的预约"), "venues:booking-list", "calendar-check", ALL_ROLES),
            MenuEntry(_("培训与活动"), "training:home", "mortarboard", ALL_ROLES),
            MenuEntry(_("人才库"), "training:talent-list", "person-badge", ALL_ROLES),
        ],
    ),
    (
        _("监督管理"),
        [
            MenuEntry(
                _("评估与监督"),
                "evaluation:home",
                "award",
                STAFF_ROLES | {Role.ORG_REP, Role.EXPERT},
            ),
            MenuEntry(_("合规检查"), "evaluation:compliance", "clipboard-check", STAFF_ROLES),
            MenuEntry(
                _("操作审计"), "shell:audit", "journal-text", frozenset({Role.BUREAU_OFFICER})
            ),
            MenuEntry(_("接口文档"), "swagger-ui", "code-slash", STAFF_ROLES),
        ],
    ),
    (
        _("公益创投"),
        [
            MenuEntry(
                _("创投与购买服务"),
                "philanthropy:home",
                "cash-coin",
                STAFF_ROLES | {Role.ORG_REP, Role.EXPERT, Role.FUNDER},
            ),
            MenuEntry(
                _("资助项目"),
                "philanthropy:project-list",
                "collection",
                STAFF_ROLES | {Role.ORG_REP, Role.EXPERT, Role.FUNDER},
            ),
            MenuEntry(
                _("评审任务"),
                "philanthropy:review-queue",
                "clipboard-check",
                frozenset({Role.EXPERT}),
            ),
            MenuEntry(_("资金账户"), "philanthropy:fund-list", "wallet2", STAFF_ROLES),
        ],
    ),
]


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    icon: str
    active: bool


def menu_for(scope: Scope, path: str) -> list[tuple[str, list[MenuItem]]]:
    """The menu the scope's roles may use; the one entry whose URL is the longest prefix of `path` is active."""
    visible: list[tuple[str, list[tuple[MenuEntry, str]]]] = []
    for title, entries in MENU:
        urls = []
        for entry in entries:
            if not (scope.is_superuser or scope.roles() & entry.roles):
                continue
            url = _menu_url(entry.url_name, get_script_prefix(), get_language() or "")
            if url is not None:
                urls.append((entry, url))
        if urls:
            visible.append((str(title), urls))
    candidates = [url for _title, pairs in visible for _entry, url in pairs if _matches(path, url)]
    active_url = max(candidates, key=len) if candidates else None
    return [
        (
            title,
            [
                MenuItem(str(entry.label), url, entry.icon, url == active_url)
                for entry, url in pairs
            ],
        )
        for title, pairs in visible
    ]


@functools.lru_cache(maxsize=256)
def _menu_url(url_name: str, script_prefix: str, language: str) -> str | None:
    """The menu's URLs, reversed once per process and language (the URLs carry a language prefix;
    the menu is on every page: ~40 reversals a request)."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _matches(path: str, url: str) -> bool:
    return path == url or (url != "/" and path.startswith(url))
