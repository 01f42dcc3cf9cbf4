"""sitemap.xml of the public portal, so search engines find every disclosed page."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from civicnest.disclosure.models import Announcement
from civicnest.disclosure.selectors import public_announcements
from civicnest.network.models import Center, CenterStatus


class PortalPagesSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["portal:home", "portal:announcements", "portal:organizations", "portal:events"]

    def location(self, item: str) -> str:
        return reverse(item)


class AnnouncementSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6
    limit = 5000

    def items(self) -> Any:
        return public_announcements().only("pk", "updated_at")

    def lastmod(self, item: Announcement) -> datetime.datetime:
        return item.updated_at


class CenterSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5
    limit = 5000

    def items(self) -> Any:
        return (
            Center.objects.filter(status=CenterStatus.ACTIVE)
            .only("pk", "updated_at")
            .order_by("pk")
        )

    def location(self, item: Center) -> str:
        return reverse("portal:center-detail", kwargs={"pk": item.pk})

    def lastmod(self, item: Center) -> datetime.datetime:
        return item.updated_at


SITEMAPS = {
    "pages": PortalPagesSitemap,
    "announcements": AnnouncementSitemap,
    "centers": CenterSitemap,
}
