"""The default scoring sheet a new cycle starts from: Jiayuguan's five dimensions (seed
000: 组织建设、队伍建设、日常管理、服务质量、社会形象), 100 points in all. The bureau edits
the copy in its cycle (admin: 评分标准); the template itself is never scored.

Service quality's criteria are computed from the request data (``metric``), with the
formula's floor and target as data: e.g. 满意率 scores 0 at 80 % and full at 98 %.
"""

from __future__ import annotations

from decimal import Decimal

from redprop.ratings.choices import Dimension as D
from redprop.ratings.choices import Metric as M

# (dimension, code, text, max points, metric, floor, target)
DEFAULT_CRITERIA: tuple[tuple[str, str, str, str, str, str | None, str | None], ...] = (
    (
        D.ORGANISATION,
        "org_branch",
        "建立党组织或纳入社区党组织管理，党员亮牌上岗",
        "8",
        "",
        None,
        None,
    ),
    (
        D.ORGANISATION,
        "org_cross",
        "与社区“双向进入、交叉任职”，重大事项报社区党委审议",
        "6",
        "",
        None,
        None,
    ),
    (D.ORGANISATION, "org_activity", "组织生活和党建活动记录完整", "6", "", None, None),
    (D.TEAM, "team_staff", "项目负责人、管家、维修人员配备到位，持证上岗", "8", "", None, None),
    (D.TEAM, "team_training", "年度培训计划及落实情况", "6", "", None, None),
    (D.TEAM, "team_local", "吸纳本地就业（如失地农民）和党员骨干", "6", "", None, None),
    (D.DAILY, "daily_clean", "保洁、绿化、秩序维护达到合同标准", "8", "", None, None),
    (D.DAILY, "daily_facility", "共用设施设备巡检维护记录完整", "6", "", None, None),
    (D.DAILY, "daily_disclosure", "收费标准和收支情况按月公示", "6", "", None, None),
    (D.SERVICE, "svc_response", "响应率（平台数据）", "3", M.RESPONSE_RATE, "0.8000", "0.9800"),
    (
        D.SERVICE,
        "svc_resolution",
        "解决率（平台数据）",
        "3",
        M.RESOLUTION_RATE,
        "0.8000",
        "0.9800",
    ),
    (
        D.SERVICE,
        "svc_satisfaction",
        "满意率（平台数据）",
        "5",
        M.SATISFACTION_RATE,
        "0.8000",
        "0.9800",
    ),
    (
        D.SERVICE,
        "svc_5341",
        "5341 时限达标率（平台数据）",
        "5",
        M.COMPLIANCE_RATE,
        "0.7000",
        "0.9500",
    ),
    (
        D.SERVICE,
        "svc_reopen",
        "重新打开率（平台数据，越低越好）",
        "2",
        M.REOPEN_RATE,
        "0.1000",
        "0.0000",
    ),
    (
        D.SERVICE,
        "svc_complaint",
        "不满意率（平台数据，越低越好）",
        "2",
        M.COMPLAINT_RATE,
        "0.1500",
        "0.0000",
    ),
    (D.IMAGE, "img_volunteer", "参与社区志愿服务和共建活动", "6", "", None, None),
    (D.IMAGE, "img_honour", "获得表彰，无重大安全事故和负面舆情", "7", "", None, None),
    (D.IMAGE, "img_identity", "统一红色物业标识，服务承诺上墙", "7", "", None, None),
)

# Minimum total points for each star (decimal strings): 90 / 80 / 70.
DEFAULT_THRESHOLDS = {"5": "90", "4": "80", "3": "70"}


def total_points() -> Decimal:
    return sum((Decimal(row[3]) for row in DEFAULT_CRITERIA), Decimal(0))
