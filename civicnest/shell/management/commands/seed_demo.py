from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from civicnest.shell.demo import demo_counts, seed_demo


class Command(BaseCommand):
    help = "载入演示城市（武汉）：行政区划、四级中心网络、工作人员与各角色演示账户。可重复运行。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_demo()
        self.stdout.write(
            f"演示数据：新增区划 {report.regions_created}，中心 {report.centers_created}，"
            f"工作人员 {report.staff_created}，用户 {report.users_created}。现有：{demo_counts()}"
        )
        self.stdout.write(
            f"\n演示账户（密码均为 CIVICNEST_DEMO_PASSWORD，默认 {settings.CIVICNEST_DEMO_PASSWORD}）："
        )
        for username, label in report.logins:
            self.stdout.write(f"  {username:<22} {label}")
        self.stdout.write("\n打开 http://127.0.0.1:8000/ 登录。")
