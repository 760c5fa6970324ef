"""Stored owners' votes (业主表决): the vote, its electorate frozen at opening, ballots.

- ``Vote``: the matter (art. 278 item 1–9 and free text), the scope (a compound or one
  building), the window, the state, the counting options, and the published result.
- ``Elector``: one head (表决权人) of the electorate frozen at opening, with its area
  (the sum over its units) and the people who may cast its ballot; ``ElectorUnit``:
  each unit of the scope with the area counted and its source (register, survey or
  contract: interpretation art. 8). ``AreaRecord`` holds the register/survey/contract
  figures the freeze reads.
- ``Ballot``: append-only; an owner's later ballot in the window replaces the earlier
  one, which stays as history: the current ballot of a head is its latest row (by the
  time on the ballot, then id). ``ProxyAuthorisation``: a written authorisation (委托书)
  letting a user cast for one head.
See docs/subsystems/votes.md and docs/adr/0022-stored-votes.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redprop.core import clock
from redprop.core.chain import AppendOnlyError
from redprop.core.models import AppendOnlyQuerySet, BaseModel, ScopedModel, append_only_triggers

if TYPE_CHECKING:
    from redprop.territory.models import Building
from redprop.votes.choices import (
    AreaSource,
    BallotChoice,
    Channel,
    CountRule,
    ItemChoice,
    VoteState,
)

AREA_MIN = Decimal("0.01")


class HistoryQuerySet(AppendOnlyQuerySet):
    """Append-only (no update, no delete; a trigger on PostgreSQL too), but unlike the
    hash-chained logs rows may be inserted in bulk: an xlsx import, a benchmark."""

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        return models.QuerySet.bulk_create(self, objs, *args, **kwargs)


HistoryManager = models.Manager.from_queryset(HistoryQuerySet)


class AppendOnly(models.Model):
    objects = HistoryManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("append-only: rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("append-only: rows cannot be deleted")


class Vote(ScopedModel):
    """One owners' decision (业主共同决定) on one matter, in one compound or building."""

    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    building = models.ForeignKey(
        "territory.Building",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("楼栋（按楼栋表决时）"),
    )
    item = models.PositiveSmallIntegerField(
        _("表决事项（第二百七十八条）"),
        choices=ItemChoice.choices,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    origin = models.CharField(_("发起来源"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=VoteState.choices, default=VoteState.DRAFT
    )
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("组织人")
    )
    blank_rule = models.CharField(
        _("空白票"), max_length=16, choices=CountRule.choices, default=CountRule.PARTICIPATES
    )
    invalid_rule = models.CharField(
        _("废票"), max_length=16, choices=CountRule.choices, default=CountRule.EXCLUDED
    )
    # The source the territory's exclusive_area is counted as when a unit has no
    # AreaRecord (empty: only AreaRecords count). docs/adr/0022.
    territory_area_source = models.CharField(
        _("房屋档案面积视为"),
        max_length=16,
        choices=AreaSource.choices,
        blank=True,
        default=AreaSource.SURVEY,
    )
    # Frozen at opening.
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    total_area = models.DecimalField(
        _("总专有面积"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    total_heads = models.PositiveIntegerField(_("总人数"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止于"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    result = models.JSONField(_("表决结果"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("业主表决")
        verbose_name_plural = _("业主表决")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(item__gte=1, item__lte=9), name="vote_item_1_9"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="vote_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(result__isnull=False),
                name="vote_published_has_result",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("web:vote_detail", args=[self.pk])

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(compound__company_id=org_id)

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(compound__units__owners__person_id=person_id)

    @property
    def scope_label(self) -> str:
        if self.building_id:
            return f"{self.compound.name}{cast('Building', self.building).name}"
        return self.compound.name

    def window_open(self, at: Any = None) -> bool:
        at = at or clock.now()
        return (
            self.state == VoteState.OPEN
            and self.opens_at is not None
            and self.opens_at <= at <= self.closes_at
        )


class AreaRecord(BaseModel):
    """A unit's exclusive-part area (专有部分面积) from one source: the real-estate
    register, the survey or the sale contract (interpretation art. 8)."""

    unit = models.ForeignKey(
        "territory.Unit", models.CASCADE, related_name="area_records", verbose_name=_("房屋")
    )
    source = models.CharField(_("来源"), max_length=16, choices=AreaSource.choices)
    area = models.DecimalField(
        _("专有部分面积(m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(AREA_MIN)],
    )
    reference = models.CharField(_("依据（证号、报告号）"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("专有部分面积记录")
        verbose_name_plural = _("专有部分面积记录")
        constraints = [
            models.UniqueConstraint(fields=["unit", "source"], name="one_area_per_source"),
            models.CheckConstraint(condition=Q(area__gt=0), name="area_record_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_source_display()} {self.area}"


class Elector(models.Model):
    """One head of the frozen electorate: co-owners of a unit, one owner of several
    units, or the developer for its unsold and undelivered units (interpretation
    art. 9). ``key`` is stable within the vote: ``p:3&p:8`` or ``d:5``."""

    vote = models.ForeignKey(Vote, models.CASCADE, related_name="electors", verbose_name=_("表决"))
    key = models.CharField(_("表决权人"), max_length=200)
    label = models.CharField(_("名称"), max_length=200)
    area = models.DecimalField(_("专有面积合计"), max_digits=14, decimal_places=2)
    units_count = models.PositiveIntegerField(_("房屋数"))
    developer = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("开发商"),
    )
    persons = models.ManyToManyField("people.Person", related_name="+", verbose_name=_("产权人"))

    class Meta:
        verbose_name = _("表决权人")
        verbose_name_plural = _("表决权人")
        ordering = ["vote_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "key"], name="elector_key_per_vote"),
        ]

    def __str__(self) -> str:
        return self.label


class ElectorUnit(models.Model):
    """One unit of the scope as frozen: its head, the area counted and its source."""

    vote = models.ForeignKey(Vote, models.CASCADE, related_name="units", verbose_name=_("表决"))
    elector = models.ForeignKey(
        Elector, models.CASCADE, related_name="units", verbose_name=_("表决权人")
    )
    unit = models.ForeignKey("territory.Unit", models.PROTECT, related_name="+")
    label = models.CharField(_("门牌"), max_length=80)
    area = models.DecimalField(_("计票面积"), max_digits=8, decimal_places=2)
    source = models.CharField(_("面积来源"), max_length=16, choices=AreaSource.choices)

    class Meta:
        verbose_name = _("表决房屋")
        verbose_name_plural = _("表决房屋")
        constraints = [
            models.UniqueConstraint(fields=["vote", "unit"], name="unit_once_per_vote"),
        ]

    def __str__(self) -> str:
        return self.label


def document_path(instance: Any, filename: str) -> str:
    import secrets

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"votes/{clock.now():%Y/%m}/{secrets.token_hex(12)}.{ext}"


class ProxyAuthorisation(AppendOnly):
    """A written authorisation (授权委托书), uploaded by staff, letting ``proxy`` cast the
    ballot of one head in one vote. Append-only; the latest counts."""

    vote = models.ForeignKey(Vote, models.PROTECT, related_name="proxies")
    elector = models.ForeignKey(Elector, models.PROTECT, related_name="proxies")
    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("代理人")
    )
    document = models.FileField(_("授权委托书"), upload_to=document_path)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("表决委托")
        verbose_name_plural = _("表决委托")
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.elector} → {self.proxy}"


class Ballot(AppendOnly):
    """One ballot as cast or entered. Rows are never changed: the head's current ballot
    is its latest row (``cast_at``, then ``id``); earlier rows are its history."""

    vote = models.ForeignKey(Vote, models.PROTECT, related_name="ballots")
    elector = models.ForeignKey(Elector, models.PROTECT, related_name="ballots")
    choice = models.CharField(_("表决意见"), max_length=16, choices=BallotChoice.choices)
    channel = models.CharField(_("方式"), max_length=16, choices=Channel.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    # When the owner voted: now online; the date on a paper ballot as received.
    cast_at = models.DateTimeField(_("投票时间"), default=clock.now, db_index=True)
    recorded_at = models.DateTimeField(_("录入时间"), default=clock.now, editable=False)
    proxy_name = models.CharField(_("代理人"), max_length=64, blank=True)
    document = models.FileField(_("选票扫描件/委托书"), upload_to=document_path, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        ordering = ["vote_id", "elector_id", "cast_at", "id"]
        indexes = [models.Index(fields=["vote", "elector", "cast_at"], name="ballot_history")]
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="proxy") | ~Q(proxy_name=""), name="proxy_ballot_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.elector_id} {self.choice}"
