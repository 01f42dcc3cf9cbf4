"""Compliance rules for centers, each with its source in the seeds. Rules are pure functions of `CenterFacts`
(built by `selectors.center_facts` with a handful of aggregate queries), so every page, API call and target
computes them from the data as it is now: the check is continuous because nothing is cached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.network.models import CenterLevel

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "n/a"


@dataclass(frozen=True)
class Parameters:
    year: int
    min_premises_area: Decimal = Decimal("30")
    served_per_staff: int = 40
    social_worker_share: Decimal = Decimal("30")
    city_average_wage: Decimal | None = None


@dataclass
class CenterFacts:
    center_id: int
    name: str
    level: str
    region_id: str
    premises_area: Decimal
    premises_independent: bool
    full_time: int
    certified: int
    party_members: int
    has_party_org: bool
    directors: int
    has_board: bool
    has_supervisor: bool
    rules: dict[str, bool]
    average_pay: Decimal | None
    pay_missing: int
    organizations_served: int
    teams_served: int


# (label, value) pairs; labels and words stay lazy, so checking thousands of centers translates nothing
# until a page or the API shows a row.
Facts = list[tuple[str | Promise, str | Promise]]


@dataclass
class Outcome:
    rule: str
    status: str
    data: Facts = field(default_factory=list)
    message: str | Promise = ""

    def data_dict(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.data}

    @property
    def passed(self) -> bool:
        return self.status != FAIL


@dataclass(frozen=True)
class Rule:
    code: str
    title: str | Promise
    source: str | Promise  # the seed passage the rule comes from, quoted
    check: Callable[[CenterFacts, Parameters], Outcome]


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def premises(f: CenterFacts, p: Parameters) -> Outcome:
    ok = f.premises_independent and f.premises_area >= p.min_premises_area
    data: Facts = [
        (_("场地面积"), f"{f.premises_area} ㎡"),
        (_("下限"), f"{p.min_premises_area} ㎡"),
        (_("固定独立"), (_("是") if f.premises_independent else _("否"))),
    ]
    message = "" if ok else _("场地不足或不独立")
    return Outcome("premises", PASS if ok else FAIL, data, message)


def full_time_staff(f: CenterFacts, p: Parameters) -> Outcome:
    if f.level not in (CenterLevel.CITY, CenterLevel.DISTRICT):
        return Outcome("full_time_staff", NOT_APPLICABLE, [(_("层级"), f.level)])
    ok = f.full_time >= 1
    return Outcome(
        "full_time_staff",
        PASS if ok else FAIL,
        [(_("在岗专职人员"), str(f.full_time))],
        "" if ok else _("市、区级平台没有专职人员"),
    )


def staff_ratio(f: CenterFacts, p: Parameters) -> Outcome:
    served = f.organizations_served + f.teams_served
    data: Facts = [
        (_("服务的社会组织"), str(f.organizations_served)),
        (_("服务的活动团队"), str(f.teams_served)),
        (_("在岗专职人员"), str(f.full_time)),
        (_("每人上限"), str(p.served_per_staff)),
    ]
    if served == 0:
        return Outcome("staff_ratio", NOT_APPLICABLE, data)
    needed = -(-served // p.served_per_staff)  # ceiling
    data.append((_("应配专职人员"), str(needed)))
    ok = f.full_time >= needed
    return Outcome("staff_ratio", PASS if ok else FAIL, data, "" if ok else _("专职人员不足"))


def social_workers(f: CenterFacts, p: Parameters) -> Outcome:
    data: Facts = [
        (_("持证社工"), str(f.certified)),
        (_("在岗专职人员"), str(f.full_time)),
        (_("比例下限"), f"{p.social_worker_share}%"),
    ]
    if f.full_time == 0:
        return Outcome("social_workers", NOT_APPLICABLE, data)
    share = _pct(f.certified, f.full_time)
    data.append((_("持证比例"), f"{share}%"))
    ok = share >= p.social_worker_share
    return Outcome(
        "social_workers", PASS if ok else FAIL, data, "" if ok else _("持证社工比例偏低")
    )


def party_organization(f: CenterFacts, p: Parameters) -> Outcome:
    data: Facts = [
        (_("党员人数"), str(f.party_members)),
        (_("已建立党组织"), (_("是") if f.has_party_org else _("否"))),
    ]
    if f.party_members < 3:
        return Outcome("party_organization", NOT_APPLICABLE, data)
    ok = f.has_party_org
    return Outcome(
        "party_organization",
        PASS if ok else FAIL,
        data,
        "" if ok else _("党员 3 人以上未建立党组织"),
    )


def average_pay(f: CenterFacts, p: Parameters) -> Outcome:
    data: Facts = [(_("在岗专职人员"), str(f.full_time))]
    if p.city_average_wage is None:
        data.append((_("上年度本市职工平均工资"), _("未设置")))
        return Outcome("average_pay", NOT_APPLICABLE, data)
    data.append((_("上年度本市职工平均工资"), f"{p.city_average_wage} 元"))
    if f.full_time == 0:
        return Outcome("average_pay", NOT_APPLICABLE, data)
    if f.pay_missing:
        data.append((_("未填报收入"), str(f.pay_missing)))
        return Outcome("average_pay", FAIL, data, _("有专职人员未填报上年度收入，无法核对"))
    avg = (f.average_pay or Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    data.append((_("专职人员平均收入"), f"{avg} 元"))
    ok = avg >= p.city_average_wage
    return Outcome(
        "average_pay",
        PASS if ok else FAIL,
        data,
        "" if ok else _("平均收入低于上年度本市职工平均工资"),
    )


def board(f: CenterFacts, p: Parameters) -> Outcome:
    data: Facts = [
        (_("理事会"), (_("有") if f.has_board else _("无"))),
        (_("监事（会）"), (_("有") if f.has_supervisor else _("无"))),
        (_("在岗主任"), str(f.directors)),
    ]
    ok = f.has_board and f.has_supervisor and f.directors >= 1
    return Outcome("board", PASS if ok else FAIL, data, "" if ok else _("治理结构不完整"))


RULE_NAMES = {
    "financial": _("财务管理制度"),
    "personnel": _("人事管理制度"),
    "procedure": _("议事规则"),
}


def rules_on_file(f: CenterFacts, p: Parameters) -> Outcome:
    data: Facts = [(RULE_NAMES[k], _("已建立") if v else _("缺")) for k, v in f.rules.items()]
    ok = all(f.rules.values())
    return Outcome("rules", PASS if ok else FAIL, data, "" if ok else _("制度不健全"))


RULES: tuple[Rule, ...] = (
    Rule(
        "premises",
        _("独立场地不少于 30 平方米"),
        _("S 三(二)：社会组织服务中心应有固定、独立的办公场地，面积一般不少于30平方米；W 二(四)"),
        premises,
    ),
    Rule(
        "full_time_staff",
        _("市、区级平台配备专职人员"),
        _("W 二(三)：市、区社会组织孵化平台须有专职人员"),
        full_time_staff,
    ),
    Rule(
        "staff_ratio",
        _("专职人员与服务的组织、团队数量相称"),
        _("S 三(一)：应根据服务区域内社会组织和群众活动团队的数量……配备相应的专职工作人员"),
        staff_ratio,
    ),
    Rule(
        "social_workers",
        _("持证社工比例"),
        _("W 二(三)：提高专业社会工作者比例……优先录用具有社会工作专业资质的人员"),
        social_workers,
    ),
    Rule(
        "party_organization",
        _("党员 3 人以上建立党组织"),
        _("W 四(二)：有党员3人以上的，同步建立党组织"),
        party_organization,
    ),
    Rule(
        "average_pay",
        _("专职人员平均收入不低于上年度本市职工平均工资"),
        _("S 四(三)：专职工作人员的平均收入，一般不低于上年度本市职工平均工资水平"),
        average_pay,
    ),
    Rule(
        "board",
        _("理事会领导下的主任负责制，设立监事（会）"),
        _("S 三(三)：应实行理事会领导下的主任负责制，设立监事(会)"),
        board,
    ),
    Rule(
        "rules",
        _("财务、人事、议事制度健全"),
        _("S 三(四)：应建立健全财务管理、人事管理、议事规则等各项制度"),
        rules_on_file,
    ),
)
RULES_BY_CODE = {r.code: r for r in RULES}


def evaluate(facts: CenterFacts, params: Parameters) -> list[Outcome]:
    return [rule.check(facts, params) for rule in RULES]
