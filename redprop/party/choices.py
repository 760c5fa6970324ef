"""The party-building vocabulary: posts, branch proposals, supervision (docs/subsystems/party.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# 3 or more party members in a project form a branch; fewer join the community's
# party organisation (Puyang, article 001: 有3名以上党员的筹备建立党支部).
BRANCH_MIN_MEMBERS = 3


class PostKind(models.TextChoices):
    """三岗联创 and 党员责任区."""

    RESPONSIBILITY = "responsibility", _("党员责任岗")
    MODEL = "model", _("党员示范岗")
    VANGUARD = "vanguard", _("党员先锋岗")
    AREA = "area", _("党员责任区")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准成立")
    REJECTED = "rejected", _("未批准")


PROPOSAL_TRANSITIONS: dict[str, set[str]] = {
    ProposalStatus.PROPOSED: {ProposalStatus.APPROVED, ProposalStatus.REJECTED},
    ProposalStatus.APPROVED: set(),
    ProposalStatus.REJECTED: set(),
}


class SupervisionKind(models.TextChoices):
    """What a company submits to the community party committee before acting."""

    CHARGING = "charging", _("收费事项")
    SPENDING = "spending", _("支出事项")
    PROJECT = "project", _("项目决策")


class SupervisionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待出具意见")
    ANSWERED = "answered", _("已出具意见")
    WITHDRAWN = "withdrawn", _("已撤回")
    CLOSED = "closed", _("已办结")


SUPERVISION_TRANSITIONS: dict[str, set[str]] = {
    SupervisionStatus.SUBMITTED: {SupervisionStatus.ANSWERED, SupervisionStatus.WITHDRAWN},
    SupervisionStatus.ANSWERED: {SupervisionStatus.CLOSED},
    SupervisionStatus.WITHDRAWN: set(),
    SupervisionStatus.CLOSED: set(),
}


class Opinion(models.TextChoices):
    AGREE = "agree", _("同意")
    DISAGREE = "disagree", _("不同意")
    AMEND = "amend", _("修改后实施")


class EventKind(models.TextChoices):
    MEMBER_REGISTERED = "member_registered", _("登记党员")
    MEMBER_LEFT = "member_left", _("党员转出")
    MEMBER_REVEALED = "member_revealed", _("查看党员身份")
    CONSENT_GRANTED = "consent_granted", _("同意亮身份")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("撤回亮身份同意")
    BRANCH_PROPOSED = "branch_proposed", _("提议成立党支部")
    APPROVE = "approve", _("批准成立党支部")
    REJECT = "reject", _("不批准成立党支部")
    POST_CREATED = "post_created", _("设立党员岗位")
    POST_ENDED = "post_ended", _("撤销党员岗位")
    APPOINTMENT_MADE = "appointment_made", _("交叉任职")
    APPOINTMENT_ENDED = "appointment_ended", _("结束交叉任职")
    SUBMITTED = "submitted", _("报送监督事项")
    OPINE = "opine", _("出具意见")
    WITHDRAW = "withdraw", _("撤回")
    CLOSE = "close", _("办结")
