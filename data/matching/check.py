"""Validate the matching-engine evaluation set (offerings.json, needs.json) and print its counts.

Run from the repository root::

    python data/matching/check.py [--regions-dir DIR] [--no-rebuild]

Standard library only. Exits 1 when any problem is found (all problems are listed), 0 otherwise.
Checks: the fields and their types, unique ids, the code lists, that every region code is a real Wuhan district
(6 digits, areas.csv), street (9, streets.csv) or community (12, communities-wuhan-4201.csv), that every relevant id
exists, that every need has 1+ (by design 2–8) relevant offerings whose service area covers the need's community,
the split, the spread over districts and communities, and — when build_dataset.py is next to this file — that the
JSON files are exactly what the generator writes.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_REGIONS_DIR = HERE.parents[1] / "civicnest" / "regions" / "data"
WUHAN = "4201"

CATEGORIES = {
    "elderly": "养老",
    "disability": "助残",
    "children": "儿童青少年",
    "education": "教育",
    "health": "医疗健康",
    "psychology": "心理",
    "legal": "法律",
    "mediation": "调解",
    "environment": "环保",
    "culture_sports": "文体",
    "volunteer": "志愿",
    "poverty": "扶贫济困",
    "governance": "社区治理",
    "other": "其他",
}
BENEFICIARIES = {
    "elderly": "老年人",
    "children": "儿童",
    "disabled": "残疾人",
    "needy_families": "困境家庭",
    "youth": "青少年",
    "migrant_workers": "外来务工人员",
    "all_residents": "全体居民",
    "women": "妇女",
}
SPLITS = ("dev", "holdout")
LEVEL_NAMES = {6: "district", 9: "street", 12: "community"}

OFFERING_FIELDS = (
    "id",
    "org",
    "title",
    "description",
    "categories",
    "regions",
    "beneficiaries",
    "capacity",
)
NEED_FIELDS = (
    "id",
    "title",
    "description",
    "region",
    "beneficiaries",
    "category",
    "relevant",
    "split",
)

MIN_OFFERINGS = 520
MIN_NEEDS = 220
MIN_RELEVANT, MAX_RELEVANT = 2, 8  # design range; fewer than 1 is always a problem
HOLDOUT_RANGE = (0.25, 0.35)
MIN_NEED_DISTRICTS, MIN_NEED_COMMUNITIES, MIN_OFFERING_DISTRICTS = 8, 40, 10


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)


def read_codes(path: Path, prefix: str) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: row["name"]
            for row in csv.DictReader(handle)
            if row["code"].startswith(prefix)
        }


def load_regions(regions_dir: Path) -> dict[int, dict[str, str]]:
    """Real Wuhan codes by length: 6 districts, 9 streets, 12 communities."""
    return {
        6: read_codes(regions_dir / "areas.csv", WUHAN),
        9: read_codes(regions_dir / "streets.csv", WUHAN),
        12: read_codes(regions_dir / f"communities-wuhan-{WUHAN}.csv", WUHAN),
    }


def load_list(path: Path, problems: Problems) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.add(f"{path.name}: cannot be read as JSON ({exc})")
        return []
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        problems.add(f"{path.name}: must be a JSON list of objects")
        return []
    return data


def check_codes(
    where: str, values: Any, allowed: dict[str, str], problems: Problems, *, empty_ok: bool
) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        problems.add(f"{where}: must be a list of strings")
        return
    if not values and not empty_ok:
        problems.add(f"{where}: is empty")
    if len(set(values)) != len(values):
        problems.add(f"{where}: has duplicates")
    for value in values:
        if value not in allowed:
            problems.add(f"{where}: unknown code {value!r}")


def check_fields(
    where: str, row: dict[str, Any], fields: tuple[str, ...], problems: Problems
) -> bool:
    missing = [f for f in fields if f not in row]
    extra = [f for f in row if f not in fields]
    if missing:
        problems.add(f"{where}: missing fields {missing}")
    if extra:
        problems.add(f"{where}: unexpected fields {extra}")
    for name in ("title", "description", "org"):
        if (
            name in fields
            and name in row
            and (not isinstance(row[name], str) or not row[name].strip())
        ):
            problems.add(f"{where}: {name} must be a non-empty string")
    return not missing


def check_ids(name: str, rows: list[dict[str, Any]], pattern: str, problems: Problems) -> None:
    ids = [row.get("id") for row in rows]
    for value in ids:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            problems.add(f"{name}: bad id {value!r} (expected {pattern})")
    for value, count in Counter(v for v in ids if isinstance(v, str)).items():
        if count > 1:
            problems.add(f"{name}: id {value} used {count} times")


def check_offering(
    row: dict[str, Any], regions: dict[int, dict[str, str]], problems: Problems
) -> None:
    where = f"offering {row.get('id')}"
    if not check_fields(where, row, OFFERING_FIELDS, problems):
        return
    check_codes(f"{where} categories", row["categories"], CATEGORIES, problems, empty_ok=False)
    check_codes(
        f"{where} beneficiaries", row["beneficiaries"], BENEFICIARIES, problems, empty_ok=False
    )
    capacity = row["capacity"]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0:
        problems.add(f"{where}: capacity must be a positive integer, got {capacity!r}")
    codes = row["regions"]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        problems.add(f"{where}: regions must be a non-empty list of codes")
        return
    if len(set(codes)) != len(codes):
        problems.add(f"{where}: regions has duplicates")
    for code in codes:
        if len(code) not in regions or not code.isdigit():
            problems.add(f"{where}: region {code!r} is not a 6/9/12-digit code")
        elif code not in regions[len(code)]:
            problems.add(f"{where}: region {code} is not a Wuhan {LEVEL_NAMES[len(code)]}")
        for other in codes:
            if other != code and code.startswith(other):
                problems.add(f"{where}: region {code} is already inside listed region {other}")


def check_need(
    row: dict[str, Any],
    offerings: dict[str, dict[str, Any]],
    regions: dict[int, dict[str, str]],
    problems: Problems,
) -> None:
    where = f"need {row.get('id')}"
    if not check_fields(where, row, NEED_FIELDS, problems):
        return
    region = row["region"]
    if not isinstance(region, str) or len(region) != 12 or region not in regions[12]:
        problems.add(f"{where}: region {region!r} is not a Wuhan community code")
    check_codes(
        f"{where} beneficiaries", row["beneficiaries"], BENEFICIARIES, problems, empty_ok=True
    )
    if row["category"] is not None and row["category"] not in CATEGORIES:
        problems.add(f"{where}: unknown category {row['category']!r}")
    if row["split"] not in SPLITS:
        problems.add(f"{where}: split must be one of {SPLITS}, got {row['split']!r}")
    relevant = row["relevant"]
    if not isinstance(relevant, list) or not all(isinstance(r, str) for r in relevant):
        problems.add(f"{where}: relevant must be a list of offering ids")
        return
    if not relevant:
        problems.add(f"{where}: has no relevant offering")
    elif not MIN_RELEVANT <= len(relevant) <= MAX_RELEVANT:
        problems.add(
            f"{where}: {len(relevant)} relevant offerings, outside the design range {MIN_RELEVANT}–{MAX_RELEVANT}"
        )
    if len(set(relevant)) != len(relevant):
        problems.add(f"{where}: relevant has duplicates")
    for oid in relevant:
        offering = offerings.get(oid)
        if offering is None:
            problems.add(f"{where}: relevant offering {oid} does not exist")
        elif isinstance(region, str) and not any(
            isinstance(code, str) and region.startswith(code)
            for code in offering.get("regions", [])
        ):
            problems.add(f"{where}: relevant offering {oid} does not serve community {region}")


def check_rebuild(
    offering_rows: list[dict[str, Any]],
    need_rows: list[dict[str, Any]],
    regions_dir: Path,
    problems: Problems,
) -> str:
    generator = HERE / "build_dataset.py"
    if not generator.exists():
        return "build_dataset.py not found, reproducibility not checked"
    spec = importlib.util.spec_from_file_location("civicnest_matching_build_dataset", generator)
    if spec is None or spec.loader is None:
        problems.add("build_dataset.py cannot be loaded")
        return "not checked"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the module runs
    spec.loader.exec_module(module)
    data = module.build(regions_dir)
    same = True
    for name, built, stored in (
        ("offerings.json", data.offerings, offering_rows),
        ("needs.json", data.needs, need_rows),
    ):
        if built != stored:
            same = False
            first = next(
                (b.get("id") for b, s in zip(built, stored, strict=False) if b != s),
                f"lengths {len(built)} vs {len(stored)}",
            )
            problems.add(
                f"{name} differs from what build_dataset.py produces (first difference: {first})"
            )
        elif module.dumps(built) != (HERE / name).read_text(encoding="utf-8"):
            same = False
            problems.add(
                f"{name} has the same content as build_dataset.py produces but different formatting"
            )
    return (
        "files are identical to build_dataset.py output"
        if same
        else "files differ from build_dataset.py output"
    )


def table(counter: Counter[str], labels: dict[str, str]) -> str:
    return ", ".join(
        f"{code} {labels.get(code, '')} {counter[code]}".replace("  ", " ")
        for code in labels
        if counter[code]
    )


def report(
    offering_rows: list[dict[str, Any]],
    need_rows: list[dict[str, Any]],
    regions: dict[int, dict[str, str]],
) -> list[str]:
    lines: list[str] = []
    districts = regions[6]
    offering_districts = Counter(
        str(code)[:6] for row in offering_rows for code in row.get("regions", [])
    )
    levels = Counter(len(str(code)) for row in offering_rows for code in row.get("regions", []))
    lines.append(
        f"offerings: {len(offering_rows)} from {len({row.get('org') for row in offering_rows})} organisations, "
        f"in {len(offering_districts)} districts; region codes: {levels[6]} districts, {levels[9]} streets, "
        f"{levels[12]} communities"
    )
    lines.append(
        "  by category (an offering counts once per category): "
        + table(Counter(c for row in offering_rows for c in row.get("categories", [])), CATEGORIES)
    )
    lines.append(
        "  by beneficiary: "
        + table(
            Counter(b for row in offering_rows for b in row.get("beneficiaries", [])), BENEFICIARIES
        )
    )
    lines.append(
        "  districts served: "
        + ", ".join(f"{districts.get(d, d)} {n}" for d, n in offering_districts.most_common())
    )
    splits = Counter(str(row.get("split")) for row in need_rows)
    need_districts = Counter(str(row.get("region"))[:6] for row in need_rows)
    lines.append(
        f"needs: {len(need_rows)} (dev {splits['dev']}, holdout {splits['holdout']}, "
        f"holdout share {splits['holdout'] / max(1, len(need_rows)):.1%}) from {len({row.get('region') for row in need_rows})} "
        f"communities in {len(need_districts)} districts"
    )
    lines.append(
        "  districts: "
        + ", ".join(f"{districts.get(d, d)} {n}" for d, n in need_districts.most_common())
    )
    lines.append("  category as written (dev/holdout):")
    for code in [*CATEGORIES, None]:
        dev = sum(1 for r in need_rows if r.get("category") == code and r.get("split") == "dev")
        hold = sum(
            1 for r in need_rows if r.get("category") == code and r.get("split") == "holdout"
        )
        label = CATEGORIES[code] if code else "(not given)"
        lines.append(f"    {code or 'null':<15}{dev:>4} /{hold:>4}   {label}")
    no_bens = sum(1 for r in need_rows if not r.get("beneficiaries"))
    lines.append(
        f"  needs without beneficiaries: {no_bens}; without category: {sum(1 for r in need_rows if r.get('category') is None)}"
    )
    sizes = [len(r.get("relevant") or []) for r in need_rows]
    if sizes:
        for split in SPLITS:
            part = [len(r.get("relevant") or []) for r in need_rows if r.get("split") == split]
            if part:
                lines.append(
                    f"  relevant per need ({split}): min {min(part)}, mean {sum(part) / len(part):.2f}, max {max(part)}"
                )
        lines.append(
            "  relevant per need, distribution: "
            + ", ".join(f"{k}:{v}" for k, v in sorted(Counter(sizes).items()))
        )
        used = {oid for r in need_rows for oid in r.get("relevant") or []}
        lines.append(
            f"  offerings relevant to at least one need: {len(used)} of {len(offering_rows)}"
        )
    return lines


def check_spread(
    offering_rows: list[dict[str, Any]], need_rows: list[dict[str, Any]], problems: Problems
) -> None:
    if len(offering_rows) < MIN_OFFERINGS:
        problems.add(f"only {len(offering_rows)} offerings (need at least {MIN_OFFERINGS})")
    if len(need_rows) < MIN_NEEDS:
        problems.add(f"only {len(need_rows)} needs (need at least {MIN_NEEDS})")
    offering_districts = {str(code)[:6] for row in offering_rows for code in row.get("regions", [])}
    if len(offering_districts) < MIN_OFFERING_DISTRICTS:
        problems.add(
            f"offerings serve only {len(offering_districts)} districts (need {MIN_OFFERING_DISTRICTS})"
        )
    need_communities = {str(row.get("region")) for row in need_rows}
    need_districts = {c[:6] for c in need_communities}
    if len(need_districts) < MIN_NEED_DISTRICTS:
        problems.add(
            f"needs come from only {len(need_districts)} districts (need {MIN_NEED_DISTRICTS})"
        )
    if len(need_communities) < MIN_NEED_COMMUNITIES:
        problems.add(
            f"needs come from only {len(need_communities)} communities (need {MIN_NEED_COMMUNITIES})"
        )
    check_content(offering_rows, need_rows, problems)


def check_content(
    offering_rows: list[dict[str, Any]], need_rows: list[dict[str, Any]], problems: Problems
) -> None:
    covered = {c for row in offering_rows for c in row.get("categories", [])}
    for code in CATEGORIES:
        if code not in covered:
            problems.add(f"no offering in category {code}")
    if need_rows:
        share = sum(1 for r in need_rows if r.get("split") == "holdout") / len(need_rows)
        if not HOLDOUT_RANGE[0] <= share <= HOLDOUT_RANGE[1]:
            problems.add(
                f"holdout share {share:.1%} outside {HOLDOUT_RANGE[0]:.0%}–{HOLDOUT_RANGE[1]:.0%}"
            )
    texts = Counter((str(r.get("title")), str(r.get("description"))) for r in need_rows)
    for (title, _), count in texts.items():
        if count > 1:
            problems.add(f"{count} needs share the same title and description ({title!r})")
    descriptions = Counter(str(r.get("description")) for r in need_rows)
    for description, count in descriptions.items():
        if count > 1:
            problems.add(f"{count} needs share the description {description[:30]!r}…")


def main() -> int:
    parser = argparse.ArgumentParser(description="Validate the matching evaluation set.")
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    parser.add_argument(
        "--no-rebuild", action="store_true", help="skip comparing with build_dataset.py output"
    )
    args = parser.parse_args()

    problems = Problems()
    try:
        regions = load_regions(args.regions_dir)
    except OSError as exc:
        print(f"cannot read the region lists in {args.regions_dir}: {exc}")
        return 1
    offering_rows = load_list(HERE / "offerings.json", problems)
    need_rows = load_list(HERE / "needs.json", problems)

    check_ids("offerings", offering_rows, r"o\d{4}", problems)
    check_ids("needs", need_rows, r"n\d{4}", problems)
    for row in offering_rows:
        check_offering(row, regions, problems)
    offerings = {str(row.get("id")): row for row in offering_rows}
    for row in need_rows:
        check_need(row, offerings, regions, problems)
    check_spread(offering_rows, need_rows, problems)
    rebuild = (
        "skipped (--no-rebuild)"
        if args.no_rebuild
        else check_rebuild(offering_rows, need_rows, args.regions_dir, problems)
    )

    print("\n".join(report(offering_rows, need_rows, regions)))
    print(f"reproducibility: {rebuild}")
    if problems.items:
        print(f"\n{len(problems.items)} problem(s):")
        for message in problems.items:
            print(f"  - {message}")
        return 1
    print("\nOK: no problems found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
