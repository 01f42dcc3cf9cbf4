"""Evaluation, compliance and oversight (DOMAIN §4.9): indicator templates, grading rounds of organizations
(等级评估), yearly reviews of centers (考评) fed by satisfaction surveys, compliance acknowledgements and the
network's yearly targets."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import RegionScoped, TimeStampedModel
from civicnest.registry.models import OrgType

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class TemplateKind(models.TextChoices):
    ORG_GRADING = "org_grading", _("社会组织等级评估")
    CENTER_REVIEW = "center_review", _("中心年度考评")


class IndicatorTemplate(TimeStampedModel):
    """One version of an indicator tree. Editing a version already used by a round or review creates the
    next version of the same family; the used one stays as it was, so past scores keep their meaning."""

    family = models.SlugField(_("模板标识"), max_length=60)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("模板名称"), max_length=120)
    kind = models.CharField(_("用途"), max_length=20, choices=TemplateKind.choices)
    org_type = models.CharField(
        _("适用组织类型"),
        max_length=20,
        blank=True,
        choices=[("", _("不限")), *OrgType.choices],
    )
    full_score = models.DecimalField(
        _("满分"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("1000"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    is_current = models.BooleanField(_("当前版本"), default=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )

    class Meta:
        ordering = ["kind", "family", "-version"]
        verbose_name = _("指标模板")
        verbose_name_plural = _("指标模板")
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="template_family_version"),
            models.UniqueConstraint(
                fields=["family"], condition=Q(is_current=True), name="template_one_current"
            ),
            models.CheckConstraint(
                name="template_full_score_positive", condition=Q(full_score__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:template-detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": ""}


class ScoreSource(models.TextChoices):
    MANUAL = "manual", _("评估人员打分")
    SURVEY = "survey", _("满意度调查自动计入")


class Indicator(models.Model):
    """A node of the tree. `weight` is the node's share among its siblings; a leaf is scored 0–100 (得分率)."""

    template = models.ForeignKey(
        IndicatorTemplate,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("模板"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级指标"),
    )
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("指标"), max_length=120)
    weight = models.DecimalField(
        _("权重"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    guidance = models.TextField(_("评分标准"), blank=True)
    source = models.CharField(
        _("得分来源"), max_length=10, choices=ScoreSource.choices, default=ScoreSource.MANUAL
    )
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["template_id", "position", "code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="indicator_code_in_template"),
            models.CheckConstraint(name="indicator_weight_positive", condition=Q(weight__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# -- organization grading ---------------------------------------------------------------------------
DEFAULT_GRADE_BANDS = {"5A": 951, "4A": 901, "3A": 851, "2A": 801, "1A": 0}


class RoundStatus(models.TextChoices):
    OPEN = "open", _("接受申报")
    EVALUATING = "evaluating", _("实地评估")
    CLOSED = "closed", _("已结束")


class GradingRound(RegionScoped):
    """An evaluation round opened by a civil-affairs bureau for the organizations of its jurisdiction."""

    name = models.CharField(_("评估批次"), max_length=120)
    year = models.PositiveIntegerField(_("年度"))
    templates = models.ManyToManyField(
        IndicatorTemplate, related_name="rounds", verbose_name=_("指标模板")
    )
    applications_close_on = models.DateField(_("申报截止"))
    grade_bands = models.JSONField(_("等级分数线"), default=dict)
    validity_years = models.PositiveIntegerField(
        _("等级有效期（年）"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    appeal_days = models.PositiveIntegerField(
        _("公示及申诉期（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    min_years_registered = models.PositiveIntegerField(_("登记满几年可申报"), default=2)
    status = models.CharField(
        _("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    notice = models.TextField(_("评估通知"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("等级评估批次")
        verbose_name_plural = _("等级评估批次")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evaluation:round-detail", kwargs={"pk": self.pk})


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("自评填报中")
    SUBMITTED = "submitted", _("已申报")
    ACCEPTED = "accepted", _("资格审核通过")
    REJECTED = "rejected", _("不符合申报条件")
    SCORED = "scored", _("实地评估完成")
    PUBLICIZED = "publicized", _("初评等级公示中")
    APPEALED = "appealed", _("申诉处理中")
    CONFIRMED = "confirmed", _("等级已确认")


class Assessment(RegionScoped):
    """One organization in one round: self-assessment, evidence, on-site scores, grade, appeal."""

    round = models.ForeignKey(
        GradingRound,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("评估批次"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("社会组织"),
    )
    template = models.ForeignKey(
        IndicatorTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标模板")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    self_summary = models.TextField(_("自评报告"), blank=True)
    self_total = models.DecimalField(
        _("自评总分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    eligibility_note = models.TextField(_("资格审核意见"), blank=True)
    onsite_total = models.DecimalField(
        _("实地评估得分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    proposed_grade = models.CharField(_("初评等级"), max_length=2, blank=True)
    committee_note = models.TextField(_("评估委员会意见"), blank=True)
    publicized_on = models.DateField(_("公示日期"), null=True, blank=True)
    appeal_until = models.DateField(_("申诉截止"), null=True, blank=True)
    final_grade = models.CharField(_("确认等级"), max_length=2, blank=True)
    valid_until = models.DateField(_("等级有效期至"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )

    class Meta:
        ordering = ["round_id", "organization__name"]
        verbose_name = _("等级评估申报")
        verbose_name_plural = _("等级评估申报")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization"], name="assessment_once_per_round"
            ),
            models.CheckConstraint(
                name="assessment_confirmed_has_grade",
                condition=~Q(status="confirmed") | ~Q(final_grade=""),
                violation_error_message=_("已确认的评估必须有等级。"),
            ),
        ]
        indexes = [models.Index(fields=["region", "status"], name="assessment_region_status_idx")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.round}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:assessment-detail", kwargs={"pk": self.pk})


class SelfScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="self_scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("自评得分率"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    note = models.TextField(_("自评说明"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="selfscore_once"),
            models.CheckConstraint(
                name="selfscore_range", condition=Q(score__gte=0) & Q(score__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.score}"


class EvidenceFile(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对应指标"),
    )
    title = models.CharField(_("材料名称"), max_length=120)
    file = models.FileField(_("文件"), upload_to="evaluation/evidence/%Y/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.title


class ConflictDeclaration(TimeStampedModel):
    """An evaluator's declared tie to an organization (employment, board seat, relatives, consultancy)."""

    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("评估专家"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("社会组织"),
    )
    reason = models.CharField(_("关系说明"), max_length=200)

    class Meta:
        verbose_name = _("利益关系申报")
        verbose_name_plural = _("利益关系申报")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "organization"], name="evaluator_conflict_once"
            )
        ]


class EvaluatorAssignment(TimeStampedModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evaluation_assignments",
        verbose_name=_("评估专家"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("实地评估日期"), null=True, blank=True)
    summary = models.TextField(_("评估意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    total = models.DecimalField(
        _("该专家评分"), max_digits=7, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["assessment_id", "pk"]
        verbose_name = _("评估专家分派")
        verbose_name_plural = _("评估专家分派")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "evaluator"], name="assignment_once")
        ]

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.assessment.region_id}


class OnsiteScore(models.Model):
    assignment = models.ForeignKey(
        EvaluatorAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("得分率"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    note = models.TextField(_("现场记录"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "indicator"], name="onsitescore_once"),
            models.CheckConstraint(
                name="onsitescore_range", condition=Q(score__gte=0) & Q(score__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.score}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("申诉成立，等级调整")
    DISMISSED = "dismissed", _("申诉不成立，维持原等级")


class Appeal(TimeStampedModel):
    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="appeal")
    reason = models.TextField(_("申诉理由"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("处理结果"), max_length=12, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decision = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评估申诉")
        verbose_name_plural = _("评估申诉")

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.assessment.region_id}


# -- center reviews and surveys --------------------------------------------------------------------
DEFAULT_REVIEW_BANDS = {"优秀": 90, "良好": 80, "合格": 60, "不合格": 0}


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("考评中")
    CONFIRMED = "confirmed", _("已确认")


class CenterReview(RegionScoped):
    """The yearly performance review (考评) of one center by its supervising level and third parties."""

    center = models.ForeignKey(
        "network.Center", on_delete=models.PROTECT, related_name="reviews", verbose_name=_("中心")
    )
    year = models.PositiveIntegerField(_("考评年度"))
    template = models.ForeignKey(
        IndicatorTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标模板")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    total = models.DecimalField(
        _("考评得分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    result = models.CharField(_("考评结果"), max_length=10, blank=True)
    satisfaction = models.DecimalField(
        _("服务对象满意度"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    survey_responses = models.PositiveIntegerField(_("有效问卷数"), default=0)
    conclusion = models.TextField(_("考评结论"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "center__region_id"]
        verbose_name = _("中心年度考评")
        verbose_name_plural = _("中心年度考评")
        constraints = [
            models.UniqueConstraint(fields=["center", "year"], name="centerreview_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.center} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:review-detail", kwargs={"pk": self.pk})


class ReviewerKind(models.TextChoices):
    SUPERVISOR = "supervisor", _("上级主管部门")
    THIRD_PARTY = "third_party", _("第三方评估机构")


class ReviewScore(models.Model):
    review = models.ForeignKey(CenterReview, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_kind = models.CharField(_("评价方"), max_length=12, choices=ReviewerKind.choices)
    score = models.DecimalField(
        _("得分率"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "indicator", "reviewer"], name="reviewscore_once"
            ),
            models.CheckConstraint(
                name="reviewscore_range", condition=Q(score__gte=0) & Q(score__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.score}"


class Reward(RegionScoped):
    review = models.ForeignKey(CenterReview, on_delete=models.CASCADE, related_name="rewards")
    title = models.CharField(_("奖励名称"), max_length=120)
    amount = models.DecimalField(
        _("奖励金额（元）"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    granted_on = models.DateField(_("授予日期"))
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-granted_on", "pk"]
        verbose_name = _("考评奖励")
        verbose_name_plural = _("考评奖励")
        constraints = [
            models.CheckConstraint(name="reward_amount_not_negative", condition=Q(amount__gte=0))
        ]


def new_survey_token() -> str:
    return secrets.token_hex(16)


class SurveySubject(models.TextChoices):
    EVENT = "event", _("活动")
    MATCH = "match", _("对接服务")
    SERVICE = "service", _("中心日常服务")


class Survey(RegionScoped):
    """A satisfaction survey for one service or event: a phone link (and QR code) for its recipients."""

    center = models.ForeignKey(
        "network.Center", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("中心")
    )
    title = models.CharField(_("问卷标题"), max_length=120)
    subject = models.CharField(_("评价对象"), max_length=10, choices=SurveySubject.choices)
    event = models.ForeignKey(
        "training.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("活动"),
    )
    match = models.ForeignKey(
        "matching.Match",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对接服务"),
    )
    year = models.PositiveIntegerField(_("计入考评年度"))
    token = models.CharField(max_length=32, unique=True, default=new_survey_token, editable=False)
    closes_on = models.DateField(_("截止日期"))
    is_open = models.BooleanField(_("接受答卷"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:survey-detail", kwargs={"pk": self.pk})


def _rating(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class SurveyResponse(models.Model):
    """One answer per person: `respondent_key` is the account (u:<id>) or a keyed hash of the mobile
    number for people without an account, and the database refuses a second answer with the same key."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent_key = models.CharField(max_length=80, editable=False)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overall = _rating(_("总体满意度"))
    attitude = _rating(_("服务态度"))
    professionalism = _rating(_("专业水平"))
    facilities = _rating(_("场地设施"))
    comment = models.TextField(_("意见建议"), blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"], name="surveyresponse_one_per_person"
            ),
            *[
                models.CheckConstraint(
                    name=f"surveyresponse_{f}_1_to_5",
                    condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}),
                )
                for f in ("overall", "attitude", "professionalism", "facilities")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.overall}"

    @property
    def average(self) -> Decimal:
        return Decimal(self.overall + self.attitude + self.professionalism + self.facilities) / 4


# -- compliance and targets ------------------------------------------------------------------------
class ComplianceParameters(models.Model):
    """The configurable figures of the compliance rules, one row per year (the latest applies)."""

    year = models.PositiveIntegerField(_("年度"), unique=True)
    min_premises_area = models.DecimalField(
        _("最小独立场地面积（平方米）"), max_digits=7, decimal_places=2, default=Decimal("30")
    )
    served_per_staff = models.PositiveIntegerField(
        _("每名专职人员服务的组织与团队数上限"), default=40, validators=[MinValueValidator(1)]
    )
    social_worker_share = models.DecimalField(
        _("持证社工占专职人员比例下限（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    city_average_wage = models.DecimalField(
        _("上年度本市职工平均工资（元/年）"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("合规参数")
        verbose_name_plural = _("合规参数")

    def __str__(self) -> str:
        return str(self.year)


class BreachAcknowledgement(RegionScoped):
    """A center's answer to one breach: the plan and the date it will be put right."""

    center = models.ForeignKey(
        "network.Center",
        on_delete=models.CASCADE,
        related_name="breach_acknowledgements",
        verbose_name=_("中心"),
    )
    rule = models.CharField(_("规则"), max_length=32)
    plan = models.TextField(_("整改计划"))
    due_on = models.DateField(_("整改期限"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("违规整改")
        verbose_name_plural = _("违规整改")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "rule"],
                condition=Q(closed_at__isnull=True),
                name="breachack_one_open_per_rule",
            )
        ]


class TargetMetric(models.TextChoices):
    DISTRICTS = "districts", _("设有中心的区县比例")
    STREETS = "streets", _("设有中心的街道比例")
    COMMUNITIES = "communities", _("设有中心的社区比例")
    COMPLIANT = "compliant", _("全部规则达标的中心比例")


class NetworkTarget(RegionScoped):
    """A coverage target of W 二(二) for one year, e.g. every street has a center by 2018."""

    year = models.PositiveIntegerField(_("年度"))
    metric = models.CharField(_("指标"), max_length=16, choices=TargetMetric.choices)
    target_percent = models.DecimalField(
        _("目标（%）"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    note = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        ordering = ["year", "metric"]
        verbose_name = _("网络建设目标")
        verbose_name_plural = _("网络建设目标")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "metric"], name="target_once"),
            models.CheckConstraint(
                name="target_percent_range",
                condition=Q(target_percent__gte=0) & Q(target_percent__lte=100),
            ),
        ]
