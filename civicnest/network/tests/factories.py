from __future__ import annotations

from decimal import Decimal

import factory

from civicnest.network.models import Center, CenterStaff, CenterType


class CenterFactory(factory.django.DjangoModelFactory[Center]):
    class Meta:
        model = Center

    name = factory.Sequence(lambda n: f"测试社会组织服务中心{n}")
    center_type = CenterType.SERVICE_CENTER
    level = "district"
    region_id = "420102"
    premises_area = Decimal("120.00")
    address = "测试路 1 号"
    contact_name = "李主任"
    contact_phone = "13800138000"


class CenterStaffFactory(factory.django.DjangoModelFactory[CenterStaff]):
    class Meta:
        model = CenterStaff

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"工作人员{n}")
    position = "social_worker"
    employment = "full_time"
    phone = "13912345678"
