"""Load a city's official region tree from the CSV files shipped in regions/data/ (see its README)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from civicnest.regions.codes import subtree_q
from civicnest.regions.models import Region, RegionLevel

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _rows(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def available_community_files() -> dict[str, Path]:
    """City code → shipped community file (communities-<name>-<citycode>.csv)."""
    return {p.stem.rsplit("-", 1)[-1]: p for p in DATA_DIR.glob("communities-*-*.csv")}


def city_rows(city_code: str) -> list[tuple[str, str, str, str | None]]:
    """(code, name, level, parent_code) for the province, the city and everything under it."""
    city = next((r for r in _rows("cities.csv") if r["code"] == city_code), None)
    if city is None:
        raise ValueError(_("数据中没有城市代码 %(code)s。") % {"code": city_code})
    province = next(r for r in _rows("provinces.csv") if r["code"] == city["province_code"])
    # Municipalities (北京, 上海…) list their city as 市辖区: show the province's name instead.
    city_name = province["name"] if city["name"] == "市辖区" else city["name"]
    rows: list[tuple[str, str, str, str | None]] = [
        (province["code"], province["name"], RegionLevel.PROVINCE, None),
        (city_code, city_name, RegionLevel.CITY, province["code"]),
    ]
    district_codes = set()
    for r in _rows("areas.csv"):
        if r["city_code"] == city_code:
            rows.append((r["code"], r["name"], RegionLevel.DISTRICT, city_code))
            district_codes.add(r["code"])
    street_codes = set()
    for r in _rows("streets.csv"):
        if r["area_code"] in district_codes:
            rows.append((r["code"], r["name"], RegionLevel.STREET, r["area_code"]))
            street_codes.add(r["code"])
    community_file = available_community_files().get(city_code)
    if community_file is not None:
        for r in _rows(community_file.name):
            if r["street_code"] in street_codes:
                rows.append((r["code"], r["name"], RegionLevel.COMMUNITY, r["street_code"]))
    return rows


@transaction.atomic
def load_city(city_code: str) -> LoadResult:
    """Insert or update every region of the city; running it again changes nothing."""
    rows = city_rows(city_code)
    existing = {
        r.code: (r.name, r.level, r.parent_id)
        for r in Region.objects.filter(Q(code=rows[0][0]) | subtree_q([city_code], "code"))
    }
    result = LoadResult()
    to_create: list[Region] = []
    to_update: list[Region] = []
    for code, name, level, parent_code in rows:  # parents come before children in `rows`
        region = Region(code=code, name=name, level=level, parent_id=parent_code)
        if code not in existing:
            to_create.append(region)
        elif existing[code] != (name, level, parent_code):
            to_update.append(region)
        else:
            result.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=1000)
    Region.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=1000)
    result.created, result.updated = len(to_create), len(to_update)
    return result
