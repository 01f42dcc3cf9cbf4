"""Venture philanthropy (公益创投) and government purchase of services (政府购买服务).

Money lives in one place: the append-only `LedgerEntry` table of each `Fund`. A fund's balances are the sums
of its entries; each entry also records the running balances after it (written once, under the fund's row
lock, and checked by the database), so an overdraft is refused by PostgreSQL/SQLite themselves even if a
service had a bug. Nothing ever updates or deletes an entry: a correction is a new entry.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import RegionScoped

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class FundKind(models.TextChoices):
    FOUNDATION = "foundation", _("社会组织发展基金会")
    GOVERNMENT = "government", _("政府部门购买服务资金")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他资助方")


class Fund(RegionScoped):
    """A fund account kept by a center (the foundation's fund, a department's purchase budget)."""

    center = models.ForeignKey(
        "network.Center", on_delete=models.PROTECT, related_name="funds", verbose_name=_("管理中心")
    )
    name = models.CharField(_("账户名称"), max_length=120)
    code = models.CharField(
        _("账户代码"), max_length=12, unique=True, help_text=_("用于票据编号，如 WHF")
    )
    kind = models.CharField(_("资金类型"), max_length=16, choices=FundKind.choices)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("资金账户")
        verbose_name_plural = _("资金账户")
        constraints = [
            models.CheckConstraint(
                name="fund_code_not_blank",
                condition=~Q(code=""),
                violation_error_message=_("请填写账户代码。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("philanthropy:fund-detail", kwargs={"pk": self.pk})


class EntryKind(models.TextChoices):
    INFLOW = "inflow", _("资金流入")
    COMMITMENT = "commitment", _("项目承诺（占用）")
    RELEASE = "release", _("释放承诺")
    DISBURSEMENT = "disbursement", _("拨付")
    RETURN = "return", _("退回")


# How each kind moves the two balances: (cash, committed).
ENTRY_EFFECT: dict[str, tuple[int, int]] = {
    EntryKind.INFLOW: (1, 0),
    EntryKind.COMMITMENT: (0, 1),
    EntryKind.RELEASE: (0, -1),
    EntryKind.DISBURSEMENT: (-1, -1),
    EntryKind.RETURN: (1, 0),
}


class LedgerEntry(models.Model):
    """One posting. Append-only: `save()` refuses updates and the database refuses UPDATE (trigger)."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="entries", verbose_name=_("资金账户")
    )
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    balance_after = models.DecimalField(_("余额"), **MONEY)
    committed_after = models.DecimalField(_("已承诺"), **MONEY)
    project = models.ForeignKey(
        "Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("项目"),
    )
    counterparty = models.CharField(_("对方"), max_length=120, blank=True)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记账人"),
    )
    posted_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    class Meta:
        ordering = ["fund_id", "seq"]
        verbose_name = _("账目")
        verbose_name_plural = _("账目")
        constraints = [
            models.UniqueConstraint(fields=["fund", "seq"], name="ledger_unique_seq_per_fund"),
            models.CheckConstraint(
                name="ledger_amount_positive",
                condition=Q(amount__gt=0),
                violation_error_message=_("金额必须大于 0。"),
            ),
            models.CheckConstraint(
                name="ledger_balance_not_negative",
                condition=Q(balance_after__gte=0),
                violation_error_message=_("账户余额不足。"),
            ),
            models.CheckConstraint(
                name="ledger_committed_not_negative",
                condition=Q(committed_after__gte=0),
                violation_error_message=_("承诺金额不能为负。"),
            ),
            models.CheckConstraint(
                name="ledger_committed_within_balance",
                condition=Q(committed_after__lte=F("balance_after")),
                violation_error_message=_("承诺金额不能超过账户余额。"),
            ),
            models.CheckConstraint(
                name="ledger_project_money_has_project",
                condition=Q(kind__in=["inflow", "return"]) | Q(project__isnull=False),
                violation_error_message=_("承诺、释放和拨付必须指明项目。"),
            ),
        ]
        indexes = [models.Index(fields=["fund", "project", "kind"], name="ledger_project_idx")]

    def __str__(self) -> str:
        return f"{self.fund_id}#{self.seq} {self.kind} {self.amount}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("ledger entries are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("ledger entries are append-only")

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.fund.region_id}


