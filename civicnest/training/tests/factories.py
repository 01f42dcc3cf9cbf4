from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from civicnest.training.models import Course, Event, Session, Volunteer


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    center = factory.SubFactory("civicnest.network.tests.factories.CenterFactory")
    region_id = factory.LazyAttribute(lambda o: o.center.region_id)
    title = factory.Sequence(lambda n: f"社会组织财务管理实务{n}")
    topic = "finance"
    trainers = "李老师"


class SessionFactory(factory.django.DjangoModelFactory[Session]):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    region_id = factory.LazyAttribute(lambda o: o.course.region_id)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    capacity = 2
    hours = Decimal("2.0")
    location = "中心二楼培训室"


class EventFactory(factory.django.DjangoModelFactory[Event]):
    class Meta:
        model = Event

    center = factory.SubFactory("civicnest.network.tests.factories.CenterFactory")
    region_id = factory.LazyAttribute(lambda o: o.center.region_id)
    kind = "forum"
    title = factory.Sequence(lambda n: f"社区公益论坛{n}")
    description = "交流社区治理经验"
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=5))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    location = "中心报告厅"
    capacity = 2
    status = "published"


class VolunteerFactory(factory.django.DjangoModelFactory[Volunteer]):
    class Meta:
        model = Volunteer

    region_id = "420102"
    name = factory.Sequence(lambda n: f"志愿者{n}")
    id_number = factory.Sequence(
        lambda n: (
            ["11010519491231002X", "420102199001011234", "420106198512123456"][n % 3]
            if n < 3
            else f"42010219900101{n:04d}"
        )
    )
    phone = "13812345678"
