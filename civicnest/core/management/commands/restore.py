from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicnest.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "从 manage.py backup 生成的备份恢复数据库和上传文件，恢复后逐表核对行数与校验和。"
        "会覆盖当前数据：请先停止 Web 和任务进程。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="备份文件（civicnest-backup-….tar.gz）")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接覆盖当前数据")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"备份文件不存在：{archive}")
        if not options["yes"] and options.get("interactive", True):
            answer = input("恢复会覆盖当前数据库和全部上传文件，确定继续吗？输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何修改。")
        started = time.monotonic()
        try:
            manifest = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(count for count, _digest in manifest["tables"].values())
        self.stdout.write(
            f"恢复完成并已核对：{len(manifest['tables'])} 张表、{rows} 行、"
            f"{len(manifest['media'])} 个上传文件与备份（{manifest['created_at']}）一致，"
            f"用时 {time.monotonic() - started:.1f} 秒。"
        )