class ProgramKind(models.TextChoices):
    VENTURE = "venture", _("公益创投")
    PURCHASE = "purchase", _("政府购买服务")


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("筹备")
    CALL_OPEN = "call_open", _("项目征集")
    REVIEWING = "reviewing", _("评审")
    PUBLISHED = "published", _("发布与认购")
    IMPLEMENTING = "implementing", _("实施")
    EVALUATING = "evaluating", _("评估")
    CLOSED = "closed", _("结项")


PROGRAM_ORDER = list(ProgramStatus.values)


class FundingProgram(RegionScoped):
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        related_name="funding_programs",
        verbose_name=_("主办中心"),
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="programs", verbose_name=_("资金账户")
    )
    name = models.CharField(_("项目名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=ProgramKind.choices)
    description = models.TextField(_("说明"), blank=True)
    focus_areas = models.JSONField(_("资助领域"), default=list, blank=True)
    eligible_org_types = models.JSONField(_("可申报的组织类型"), default=list, blank=True)
    min_registered_years = models.PositiveIntegerField(_("最少登记年限"), default=0)
    budget = models.DecimalField(_("总预算（元）"), **MONEY)
    per_project_cap = models.DecimalField(_("单个项目上限（元）"), **MONEY)
    call_opens = models.DateField(_("征集开始"))
    call_closes = models.DateField(_("征集截止"))
    review_until = models.DateField(_("评审截止"))
    publish_on = models.DateField(_("发布日期"))
    implementation_ends = models.DateField(_("实施结束"))
    evaluation_by = models.DateField(_("评估完成"))
    status = models.CharField(
        _("阶段"), max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )

    class Meta:
        ordering = ["-call_opens", "-pk"]
        verbose_name = _("资助项目（创投大赛/购买服务）")
        verbose_name_plural = _("资助项目（创投大赛/购买服务）")
        constraints = [
            models.CheckConstraint(
                name="program_budget_positive",
                condition=Q(budget__gt=0),
                violation_error_message=_("总预算必须大于 0。"),
            ),
            models.CheckConstraint(
                name="program_cap_within_budget",
                condition=Q(per_project_cap__gt=0) & Q(per_project_cap__lte=F("budget")),
                violation_error_message=_("单个项目上限必须大于 0 且不超过总预算。"),
            ),
            models.CheckConstraint(
                name="program_timeline_in_order",
                condition=Q(call_opens__lte=F("call_closes"))
                & Q(call_closes__lte=F("review_until"))
                & Q(review_until__lte=F("publish_on"))
                & Q(publish_on__lte=F("implementation_ends"))
                & Q(implementation_ends__lte=F("evaluation_by")),
                violation_error_message=_(
                    "时间安排须依次为：征集开始 ≤ 征集截止 ≤ 评审截止 ≤ 发布 ≤ 实施结束 ≤ 评估完成。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("philanthropy:program-detail", kwargs={"pk": self.pk})


class RubricCriterion(models.Model):
    program = models.ForeignKey(
        FundingProgram,
        on_delete=models.CASCADE,
        related_name="criteria",
        verbose_name=_("资助项目"),
    )
    name = models.CharField(_("评分指标"), max_length=60)
    weight = models.PositiveIntegerField(_("权重"))
    max_score = models.PositiveIntegerField(_("满分"), default=100)

    class Meta:
        ordering = ["program_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="criterion_unique_name"),
            models.CheckConstraint(name="criterion_weight_positive", condition=Q(weight__gt=0)),
            models.CheckConstraint(name="criterion_max_positive", condition=Q(max_score__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}）"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.program.region_id}


class ExpertAssignment(models.Model):
    program = models.ForeignKey(
        FundingProgram, on_delete=models.CASCADE, related_name="experts", verbose_name=_("资助项目")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评审专家"),
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "expert"], name="expert_once_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.expert_id}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.program.region_id}


class ConflictDeclaration(models.Model):
    """An expert declares a conflict of interest with an organization: they may not review it in the program."""

    program = models.ForeignKey(
        FundingProgram,
        on_delete=models.CASCADE,
        related_name="conflicts",
        verbose_name=_("资助项目"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评审专家"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社会组织"),
    )
    reason = models.CharField(_("利益关系说明"), max_length=200)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "expert", "organization"], name="proposal_conflict_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert_id}×{self.organization_id}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.program.region_id}


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    ELIGIBLE = "eligible", _("资格审查通过")
    INELIGIBLE = "ineligible", _("资格审查未通过")
    SHORTLISTED = "shortlisted", _("入围")
    NOT_SELECTED = "not_selected", _("未入围")
    PUBLISHED = "published", _("已发布为项目")


class Proposal(RegionScoped):
    program = models.ForeignKey(
        FundingProgram,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("资助项目"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("申报组织"),
    )
    title = models.CharField(_("项目名称"), max_length=120)
    category = models.CharField(_("服务领域"), max_length=20)
    objectives = models.TextField(_("项目目标"))
    beneficiaries = models.CharField(_("受益对象"), max_length=200)
    beneficiary_count = models.PositiveIntegerField(_("受益人数"))
    activities = models.TextField(_("主要活动"))
    outputs = models.JSONField(_("产出指标"), default=list, blank=True)
    outcomes = models.JSONField(_("成效指标"), default=list, blank=True)
    team = models.TextField(_("项目团队"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    eligibility_note = models.CharField(_("资格审查意见"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申报人"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("项目申报书")
        verbose_name_plural = _("项目申报书")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "organization", "title"], name="proposal_unique_title"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("philanthropy:proposal-detail", kwargs={"pk": self.pk})

    @property
    def requested_total(self) -> Decimal:
        return sum((line.amount for line in self.budget_lines.all()), ZERO)


class BudgetLine(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("申报书")
    )
    item = models.CharField(_("预算科目"), max_length=100)
    amount = models.DecimalField(_("金额（元）"), **MONEY)

    class Meta:
        ordering = ["proposal_id", "pk"]
        constraints = [
            models.CheckConstraint(
                name="budget_line_positive",
                condition=Q(amount__gt=0),
                violation_error_message=_("预算金额必须大于 0。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"


class Review(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("申报书")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评审专家"),
    )
    scores = models.JSONField(_("分项得分"))
    total = models.DecimalField(_("加权得分"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("评审意见"), blank=True)
    no_conflict_declared = models.BooleanField(_("已声明无利益冲突"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "expert"], name="review_once_per_expert"),
            models.CheckConstraint(
                name="phil_review_total_in_range", condition=Q(total__gte=0) & Q(total__lte=100)
            ),
            models.CheckConstraint(
                name="review_requires_declaration", condition=Q(no_conflict_declared=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}:{self.expert_id} {self.total}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.proposal.region_id}


class ProjectStatus(models.TextChoices):
    PUBLISHED = "published", _("发布认购")
    CONTRACTED = "contracted", _("实施中")
    EVALUATED = "evaluated", _("已评估")
    COMPLETED = "completed", _("已结项")
    TERMINATED = "terminated", _("已终止")


class Project(RegionScoped):
    """A funded project: a published proposal (公益创投) or an awarded tender (政府购买服务)."""

    program = models.ForeignKey(
        FundingProgram,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("资助项目"),
    )
    proposal = models.OneToOneField(
        Proposal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project",
        verbose_name=_("申报书"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.PROTECT,
        related_name="funded_projects",
        verbose_name=_("承接组织"),
    )
    title = models.CharField(_("项目名称"), max_length=120)
    summary = models.TextField(_("项目简介"))
    budget = models.DecimalField(_("项目预算（元）"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PUBLISHED
    )
    published_at = models.DateTimeField(_("发布时间"))
    result_summary = models.TextField(_("结项成果"), blank=True)
    result_published_at = models.DateTimeField(_("成果公开时间"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("资助项目")
        verbose_name_plural = _("资助项目")
        constraints = [
            models.CheckConstraint(
                name="project_budget_positive",
                condition=Q(budget__gt=0),
                violation_error_message=_("项目预算必须大于 0。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("philanthropy:project-detail", kwargs={"pk": self.pk})


class Subscription(RegionScoped):
    """A funder subscribes (认购) part of a project's budget; the money comes into the program's fund."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("项目")
    )
    funder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("资助方"),
    )
    funder_name = models.CharField(_("资助方名称"), max_length=120)
    amount = models.DecimalField(_("认购金额（元）"), **MONEY)
    inflow = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("入账")
    )

    class Meta:
        ordering = ["project_id", "pk"]
        verbose_name = _("项目认购")
        verbose_name_plural = _("项目认购")
        constraints = [
            models.CheckConstraint(
                name="subscription_amount_positive",
                condition=Q(amount__gt=0),
                violation_error_message=_("认购金额必须大于 0。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.funder_name} {self.amount}"


class TenderStatus(models.TextChoices):
    OPEN = "open", _("投标中")
    AWARDED = "awarded", _("已定标")


class Tender(RegionScoped):
    program = models.ForeignKey(
        FundingProgram, on_delete=models.PROTECT, related_name="tenders", verbose_name=_("资助项目")
    )
    title = models.CharField(_("招标项目"), max_length=120)
    requirements = models.TextField(_("服务需求与要求"))
    ceiling = models.DecimalField(_("最高限价（元）"), **MONEY)
    closes_on = models.DateField(_("投标截止"))
    status = models.CharField(
        _("状态"), max_length=12, choices=TenderStatus.choices, default=TenderStatus.OPEN
    )
    awarded_bid = models.OneToOneField(
        "Bid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("中标"),
    )
    award_reasons = models.TextField(_("定标理由"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("招标")
        verbose_name_plural = _("招标")
        constraints = [
            models.CheckConstraint(name="tender_ceiling_positive", condition=Q(ceiling__gt=0)),
            models.CheckConstraint(
                name="tender_award_has_reasons",
                condition=Q(awarded_bid__isnull=True) | ~Q(award_reasons=""),
                violation_error_message=_("定标必须写明理由。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("philanthropy:tender-detail", kwargs={"pk": self.pk})


class Bid(RegionScoped):
    tender = models.ForeignKey(
        Tender, on_delete=models.CASCADE, related_name="bids", verbose_name=_("招标")
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("投标组织"),
    )
    price = models.DecimalField(_("报价（元）"), **MONEY)
    plan = models.TextField(_("服务方案"))
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=2, null=True, blank=True)
    score_note = models.CharField(_("评分说明"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )

    class Meta:
        ordering = ["tender_id", "pk"]
        verbose_name = _("投标")
        verbose_name_plural = _("投标")
        constraints = [
            models.UniqueConstraint(fields=["tender", "organization"], name="bid_once_per_org"),
            models.CheckConstraint(name="bid_price_positive", condition=Q(price__gt=0)),
            models.CheckConstraint(
                name="bid_score_in_range",
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.price}"


class Contract(RegionScoped):
    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="contract", verbose_name=_("项目")
    )
    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    amount = models.DecimalField(_("合同金额（元）"), **MONEY)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    terms = models.TextField(_("主要条款"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签订人"),
    )

    class Meta:
        verbose_name = _("项目合同")
        verbose_name_plural = _("项目合同")
        constraints = [
            models.CheckConstraint(name="contract_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="contract_dates_in_order",
                condition=Q(starts_on__lte=F("ends_on")),
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TrancheStatus(models.TextChoices):
    PLANNED = "planned", _("待拨付")
    PAID = "paid", _("已拨付")


class Tranche(RegionScoped):
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="tranches", verbose_name=_("合同")
    )
    seq = models.PositiveIntegerField(_("期次"))
    milestone = models.CharField(_("对应里程碑"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    due_on = models.DateField(_("计划拨付日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=TrancheStatus.choices, default=TrancheStatus.PLANNED
    )
    approval_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tranche",
        verbose_name=_("拨付账目"),
    )

    class Meta:
        ordering = ["contract_id", "seq"]
        verbose_name = _("拨付期次")
        verbose_name_plural = _("拨付期次")
        constraints = [
            models.UniqueConstraint(fields=["contract", "seq"], name="tranche_unique_seq"),
            models.CheckConstraint(
                name="tranche_amount_positive",
                condition=Q(amount__gt=0),
                violation_error_message=_("金额必须大于 0。"),
            ),
            models.CheckConstraint(
                name="tranche_paid_has_entry",
                condition=Q(status="planned", entry__isnull=True)
                | Q(status="paid", entry__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}-{self.seq}"


def report_upload_to(instance: ReportAttachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return (
        f"philanthropy/reports/{instance.report_id}/{instance.pk or 'new'}-{instance.kind}.{suffix}"
    )


class ProgressReport(RegionScoped):
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="reports", verbose_name=_("项目")
    )
    period = models.CharField(_("报告期"), max_length=40)
    narrative = models.TextField(_("进展情况"))
    indicators = models.JSONField(_("指标完成情况"), default=list, blank=True)
    spent = models.DecimalField(_("本期支出（元）"), **MONEY)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )

    class Meta:
        ordering = ["project_id", "created_at", "pk"]
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        constraints = [
            models.CheckConstraint(name="report_spent_not_negative", condition=Q(spent__gte=0))
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period}"


class AttachmentKind(models.TextChoices):
    RECEIPT = "receipt", _("支出票据")
    PHOTO = "photo", _("活动照片")
    OTHER = "other", _("其他材料")


class ReportAttachment(models.Model):
    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("报告")
    )
    kind = models.CharField(_("类别"), max_length=12, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=report_upload_to, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)

    def __str__(self) -> str:
        return self.original_name


class Evaluation(RegionScoped):
    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="evaluation", verbose_name=_("项目")
    )
    self_score = models.DecimalField(
        _("自评得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    self_report = models.TextField(_("自评报告"), blank=True)
    expert_score = models.DecimalField(
        _("专家/第三方评分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    expert_comment = models.TextField(_("评估意见"), blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评估人"),
    )
    final_score = models.DecimalField(
        _("综合得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    conclusion = models.CharField(_("评估结论"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("结项评估")
        verbose_name_plural = _("结项评估")
        constraints = [
            models.CheckConstraint(
                name="evaluation_scores_in_range",
                condition=(Q(self_score__isnull=True) | Q(self_score__gte=0, self_score__lte=100))
                & (Q(expert_score__isnull=True) | Q(expert_score__gte=0, expert_score__lte=100)),
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.final_score}"


class Receipt(RegionScoped):
    """A donation receipt (票据): serial unique per fund and year; voiding keeps the number."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("资金账户")
    )
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="receipt", verbose_name=_("入账")
    )
    year = models.PositiveIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    serial = models.CharField(_("票据号"), max_length=40, unique=True)
    donor_name = models.CharField(_("捐赠方"), max_length=120)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    received_on = models.DateField(_("收款日期"))
    purpose = models.CharField(_("捐赠用途"), max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("开具人"),
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作废人"),
    )

    class Meta:
        ordering = ["fund_id", "-year", "-seq"]
        verbose_name = _("捐赠票据")
        verbose_name_plural = _("捐赠票据")
        constraints = [
            models.UniqueConstraint(fields=["fund", "year", "seq"], name="receipt_unique_serial"),
            models.CheckConstraint(name="receipt_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="receipt_void_has_reason",
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                violation_error_message=_("作废票据必须写明原因。"),
            ),
        ]

    def __str__(self) -> str:
        return self.serial
