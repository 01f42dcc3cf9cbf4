from __future__ import annotations

import factory

from civicnest.venues.models import Room


class RoomFactory(factory.django.DjangoModelFactory[Room]):
    class Meta:
        model = Room

    center = factory.SubFactory("civicnest.network.tests.factories.CenterFactory")
    region_id = factory.LazyAttribute(lambda o: o.center.region_id)
    name = factory.Sequence(lambda n: f"多功能厅{n}")
    capacity = 40
    area = 80
