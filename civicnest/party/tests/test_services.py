"""党建 services: the W 四(二) rule, scope denials and bad input, each refused in Chinese."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.models import Notification
from civicnest.party import selectors, services
from civicnest.party.models import PartyOrgKind
from civicnest.party.tests.factories import party_org
from civicnest.regions.models import Region
from civicnest.registry.tests.factories import OrganizationFactory

JIANGAN_STREET = "420102002"
OTHER_JIANGAN_STREET = "420102003"
WUCHANG_STREET = "420106002"
TODAY = datetime.date(2026, 12, 7)


def _rep(make_user: Callable[..., User], org: Any) -> User:
    user = make_user()
    RoleAssignment.objects.create(
        user=user,
        role=Role.ORG_REP,
        region_id=org.region_id[:6],
        organization=org,
    )
    return user


def _data(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": PartyOrgKind.INDEPENDENT,
        "name": "暖心社工党支部",
        "secretary_name": "王建国",
        "member_count": 4,
        "founded_on": datetime.date(2025, 6, 1),
        "superior": "江岸区社会组织综合党委",
    }
    data.update(over)
    return data


@pytest.mark.django_db
class TestTheRule:
    @override_settings(PARTY_ORG_DEADLINE_DAYS=90)
    def test_three_members_and_no_party_org_is_due_then_overdue(
        self, jiangan_officer: User
    ) -> None:
        org = OrganizationFactory.create(
            region_id=JIANGAN_STREET, party_member_count=3, registered_on=datetime.date(2026, 10, 1)
        )
        OrganizationFactory.create(region_id=JIANGAN_STREET, party_member_count=2)
        rows = selectors.party_rule_rows(user=jiangan_officer, today=datetime.date(2026, 12, 29))
        assert [(r.pk, r.due_on, r.overdue) for r in rows] == [
            (org.pk, datetime.date(2026, 12, 30), False)
        ]
        rows = selectors.party_rule_rows(user=jiangan_officer, today=datetime.date(2026, 12, 31))
        assert rows[0].overdue and rows[0].days_over == 1

    @override_settings(PARTY_ORG_DEADLINE_DAYS=30)
    def test_the_deadline_is_the_setting(self, jiangan_officer: User) -> None:
        OrganizationFactory.create(
            region_id=JIANGAN_STREET, party_member_count=5, registered_on=datetime.date(2026, 11, 1)
        )
        (row,) = selectors.party_rule_rows(user=jiangan_officer, today=TODAY)
        assert row.due_on == datetime.date(2026, 12, 1) and row.overdue

    def test_own_party_org_or_a_joint_branch_satisfies_it(self, jiangan_officer: User) -> None:
        own = OrganizationFactory.create(region_id=JIANGAN_STREET, party_member_count=4)
        covered = OrganizationFactory.create(region_id=JIANGAN_STREET, party_member_count=3)
        host = OrganizationFactory.create(region_id=JIANGAN_STREET, party_member_count=1)
        waiting = OrganizationFactory.create(region_id=JIANGAN_STREET, party_member_count=3)
        party_org(organization=own, by=jiangan_officer)
        party_org(organization=host, by=jiangan_officer, kind=PartyOrgKind.JOINT, covered=[covered])
        rows = selectors.party_rule_rows(user=jiangan_officer, today=TODAY)
        assert [r.pk for r in rows] == [waiting.pk]

    def test_a_dissolved_party_org_no_longer_counts(self, jiangan_officer: User) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET, party_member_count=4)
        party_org(organization=org, by=jiangan_officer, dissolved_on=datetime.date(2025, 1, 1))
        assert [r.pk for r in selectors.party_rule_rows(user=jiangan_officer)] == [org.pk]

    def test_deregistered_organizations_are_not_listed(self, jiangan_officer: User) -> None:
        OrganizationFactory.create(
            region_id=JIANGAN_STREET, party_member_count=9, status="deregistered"
        )
        assert selectors.party_rule_rows(user=jiangan_officer) == []

    def test_centers_with_three_party_member_staff_are_listed(
        self, jiangan_officer: User, jiangan_center: object
    ) -> None:
        from civicnest.network.tests.factories import CenterStaffFactory

        for _n in range(3):
            CenterStaffFactory.create(center=jiangan_center, is_party_member=True)
        rows = selectors.party_rule_rows(user=jiangan_officer)
        assert [(r.kind, r.pk) for r in rows] == [("center", jiangan_center.pk)]  # type: ignore[attr-defined]
        party_org(center=jiangan_center, by=jiangan_officer)
        assert selectors.party_rule_rows(user=jiangan_officer) == []

    def test_the_list_is_for_the_jurisdiction(
        self, jiangan_officer: User, wuchang_officer: User
    ) -> None:
        OrganizationFactory.create(region_id=WUCHANG_STREET, party_member_count=5)
        assert selectors.party_rule_rows(user=jiangan_officer) == []
        assert len(selectors.party_rule_rows(user=wuchang_officer)) == 1


@pytest.mark.django_db
class TestPartyOrgCreate:
    def test_staff_in_scope_records_one(self, jiangan_staff: User) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET, party_member_count=4)
        found = services.party_org_create(actor=jiangan_staff, data=_data(organization=org))
        assert found.region_id == JIANGAN_STREET and found.created_by == jiangan_staff
        from auditlog.models import LogEntry

        entry = LogEntry.objects.get(
            object_pk=str(found.pk), content_type__model="partyorganization"
        )
        assert entry.actor == jiangan_staff
        assert "王建国" not in str(entry.changes)  # the audit trail masks the secretary's name

    def test_a_foreign_organization_is_refused(self, jiangan_officer: User) -> None:
        org = OrganizationFactory.create(region_id=WUCHANG_STREET)
        with pytest.raises(PermissionDenied):
            services.party_org_create(actor=jiangan_officer, data=_data(organization=org))

    def test_an_organization_representative_may_not_record_it(
        self, make_user: Callable[..., User]
    ) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        with pytest.raises(PermissionDenied):
            services.party_org_create(actor=_rep(make_user, org), data=_data(organization=org))

    def test_a_branch_needs_three_members(self, jiangan_officer: User) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        with pytest.raises(ValidationError) as exc:
            services.party_org_create(
                actor=jiangan_officer, data=_data(organization=org, member_count=2)
            )
        assert "党支部须有3名以上党员" in str(exc.value)
        found = services.party_org_create(
            actor=jiangan_officer,
            data=_data(organization=org, member_count=2, kind=PartyOrgKind.FUNCTIONAL),
        )
        assert found.kind == PartyOrgKind.FUNCTIONAL

    def test_one_host_only(self, jiangan_officer: User, jiangan_center: object) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        with pytest.raises(ValidationError) as exc:
            services.party_org_create(
                actor=jiangan_officer, data=_data(organization=org, center=jiangan_center)
            )
        assert exc.value.message_dict["organization"] == [
            "请选择党组织所在的社会组织或中心（二选一）。"
        ]
        with pytest.raises(ValidationError):
            services.party_org_create(actor=jiangan_officer, data=_data())

    def test_a_second_active_one_is_refused(self, jiangan_officer: User) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        services.party_org_create(actor=jiangan_officer, data=_data(organization=org))
        with pytest.raises(ValidationError) as exc:
            services.party_org_create(actor=jiangan_officer, data=_data(organization=org))
        assert "该社会组织已有党组织" in str(exc.value)

    def test_founded_in_the_future_is_refused(self, jiangan_officer: User) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        with pytest.raises(ValidationError) as exc:
            services.party_org_create(
                actor=jiangan_officer,
                data=_data(organization=org, founded_on=datetime.date(2099, 1, 1)),
            )
        assert exc.value.message_dict["founded_on"] == ["成立日期不能晚于今天。"]

    def test_joint_branch_covers_others_in_the_district(self, jiangan_officer: User) -> None:
        host = OrganizationFactory.create(region_id=JIANGAN_STREET)
        small = OrganizationFactory.create(region_id=OTHER_JIANGAN_STREET, party_member_count=1)
        found = services.party_org_create(
            actor=jiangan_officer,
            data=_data(organization=host, kind=PartyOrgKind.JOINT, covered_organizations=[small]),
        )
        assert list(found.covered_organizations.all()) == [small]
        # and an organization covered by it cannot get a second branch or coverage
        other_host = OrganizationFactory.create(region_id=JIANGAN_STREET)
        with pytest.raises(ValidationError) as exc:
            services.party_org_create(
                actor=jiangan_officer,
                data=_data(
                    organization=other_host, kind=PartyOrgKind.JOINT, covered_organizations=[small]
                ),
            )
        assert "已被联合党支部" in str(exc.value)
        with pytest.raises(ValidationError):
            services.party_org_create(actor=jiangan_officer, data=_data(organization=small))

    def test_joint_branch_rules(self, jiangan_officer: User, city_officer: User) -> None:
        host = OrganizationFactory.create(region_id=JIANGAN_STREET)
        other = OrganizationFactory.create(region_id=JIANGAN_STREET)
        foreign = OrganizationFactory.create(region_id=WUCHANG_STREET)
        with pytest.raises(ValidationError) as exc:
            services.party_org_create(
                actor=jiangan_officer, data=_data(organization=host, covered_organizations=[other])
            )
        assert exc.value.message_dict["covered_organizations"] == [
            "只有联合党支部可以覆盖其他社会组织。"
        ]
        with pytest.raises(ValidationError):
            services.party_org_create(
                actor=jiangan_officer, data=_data(organization=host, kind="joint")
            )
        with pytest.raises(PermissionDenied):
            services.party_org_create(
                actor=jiangan_officer,
                data=_data(organization=host, kind="joint", covered_organizations=[foreign]),
            )
        with pytest.raises(
            ValidationError
        ) as exc:  # the city sees both, but a branch stays in a district
            services.party_org_create(
                actor=city_officer,
                data=_data(organization=host, kind="joint", covered_organizations=[foreign]),
            )
        assert "不在同一区县" in str(exc.value)

    def test_update_and_dissolve_check_scope(
        self, jiangan_officer: User, wuchang_officer: User
    ) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        found = party_org(organization=org, by=jiangan_officer)
        with pytest.raises(PermissionDenied):
            services.party_org_update(
                actor=wuchang_officer, party_org=found, data={"member_count": 9}
            )
        with pytest.raises(PermissionDenied):
            services.party_org_dissolve(actor=wuchang_officer, party_org=found, dissolved_on=TODAY)
        services.party_org_update(actor=jiangan_officer, party_org=found, data={"member_count": 9})
        found.refresh_from_db()
        assert found.member_count == 9
        with pytest.raises(ValidationError):
            services.party_org_dissolve(
                actor=jiangan_officer, party_org=found, dissolved_on=datetime.date(2020, 1, 1)
            )
        services.party_org_dissolve(actor=jiangan_officer, party_org=found, dissolved_on=TODAY)
        with pytest.raises(ValidationError):
            services.activity_record(actor=jiangan_officer, party_org=found, data={})


@pytest.mark.django_db
class TestGuides:
    def _data(self, **over: object) -> dict[str, object]:
        data: dict[str, object] = {
            "name": "李指导",
            "phone": "13900001234",
            "affiliation": "街道党工委组织委员",
            "region": Region.objects.get(code=JIANGAN_STREET),
            "starts_on": datetime.date(2026, 1, 1),
            "ends_on": None,
        }
        data.update(over)
        return data

    def test_a_street_assigns_one_and_the_organization_is_told(
        self, make_user: Callable[..., User]
    ) -> None:
        from civicnest.network.tests.factories import CenterFactory

        center = CenterFactory.create(region_id=JIANGAN_STREET, level="street")
        street_staff = make_user(Role.CENTER_STAFF, JIANGAN_STREET, center=center)
        org = OrganizationFactory.create(region_id="420102002003")
        rep = _rep(make_user, org)
        with TestCase.captureOnCommitCallbacks(execute=True):
            guide = services.guide_assign(actor=street_staff, data=self._data(organizations=[org]))
        assert list(guide.organizations.all()) == [org]
        assert Notification.objects.filter(recipient=rep, event="party.guide_assigned").exists()

    def test_refusals(self, jiangan_officer: User, make_user: Callable[..., User]) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        elsewhere = OrganizationFactory.create(region_id=OTHER_JIANGAN_STREET)
        with pytest.raises(ValidationError) as exc:  # a district is not a street
            services.guide_assign(
                actor=jiangan_officer,
                data=self._data(region=Region.objects.get(code="420102"), organizations=[org]),
            )
        assert exc.value.message_dict["region"] == ["党建指导员由街道选派：请选择您辖区内的街道。"]
        with pytest.raises(ValidationError):  # another district's street
            services.guide_assign(
                actor=jiangan_officer,
                data=self._data(
                    region=Region.objects.get(code=WUCHANG_STREET), organizations=[org]
                ),
            )
        with pytest.raises(ValidationError) as exc:
            services.guide_assign(actor=jiangan_officer, data=self._data(organizations=[elsewhere]))
        assert "不在该街道" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            services.guide_assign(actor=jiangan_officer, data=self._data(organizations=[]))
        assert exc.value.message_dict["organizations"] == ["请至少选择一家联系指导的社会组织。"]
        with pytest.raises(ValidationError) as exc:
            services.guide_assign(
                actor=jiangan_officer,
                data=self._data(organizations=[org], ends_on=datetime.date(2025, 1, 1)),
            )
        assert "结束日期不能早于派驻日期" in str(exc.value)
        rep = _rep(make_user, org)
        with pytest.raises(ValidationError):
            services.guide_assign(actor=rep, data=self._data(organizations=[org]))

    def test_ending_a_term(self, jiangan_officer: User, wuchang_officer: User) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        guide = services.guide_assign(actor=jiangan_officer, data=self._data(organizations=[org]))
        with pytest.raises(PermissionDenied):
            services.guide_update(actor=wuchang_officer, guide=guide, data={"ends_on": TODAY})
        services.guide_update(actor=jiangan_officer, guide=guide, data={"ends_on": TODAY})
        guide.refresh_from_db()
        assert guide.ends_on == TODAY


@pytest.mark.django_db
class TestActivities:
    def _data(self, **over: object) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": "lecture",
            "held_on": datetime.date(2026, 7, 1),
            "topic": "七一专题党课",
            "attendance": 4,
            "attendees": "王建国、张红梅、刘志强、陈晓",
            "summary": "",
        }
        data.update(over)
        return data

    def test_staff_and_the_own_representative_record(
        self, jiangan_officer: User, make_user: Callable[..., User]
    ) -> None:
        org = OrganizationFactory.create(region_id=JIANGAN_STREET)
        found = party_org(organization=org, by=jiangan_officer)
        services.activity_record(actor=jiangan_officer, party_org=found, data=self._data())
        services.activity_record(actor=_rep(make_user, org), party_org=found, data=self._data())
        assert found.activities.count() == 2

    def test_refusals(
        self, jiangan_officer: User, wuchang_officer: User, make_user: Callable[..., User]
    ) -> None:
        host = OrganizationFactory.create(region_id=JIANGAN_STREET)
        covered = OrganizationFactory.create(region_id=JIANGAN_STREET)
        found = party_org(organization=host, by=jiangan_officer, kind="joint", covered=[covered])
        with pytest.raises(PermissionDenied):
            services.activity_record(actor=wuchang_officer, party_org=found, data=self._data())
        with pytest.raises(PermissionDenied):  # a covered organization's representative only reads
            services.activity_record(
                actor=_rep(make_user, covered), party_org=found, data=self._data()
            )
        with pytest.raises(ValidationError) as exc:
            services.activity_record(
                actor=jiangan_officer, party_org=found, data=self._data(attendance=6)
            )
        assert exc.value.message_dict["attendance"][0].startswith("出席人数不能超过党员人数")
        with pytest.raises(ValidationError) as exc:
            services.activity_record(
                actor=jiangan_officer,
                party_org=found,
                data=self._data(held_on=datetime.date(2020, 1, 1)),
            )
        assert exc.value.message_dict["held_on"] == ["活动日期不能早于党组织成立日期。"]
        with pytest.raises(ValidationError) as exc:
            services.activity_record(
                actor=jiangan_officer,
                party_org=found,
                data=self._data(held_on=datetime.date(2099, 1, 1)),
            )
        assert "不能晚于今天" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            services.activity_record(
                actor=jiangan_officer, party_org=found, data=self._data(topic="  ")
            )
        assert "topic" in exc.value.message_dict
