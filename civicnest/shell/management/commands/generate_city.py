from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from civicnest.registry.models import SocialOrganization


class Command(BaseCommand):
    help = (
        "生成上海规模的基准/压测数据集（区划、中心、社会组织、备案团队、需求、服务、对接记录、场地预约、用户、公益创投项目与资金台账）。"
        "--scale province 是城市规模的十倍，区划用河北省 11 个市的真实区县和街道（社区按街道合成），分批写入、内存有界。"
        "只用于空的基准数据库；同一 --seed 生成相同的数据。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", choices=("province", "city", "medium", "small"), default="small"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--only", nargs="*", help="只运行这些步骤（以及它们依赖的步骤），调试用"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from bench.citygen.core import generate  # noqa: PLC0415 - bench/ is not shipped
        except ImportError as exc:  # pragma: no cover - bench/ is not shipped to production
            raise CommandError(
                "generate_city 需要仓库里的 bench/ 目录（从仓库根目录运行）。"
            ) from exc

        if SocialOrganization.objects.exists():
            raise CommandError(
                f"数据库 {connection.settings_dict['NAME']} 中已有社会组织：generate_city 只写入空的基准数据库。"
            )
        started = time.perf_counter()
        self.stdout.write(
            f"generate_city --scale {options['scale']} --seed {options['seed']} on {connection.vendor}"
        )
        ctx = generate(
            scale=options["scale"], seed=options["seed"], out=self.stdout, only=options["only"]
        )
        for name, count in ctx.counts.items():
            self.stdout.write(f"  {name:<16} {count:>9,}")
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")
