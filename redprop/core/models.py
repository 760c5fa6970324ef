"""Base model, the territorial scope columns, and the append-only audit log."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import pgtrigger
from django.conf import settings
from django.db import models, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.chain import GENESIS, AppendOnlyError, lock_chain, row_digest, row_values


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


def scope_column(to: str, verbose_name: Any, *, db_index: bool = True) -> Any:
    """One ancestor column of a scoped object (a Region level, or the Grid)."""
    return models.ForeignKey(
        to,
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=verbose_name,
        db_index=db_index,
    )


class Place(Protocol):
    """A node of the territory tree that others are filed under.

    ``territory``'s Region, Grid, Compound, Building and Unit implement it; core only
    knows the shape, so the base model imports no app (docs/architecture.md).
    """

    def place_columns(self) -> dict[str, int | None]:
        """The scope column ids (``city_id`` … ``grid_id``) of what is filed here."""
        ...


class ScopedModel(BaseModel):
    """An object that lives somewhere in the territory tree.

    Each ancestor is kept as its own indexed column, filled by ``set_place``, so a
    scope filter is one equality on one indexed column (``street_id = 7``) and a
    dashboard can ``GROUP BY`` any level without joins. See docs/subsystems/territory.md.
    """

    city = scope_column("territory.Region", _("市"))
    district = scope_column("territory.Region", _("区"))
    street = scope_column("territory.Region", _("街道"))
    community = scope_column("territory.Region", _("社区"))
    grid = scope_column("territory.Grid", _("网格"))

    class Meta:
        abstract = True

    def set_place(self, node: Place) -> None:
        """Copy the scope columns from a Region, Grid, Compound, Building or Unit."""
        for key, value in node.place_columns().items():
            setattr(self, key, value)

    # Subclasses override these two to open themselves to organisation and
    # resident scopes; by default such scopes see nothing.
    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(pk__in=[])

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(pk__in=[])


class AuditEvent(models.IntegerChoices):
    """Numbered administrative event types (Zulip's RealmAuditLog style).

    Numbers are stable forever; new types take new numbers.
    """

    USER_CREATED = 101, _("创建用户")
    ROLE_GRANTED = 102, _("授予角色")
    ROLE_REVOKED = 103, _("撤销角色")
    TOKEN_CREATED = 104, _("创建 API 令牌")
    # Login, sessions and tokens (docs/security.md): 121-129.
    LOGIN_LOCKED_OUT = 121, _("登录锁定")
    LOGIN_UNLOCKED = 122, _("解除登录锁定")
    TOKEN_REVOKED = 123, _("撤销 API 令牌")
    OTP_ENROLLED = 124, _("启用两步验证")
    OTP_RESET = 125, _("重置两步验证")
    SESSIONS_ENDED = 126, _("退出所有设备")
    REGION_CREATED = 201, _("创建行政区域")
    COMPOUND_CREATED = 202, _("创建小区")
    COMPOUND_COMPANY_CHANGED = 203, _("更换物业企业")
    COMPOUND_POINT_SET = 212, _("设置小区坐标")
    BUILDING_GRID_ASSIGNED = 204, _("楼栋划入网格")
    GRID_STAFF_CHANGED = 205, _("网格人员调整")
    UNIT_CREATED = 206, _("创建房屋")
    UNIT_OWNERS_CHANGED = 207, _("房屋产权人变更")
    GRID_CREATED = 208, _("创建网格")
    BUILDING_CREATED = 209, _("创建楼栋")
    BUILDING_GRID_RELEASED = 210, _("楼栋移出网格")
    OCCUPANCY_ADDED = 211, _("登记居住人")
    PERSON_CREATED = 301, _("登记人员")
    PERSON_UPDATED = 302, _("修改人员信息")
    ORG_CREATED = 401, _("创建组织")
    ORG_MEMBER_ADDED = 402, _("组织成员加入")
    CROSS_APPOINTMENT = 403, _("交叉任职")
    PARTY_BRANCH_FORMED = 404, _("成立党支部")
    SHIFT_CREATED = 601, _("排班")
    SHIFT_CHANGED = 602, _("修改排班")
    SHIFT_ENDED = 603, _("结束排班")
    SHIFT_DELETED = 604, _("删除排班")
    # 7xx: the logs themselves and personal-information rights (docs/adr/0011).
    AUDIT_EXPORTED = 701, _("导出审计日志")
    PII_KEYS_ROTATED = 702, _("轮换个人信息密钥")
    PERSONAL_DATA_EXPORTED = 703, _("本人下载个人数据")
    ERASURE_REQUESTED = 704, _("申请删除个人信息")
    ERASURE_DONE = 705, _("个人信息已匿名化")
    ERASURE_REJECTED = 706, _("驳回删除申请")
    OPEN311_KEY_ISSUED = 711, _("签发 Open311 密钥")
    OPEN311_KEY_REVOKED = 712, _("吊销 Open311 密钥")
    OPEN311_KEY_USED = 713, _("使用 Open311 密钥")
    # 72x: working calendars (docs/adr/0015).
    CALENDAR_CHANGED = 721, _("修改计时日历")
    HOLIDAYS_LOADED = 722, _("录入年度节假日安排")
    HOLIDAY_DAY_CHANGED = 723, _("修改节假日或调休日")
    RATING_CYCLE_OPENED = 811, _("开启星级评定年度")
    RATING_SCORED = 812, _("星级评定评分")
    RATING_STAGE_CHANGED = 813, _("星级评定环节流转")
    RATING_CERTIFIED = 814, _("认定物业企业星级")
    RATING_WITHDRAWN = 815, _("撤销物业企业星级")
    RATING_EVIDENCE_ADDED = 816, _("上传星级评定佐证")
    # 74x: owners' votes (docs/subsystems/votes.md).
    VOTE_CREATED = 741, _("创建业主表决")
    VOTE_OPENED = 742, _("开启业主表决（冻结表决权人）")
    VOTE_CLOSED = 743, _("截止业主表决")
    VOTE_PUBLISHED = 744, _("公布表决结果")
    VOTE_CANCELLED = 745, _("取消业主表决")
    BALLOT_ENTERED = 746, _("录入纸质或委托选票")
    BALLOTS_IMPORTED = 747, _("导入纸质选票")
    BALLOTS_VIEWED = 748, _("查看表决明细（个人表决意见）")
    PROXY_REGISTERED = 749, _("登记表决委托")
    # 791-799: mediation cases and petitions (docs/subsystems/mediation.md).
    CASE_REGISTERED = 791, _("登记调解/信访案件")
    CASE_ACCEPTED = 792, _("受理调解/信访案件")
    CASE_MEDIATOR_ASSIGNED = 793, _("指定调解员")
    CASE_EXTENDED = 794, _("延长信访办理期限")
    CASE_CONCLUDED = 795, _("调解/信访案件办结")
    CASE_FILE_READ = 796, _("查阅调解卷宗（无自然人当事人）")
    CASE_ESCALATED = 797, _("调解/信访超期上报")
    MEDIATION_POLICY_CHANGED = 798, _("修改调解与信访期限规则")
    # 77x: notices (docs/subsystems/notices.md).
    NOTICE_CREATED = 771, _("起草公告")
    NOTICE_UPDATED = 772, _("修改公告")
    NOTICE_PUBLISHED = 773, _("发布公告")
    NOTICE_WITHDRAWN = 774, _("撤回公告")
    NOTICE_PINNED = 775, _("公告置顶变更")
    NOTICE_ATTACHED = 776, _("公告添加附件")
    # 78x: special campaigns (docs/subsystems/campaigns.md).
    CAMPAIGN_CREATED = 781, _("创建专项整治")
    CAMPAIGN_STATUS_CHANGED = 782, _("专项整治状态变更")
    CAMPAIGN_ITEM_FOUND = 783, _("登记整治问题")
    CAMPAIGN_ITEM_STEP = 784, _("整治问题办理")
    CAMPAIGN_ITEM_LINKED = 785, _("整治问题关联诉求")
    # 751-769: fees, payments and the public disclosure (docs/adr/0023).
    FEE_SCHEDULE_SET = 751, _("设置收费标准")
    FEE_BILL_RUN = 752, _("物业费出账")
    FEE_PAYMENT = 753, _("登记收款")
    FEE_REFUND = 754, _("退款")
    FEE_ADJUSTMENT = 755, _("更正应收")
    FEE_HARDSHIP_GRANTED = 756, _("认定困难减免")
    FEE_LEDGER_ITEM = 757, _("登记经营收入、补贴或费用")
    FEE_DISCLOSURE_PREPARED = 758, _("编制收支公示")
    FEE_DISCLOSURE_COMMITTEE_SIGNED = 759, _("业委会签字确认公示")
    FEE_DISCLOSURE_PARTY_SIGNED = 760, _("党组织签字确认公示")
    FEE_DISCLOSURE_PUBLISHED = 761, _("发布收支公示")
    FEE_EXPORTED = 762, _("导出收费报表")
    # 73x: meetings (docs/adr/0021).
    MEETING_SERIES_CHANGED = 731, _("设置例会规则")
    MEETING_OCCURRENCE_CHANGED = 732, _("例会改期或取消")
    MEETING_CONVENED = 733, _("发布会议议程并通知")
    MEETING_CANCELLED = 734, _("取消会议")
    MEETING_MINUTES_PUBLISHED = 735, _("发布会议纪要")
    MEETING_ATTENDANCE_MARKED = 736, _("登记会议出席")
    MEETING_FEED_ISSUED = 737, _("开通会议日历订阅")
    MEETING_FEED_REVOKED = 738, _("吊销会议日历订阅")
    MEETING_RESOLUTION_CHANGED = 739, _("撤销或重开决议")
    ADMIN_CHANGE = 900, _("后台修改")
    # 821-829: party building in property companies (docs/subsystems/party.md).
    PARTY_MEMBER_REGISTERED = 821, _("登记物业企业党员")
    PARTY_MEMBER_REVEALED = 822, _("查看党员身份（明文）")
    PARTY_CONSENT_CHANGED = 823, _("亮身份同意或撤回")
    PARTY_BRANCH_DECIDED = 824, _("审批党支部组建")
    PARTY_POST_CHANGED = 825, _("设立或撤销党员岗位")
    PARTY_APPOINTMENT_CHANGED = 826, _("交叉任职变更")
    PARTY_SUPERVISION_SUBMITTED = 827, _("报送党组织监督事项")
    PARTY_SUPERVISION_OPINION = 828, _("党组织出具监督意见")
    PARTY_SUPERVISION_CLOSED = 829, _("监督事项撤回或办结")
    # 851-859: duty rotation and hand-over (docs/subsystems/duty.md).
    ROTA_CREATED = 851, _("制定轮值坐班表")
    ROTA_ENDED = 852, _("结束轮值坐班表")
    HANDOVER_WRITTEN = 853, _("交班（交接班记录）")
    HANDOVER_ACKNOWLEDGED = 854, _("接班确认")
    # 831-839: volunteers (docs/subsystems/volunteers.md).
    VOLUNTEER_TEAM_CREATED = 831, _("创建志愿队伍")
    VOLUNTEER_REGISTERED = 832, _("登记志愿者")
    VOLUNTEER_ACTIVITY_CREATED = 833, _("创建志愿活动")
    VOLUNTEER_ACTIVITY_STATUS_CHANGED = 834, _("志愿活动状态变更")
    VOLUNTEER_ATTENDANCE_BY_ORGANISER = 835, _("组织者代为签到或签退")
    VOLUNTEER_HOURS_CREDITED = 836, _("组织者记录服务时长")
    VOLUNTEER_HOURS_APPROVED = 837, _("认定志愿服务时长")
    VOLUNTEER_HOURS_REJECTED = 838, _("驳回志愿服务时长")
    # 84x: service lists (服务清单与双向认领, docs/adr/0030).
    SERVICE_ITEM_POSTED = 841, _("发布服务清单事项")
    SERVICE_ITEM_CLAIMED = 842, _("认领服务清单事项")
    SERVICE_ITEM_STEP = 843, _("服务清单事项完成或退回认领")
    SERVICE_ITEM_CANCELLED = 844, _("取消服务清单事项")
    SERVICE_ITEM_LINKED = 845, _("服务清单事项转为诉求工单")


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the bulk paths that would bypass ``save()``/``delete()``.

    On PostgreSQL a trigger refuses UPDATE and DELETE as well (raw SQL included);
    this is the guard that also holds on SQLite.
    """

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("append-only log: rows cannot be changed")

    def delete(self) -> Any:
        raise AppendOnlyError("append-only log: rows cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("append-only log: rows cannot be changed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        # Each row must be chained under the lock, one by one.
        raise AppendOnlyError("append-only log: append rows one by one (each is chained)")


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


def append_only_triggers() -> list[Any]:
    """PostgreSQL triggers refusing UPDATE and DELETE (raw SQL too). TRUNCATE is not
    refused: test databases are flushed with it, and it needs table ownership."""
    return [
        pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
    ]


class ChainedLog(models.Model):
    """An append-only table whose rows form a SHA-256 hash chain (``core/chain.py``)."""

    # The hashed fields, by attname; fixed once rows exist (see docs/adr/0011).
    CHAIN_FIELDS: ClassVar[tuple[str, ...]] = ()

    prev_hash = models.CharField(_("前一条哈希"), max_length=64, default="", editable=False)
    row_hash = models.CharField(_("本条哈希"), max_length=64, default="", editable=False)

    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("append-only log: rows cannot be changed")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            lock_chain(using)
            prev = (
                type(self)
                ._base_manager.using(using)
                .order_by("-pk")
                .values_list("row_hash", flat=True)
                .first()
            )
            self.prev_hash = prev or GENESIS
            self.row_hash = row_digest(
                prev_hash=self.prev_hash,
                label=self._meta.label_lower,
                values=row_values(self, self.CHAIN_FIELDS),
            )
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("append-only log: rows cannot be deleted")


class AuditLog(ChainedLog):
    """Append-only record of an administrative write: who, what, before/after, when."""

    CHAIN_FIELDS = (
        "at",
        "actor_id",
        "event_type",
        "target_type",
        "target_id",
        "before",
        "after",
        "extra",
    )

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    event_type = models.PositiveSmallIntegerField(_("事件类型"), choices=AuditEvent.choices)
    target_type = models.CharField(_("对象类型"), max_length=64)
    target_id = models.CharField(_("对象编号"), max_length=64)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        triggers = append_only_triggers()
        # Django's own paths (related access, the deletion collector) use the base
        # manager: it is the guarded one too.
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} {self.target_type}#{self.target_id}"


class Heartbeat(models.Model):
    """Last sign of life of a background process (the clock, the task worker)."""

    name = models.CharField(max_length=32, unique=True)
    at = models.DateTimeField()
    info = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self) -> str:
        return f"{self.name} {self.at}"

    @classmethod
    def beat(cls, name: str, **info: Any) -> None:
        cls.objects.update_or_create(name=name, defaults={"at": timezone.now(), "info": info})
