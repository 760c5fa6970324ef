"""Property companies, co-building units, committees and the party organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.orgs.choices import CompanyType, OrgKind, PartyOrgKind, UnitType
from redprop.people.party_identity import identity_open, identity_seal
from redprop.people.validation import validate_phone

if TYPE_CHECKING:
    from redprop.people.models import Person


class Org(ScopedModel):
    """An organisation, placed at the region (or compound) it belongs to."""

    kind = models.CharField(_("类型"), max_length=24, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=96)
    company_type = models.CharField(
        _("企业性质"), max_length=16, choices=CompanyType.choices, blank=True
    )
    unit_type = models.CharField(_("单位类别"), max_length=16, choices=UnitType.choices, blank=True)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="committees",
        verbose_name=_("所属小区"),
    )
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    service_phone = models.CharField(_("服务电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="org_company_has_type",
                condition=~Q(kind="property_company") | ~Q(company_type=""),
            ),
            models.CheckConstraint(
                name="org_unit_has_type",
                condition=~Q(kind="cobuilding_unit") | ~Q(unit_type=""),
            ),
            models.CheckConstraint(
                name="owners_committee_has_compound",
                condition=~Q(kind="owners_committee") | Q(compound__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_red_company(self) -> bool:
        return self.kind == OrgKind.PROPERTY_COMPANY and self.company_type == CompanyType.RED

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(pk=org_id)


class OrgMembership(BaseModel):
    """A person working in or sitting on an organisation."""

    org = models.ForeignKey(Org, models.CASCADE, related_name="members", verbose_name=_("组织"))
    person = models.ForeignKey(
        "people.Person", models.CASCADE, related_name="org_memberships", verbose_name=_("人员")
    )
    position = models.CharField(_("职务"), max_length=32, blank=True)
    # The post's phone, issued by the organisation (not the person's own mobile): what
    # residents see and what a number-masking gateway bridges from (ADR 0014).
    work_phone = models.CharField(
        _("工作电话"),
        max_length=20,
        blank=True,
        help_text=_("单位配发的工作电话（非个人手机），居民联系处理人时显示"),
        validators=[validate_phone],
    )
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "person"],
                condition=Q(ended_on__isnull=True),
                name="one_current_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.person} {self.position}"


class CrossAppointment(BaseModel):
    """交叉任职: a person of one organisation holding a seat in another."""

    person = models.ForeignKey(
        "people.Person", models.CASCADE, related_name="cross_appointments", verbose_name=_("人员")
    )
    home_org = models.ForeignKey(
        Org, models.CASCADE, related_name="appointments_out", verbose_name=_("本职单位")
    )
    seat_org = models.ForeignKey(
        Org, models.CASCADE, related_name="appointments_in", verbose_name=_("兼职单位")
    )
    position = models.CharField(_("兼任职务"), max_length=32)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("交叉任职")
        verbose_name_plural = _("交叉任职")
        constraints = [
            models.CheckConstraint(
                condition=~Q(home_org=models.F("seat_org")), name="cross_appointment_two_orgs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.home_org}→{self.seat_org} {self.position}"


class CoBuildingAgreement(ScopedModel):
    """共建协议 between a community and a co-building unit: what it offers and takes."""

    org = models.ForeignKey(
        Org, models.CASCADE, related_name="agreements", verbose_name=_("共建单位")
    )
    title = models.CharField(_("协议名称"), max_length=96)
    signed_on = models.DateField(_("签订日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    resources = models.TextField(_("提供的资源"), blank=True)
    duties = models.TextField(_("承担的事项"), blank=True)

    class Meta:
        verbose_name = _("共建协议")
        verbose_name_plural = _("共建协议")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(org_id=org_id)


class PartyOrg(ScopedModel):
    """A party organisation: community committee → general branches → branches."""

    kind = models.CharField(_("类型"), max_length=16, choices=PartyOrgKind.choices)
    name = models.CharField(_("名称"), max_length=96)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级党组织"),
    )
    host_org = models.ForeignKey(
        Org,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="party_orgs",
        verbose_name=_("所在单位"),
    )
    formed_on = models.DateField(_("成立日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(host_org_id=org_id)


class PartyMembership(BaseModel):
    """A party member's organisational relation (组织关系). Party membership is sensitive
    personal information (PIPL art. 28): the row names nobody in clear.

    Who the member is lives only in ``identity_enc`` (Fernet ciphertext of
    ``{"person_id", "name"}``) and ``person_bidx`` (a keyed blind index, the same one
    ``party.Member`` uses: ``people.party_identity``); lists and the admin show
    ``name_masked``. "Is this person a member?" is an exact-match lookup by the blind
    index (``people.services.person_reveal``, which checks the role and logs the read).
    """

    party_org = models.ForeignKey(
        PartyOrg, models.PROTECT, related_name="memberships", verbose_name=_("党组织")
    )
    person_bidx = models.CharField(max_length=64, editable=False)
    identity_enc = models.TextField(_("身份(密文)"), editable=False)
    name_masked = models.CharField(_("姓名"), max_length=16, editable=False)
    work_org = models.ForeignKey(
        Org,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("工作单位"),
    )
    is_secretary = models.BooleanField(_("书记"), default=False)
    joined_on = models.DateField(_("转入日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党员组织关系")
        verbose_name_plural = _("党员组织关系")
        constraints = [
            # One organisational relation per member (一个党员只有一个组织关系); the
            # unique index is also the blind-index lookup's.
            models.UniqueConstraint(fields=["person_bidx"], name="one_party_org_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.party_org} {self.name_masked}"

    @classmethod
    def of_person(cls, person: Person, **fields: Any) -> PartyMembership:
        """An unsaved membership of ``person``, its identity sealed (for ``bulk_create``)."""
        membership = cls(**fields)
        membership.set_identity(person_id=person.pk, name=person.name)
        return membership

    def set_identity(self, *, person_id: int, name: str) -> None:
        self.person_bidx, self.identity_enc, self.name_masked = identity_seal(
            person_id=person_id, name=name
        )

    def _identity(self) -> dict[str, Any]:
        """Decrypt ``{"person_id", "name"}``. Private: for the demo seed (which copies
        the foundation's members into ``party.Member``) and the member's own data
        download (``orgs.services.party_membership_personal_data``). Every other
        display is ``name_masked``; "is X a member" goes through ``person_reveal``."""
        return identity_open(self.identity_enc)
