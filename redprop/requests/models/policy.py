"""Policy as data: categories, SLA policies and their targets, routing rules."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.requests.choices import (
    AssignmentMode,
    Clock,
    Matter,
    Severity,
    TargetUnit,
    default_escalate_to,
)


class Category(models.Model):
    """A two-level taxonomy of requests, as data (seeded from the articles)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    matter = models.CharField(_("事项归属"), max_length=16, choices=Matter.choices)
    default_severity = models.CharField(
        _("默认等级"), max_length=16, choices=Severity.choices, default=Severity.NORMAL
    )
    urgent = models.BooleanField(_("紧急（全天候计时）"), default=False)
    unit_type = models.CharField(
        _("对应辖区单位类别"),
        max_length=16,
        blank=True,
        help_text=_("辖区单位事项默认派给该类别的共建单位"),
    )
    handlers = models.ManyToManyField(
        "orgs.Org", blank=True, related_name="categories", verbose_name=_("承接单位")
    )
    icon = models.CharField(_("图标"), max_length=8, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """A place's rapid-response rule ("5341" in Jinghe) as data.

    The most specific active policy for a request's community (community, then
    street, then city, then the default) is copied onto the request when it is
    filed: a request is judged by the policy in force when it was filed.
    """

    name = models.CharField(_("名称"), max_length=64)
    region = models.ForeignKey(
        "territory.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("适用区域"),
        help_text=_("留空为全平台默认"),
    )
    effective_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    is_active = models.BooleanField(_("有效"), default=True)
    respond_event = models.CharField(
        _("响应以何为准"),
        max_length=16,
        choices=[("arrived", _("到达现场")), ("accepted", _("接单回复"))],
        default="arrived",
    )
    urgent_calendar = models.ForeignKey(
        "calendars.WorkCalendar",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("紧急事项计时日历"),
        help_text=_("留空为全天候（自然时间）"),
    )
    standard_calendar = models.ForeignKey(
        "calendars.WorkCalendar",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("一般事项计时日历"),
        help_text=_("留空为全天候（自然时间）"),
    )
    warn_ratio = models.DecimalField(_("预警比例"), max_digits=3, decimal_places=2, default=0.8)
    escalate_after_minutes = models.JSONField(
        _("超时后逐级上报（分钟）"),
        default=list,
        help_text=_("例如 [0, 30, 120]：超时即报网格，30 分钟后报社区，120 分钟后报街道"),
    )
    escalate_in = models.CharField(
        _("逐级上报的计时"),
        max_length=16,
        choices=[
            ("target", _("按超时时限所用的日历")),
            ("wall_clock", _("按自然时间（全天候）")),
        ],
        default="target",
    )
    escalate_to = models.JSONField(
        _("逐级上报对象"),
        default=default_escalate_to,
        help_text=_(
            '与逐级上报的时间一一对应，例如 ["grid", "community", "street"]：'
            "第一级报网格，第二级报社区，第三级报街道；超出部分报最后一级"
        ),
    )
    max_reopens = models.PositiveSmallIntegerField(_("最多重办次数"), default=2)
    basic_satisfied_weight = models.DecimalField(
        _("基本满意计入满意率的权重"), max_digits=3, decimal_places=2, default=1
    )
    min_sample = models.PositiveSmallIntegerField(_("排行榜最小样本量"), default=10)
    auto_close_days = models.PositiveSmallIntegerField(_("未评价自动关闭（天）"), default=7)

    class Meta:
        verbose_name = _("响应时限规则")
        verbose_name_plural = _("响应时限规则")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from redprop.requests.escalation import escalate_to_problem

        problem = escalate_to_problem(self.escalate_to)
        if problem is not None:
            raise ValidationError(
                {
                    "escalate_to": _(
                        "逐级上报对象须为 grid、community、street 中的一项或多项，由低到高、不重复"
                    )
                }
            )


class SlaTarget(models.Model):
    """One clock of one severity in a policy: e.g. normal/resolve = 30 minutes, or
    complex/plan = 1 working day (the close of the next working day), each counted
    in its own calendar or, when it has none, the policy's."""

    policy = models.ForeignKey(
        SlaPolicy, models.CASCADE, related_name="targets", verbose_name=_("规则")
    )
    severity = models.CharField(_("等级"), max_length=16, choices=Severity.choices)
    clock = models.CharField(_("时钟"), max_length=16, choices=Clock.choices)
    unit = models.CharField(
        _("单位"), max_length=16, choices=TargetUnit.choices, default=TargetUnit.MINUTES
    )
    minutes = models.PositiveIntegerField(_("时限（分钟）"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(
        _("时限（工作日）"),
        null=True,
        blank=True,
        help_text=_("到第 N 个工作日下班时（当日不计入）"),
    )
    calendar = models.ForeignKey(
        "calendars.WorkCalendar",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("计时日历"),
        help_text=_("留空则用规则的日历"),
    )

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        constraints = [
            models.UniqueConstraint(fields=["policy", "severity", "clock"], name="one_target"),
            models.CheckConstraint(
                condition=(
                    Q(unit="minutes", minutes__gt=0, minutes__lte=525600, working_days=None)
                    | Q(unit="working_days", working_days__gt=0, working_days__lte=366)
                ),
                name="target_amount",
                violation_error_message=_(
                    "以分钟计的时限须填写 1–525600 分钟（不填工作日）；"
                    "以工作日计的须填写 1–366 个工作日"
                ),
            ),
        ]

    def __str__(self) -> str:
        amount = self.working_days if self.unit == TargetUnit.WORKING_DAYS else self.minutes
        return f"{self.get_severity_display()} {self.get_clock_display()} {amount} {self.unit}"


class RoutingRule(models.Model):
    """Where a category goes in a place, overriding the default route by matter."""

    region = models.ForeignKey(
        "territory.Region",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区域"),
    )
    category = models.ForeignKey(
        Category, models.CASCADE, related_name="routing_rules", verbose_name=_("分类")
    )
    org = models.ForeignKey(
        "orgs.Org", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    auto_dispatch = models.BooleanField(_("自动派单"), default=False)
    assignment = models.CharField(
        _("单位内分配"),
        max_length=16,
        choices=AssignmentMode.choices,
        default=AssignmentMode.GRID_WORKER,
    )

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")

    def __str__(self) -> str:
        return f"{self.region} {self.category} → {self.org}"
