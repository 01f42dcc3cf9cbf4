"""Announcements and center disclosures: drafts stay private, scheduled ones appear on time, withdrawal
hides them; the portal never shows personal data."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.disclosure.models import Announcement, Attachment, CenterDisclosure
from civicnest.network.models import Center
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.training.tests.factories import VolunteerFactory
from civicnest.venues.tests.factories import RoomFactory

WUCHANG = "420106"


def _create(client, **overrides: str) -> Announcement:
    data = {
        "kind": "policy",
        "title": "关于培育发展社区社会组织的实施意见",
        "summary": "明确社区社会组织培育的目标、任务与保障措施。",
        "body": "一、总体要求\n二、重点任务",
        "document_number": "岸民〔2026〕12号",
        **overrides,
    }
    response = client.post(reverse("disclosure:announcement-create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Announcement.objects.latest("pk")


def _portal(client, announcement: Announcement) -> int:
    return client.get(
        reverse("portal:announcement-detail", kwargs={"pk": announcement.pk})
    ).status_code


def test_draft_scheduled_published_withdrawn(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    a = _create(client)
    assert a.publisher == "江岸区民政局" and a.status == "draft"
    client.logout()
    assert _portal(client, a) == 404
    assert a.title not in client.get(reverse("portal:announcements")).content.decode()

    client.force_login(jiangan_officer)
    later = timezone.localtime() + datetime.timedelta(days=1)
    client.post(
        reverse("disclosure:announcement-publish", kwargs={"pk": a.pk}),
        {"publish_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    a.refresh_from_db()
    assert a.status == "published" and a.is_scheduled
    client.logout()
    assert _portal(client, a) == 404  # not yet
    assert a.title not in client.get(reverse("portal:feed")).content.decode()

    Announcement.objects.filter(pk=a.pk).update(publish_at=timezone.now())  # the time has come
    assert _portal(client, a) == 200
    feed = client.get(reverse("portal:feed")).content.decode()
    assert a.title in feed and "<feed" in feed
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"/portal/announcements/{a.pk}/" in sitemap

    client.force_login(jiangan_officer)
    refused = client.post(reverse("disclosure:announcement-withdraw", kwargs={"pk": a.pk}), {})
    assert refused.status_code == 302
    a.refresh_from_db()
    assert a.status == "published"  # no reason, no withdrawal
    client.post(
        reverse("disclosure:announcement-withdraw", kwargs={"pk": a.pk}), {"reason": "文件已废止"}
    )
    a.refresh_from_db()
    assert a.status == "withdrawn" and a.withdrawn_reason == "文件已废止"
    client.logout()
    from django.core.cache import cache

    cache.clear()  # public pages are cached for a minute
    assert _portal(client, a) == 404


def test_attachments_are_checked_and_public_only_when_published(
    client, jiangan_officer: User
) -> None:
    client.force_login(jiangan_officer)
    a = _create(client)
    url = reverse("disclosure:attachment-add", kwargs={"pk": a.pk})
    page = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, follow=True)
    assert "不支持的文件类型" in page.content.decode()
    assert not Attachment.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("实施意见.pdf", b"%PDF-1.4 test")})
    attachment = Attachment.objects.get()
    client.logout()
    download = reverse("portal:attachment", kwargs={"pk": attachment.pk})
    assert client.get(download).status_code == 404
    Announcement.objects.filter(pk=a.pk).update(status="published", publish_at=timezone.now())
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_publishing_rights(
    client,
    jiangan_staff: User,
    jiangan_center: Center,
    wuchang_center: Center,
    make_user: Callable[..., User],
) -> None:
    client.force_login(jiangan_staff)
    # Center staff publish in their center's name, not in the bureau's.
    page = client.post(
        reverse("disclosure:announcement-create"),
        {"kind": "notice", "title": "通知", "summary": "摘要", "body": "正文"},
    )
    assert "请以中心名义发布" in page.content.decode()
    a = _create(client, center=str(jiangan_center.pk))
    assert a.publisher == jiangan_center.name and a.region_id == jiangan_center.region_id
    # Another district's center is not even a choice.
    page = client.post(
        reverse("disclosure:announcement-create"),
        {
            "kind": "notice",
            "title": "越权",
            "summary": "s",
            "body": "b",
            "center": wuchang_center.pk,
        },
    )
    assert page.status_code == 200 and not Announcement.objects.filter(title="越权").exists()
    wuchang_officer = make_user(Role.BUREAU_OFFICER, WUCHANG)
    client.force_login(wuchang_officer)
    assert (
        client.get(reverse("disclosure:announcement-detail", kwargs={"pk": a.pk})).status_code
        == 404
    )
    client.force_login(make_user(Role.RESIDENT, "420102002003"))
    assert client.get(reverse("disclosure:announcement-list")).status_code == 403


def test_center_disclosure_page(client, jiangan_staff: User, jiangan_center: Center) -> None:
    RoomFactory.create(center=jiangan_center, name="多功能厅A", capacity=60)
    client.force_login(jiangan_staff)
    url = reverse("disclosure:center-disclosures", kwargs={"pk": jiangan_center.pk})
    data = {
        "year": 2025,
        "governance": "理事会 5 人，监事 1 人，实行主任负责制",
        "work_report": "全年开展培训 48 场，孵化社会组织 12 家",
        "income": "1200000.00",
        "government_funding": "1500000.00",
        "expenditure": "1100000.50",
    }
    page = client.post(url, data)
    assert "政府资金不能超过年度收入" in page.content.decode()
    assert not CenterDisclosure.objects.exists()
    client.post(url, {**data, "government_funding": "900000"})
    disclosure = CenterDisclosure.objects.get()
    assert disclosure.income == Decimal("1200000.00")
    public = reverse("portal:center-detail", kwargs={"pk": jiangan_center.pk})
    client.logout()
    assert "理事会 5 人" not in client.get(public).content.decode()  # a draft
    client.force_login(jiangan_staff)
    client.post(reverse("disclosure:disclosure-publish", kwargs={"pk": disclosure.pk}))
    client.logout()
    from django.core.cache import cache

    cache.clear()
    html = client.get(public).content.decode()
    assert "理事会 5 人" in html and "1,200,000.00" in html and "多功能厅A" in html
    assert jiangan_center.contact_phone not in html and jiangan_center.contact_name not in html


def test_portal_pages_carry_no_personal_data(
    client, jiangan_center: Center, jiangan_officer: User
) -> None:
    """Scan every portal page (lists and details) for the personal fields that lists mask."""
    org = OrganizationFactory.create(
        center=jiangan_center,
        contact_name="隐私联系人甲",
        contact_phone="13911112222",
        legal_representative="隐私法人乙",
    )
    volunteer = VolunteerFactory.create(phone="13933334444")
    client.force_login(jiangan_officer)
    a = _create(client)
    Announcement.objects.filter(pk=a.pk).update(status="published", publish_at=timezone.now())
    client.logout()
    pages = [
        reverse("portal:home"),
        reverse("portal:organizations"),
        reverse("portal:events"),
        reverse("portal:announcements"),
        reverse("portal:announcement-detail", kwargs={"pk": a.pk}),
        reverse("portal:center-detail", kwargs={"pk": jiangan_center.pk}),
        reverse("portal:feed"),
        "/sitemap.xml",
    ]
    secrets = [
        org.contact_phone,
        org.contact_name,
        org.legal_representative,
        jiangan_center.contact_phone,
        jiangan_center.contact_name,
        volunteer.phone,
        volunteer.id_number,
        volunteer.name,
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)
    assert org.name in client.get(reverse("portal:organizations")).content.decode()


def test_robots_and_sitemap(client, jiangan_center: Center) -> None:
    robots = client.get("/robots.txt").content.decode()
    assert "Allow: /portal/" in robots and "Disallow: /" in robots and "sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"/portal/centers/{jiangan_center.pk}/" in sitemap
