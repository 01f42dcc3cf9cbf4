"""Atom feed of published announcements and policy documents."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from civicnest.disclosure.models import Announcement
from civicnest.disclosure.selectors import public_announcements


class AnnouncementFeed(Feed):
    feed_type = Atom1Feed
    title = _("CivicNest 信息公开：公告与政策文件")
    subtitle = _("社会组织孵化与服务平台发布的通知公告、政策文件和工作动态")
    link = "/portal/announcements/"

    def items(self) -> list[Announcement]:
        return list(public_announcements()[:50])

    def item_title(self, item: Announcement) -> str:
        return item.title

    def item_description(self, item: Announcement) -> str:
        return item.summary

    def item_pubdate(self, item: Announcement) -> datetime.datetime | None:
        return item.publish_at

    def item_updateddate(self, item: Announcement) -> datetime.datetime:
        return item.updated_at

    def item_author_name(self, item: Announcement) -> str:
        return item.publisher
