from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicnest.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份 API）和上传文件，生成一个带校验清单的 "
        ".tar.gz。网站运行时即可执行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default=str(Path(settings.VAR_DIR) / "backups"),
            help="备份目录（默认 var/backups/）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            archive = create_backup(Path(options["output"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size_mb = archive.stat().st_size / 1024 / 1024
        self.stdout.write(
            f"备份完成：{archive}（{size_mb:.1f} MB，用时 {time.monotonic() - started:.1f} 秒）"
        )
