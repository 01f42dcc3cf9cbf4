"""Demo disclosure: policy documents and notices on the portal, one scheduled, yearly disclosures of the
district centers, and a bureau work notice with some receipts read."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.disclosure import services
from civicnest.disclosure.models import Announcement, CenterDisclosure
from civicnest.network.models import Center, CenterLevel
from civicnest.notices import services as notice_services
from civicnest.notices.models import Notice, Receipt

ANNOUNCEMENTS = [
    (
        "policy",
        "关于加快推进社会组织孵化基地建设的实施意见",
        "明确市、区、街道、社区四级社会组织孵化服务平台的建设目标、功能定位和保障措施。",
        "一、总体目标\n到年底，实现区级社会组织孵化基地全覆盖，街道社会组织服务中心覆盖率达到 90% 以上。\n"
        "二、主要任务\n（一）完善四级服务网络；（二）加强孵化培育；（三）推进公益创投；（四）强化人才支撑。\n"
        "三、保障措施\n各区要将平台运行经费纳入财政预算，落实场地不少于 30 平方米的独立办公空间。",
        "武民发〔2026〕8号",
        0,
    ),
    (
        "notice",
        "2026 年度社区公益创投大赛项目征集公告",
        "面向全市社区社会组织征集为老、助残、儿童关爱等公益服务项目，单个项目资助不超过 5 万元。",
        "征集对象：在本市登记或备案的社区社会组织。\n申报时间：即日起至下月底。\n申报方式：登录平台在线提交项目方案。",
        "",
        3,
    ),
    (
        "news",
        "江岸区举办社会组织能力建设培训班",
        "来自 30 家社会组织的 60 余名负责人参加财务管理、项目设计专题培训。",
        "培训围绕社会组织财务规范、项目设计与评估、品牌建设等内容展开，学员反响良好。",
        "",
        7,
    ),
]


def seed_disclosure(admin: User) -> dict[str, int]:
    city_center = Center.objects.filter(level=CenterLevel.CITY).order_by("pk").first()
    now = timezone.now()
    for kind, title, summary, body, number, days_ago in ANNOUNCEMENTS:
        if Announcement.objects.filter(title=title).exists():
            continue
        announcement = services.announcement_create(
            actor=admin,
            data={
                "kind": kind,
                "title": title,
                "summary": summary,
                "body": body,
                "document_number": number,
                "center": city_center if kind != "policy" else None,
                "region": city_center.region if city_center else None,
            },
        )
        services.announcement_publish(actor=admin, announcement=announcement)
        Announcement.objects.filter(pk=announcement.pk).update(
            publish_at=now - datetime.timedelta(days=days_ago)
        )
    scheduled = "关于开展社会组织等级评估工作的通知"
    if not Announcement.objects.filter(title=scheduled).exists():
        draft = services.announcement_create(
            actor=admin,
            data={
                "kind": "notice",
                "title": scheduled,
                "summary": "定时发布示例：明日 9 时在门户公开。",
                "body": "评估对象、评估程序与时间安排详见附件。",
                "center": None,
                "region": city_center.region if city_center else None,
            },
        )
        tomorrow = timezone.localtime() + datetime.timedelta(days=1)
        services.announcement_publish(
            actor=admin,
            announcement=draft,
            publish_at=tomorrow.replace(hour=9, minute=0, second=0, microsecond=0),
        )
    year = timezone.localdate().year - 1
    for n, center in enumerate(
        Center.objects.filter(level=CenterLevel.DISTRICT).order_by("pk")[:4]
    ):
        if CenterDisclosure.objects.filter(center=center, year=year).exists():
            continue
        income = Decimal(800000 + n * 150000)
        disclosure = services.disclosure_save(
            actor=admin,
            center=center,
            year=year,
            data={
                "governance": "实行理事会领导下的主任负责制；理事 5 人、监事 1 人；财务、人事、项目管理制度齐全。",
                "work_report": f"全年孵化社会组织 {8 + n} 家，开展能力建设培训 {20 + n * 3} 场，场地服务 {300 + n * 40} 场次。",
                "income": income,
                "government_funding": income * Decimal("0.7"),
                "expenditure": income * Decimal("0.92"),
            },
        )
        services.disclosure_publish(actor=admin, disclosure=disclosure)
    notice_title = "关于报送 2026 年度社会组织工作总结的通知"
    notices = 0
    if not Notice.objects.filter(title=notice_title).exists():
        try:
            notice = notice_services.notice_send(
                actor=admin,
                data={
                    "audience": "both",
                    "title": notice_title,
                    "body": "请各中心和社会组织于 12 月 20 日前在平台报送年度工作总结。",
                    "region": city_center.region if city_center else None,
                    "reply_by": timezone.localdate() + datetime.timedelta(days=27),
                },
            )
        except ValidationError:  # a demo city without recipients simply has no notice
            notice = None
        if notice is not None:
            first = Receipt.objects.filter(notice=notice).order_by("pk")[:2]
            Receipt.objects.filter(pk__in=[r.pk for r in first]).update(read_at=timezone.now())
            notices = 1
    return {
        "announcements": Announcement.objects.count(),
        "disclosures": CenterDisclosure.objects.count(),
        "notices": notices,
    }
