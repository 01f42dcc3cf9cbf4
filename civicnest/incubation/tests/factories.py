from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from civicnest.incubation.models import Application, Desk, IncubationProgram, IntakeRound


class ProgramFactory(factory.django.DjangoModelFactory[IncubationProgram]):
    class Meta:
        model = IncubationProgram

    center = factory.SubFactory("civicnest.network.tests.factories.CenterFactory")
    region_id = factory.LazyAttribute(lambda o: o.center.region_id)
    name = factory.Sequence(lambda n: f"社会组织孵化计划{n}")


class RoundFactory(factory.django.DjangoModelFactory[IntakeRound]):
    class Meta:
        model = IntakeRound

    program = factory.SubFactory(ProgramFactory)
    region_id = factory.LazyAttribute(lambda o: o.program.region_id)
    name = factory.Sequence(lambda n: f"2026 年第 {n} 批")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=20))
    capacity = 5
    target_stages = factory.LazyFunction(lambda: ["startup", "transition"])


class ApplicationFactory(factory.django.DjangoModelFactory[Application]):
    class Meta:
        model = Application

    round = factory.SubFactory(RoundFactory)
    region_id = factory.LazyAttribute(lambda o: o.round.region_id)
    founding_team = factory.Sequence(lambda n: f"发起团队{n}")
    applicant = factory.SubFactory("civicnest.registry.tests.factories.UserFactory")
    contact_name = "周联系"
    contact_phone = "13500001111"
    project_title = "社区长者助餐服务"
    plan = "为 200 名独居老人提供助餐与探访。"
    category = "elderly"
    stage = "startup"


class DeskFactory(factory.django.DjangoModelFactory[Desk]):
    class Meta:
        model = Desk

    center = factory.SubFactory("civicnest.network.tests.factories.CenterFactory")
    region_id = factory.LazyAttribute(lambda o: o.center.region_id)
    code = factory.Sequence(lambda n: f"A{n:02d}")
