"""The venture-philanthropy step: funds, programs, proposals, projects and the ledger they imply.

Per district center a foundation fund (公益创投) and a government purchase-of-services fund (购买服务), plus the
city's foundation fund; per fund one program a year for 2024 (closed), 2025 (evaluating) and 2026 (implementing,
or still 发布与认购 for half the venture programs). Projects follow the services' rules: an appropriation inflow
(with its receipt) opens each program's money before anything is committed; a subscription is an inflow plus an
equal commitment; the contract tops the project's commitment up to the contract amount (or releases the
excess); paid tranches are disbursements; results or termination release what is left; some completed projects
return unspent money. Every posting is first collected with its moment, then each fund's postings are numbered
in time order and the running balances computed — and checked (never negative, committed ≤ balance, nothing
released or disbursed beyond what the project holds) before a row is written.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

from bench.citygen.core import NOW, TODAY, TZ, Context, step
from bench.citygen.steps import Places, Users, phone, short_name
from bench.citygen.vocab import BRANDS, person
from civicnest.philanthropy.models import (
    ENTRY_EFFECT,
    Bid,
    BudgetLine,
    Contract,
    Evaluation,
    ExpertAssignment,
    Fund,
    FundingProgram,
    LedgerEntry,
    ProgressReport,
    Project,
    Proposal,
    Receipt,
    Review,
    RubricCriterion,
    Subscription,
    Tender,
    Tranche,
)
from civicnest.registry.models import SocialOrganization

CENT = Decimal("0.01")
Org = tuple[int, str, str, str, datetime.date]  # (id, name, legal type, category, registered on)
ZERO = Decimal("0.00")
YEARS = (2024, 2025, 2026)
# (idea, category, objective, beneficiaries, activities)
IDEAS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "长者助餐与陪伴",
        "elderly",
        "为独居和高龄老人提供助餐、探访和健康讲座",
        "独居、高龄老人",
        "助餐配送、每周探访、健康讲座",
    ),
    (
        "认知症友好社区",
        "elderly",
        "早筛认知障碍，支持照护家庭",
        "认知障碍老人及照护者",
        "记忆门诊转介、照护者喘息服务、友好商户培训",
    ),
    (
        "老伙伴互助计划",
        "elderly",
        "低龄老人结对关爱高龄老人",
        "高龄独居老人",
        "结对探访、电话问候、应急联络",
    ),
    (
        "“四点半课堂”课后托管",
        "children",
        "为双职工家庭儿童提供课后学业辅导和安全看护",
        "小学生及其家庭",
        "作业辅导、阅读小组、安全教育",
    ),
    (
        "困境儿童成长陪伴",
        "children",
        "为困境儿童建立个案档案，提供持续陪伴",
        "困境儿童",
        "个案辅导、暑期成长营、家庭走访",
    ),
    (
        "社区心理支持小站",
        "psychology",
        "为居民提供心理咨询、减压小组和危机转介",
        "有心理支持需求的居民",
        "心理咨询、减压小组、危机转介",
    ),
    (
        "青少年情绪成长营",
        "psychology",
        "提升青少年情绪管理和抗逆力",
        "初高中学生",
        "团体辅导、家长课堂、朋辈支持",
    ),
    (
        "残障青年就业支持",
        "disability",
        "开展职业技能培训、岗位对接和就业跟踪",
        "16-45 岁残障青年",
        "技能培训、岗位对接、就业跟踪",
    ),
    (
        "助残康复到家",
        "disability",
        "为居家重度残疾人提供上门康复",
        "居家重度残疾人",
        "上门康复训练、辅具评估、家属培训",
    ),
    (
        "邻里调解工作室",
        "mediation",
        "组建居民调解员队伍，化解邻里纠纷",
        "社区居民",
        "调解员培训、纠纷调处、议事协商",
    ),
    (
        "垃圾分类绿色家庭",
        "environment",
        "入户宣传、督导和绿色家庭评选",
        "社区居民家庭",
        "入户宣传、定时定点督导、绿色家庭评选",
    ),
    (
        "社区花园共建",
        "environment",
        "带领居民把闲置空间改造为社区花园",
        "社区居民与儿童",
        "花园营造、自然教育、志愿者养护",
    ),
    (
        "社区健康自我管理小组",
        "health",
        "慢病患者健康自我管理和同伴支持",
        "高血压、糖尿病患者",
        "健康讲座、小组活动、血压血糖自测",
    ),
    (
        "社区法律明白人培训",
        "legal",
        "培训社区法律明白人，开展普法和法律咨询",
        "社区居民、楼组长",
        "法律培训、普法讲座、法律咨询",
    ),
    (
        "青少年科普营",
        "education",
        "周末科普实验和暑期科学营",
        "中小学生",
        "科普实验、科学营、科技馆参访",
    ),
    (
        "新市民融入计划",
        "governance",
        "帮助新市民融入社区",
        "新就业群体、新市民",
        "社区导览、技能沙龙、邻里节",
    ),
    (
        "楼组自治能力提升",
        "governance",
        "培育楼组骨干，推动居民自治",
        "楼组长、居民骨干",
        "骨干培训、自治项目孵化、议事会",
    ),
    (
        "志愿服务积分银行",
        "volunteer",
        "建立志愿服务积分激励机制",
        "社区志愿者",
        "志愿者招募、积分兑换、表彰",
    ),
    (
        "全民健身进社区",
        "culture_sports",
        "组织社区健身和文体活动",
        "社区居民",
        "健身指导、社区运动会、文体团队培育",
    ),
    (
        "困难家庭帮扶",
        "poverty",
        "为困难家庭提供综合帮扶",
        "低保、低收入家庭",
        "需求评估、资源链接、节日慰问",
    ),
)
VENTURE_CRITERIA: tuple[tuple[str, int], ...] = (
    ("需求分析", 20),
    ("项目设计", 25),
    ("团队能力", 20),
    ("预算合理性", 15),
    ("可持续性", 10),
    ("创新性", 10),
)
PURCHASE_CRITERIA: tuple[tuple[str, int], ...] = (
    ("服务方案", 40),
    ("机构资质", 20),
    ("报价", 20),
    ("以往业绩", 20),
)
BUDGET_ITEMS = (
    "人员经费",
    "活动经费",
    "宣传物料费",
    "专家督导费",
    "培训费",
    "交通及通讯费",
    "办公耗材",
)
REVIEW_COMMENTS = (
    "需求分析扎实，建议细化成效指标。",
    "项目设计合理，团队经验丰富。",
    "预算偏高，人员经费占比需压缩。",
    "创新性不足，建议结合社区实际。",
    "服务对象明确，活动安排可行。",
    "",
)
INELIGIBLE = ("组织类型不在本项目申报范围内。", "登记未满 2 年。", "申报材料不完整。")
FUNDER_SUFFIXES = ("实业有限公司", "科技有限公司", "置业有限公司", "慈善基金会", "商会", "银行支行")
TERMINATIONS = (
    "承接组织负责人变动，无法继续实施。",
    "项目中期评估不合格，经协商终止。",
    "服务对象需求变化，项目无法按计划开展。",
)
RESULTS = (
    "项目按计划完成，服务对象满意度 {s}%，形成可复制的服务模式。",
    "完成全部产出指标，累计服务 {n} 人次，满意度 {s}%。",
    "项目培育了一支稳定的志愿者队伍，服务 {n} 人次，满意度 {s}%。",
)


def money(value: float | Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def past(moment: datetime.datetime) -> datetime.datetime:
    """Never after the generator's NOW."""
    return min(moment, NOW - datetime.timedelta(hours=1))


