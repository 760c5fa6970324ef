"""Vocabulary of stored owners' votes (业主表决)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VoteState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("已公布")
    CANCELLED = "cancelled", _("已取消")


# The state map (docs/subsystems/votes.md "States"). A ballot keeps the vote where it is
# (open → open); staff enter paper ballots received in the window after it closed too.
TRANSITIONS: dict[str, frozenset[str]] = {
    VoteState.DRAFT: frozenset({VoteState.OPEN, VoteState.CANCELLED}),
    VoteState.OPEN: frozenset({VoteState.OPEN, VoteState.CLOSED, VoteState.CANCELLED}),
    VoteState.CLOSED: frozenset({VoteState.CLOSED, VoteState.PUBLISHED}),
    VoteState.PUBLISHED: frozenset(),
    VoteState.CANCELLED: frozenset(),
}


class ItemChoice(models.IntegerChoices):
    """Civil Code art. 278 para. 1, by number (the same as ``counting.Item``)."""

    MEETING_RULES = 1, _("制定和修改业主大会议事规则")
    COVENANT = 2, _("制定和修改管理规约")
    COMMITTEE = 3, _("选举业主委员会或者更换业主委员会成员")
    PROPERTY_COMPANY = 4, _("选聘和解聘物业服务企业或者其他管理人")
    USE_MAINTENANCE_FUND = 5, _("使用建筑物及其附属设施的维修资金")
    RAISE_MAINTENANCE_FUND = 6, _("筹集建筑物及其附属设施的维修资金")
    REBUILD = 7, _("改建、重建建筑物及其附属设施")
    COMMON_PARTS_USE = 8, _("改变共有部分的用途或者利用共有部分从事经营活动")
    OTHER_MAJOR = 9, _("有关共有和共同管理权利的其他重大事项")


class BallotChoice(models.TextChoices):
    AGREE = "agree", _("同意")
    DISAGREE = "disagree", _("反对")
    ABSTAIN = "abstain", _("弃权")
    BLANK = "blank", _("空白票")
    INVALID = "invalid", _("废票")


# What an owner or a proxy may choose on the phone; blank and void are what staff find
# on a returned paper ballot.
OWNER_CHOICES = (BallotChoice.AGREE, BallotChoice.DISAGREE, BallotChoice.ABSTAIN)


class Channel(models.TextChoices):
    ONLINE = "online", _("业主线上投票")
    PROXY = "proxy", _("委托代理人投票")
    PAPER = "paper", _("纸质选票（工作人员录入）")


class AreaSource(models.TextChoices):
    REGISTER = "register", _("不动产登记簿")
    SURVEY = "survey", _("测绘实测")
    CONTRACT = "contract", _("房屋买卖合同")


class CountRule(models.TextChoices):
    PARTICIPATES = "participates", _("计入参与表决")
    EXCLUDED = "excluded", _("不计入参与表决")
