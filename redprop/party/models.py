"""物业党建: party members of property companies' projects (encrypted), consent to show
membership on duty, branch proposals, posts, and the party organisation's supervision of
companies' decisions (docs/subsystems/party.md, docs/adr/0028-party-building.md).

Party membership is sensitive personal information (PIPL art. 28). A ``Member`` row keeps
who the member is only as ciphertext (``identity_enc``) and a keyed blind index of the
person (``person_bidx``): the table alone says how many members a project has, not who
they are. The masked name is what lists show; plaintext leaves only through
``party.services.member_reveal``, which checks the role and logs the read.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.party.choices import (
    EventKind,
    Opinion,
    PostKind,
    ProposalStatus,
    SupervisionKind,
    SupervisionStatus,
)

# The blind index and the sealing are shared with orgs.PartyMembership (one purpose, so
# "is this person a member" is one lookup per table); re-exported for the party modules.
from redprop.people.party_identity import BIDX_PURPOSE as BIDX_PURPOSE
from redprop.people.party_identity import identity_open, identity_seal
from redprop.people.party_identity import person_bidx as person_bidx


class Member(ScopedModel):
    """党员 of a property company, working in one of its projects (a compound) or its
    office (no compound). Placed at the compound (or the company)."""

    person_bidx = models.CharField(max_length=64, unique=True, editable=False)
    identity_enc = models.TextField(_("身份(密文)"), editable=False)
    name_masked = models.CharField(_("姓名"), max_length=16, editable=False)
    company = models.ForeignKey(
        "orgs.Org", models.PROTECT, related_name="+", verbose_name=_("物业企业")
    )
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务项目"),
    )
    party_org = models.ForeignKey(
        "orgs.PartyOrg", models.PROTECT, related_name="+", verbose_name=_("所在党组织")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    left_on = models.DateField(_("转出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("物业企业党员")
        verbose_name_plural = _("物业企业党员")
        ordering = ["company_id", "compound_id", "id"]
        indexes = [models.Index(fields=["company", "compound"], name="party_member_project")]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.compound_id} {self.name_masked}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)

    def set_identity(self, *, person_id: int, name: str, joined_on: str = "") -> None:
        self.person_bidx, self.identity_enc, self.name_masked = identity_seal(
            person_id=person_id, name=name, joined_on=joined_on
        )

    def _identity(self) -> dict[str, Any]:
        """Decrypt. Private: display goes through ``services.member_reveal``; the
        service record reads the person id to count what they did."""
        return identity_open(self.identity_enc)

    @property
    def active(self) -> bool:
        return self.left_on is None


class ShowConsent(BaseModel):
    """亮牌上岗、亮身份: the member's consent to show their membership on duty. Withdrawn
    by setting ``withdrawn_at``; a new consent is a new row (the history stays)."""

    member = models.ForeignKey(
        Member, models.CASCADE, related_name="consents", verbose_name=_("党员")
    )
    granted_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    # A consent recorded by staff from a signed paper form names it.
    evidence = models.CharField(_("书面同意书"), max_length=64, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("亮身份同意")
        verbose_name_plural = _("亮身份同意")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(withdrawn_at__isnull=True),
                name="party_one_active_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.granted_at:%Y-%m-%d}"


class BranchProposal(ScopedModel):
    """A proposal to form a branch in a project that has 3 or more members; the
    community party committee approves (→ a PartyOrg branch) or rejects it."""

    company = models.ForeignKey(
        "orgs.Org", models.PROTECT, related_name="+", verbose_name=_("物业企业")
    )
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务项目"),
    )
    committee = models.ForeignKey(
        "orgs.PartyOrg", models.PROTECT, related_name="+", verbose_name=_("社区党委")
    )
    name = models.CharField(_("支部名称"), max_length=96)
    members = models.PositiveSmallIntegerField(
        _("党员人数"), validators=[MinValueValidator(0), MaxValueValidator(10000)]
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    automatic = models.BooleanField(_("平台自动提议"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.CharField(_("不批准理由"), max_length=500, blank=True)
    branch = models.ForeignKey(
        "orgs.PartyOrg",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("成立的党支部"),
    )

    class Meta:
        verbose_name = _("党支部组建提议")
        verbose_name_plural = _("党支部组建提议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "compound"],
                condition=Q(status="proposed"),
                name="party_one_open_proposal",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)


class Post(ScopedModel):
    """党员责任岗 / 示范岗 / 先锋岗, or 党员责任区 (buildings or a grid)."""

    kind = models.CharField(_("类型"), max_length=16, choices=PostKind.choices)
    title = models.CharField(_("岗位名称"), max_length=64)
    member = models.ForeignKey(Member, models.PROTECT, related_name="posts", verbose_name=_("党员"))
    company = models.ForeignKey(
        "orgs.Org", models.PROTECT, related_name="+", verbose_name=_("物业企业")
    )
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务项目"),
    )
    area_grid = models.ForeignKey(
        "territory.Grid",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任网格"),
    )
    buildings = models.ManyToManyField(
        "territory.Building", blank=True, related_name="+", verbose_name=_("责任楼栋")
    )
    started_on = models.DateField(_("设岗日期"))
    ended_on = models.DateField(_("撤岗日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("党员岗位")
        verbose_name_plural = _("党员岗位")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)


class Supervision(ScopedModel):
    """A charging, spending or project decision a company submits for the community
    party committee's opinion before acting; placed at that community."""

    company = models.ForeignKey(
        "orgs.Org", models.PROTECT, related_name="+", verbose_name=_("物业企业")
    )
    kind = models.CharField(_("事项类型"), max_length=12, choices=SupervisionKind.choices)
    title = models.CharField(_("事项"), max_length=96)
    detail = models.TextField(_("说明"), max_length=2000)
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10**9)],
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=SupervisionStatus.choices,
        default=SupervisionStatus.SUBMITTED,
    )
    due_on = models.DateField(_("意见期限"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opinion = models.CharField(_("意见"), max_length=12, choices=Opinion.choices, blank=True)
    opinion_text = models.CharField(_("意见内容"), max_length=1000, blank=True)
    opinion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    opinion_at = models.DateTimeField(_("出具时间"), null=True, blank=True)
    closed_note = models.CharField(_("办结说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("党组织监督事项")
        verbose_name_plural = _("党组织监督事项")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(opinion=""),
                name="party_answered_has_opinion",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)

    @property
    def overdue(self) -> bool:
        """No opinion yet and the deadline has passed."""
        return self.status == SupervisionStatus.SUBMITTED and self.due_on < timezone.localdate()

    @property
    def answered_late(self) -> bool:
        return bool(self.opinion_at and timezone.localdate(self.opinion_at) > self.due_on)


class PartyEvent(models.Model):
    """The timeline of everything written in this app (one row per act)."""

    kind = models.CharField(_("事件"), max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    member = models.ForeignKey(Member, models.CASCADE, null=True, related_name="events")
    proposal = models.ForeignKey(BranchProposal, models.CASCADE, null=True, related_name="events")
    post = models.ForeignKey(Post, models.CASCADE, null=True, related_name="events")
    supervision = models.ForeignKey(Supervision, models.CASCADE, null=True, related_name="events")
    appointment = models.ForeignKey(
        "orgs.CrossAppointment", models.CASCADE, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(_("说明"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("党建事件")
        verbose_name_plural = _("党建事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
