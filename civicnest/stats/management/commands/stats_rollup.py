from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civicnest.stats.tasks import stats_rollup


class Command(BaseCommand):
    help = (
        "刷新统计看板的月度汇总：默认刷新上月至本年 12 月（cron 每 10 分钟）；"
        "--all 刷新保留期内的全部月份（cron 每晚）；--enqueue 交给后台任务进程。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="刷新保留期（STATS_ROLLUP_MONTHS）内的全部月份"
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台任务队列，而不是立即执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = stats_rollup.enqueue(every_month=options["all"])
            self.stdout.write(f"已加入队列：{result.id}")
            return
        outcome = stats_rollup.call(every_month=options["all"])
        self.stdout.write(f"已刷新 {outcome['months']} 个月的汇总，用时 {outcome['seconds']} 秒。")
