from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civicnest.matching.tasks import matching_nightly


class Command(BaseCommand):
    help = "供需对接夜间批处理：刷新所有待对接需求的推荐并上报超期需求（cron 每晚调用；--enqueue 交给后台任务进程）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台任务队列，而不是立即执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = matching_nightly.enqueue()
            self.stdout.write(f"已加入队列：{result.id}")
            return
        outcome = matching_nightly.call()
        self.stdout.write(
            f"刷新推荐 {outcome['refreshed']} 条需求，上报 {outcome['escalated']} 条。"
        )
