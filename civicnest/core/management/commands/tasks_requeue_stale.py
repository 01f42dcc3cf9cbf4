from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


class Command(BaseCommand):
    help = (
        "把运行超过 N 分钟仍未结束的任务（执行它的任务进程多半已被杀）重新放回队列，由任务进程再次执行。"
        "本系统的后台任务都可以安全地重跑（导入整文件一个事务，批量推荐每个需求一个事务）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--minutes",
            type=int,
            default=settings.TASK_STALE_MINUTES,
            help="运行超过多少分钟算卡住（默认 TASK_STALE_MINUTES）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出，不修改")

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - datetime.timedelta(minutes=options["minutes"])
        with transaction.atomic():
            stale = DBTaskResult.objects.select_for_update().filter(
                status=TaskResultStatus.RUNNING, started_at__lt=cutoff
            )
            rows = list(stale.values_list("id", "task_path", "started_at"))
            for pk, path, started in rows:
                self.stdout.write(
                    f"{pk} {path} 开始于 {timezone.localtime(started):%Y-%m-%d %H:%M}"
                )
            if not options["dry_run"]:
                stale.update(
                    status=TaskResultStatus.READY, started_at=None, run_after=timezone.now()
                )
        verb = "将重新入队" if options["dry_run"] else "已重新入队"
        self.stdout.write(f"{verb} {len(rows)} 个卡住的任务。")
