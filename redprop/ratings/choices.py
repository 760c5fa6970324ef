"""The rating's vocabulary: stages, dimensions, the metrics service quality is computed from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where an assessment is (the workflow's states, docs/subsystems/ratings.md)."""

    SELF = "self", _("企业自评")
    COMMUNITY = "community", _("社区党委测评")
    BUREAU = "bureau", _("房管部门复核")
    CERTIFIED = "certified", _("已认定")
    WITHDRAWN = "withdrawn", _("已撤销")


# Whose scores each stage records (the certified and withdrawn states score nothing).
SCORING_STAGES = (Stage.SELF, Stage.COMMUNITY, Stage.BUREAU)

TRANSITIONS: dict[str, set[str]] = {
    Stage.SELF: {Stage.COMMUNITY},
    Stage.COMMUNITY: {Stage.SELF, Stage.BUREAU},
    Stage.BUREAU: {Stage.COMMUNITY, Stage.CERTIFIED},
    Stage.CERTIFIED: {Stage.WITHDRAWN},
    Stage.WITHDRAWN: set(),
}


class CycleStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Dimension(models.TextChoices):
    """Jiayuguan's five dimensions (seed 000)."""

    ORGANISATION = "organisation", _("组织建设")
    TEAM = "team", _("队伍建设")
    DAILY = "daily", _("日常管理")
    SERVICE = "service", _("服务质量")
    IMAGE = "image", _("社会形象")


class Metric(models.TextChoices):
    """Figures computed from the platform's own request data over the cycle."""

    RESPONSE_RATE = "response_rate", _("响应率")
    RESOLUTION_RATE = "resolution_rate", _("解决率")
    SATISFACTION_RATE = "satisfaction_rate", _("满意率")
    COMPLIANCE_RATE = "compliance_rate", _("5341 达标率")
    REOPEN_RATE = "reopen_rate", _("重新打开率")
    COMPLAINT_RATE = "complaint_rate", _("不满意率（投诉）")


class EventKind(models.TextChoices):
    OPENED = "opened", _("开启评定")
    SCORED = "scored", _("评分")
    EVIDENCE = "evidence", _("上传佐证")
    SUBMIT = "submit", _("提交社区党委测评")
    SEND_BACK = "send_back", _("退回")
    FORWARD = "forward", _("报送房管部门复核")
    CERTIFY = "certify", _("认定星级")
    WITHDRAW = "withdraw", _("撤销星级")
