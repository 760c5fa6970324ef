"""Vocabulary of mediation cases and petitions (矛盾纠纷调解与信访)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    DISPUTE = "dispute", _("矛盾纠纷调解")
    PETITION = "petition", _("信访事项")


class DisputeType(models.TextChoices):
    NEIGHBOURS = "neighbours", _("邻里纠纷")
    PROPERTY_SERVICE = "property_service", _("物业服务纠纷")
    FEES = "fees", _("物业费纠纷")
    RENOVATION = "renovation", _("装修纠纷")
    PARKING = "parking", _("停车纠纷")
    NOISE = "noise", _("噪音扰民")
    SEEPAGE = "seepage", _("渗漏水纠纷")
    OTHER = "other", _("其他")


class Source(models.TextChoices):
    SERVICE_REQUEST = "service_request", _("诉求转调解")
    HOTLINE = "hotline", _("12345 热线")
    DEPUTY_PROPOSAL = "deputy_proposal", _("人大建议/政协提案")
    WALK_IN = "walk_in", _("来访信访")
    LETTER = "letter", _("来信信访")
    MEETING = "meeting", _("议事会议")


class MediatorKind(models.TextChoices):
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    COMMITTEE = "committee", _("人民调解委员会")
    LAWYER = "lawyer", _("律师志愿者")


class PartyKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    COMPANY = "company", _("企业")
    UNIT = "unit", _("房屋（住户）")


class PartySide(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("达成协议")
    CLOSED = "closed", _("履行完毕")
    ANSWERED = "answered", _("已答复")
    REFERRED = "referred", _("调解不成已移交")
    WITHDRAWN = "withdrawn", _("已撤回")
    DECLINED = "declined", _("不予受理")


OPEN_STATES = frozenset({Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING, Status.AGREED})
CLOSED_STATES = frozenset(Status) - OPEN_STATES
# The answer clock stops when the case has an outcome: an agreement, an answer, a
# referral, a withdrawal (docs/adr/0026).
OUTCOME_STATES = frozenset(
    {Status.AGREED, Status.CLOSED, Status.ANSWERED, Status.REFERRED, Status.WITHDRAWN}
)
RATEABLE_STATES = frozenset({Status.AGREED, Status.CLOSED, Status.ANSWERED, Status.REFERRED})

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REGISTERED: frozenset(
        {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.REGISTERED}
    ),
    Status.ACCEPTED: frozenset(
        {
            Status.ACCEPTED,
            Status.MEDIATING,
            Status.ANSWERED,
            Status.REFERRED,
            Status.WITHDRAWN,
        }
    ),
    Status.MEDIATING: frozenset(
        {
            Status.MEDIATING,
            Status.AGREED,
            Status.ANSWERED,
            Status.REFERRED,
            Status.WITHDRAWN,
        }
    ),
    Status.AGREED: frozenset({Status.AGREED, Status.CLOSED, Status.MEDIATING}),
    Status.CLOSED: frozenset({Status.CLOSED}),
    Status.ANSWERED: frozenset({Status.ANSWERED}),
    Status.REFERRED: frozenset({Status.REFERRED}),
    Status.WITHDRAWN: frozenset(),
    Status.DECLINED: frozenset(),
}


class ReferTo(models.TextChoices):
    COURT = "court", _("人民法院（诉讼）")
    ARBITRATION = "arbitration", _("仲裁机构")
    DEPARTMENT = "department", _("行政主管部门")


class DayUnit(models.TextChoices):
    CALENDAR = "calendar", _("自然日（末日逢节假日顺延）")
    WORKING = "working", _("工作日")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记")
    ACCEPTED = "accepted", _("受理")
    DECLINED = "declined", _("不予受理")
    MEDIATOR_ASSIGNED = "mediator_assigned", _("指定调解员")
    SESSION = "session", _("调解会")
    AGREED = "agreed", _("达成调解协议")
    SIGNED = "signed", _("上传签字")
    FOLLOWED_UP = "followed_up", _("回访履行情况")
    ANSWERED = "answered", _("出具答复意见")
    REFERRED = "referred", _("移交")
    WITHDRAWN = "withdrawn", _("撤回")
    EXTENDED = "extended", _("延长办理期限")
    RATED = "rated", _("评价满意度")
    WARNED = "warned", _("临期预警")
    BREACHED = "breached", _("超期")
    ESCALATED = "escalated", _("超期上报")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    UNSATISFIED = 2, _("不满意")
    VERY_UNSATISFIED = 1, _("非常不满意")


# Satisfied for the rate (满意率): 满意 or better, and 基本满意 (as Puyang counts it).
SATISFIED_MIN = 3
