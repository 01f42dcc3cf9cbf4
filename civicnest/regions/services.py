"""Writes to the region tree: one region at a time through `region_create`, whole cities through the loader."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicnest.accounts.roles import Role
from civicnest.core.audit import acting_as
from civicnest.regions.models import CODE_LENGTH, LEVEL_BY_LENGTH, Region, RegionLevel
from civicnest.regions.scoping import Scope

if TYPE_CHECKING:
    from civicnest.accounts.models import User


def region_create(*, actor: User | Any, code: str, name: str, parent_code: str | None) -> Region:
    """Add a region node under an existing parent. Only bureau officers covering the parent may."""
    code = (code or "").strip()
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code.isascii() or not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
        errors["code"] = [
            _("区划代码格式不正确：应为 6 位（区县）、9 位（街道）或 12 位（社区）数字。")
        ]
    if not name:
        errors["name"] = [_("请填写区划名称。")]
    parent = None
    if parent_code:
        parent = Region.objects.filter(code=parent_code.strip()).first()
        if parent is None:
            errors["parent"] = [_("上级区划不存在：%(code)s") % {"code": parent_code}]
    elif "code" not in errors and len(code) > 2:
        errors["parent"] = [_("请指定上级区划。")]
    if parent is not None and "code" not in errors:
        if parent.level == "community":
            errors["parent"] = [_("社区/村是最低一级区划，不能再添加下级。")]
        elif not code.startswith(parent.code):
            errors["code"] = [
                _("区划代码必须以上级区划代码 %(parent)s 开头。") % {"parent": parent.code}
            ]
        elif LEVEL_BY_LENGTH[len(code)] != _child_level(parent):
            errors["code"] = [
                _("%(parent)s 的下级区划代码应为 %(length)d 位。")
                % {"parent": parent.name, "length": CODE_LENGTH[RegionLevel(_child_level(parent))]}
            ]
    if "code" not in errors and Region.objects.filter(code=code).exists():
        errors["code"] = [_("区划代码 %(code)s 已存在。") % {"code": code}]
    if errors:
        raise ValidationError(errors)

    scope = Scope.for_user(actor)
    if not (
        scope.is_superuser or (parent and scope.covers(parent.code, roles=[Role.BUREAU_OFFICER]))
    ):
        raise PermissionDenied(_("只有管辖该上级区划的民政局工作人员可以新增区划。"))

    region = Region(code=code, name=name, level=LEVEL_BY_LENGTH[len(code)], parent=parent)
    region.full_clean()
    with transaction.atomic(), acting_as(actor):
        region.save(force_insert=True)
    return region


def _child_level(parent: Region) -> str:
    return str(LEVEL_BY_LENGTH[{2: 4, 4: 6, 6: 9, 9: 12}[len(parent.code)]])