def split(total: Decimal, shares: tuple[float, ...]) -> list[Decimal]:
    """`total` in parts by `shares`, to the cent, the last part taking the remainder."""
    parts = [money(total * Decimal(str(s))) for s in shares[:-1]]
    return [*parts, total - sum(parts, ZERO)]


@dataclass(slots=True)
class Posting:
    """One ledger entry before it is numbered; `entry_id` is set when the fund's ledger is written."""

    when: datetime.datetime
    kind: str
    amount: Decimal
    project: int | None
    counterparty: str
    memo: str
    poster: int
    order: int = 0
    entry_id: int = 0
    receipt: tuple[str, str] | None = None  # (donor, purpose) of an inflow


@dataclass
class FundBook:
    pk: int
    code: str
    region: str
    staff: int
    postings: list[Posting] = field(default_factory=list)

    def post(self, when: datetime.datetime, kind: str, amount: Decimal, **kw: Any) -> Posting:
        p = Posting(when=when, kind=kind, amount=amount, order=len(self.postings), **kw)
        self.postings.append(p)
        return p


@dataclass
class Stage:
    """What happens to one project (decided up front, so the program's budget is known first)."""

    status: str
    budget: Decimal
    contract: Decimal | None = None


def program_stage(year: int, kind: str, index: int) -> str:
    if year == 2024:
        return "closed"
    if year == 2025:
        return "evaluating"
    return "published" if kind == "venture" and index % 2 == 0 else "implementing"


PROJECT_MIX = {
    "closed": (("completed", 92), ("terminated", 8)),
    "evaluating": (("evaluated", 40), ("completed", 35), ("contracted", 20), ("terminated", 5)),
    "implementing": (("contracted", 96), ("terminated", 4)),
    "published": (("published", 100),),
}


