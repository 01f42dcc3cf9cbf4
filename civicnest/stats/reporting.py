"""The content of a 情况专报: the same figures as the dashboard, with period-over-period change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.core.pdf import render_pdf
from civicnest.core.periods import Period
from civicnest.core.xlsx import append_rows, new_workbook, style_header, workbook_bytes
from civicnest.regions import figures as metrics
from civicnest.regions.figures import BREAKDOWNS, METRICS, SECTIONS, Number
from civicnest.regions.models import Region
from civicnest.stats.models import StatReport


@dataclass
class ReportRow:
    section: str
    label: str
    unit: str
    value: Number
    previous: Number | None
    change: Decimal | None


def _change(value: Number, previous: Number | None) -> Decimal | None:
    if previous is None or not previous:
        return None
    return ((Decimal(value) - Decimal(previous)) * 100 / Decimal(previous)).quantize(Decimal("0.1"))


def report_figures(code: str, period: Period) -> list[ReportRow]:
    now, then = metrics.values(code, [period, period.previous()], METRICS.values())
    rows = []
    for key, metric in METRICS.items():
        value = now[key]
        before = None if metric.current else then[key]
        rows.append(
            ReportRow(
                str(SECTIONS.get(metric.section, metric.section)),
                str(metric.label),
                str(metric.unit),
                value,
                before,
                _change(value, before),
            )
        )
    return rows


def build_report_content(
    report: StatReport, *, tick: Callable[[int, str], None]
) -> tuple[bytes, bytes]:
    period = Period.parse(report.period_key)
    region = report.region
    tick(10, _("计算本期与上期指标"))
    rows = report_figures(region.code, period)
    tick(40, _("计算分布"))
    breakdowns = [(str(b.label), b.counts(region.code, period)) for b in BREAKDOWNS.values()]
    tick(55, _("计算下级区划"))
    children = list(Region.objects.filter(parent=region).order_by("code"))
    per_metric = metrics.children(region.code, period, METRICS.values())
    child_rows = [
        (child, [per_metric[key].get(child.code, 0) for key in METRICS]) for child in children
    ]
    context: dict[str, Any] = {
        "report": report,
        "region": region,
        "period": period,
        "previous": period.previous(),
        "rows": rows,
        "breakdowns": breakdowns,
        "metric_labels": [str(m.label) for m in METRICS.values()],
        "child_rows": child_rows,
        "child_tables": _chunks(list(METRICS.values()), child_rows, width=6),
        "generated_at": timezone.localtime(),
    }
    tick(70, _("生成 PDF"))
    pdf = render_pdf("stats/pdf/report.html", context)
    tick(90, _("生成 Excel"))
    xlsx = _workbook(context)
    return pdf, xlsx


def _chunks(metrics: list[Any], child_rows: list[Any], *, width: int) -> list[Any]:
    """The per-region table split into slices of `width` figures, so it fits an A4 page."""
    tables = []
    for start in range(0, len(metrics), width):
        labels = [f"{m.label}（{m.unit}）" for m in metrics[start : start + width]]
        rows = [(child, values[start : start + width]) for child, values in child_rows]
        tables.append((labels, rows))
    return tables


def _workbook(context: dict[str, Any]) -> bytes:
    book, sheet = new_workbook(str(_("总览")))
    sheet.append([f"{context['region'].name}{context['period'].label}{_('情况专报')}"])
    sheet.append(
        [
            _("板块"),
            _("指标"),
            _("单位"),
            context["period"].label,
            context["previous"].label,
            _("环比（%）"),
        ]
    )
    append_rows(
        sheet,
        (
            [row.section, row.label, row.unit, row.value, row.previous, row.change]
            for row in context["rows"]
        ),
    )
    style_header(sheet, row=2)
    dist = book.create_sheet(_("分布"))
    dist.append([_("分组"), _("类别"), _("数量")])
    append_rows(
        dist, ([label, name, n] for label, counts in context["breakdowns"] for name, n in counts)
    )
    children = book.create_sheet(_("下级区划"))
    children.append([_("区划代码"), _("名称"), *context["metric_labels"]])
    append_rows(
        children, ([child.code, child.name, *values] for child, values in context["child_rows"])
    )
    for ws in (dist, children):
        style_header(ws)
    return workbook_bytes(book)
