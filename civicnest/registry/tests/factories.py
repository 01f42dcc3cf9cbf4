from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from civicnest.core.validators import uscc_build
from civicnest.registry.models import ActivityTeam, AnnualReport, SocialOrganization
from civicnest.registry.search import pinyin_full, pinyin_initials


def _uscc(n: int, org_type: str = "social_service", region: str = "420102") -> str:
    return uscc_build(org_type=org_type, region_code=region, body=f"MA{n:06d}")


class OrganizationFactory(factory.django.DjangoModelFactory[SocialOrganization]):
    class Meta:
        model = SocialOrganization

    name = factory.Sequence(lambda n: f"测试社工服务中心{n}")
    org_type = "social_service"
    region_id = "420102"
    uscc = factory.LazyAttributeSequence(lambda o, n: _uscc(n, o.org_type, o.region_id[:6]))
    legal_representative = "张法人"
    registration_authority = "武汉市江岸区民政局"
    registered_on = datetime.date(2020, 5, 1)
    category = "elderly"
    stage = "growth"
    contact_name = "李联络"
    contact_phone = "13700001111"
    # The services keep the search columns in step with the name; factories must do the same.
    name_pinyin = factory.LazyAttribute(lambda o: pinyin_full(o.name))
    name_initials = factory.LazyAttribute(lambda o: pinyin_initials(o.name))


class TeamFactory(factory.django.DjangoModelFactory[ActivityTeam]):
    class Meta:
        model = ActivityTeam

    name = factory.Sequence(lambda n: f"测试合唱队{n}")
    category = "culture_sports"
    region_id = "420102002003"
    responsible_person = "王队长"
    contact_phone = "13600002222"
    venue = "社区活动室"
    member_count = 20
    submitted_by = factory.SubFactory("civicnest.registry.tests.factories.UserFactory")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.User"

    username = factory.Sequence(lambda n: f"factory_user{n}")
    full_name = "提交人"


class AnnualReportFactory(factory.django.DjangoModelFactory[AnnualReport]):
    class Meta:
        model = AnnualReport

    organization = factory.SubFactory(OrganizationFactory)
    year = 2024
    activities = "开展为老服务 120 场"
    income = Decimal("350000.00")
    expenses = Decimal("320000.50")
    staff_count = 6
    submitted_by = factory.SubFactory(UserFactory)