def timeline(year: int) -> dict[str, datetime.date]:
    return {
        "call_opens": datetime.date(year, 3, 1),
        "call_closes": datetime.date(year, 4, 15),
        "review_until": datetime.date(year, 5, 31),
        "publish_on": datetime.date(year, 6, 20),
        "implementation_ends": datetime.date(year + 1, 9, 30),
        "evaluation_by": datetime.date(year + 1, 12, 31),
    }


@step("projects", after=("organizations",))
def projects(ctx: Context) -> None:  # noqa: PLR0912, PLR0915 - one pass over the funding chain
    rng = ctx.rng("projects")
    places: Places = ctx.data["places"]
    center_by_region: dict[str, int] = ctx.data["center_by_region"]
    staff_user: dict[int, int] = ctx.data["staff_user"]
    org_rep: dict[int, int] = ctx.data["org_rep"]
    orgs_by_district: dict[str, list[Org]] = defaultdict(list)
    all_orgs: list[Org] = []
    orgs_by_top: dict[str, list[Org]] = defaultdict(list)
    for pk, name, org_type, category, region, registered in (
        SocialOrganization.objects.filter(status="normal")
        .exclude(org_type="foundation")
        .order_by("pk")
        .values_list("pk", "name", "org_type", "category", "region_id", "registered_on")
    ):
        if pk not in org_rep:
            continue
        orgs_by_district[region[:6]].append((pk, name, org_type, category, registered))
        orgs_by_top[region[: len(places.tops[0])]].append(
            (pk, name, org_type, category, registered)
        )
        all_orgs.append((pk, name, org_type, category, registered))

    # -- people: experts and funders (their own users, role expert / funder) ---------------------
    users = Users(ctx)
    experts: dict[str, list[int]] = {}
    funders: dict[str, list[tuple[int, str]]] = {}
    n = 0
    prefix = places.geo.prefix
    tops = places.tops  # the city, or each city of the province
    streets_under = {t: places.streets_under(t) for t in tops}
    for region in [*tops, *places.districts]:
        experts[region] = []
        funders[region] = []
        for _ in range(10 if region in tops else 6):
            n += 1
            experts[region].append(
                users.add(f"{prefix}_expert_{n:04d}", person(rng), phone(rng), "expert", region)
            )
        for _ in range(6):
            n += 1
            roll = rng.random()
            if roll < 0.25:
                name = f"{person(rng)}（爱心人士）"
            else:
                where = places.city_name(region) + (places.names[region] if len(region) > 4 else "")
                name = f"{where}{rng.choice(places.geo.words)}{rng.choice(FUNDER_SUFFIXES)}"
            funders[region].append(
                (users.add(f"{prefix}_funder_{n:04d}", name, phone(rng), "funder", region), name)
            )
    users.flush()

    # -- funds and programs -------------------------------------------------------------------------
    fund_table = ctx.table(
        Fund, ["center_id", "region_id", "name", "code", "kind", "created_at", "updated_at"]
    )
    books: list[FundBook] = []
    # (region, fund kind, program kind, weight)
    plans: list[tuple[str, str, str, float]] = [(t, "foundation", "venture", 3.0) for t in tops]
    for d in places.districts:
        plans += [(d, "foundation", "venture", 1.0), (d, "government", "purchase", 0.8)]
    fund_of: dict[tuple[str, str], FundBook] = {}
    created = at(datetime.date(2023, 12, 1), 9)
    for region, fund_kind, _kind, _w in plans:
        # SHF, SH01F, SH01G in Shanghai; HB01F (a city), HB0102F, HB0102G in a province.
        code = f"{prefix.upper()}{region[len(places.top) :]}"
        if fund_kind == "foundation":
            name, code = f"{places.label(region)}社会组织发展基金", f"{code}F"
        else:
            name, code = f"{places.label(region)}民政局购买服务专项资金", f"{code}G"
        center = center_by_region[region]
        pk = fund_table.add(center, region, name, code, fund_kind, created, created)
        book = FundBook(pk=pk, code=code, region=region, staff=staff_user[center])
        books.append(book)
        fund_of[(region, fund_kind)] = book
    fund_table.flush()

    # How many projects each program gets: weights by plan, exact total by largest remainder.
    program_keys = [(plan, year) for plan in plans for year in YEARS]
    weights = [plan[3] for plan, _y in program_keys]
    target = ctx.scale.projects
    raw = [target * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (raw[i] - shares[i], -i), reverse=True)[
        : target - sum(shares)
    ]:
        shares[i] += 1

    programs = ctx.table(
        FundingProgram,
        [
            "center_id", "region_id", "fund_id", "name", "kind", "description", "focus_areas",
            "eligible_org_types", "min_registered_years", "budget", "per_project_cap", "call_opens",
            "call_closes", "review_until", "publish_on", "implementation_ends", "evaluation_by", "status",
            "created_by_id", "created_at", "updated_at",
        ],
    )  # fmt: skip
    criteria_table = ctx.table(RubricCriterion, ["program_id", "name", "weight", "max_score"])
    panel_table = ctx.table(ExpertAssignment, ["program_id", "expert_id", "assigned_at"])
    proposals = ctx.table(
        Proposal,
        [
            "program_id", "organization_id", "region_id", "title", "category", "objectives", "beneficiaries",
            "beneficiary_count", "activities", "outputs", "outcomes", "team", "status", "eligibility_note",
            "submitted_at", "submitted_by_id", "created_at", "updated_at",
        ],
    )  # fmt: skip
    lines_table = ctx.table(BudgetLine, ["proposal_id", "item", "amount"])
    reviews = ctx.table(
        Review,
        [
            "proposal_id",
            "expert_id",
            "scores",
            "total",
            "comment",
            "no_conflict_declared",
            "created_at",
        ],
    )
    tenders = ctx.table(
        Tender,
        [
            "program_id", "region_id", "title", "requirements", "ceiling", "closes_on", "status",
            "awarded_bid_id", "award_reasons", "created_at", "updated_at",
        ],
    )  # fmt: skip
    bids = ctx.table(
        Bid,
        [
            "tender_id", "region_id", "organization_id", "price", "plan", "score", "score_note",
            "submitted_by_id", "created_at", "updated_at",
        ],
    )  # fmt: skip
    project_table = ctx.table(
        Project,
        [
            "program_id", "proposal_id", "organization_id", "region_id", "title", "summary", "budget", "status",
            "published_at", "result_summary", "result_published_at", "created_at", "updated_at",
        ],
    )  # fmt: skip
    contracts = ctx.table(
        Contract,
        [
            "project_id", "region_id", "number", "amount", "starts_on", "ends_on", "terms", "signed_by_id",
            "created_at", "updated_at",
        ],
    )  # fmt: skip
    reports = ctx.table(
        ProgressReport,
        [
            "project_id", "region_id", "period", "narrative", "indicators", "spent", "submitted_by_id",
            "created_at", "updated_at",
        ],
    )  # fmt: skip
    evaluations = ctx.table(
        Evaluation,
        [
            "project_id", "region_id", "self_score", "self_report", "expert_score", "expert_comment",
            "evaluator_id", "final_score", "conclusion", "created_at", "updated_at",
        ],
    )  # fmt: skip
    # Written after the ledger, when the entries' ids are known.
    pending_tranches: list[
        tuple[Any, ...]
    ] = []  # (contract, region, seq, milestone, amount, due, posting|None, staff)
    pending_subs: list[tuple[Any, ...]] = []  # (project, region, funder, name, amount, posting)

    project_statuses: dict[str, int] = defaultdict(int)
    for ((region, fund_kind, kind, _w), year), count in zip(program_keys, shares, strict=True):
        if count == 0:
            continue
        book = fund_of[(region, fund_kind)]
        center = center_by_region[region]
        staff = staff_user[center]
        dates = timeline(year)
        top = region in tops
        index = places.districts.index(region) if not top else 0
        stage = program_stage(year, kind, index)
        venture = kind == "venture"
        cap = Decimal(300_000 if top else 150_000) if venture else Decimal(600_000)
        low, high = (30, int(cap) // 1000) if venture else (100, int(cap) // 1000)
        plans_here = [
            Stage(status=rng.choices(*zip(*PROJECT_MIX[stage], strict=True))[0],
                  budget=Decimal(rng.randrange(low, high + 1) * 1000))
            for _ in range(count)
        ]  # fmt: skip
        total = sum((s.budget for s in plans_here), ZERO)
        budget = max(
            cap, (total * Decimal("1.1") / 10_000).to_integral_value(rounding=ROUND_UP) * 10_000
        )
        where = places.label(region)
        pname = (
            f"{year} 年{where}公益创投大赛"
            if venture
            else f"{year} 年{where}社区服务政府购买服务项目"
        )
        description = (
            f"以社区需求为导向，资助社会组织在{where}开展为老、助残、儿童、心理、调解等公益服务项目。"
            if venture
            else f"{where}民政局通过公开招标向社会组织购买社区养老、助残、儿童关爱等服务。"
        )
        program_created = at(dates["call_opens"] - datetime.timedelta(days=20), 9)
        program_id = programs.add(
            center, region, book.pk, pname, kind, description, [],
            ["social_group", "social_service"] if venture else ["social_service"],
            1 if venture else 2, budget, cap, dates["call_opens"], dates["call_closes"],
            dates["review_until"], dates["publish_on"], dates["implementation_ends"],
            dates["evaluation_by"], stage, staff, program_created, program_created,
        )  # fmt: skip
        criteria: list[tuple[int, int]] = []
        for cname, weight in VENTURE_CRITERIA if venture else PURCHASE_CRITERIA:
            criteria.append((criteria_table.add(program_id, cname, weight, 100), weight))
        pool = experts[region]
        panel = sorted(rng.sample(pool, 5))
        for expert in panel:
            panel_table.add(program_id, expert, program_created)
        # The program's money: the appropriation, in before anything is committed.
        source = (
            f"{places.city_name(region)}民政局（福彩公益金）" if top
            else f"{places.city_name(region)}{places.names[region]}{'民政局（福彩公益金）' if venture else '财政局'}"
        )  # fmt: skip
        book.post(
            at(dates["call_opens"] - datetime.timedelta(days=10), 9, 30), "inflow", budget, project=None,
            counterparty=source, memo=f"{year} 年度{'公益创投资金' if venture else '购买服务预算'}",
            poster=staff, receipt=(source, f"{pname}专项资金"),
        )  # fmt: skip
        if venture and rng.random() < 0.6:
            donor = rng.choice(funders[region])[1]
            gift = Decimal(rng.randrange(2, 20) * 10_000)
            book.post(
                at(dates["call_opens"] + datetime.timedelta(days=rng.randrange(0, 200)), 14), "inflow", gift,
                project=None, counterparty=donor, memo="非定向捐赠", poster=staff, receipt=(donor, "非定向捐赠"),
            )  # fmt: skip

        # Who may apply: the program's legal types, registered long enough before the call opens.
        types = ("social_group", "social_service") if venture else ("social_service",)
        cutoff = dates["call_opens"].replace(year=year - (1 if venture else 2))
        local_orgs = orgs_by_district[region] if not top else orgs_by_top[region]
        candidates = [o for o in local_orgs if o[2] in types and o[4] <= cutoff]
        if not candidates:  # a tiny city: any eligible organization of the city
            candidates = [o for o in all_orgs if o[2] in types and o[4] <= cutoff] or all_orgs
        used_titles: set[tuple[int, str]] = set()

        def title_for(
            org: Org,
            region: str = region,
            used_titles: set[Any] = used_titles,
        ) -> tuple[str, tuple[str, str, str, str, str]]:
            for _ in range(50):
                matching = [i for i in IDEAS if i[1] == org[3]]
                idea = (
                    rng.choice(matching) if matching and rng.random() < 0.7 else rng.choice(IDEAS)
                )
                street = rng.choice(
                    places.streets[region] if len(region) == 6 else streets_under[region]
                )
                head = rng.choice((f"“{rng.choice(BRANDS)}”", short_name(places.names[street]), ""))
                title = f"{head}{idea[0]}{rng.choice(('项目', '计划', '服务项目', ''))}"
                if (org[0], title) not in used_titles:
                    used_titles.add((org[0], title))
                    return title, idea
            raise RuntimeError("no free project title")

        def write_proposal(
            org: Org,
            status: str,
            amount: Decimal | None,
            *,
            program_id: int = program_id,
            region: str = region,
            where: str = where,
            dates: dict[str, datetime.date] = dates,
            low: int = low,
            high: int = high,
            criteria: list[tuple[int, int]] = criteria,
            panel: list[int] = panel,
        ) -> tuple[int, str, str]:
            title, idea = title_for(org)
            submitted = at(
                dates["call_opens"] + datetime.timedelta(days=rng.randrange(5, 45)),
                rng.randrange(9, 21),
            )
            people = rng.choice((60, 80, 120, 200, 300, 500))
            note = rng.choice(INELIGIBLE) if status == "ineligible" else ""
            proposal_id = proposals.add(
                program_id, org[0], region, title, idea[1], f"{idea[2]}，提升{where}居民的获得感。", idea[3],
                people, f"{idea[4]}。", [{"name": "服务人次", "target": str(people * rng.choice((4, 6, 10)))}],
                [{"name": "服务对象满意度", "target": "90%"}],
                f"项目负责人{person(rng)}（中级社工师），社工 {rng.randrange(2, 6)} 名，志愿者 {rng.randrange(10, 60)} 名。",
                status, note, submitted, org_rep[org[0]], submitted - datetime.timedelta(days=3), submitted,
            )  # fmt: skip
            requested = (
                amount if amount is not None else Decimal(rng.randrange(low, high + 1) * 1000)
            )
            for item, part in zip(
                BUDGET_ITEMS, split(requested, (0.4, 0.35, 0.1, 0.1, 0.05)), strict=False
            ):
                lines_table.add(proposal_id, item, part)
            if status in ("shortlisted", "not_selected", "published"):
                for expert in sorted(rng.sample(panel, 3)):
                    base = rng.uniform(75, 95) if status != "not_selected" else rng.uniform(50, 78)
                    scores = {
                        str(cid): str(min(100, max(0, round(base + rng.uniform(-8, 8)))))
                        for cid, _w in criteria
                    }
                    total = sum(
                        (Decimal(w) * Decimal(scores[str(cid)]) for cid, w in criteria), Decimal(0)
                    )
                    total = (total / sum(w for _c, w in criteria)).quantize(
                        CENT, rounding=ROUND_HALF_UP
                    )
                    reviews.add(
                        proposal_id, expert, scores, total, rng.choice(REVIEW_COMMENTS), True,
                        at(dates["call_closes"] + datetime.timedelta(days=rng.randrange(10, 40)), 15),
                    )  # fmt: skip
            return proposal_id, title, idea[2]

        for plan in plans_here:
            org = rng.choice(candidates)
            published = at(dates["publish_on"] + datetime.timedelta(days=rng.randrange(0, 10)), 10)
            if venture:
                requested = min(cap, plan.budget + Decimal(rng.choice((0, 0, 5, 10, 20)) * 1000))
                proposal_id, title, objective = write_proposal(org, "published", requested)
                summary = f"{objective}。"
            else:
                proposal_id = None
                idea = rng.choice(IDEAS)
                title = f"{where}{idea[0]}服务采购"
                n_same = sum(1 for _o, t in used_titles if t.startswith(title))
                used_titles.add((0, title))
                title = f"{title}（{n_same + 1}标段）" if n_same else title
                summary = f"为{idea[3]}提供{idea[4]}等服务，服务期至 {dates['implementation_ends']:%Y 年 %m 月}。"
                # The tender row is written after its bids, when its awarded bid's id is known.
                tender_id = tenders.next_id
                bidders = [org, *rng.sample(candidates, min(len(candidates), rng.randrange(1, 4)))]
                seen: set[int] = set()
                awarded = 0
                ceiling = min(cap, money(plan.budget * Decimal("1.1")))
                for k, bidder in enumerate(bidders):
                    if bidder[0] in seen:
                        continue
                    seen.add(bidder[0])
                    price = (
                        plan.budget
                        if k == 0
                        else min(ceiling, money(plan.budget * Decimal(rng.uniform(0.92, 1.08))))
                    )
                    score = Decimal(rng.randrange(86, 96) if k == 0 else rng.randrange(60, 86))
                    bid_at = at(
                        dates["call_opens"] + datetime.timedelta(days=rng.randrange(10, 40)), 11
                    )
                    bid_id = bids.add(
                        tender_id, region, bidder[0], price, f"{bidder[1]}服务方案：{summary}", score,
                        "综合评分", org_rep[bidder[0]], bid_at, bid_at,
                    )  # fmt: skip
                    awarded = awarded or bid_id
                tender_at = at(dates["call_opens"], 9)
                tenders.add(
                    program_id, region, title, summary, ceiling, dates["call_closes"], "awarded", awarded,
                    "综合评分最高，服务方案完整，报价合理。", tender_at, tender_at,
                )  # fmt: skip
            status = plan.status
            result, result_at = "", None
            project_id = project_table.next_id
            # Subscriptions (venture): before the contract, never beyond the budget.
            held = ZERO
            contract_day = (published + datetime.timedelta(days=rng.randrange(30, 60))).date()
            if venture and rng.random() < 0.6:
                room = plan.budget
                last = min(contract_day, TODAY) if status != "published" else TODAY
                for _ in range(rng.choice((1, 1, 2, 3))):
                    amount = min(room, Decimal(rng.randrange(1, 8) * 5_000))
                    if amount <= 0:
                        break
                    funder_id, funder_name = rng.choice(funders[region])
                    span = max(1, (last - published.date()).days - 1)
                    when = at(
                        published.date() + datetime.timedelta(days=rng.randrange(1, span + 1)), 15
                    )
                    inflow = book.post(
                        when, "inflow", amount, project=project_id, counterparty=funder_name,
                        memo=f"认购：{title}", poster=funder_id, receipt=(funder_name, f"定向资助：{title}"),
                    )  # fmt: skip
                    book.post(
                        when, "commitment", amount, project=project_id, counterparty=org[1],
                        memo=f"认购承诺：{title}", poster=funder_id,
                    )  # fmt: skip
                    pending_subs.append(
                        (project_id, region, funder_id, funder_name, amount, inflow)
                    )
                    room -= amount
                    held += amount
            if status != "published":
                contract_amount = (
                    plan.budget if rng.random() < 0.85 else money(plan.budget * Decimal("0.95"))
                )
                signed = at(contract_day, 10)
                number = f"CN{contract_day.year}-{project_id:06d}"
                contract_id = contracts.add(
                    project_id, region, number, contract_amount, contract_day, dates["implementation_ends"],
                    "按申报书执行，专款专用，按里程碑拨付。", staff, signed, signed,
                )  # fmt: skip
                if held < contract_amount:
                    book.post(
                        signed, "commitment", contract_amount - held, project=project_id, counterparty=org[1],
                        memo=f"合同配套：{number}", poster=staff,
                    )  # fmt: skip
                elif held > contract_amount:
                    book.post(
                        signed, "release", held - contract_amount, project=project_id, counterparty="",
                        memo=f"超出合同金额的认购释放：{number}", poster=staff,
                    )  # fmt: skip
                held = contract_amount
                ends = dates["implementation_ends"]
                mid = contract_day + (ends - contract_day) / 2
                schedule = (
                    ("合同签订、项目启动", contract_day + datetime.timedelta(days=7), 0.4),
                    ("中期评估通过", mid, 0.3),
                    ("项目完成、提交结项材料", ends, 0.3),
                )
                amounts = split(contract_amount, tuple(s[2] for s in schedule))
                stop = len(schedule)  # tranches paid: every one due by today, fewer for some
                if status == "terminated":
                    stop = 1
                elif status == "completed" and rng.random() < 0.1:
                    stop = 2  # final tranche withheld (评估扣减), released at completion
                paid_total = ZERO
                last_paid = signed
                for seq, ((milestone, due, _share), amount) in enumerate(
                    zip(schedule, amounts, strict=True), 1
                ):
                    posting = None
                    if seq <= stop and due <= TODAY - datetime.timedelta(days=1):
                        last_paid = at(due + datetime.timedelta(days=rng.randrange(0, 5)), 16)
                        last_paid = past(max(last_paid, signed + datetime.timedelta(hours=1)))
                        posting = book.post(
                            last_paid, "disbursement", amount, project=project_id, counterparty=org[1],
                            memo=f"{number} 第 {seq} 期：{milestone}", poster=staff,
                        )  # fmt: skip
                        paid_total += amount
                        held -= amount
                    pending_tranches.append(
                        (contract_id, region, seq, milestone, amount, due, posting, staff)
                    )
                # Reports: mid-term once the mid tranche is due, final once the project has ended.
                for period, day in (("中期报告", mid), ("结项报告", ends)):
                    if day <= TODAY and status != "terminated":
                        when = past(at(day - datetime.timedelta(days=rng.randrange(3, 10)), 17))
                        reports.add(
                            project_id, region, period,
                            f"本期按计划开展{objective}等活动，服务对象反馈良好。",
                            [{"name": "服务人次", "actual": str(rng.randrange(200, 2000))}],
                            money(paid_total * Decimal(rng.uniform(0.6, 1.0))), org_rep[org[0]], when, when,
                        )  # fmt: skip
                end_moment = past(
                    max(at(ends + datetime.timedelta(days=rng.randrange(20, 50)), 15), last_paid)
                )
                if status in ("evaluated", "completed"):
                    self_score = Decimal(rng.randrange(80, 99))
                    expert_score = Decimal(rng.randrange(60, 98))
                    final = (self_score * Decimal("0.3") + expert_score * Decimal("0.7")).quantize(
                        CENT
                    )
                    conclusion = next(
                        (
                            label
                            for floor, label in ((90, "优秀"), (75, "良好"), (60, "合格"))
                            if final >= floor
                        ),
                        "不合格",
                    )
                    evaluations.add(
                        project_id, region, self_score, "项目各项指标基本完成，详见自评报告。", expert_score,
                        "服务成效明显，档案规范。" if final >= 75 else "部分指标未达成，需加强过程管理。",
                        panel[0] if venture else staff, final, conclusion, end_moment, end_moment,
                    )  # fmt: skip
                if status == "completed":
                    result_at = past(end_moment + datetime.timedelta(days=rng.randrange(5, 25)))
                    if held > 0:
                        book.post(
                            result_at, "release", held, project=project_id, counterparty="",
                            memo="结项释放未拨付余额", poster=staff,
                        )  # fmt: skip
                        held = ZERO
                    if paid_total > 0 and rng.random() < 0.08:
                        back = min(
                            paid_total, money(contract_amount * Decimal(rng.uniform(0.01, 0.05)))
                        )
                        book.post(
                            result_at, "return", back, project=project_id, counterparty=org[1],
                            memo="结余资金退回", poster=staff,
                        )  # fmt: skip
                    result = rng.choice(RESULTS).format(
                        n=rng.randrange(500, 5000), s=rng.randrange(90, 100)
                    )
                elif status == "terminated":
                    stopped = past(
                        max(last_paid, signed) + datetime.timedelta(days=rng.randrange(30, 90))
                    )
                    if held > 0:
                        book.post(
                            stopped, "release", held, project=project_id, counterparty="",
                            memo="项目终止释放", poster=staff,
                        )  # fmt: skip
                        held = ZERO
                    result = rng.choice(TERMINATIONS)
            project_table.add(
                program_id, proposal_id, org[0], region, title, summary, plan.budget, status, published,
                result, result_at, published, result_at or published,
            )  # fmt: skip
            project_statuses[status] += 1

        # Proposals that did not become projects: ineligible, not selected (reviewed), a few drafts.
        if venture:
            for _ in range(max(1, count // 2)):
                status = rng.choice(("ineligible", "not_selected", "not_selected", "not_selected"))
                write_proposal(rng.choice(candidates), status, None)

    for table in (programs, criteria_table, panel_table, proposals, lines_table, reviews):
        table.flush()
    for table in (bids, tenders, project_table, contracts, reports, evaluations):
        table.flush()

    # -- the ledgers: each fund's postings in time order, numbered, balances computed and checked -----------
    entries = ctx.table(
        LedgerEntry,
        [
            "fund_id", "seq", "kind", "amount", "balance_after", "committed_after", "project_id",
            "counterparty", "memo", "posted_by_id", "posted_at",
        ],
    )  # fmt: skip
    receipts = ctx.table(
        Receipt,
        [
            "fund_id", "region_id", "entry_id", "year", "seq", "serial", "donor_name", "amount", "received_on",
            "purpose", "issued_by_id", "created_at", "updated_at",
        ],
    )  # fmt: skip
    for book in books:
        balance = committed = ZERO
        holds: dict[int, Decimal] = defaultdict(lambda: ZERO)
        serials: dict[int, int] = defaultdict(int)
        for seq, p in enumerate(sorted(book.postings, key=lambda p: (p.when, p.order)), start=1):
            cash_sign, commit_sign = ENTRY_EFFECT[p.kind]
            if p.kind == "commitment" and balance - committed < p.amount:
                raise AssertionError(f"{book.code}#{seq}: commitment beyond the available balance")
            if p.kind in ("release", "disbursement") and (
                p.project is None or holds[p.project] < p.amount
            ):
                raise AssertionError(f"{book.code}#{seq}: {p.kind} beyond what the project holds")
            if p.project is not None:
                holds[p.project] += commit_sign * p.amount
            balance += cash_sign * p.amount
            committed += commit_sign * p.amount
            if not (p.amount > 0 and 0 <= committed <= balance):
                raise AssertionError(f"{book.code}#{seq}: balance {balance}, committed {committed}")
            p.entry_id = entries.add(
                book.pk, seq, p.kind, p.amount, balance, committed, p.project, p.counterparty[:120],
                p.memo[:200], p.poster, p.when,
            )  # fmt: skip
            if p.receipt is not None:
                day = p.when.astimezone(TZ).date()
                serials[day.year] += 1
                serial = serials[day.year]
                receipts.add(
                    book.pk, book.region, p.entry_id, day.year, serial, f"{book.code}-{day.year}-{serial:06d}",
                    p.receipt[0][:120], p.amount, day, p.receipt[1][:200], p.poster, p.when, p.when,
                )  # fmt: skip
    entries.flush()
    receipts.flush()

    subscriptions = ctx.table(
        Subscription,
        [
            "project_id",
            "region_id",
            "funder_id",
            "funder_name",
            "amount",
            "inflow_id",
            "created_at",
            "updated_at",
        ],
    )
    for project_id, region, funder_id, name, amount, posting in pending_subs:
        subscriptions.add(
            project_id,
            region,
            funder_id,
            name[:120],
            amount,
            posting.entry_id,
            posting.when,
            posting.when,
        )
    subscriptions.flush()
    tranches = ctx.table(
        Tranche,
        [
            "contract_id", "region_id", "seq", "milestone", "amount", "due_on", "status", "approval_note",
            "approved_by_id", "entry_id",
        ],
    )  # fmt: skip
    for contract_id, region, seq, milestone, amount, due, posting, staff in pending_tranches:
        paid = posting is not None
        tranches.add(
            contract_id, region, seq, milestone, amount, due, "paid" if paid else "planned",
            "材料齐全，同意拨付。" if paid else "", staff if paid else None, posting.entry_id if paid else None,
        )  # fmt: skip
    tranches.flush()

    ctx.counts["funds"] = fund_table.written
    ctx.counts["funding_programs"] = programs.written
    ctx.counts["proposals"] = proposals.written
    ctx.counts["reviews"] = reviews.written
    ctx.counts["projects"] = project_table.written
    ctx.counts["subscriptions"] = subscriptions.written
    ctx.counts["contracts"] = contracts.written
    ctx.counts["tranches"] = tranches.written
    ctx.counts["ledger_entries"] = entries.written
    ctx.counts["receipts"] = receipts.written
    ctx.data["project_statuses"] = dict(project_statuses)


# The step's tables, children before parents (steps.GENERATED puts them first).
GENERATED: list[Any] = [
    Tranche,
    Subscription,
    Receipt,
    LedgerEntry,
    Evaluation,
    ProgressReport,
    Contract,
    Project,
    Bid,
    Tender,
    Review,
    BudgetLine,
    Proposal,
    ExpertAssignment,
    RubricCriterion,
    FundingProgram,
    Fund,
]
