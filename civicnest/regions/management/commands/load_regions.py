from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.regions.loader import load_city


class Command(BaseCommand):
    help = "载入一个城市的官方行政区划（区县、街道，以及随项目提供的社区）。可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city_code", help="城市代码，如 4201 或 420100（武汉）、3101（上海）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = normalize_region_code(options["city_code"])
        except RegionCodeError as exc:
            raise CommandError(str(exc)) from exc
        if len(code) != 4:
            raise CommandError(
                f"请给出 4 位城市代码（或 6 位的 xxxx00），而不是 {options['city_code']}"
            )
        try:
            result = load_city(code)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"区划 {code}: 新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
        )
