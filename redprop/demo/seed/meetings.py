"""A year of 逢四说事 and joint meetings, played through the meetings services on
simulated time: issues collected, agendas built, attendance, minutes, resolutions,
progress, completion and carry-over.

Figures (shared/seeds/003, 南宁二桥西社区): "召开'逢四说事'会20余场，收集群众反馈
问题700余个，处理460个". Erqiaoxi gets 24 meetings, ~720 issues and about 460
resolutions done (``ERQIAOXI``); the Jinghe focus community a full year of smaller
meetings with its next 逢四说事 open for the demo logins; every other community
three months of them. Numbers scale with ``--scale``.
"""

from __future__ import annotations

import datetime as dt
import heapq
from typing import Any

from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.demo.registry import SeedContext

# (meetings held, issues per meeting, share adopted at first reading, share of
# adopted resolutions done): 24 x 33 = 792 raised (~710 once duplicates merge); ~0.98 adopted (at
# the first or a carried reading) x 0.8 done by now ≈ 460. A resolution still not
# done when carried a third time goes to the street (cancelled here).
ERQIAOXI = (24, 33, 0.8, 0.8)
FOCUS = (36, 6, 0.75, 0.8)
OTHER = (9, 4, 0.75, 0.8)

TOPICS = [
    ("3栋屋顶漏水", "顶层住户反映雨天屋顶渗水，需维修基金或物业出资修缮"),
    ("冬季暖气不热", "多户反映室温不达标，需供热公司排查管网"),
    ("楼道堆放杂物", "楼道堆物堵塞通道，存在消防隐患"),
    ("消防通道被占", "私家车长期占用消防通道，需划线和管理"),
    ("电动车飞线充电", "楼上住户拉线给电动车充电，需建集中充电桩"),
    ("南门道闸损坏", "道闸经常抬不起来，外来车辆随意进出"),
    ("监控探头不亮", "小区东侧监控损坏，夜间安全无保障"),
    ("停车位不足", "车多位少，乱停乱放，申请规划新增车位"),
    ("垃圾清运不及时", "垃圾桶满溢，夏季异味大"),
    ("绿化带被毁种菜", "部分住户在绿化带种菜，影响环境"),
    ("加装电梯意见征集", "老年住户上下楼困难，希望加装电梯"),
    ("下水管道反复堵塞", "一楼住户污水倒灌，需更换主管道"),
    ("空调滴水扰邻", "空调外机滴水影响楼下住户"),
    ("楼道灯不亮", "多个单元楼道灯损坏"),
    ("物业费收缴与公示", "业主希望公开物业费收支明细"),
    ("广场舞噪音扰民", "晚间广场舞音量过大"),
    ("宠物粪便无人清理", "遛狗不牵绳、不清理粪便"),
    ("外墙瓷砖脱落", "临街外墙瓷砖松动，有坠落风险"),
    ("化粪池满溢", "化粪池需要清掏"),
    ("老年人就餐难", "独居老人希望设立社区食堂或送餐"),
]
RESOLUTIONS = [
    "由物业公司在完成时限内维修，社区跟踪督办",
    "由社区协调辖区单位上门处理，结果在议事厅公示",
    "由业主委员会征求业主意见后报社区",
    "物业公司制定方案，下次会议通报进展",
    "社区牵头联合派出所开展专项整治",
]
PROGRESS = ["已现场查看，正在制定方案", "材料已订购，近日施工", "已完成一半，正在收尾"]
DONE = ["已处理完毕，居民代表现场验收", "已整改到位，回访居民满意", "已完成并公示"]


def seed_meetings(ctx: SeedContext) -> None:
    from redprop.meetings import services as ms

    admin = ctx.users.get(Role.SYSADMIN)
    if admin is None:
        ctx.log("meetings: no system administrator login, skipped")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    focus = ctx.focus.get("community")
    erqiaoxi = next((c for c in ctx.communities if "二桥西" in c.name), None)
    plans = []
    for community in ctx.communities:
        if erqiaoxi is not None and community.pk == erqiaoxi.pk:
            plans.append((community, ERQIAOXI, 250))
        elif focus is not None and community.pk == focus.pk:
            plans.append((community, FOCUS, 366))
        else:
            plans.append((community, OTHER, 92))
    total = 0
    for n, (community, shape, days) in enumerate(plans):
        ctx.progress(n / max(1, len(plans)), community.name)
        total += _community_year(ctx, ms, community, shape, days, now, admin, focus)
    ctx.log(f"meetings: {total} meetings held in {len(plans)} communities")


def _community_year(
    ctx: SeedContext,
    ms: Any,
    community: Any,
    shape: tuple[int, int, float, float],
    days: int,
    now: dt.datetime,
    admin: Any,
    focus: Any,
) -> int:
    from redprop.meetings import recurrence, selectors
    from redprop.meetings.choices import MeetingStatus
    from redprop.meetings.models import Issue, Meeting, MeetingSeries
    from redprop.orgs.models import Org
    from redprop.requests.models import ServiceRequest

    rng = ctx.rng
    held_target, per_meeting, p_adopt, p_done = shape
    per_meeting = max(1, round(per_meeting * ctx.scale)) if ctx.scale < 1 else per_meeting
    compounds = [c for c in ctx.compounds if c.community_id == community.pk]
    if not compounds:
        return 0
    is_focus = focus is not None and community.pk == focus.pk
    desk = ctx.users.get(Role.COMMUNITY_STAFF) if is_focus else admin
    committee = ctx.residents_committees.get(community.pk)
    companies = list({c.company_id: c.company for c in compounds if c.company_id}.values())
    owners = [o for o in ctx.owners_committees if o.compound_id in {c.pk for c in compounds}]
    units = list(
        Org.objects.filter(kind="cobuilding_unit", street_id=community.street_id).order_by("pk")[:3]
    )
    responsible = [*companies, *([committee] if committee else []), *units] or [committee]
    residents = _resident_users(community)
    start = (now - dt.timedelta(days=days)).astimezone(recurrence.zone())
    sim = clock.SimulatedClock(start)
    held = 0
    with clock.travel(sim):
        rule = "FREQ=MONTHLY;BYMONTHDAY=4,14,24"
        series = ms.series_create(
            community=community,
            name=f"{community.name}逢四说事",
            convener=desk,
            acting_user=desk,
            rule=rule,
            starts_on=start.date(),
            start_time=dt.time(15, 0) if is_focus else dt.time(9, 30),
            invited_orgs=[o for o in [committee, *companies, *owners] if o is not None],
        )
        occurrences = recurrence.expand(series, start.date(), now.date() + dt.timedelta(days=40))
        # A rule date that is a day off (National Day, Spring Festival…) moves to the
        # next working day; one is cancelled (the street's meeting the same afternoon).
        cancelled_one = False
        for occ in occurrences:
            if occ.starts_at > now:
                break
            if occ.holiday:
                moved = occ.starts_at + dt.timedelta(days=1)
                while recurrence.is_day_off(moved.date()):
                    moved += dt.timedelta(days=1)
                ms.occurrence_move(
                    series=series,
                    rule_date=occ.rule_date,
                    new_start=moved,
                    reason="法定节假日顺延",
                    acting_user=desk,
                )
            elif not cancelled_one and rng.random() < 0.05:
                ms.occurrence_cancel(
                    series=series,
                    rule_date=occ.rule_date,
                    reason="与街道工作会议冲突",
                    acting_user=desk,
                )
                cancelled_one = True
        series = MeetingSeries.objects.get(pk=series.pk)
        past = [
            o
            for o in recurrence.expand(series, start.date(), now.date())
            if not o.cancelled and o.starts_at < now - dt.timedelta(hours=3)
        ][-held_target:]
        done_queue: list[tuple[dt.datetime, int, int]] = []
        requests = list(
            ServiceRequest.objects.filter(
                community_id=community.pk, category__code__in=["consultation", "complaint"]
            )
            .order_by("created_at")
            .values_list("pk", "created_at")
        )
        prev = past[0].starts_at - dt.timedelta(days=10) if past else start
        for occ in past:
            _drain(ms, done_queue, occ.starts_at, sim, desk, rng)
            # Issues raised between the previous meeting and this one.
            titles: list[Issue] = []
            for _ in range(per_meeting):
                sim.set(prev + (occ.starts_at - prev) * rng.uniform(0.05, 0.95))
                topic, text = rng.choice(TOPICS)
                compound = rng.choice(compounds)
                who = rng.choice(residents) if residents and rng.random() < 0.6 else desk
                issue = ms.issue_propose(
                    place=compound,
                    title=f"{compound.name}：{topic}"[:80],
                    description=text,
                    acting_user=who,
                )
                dup = next((t for t in titles if t.title == issue.title), None)
                if dup is not None:
                    ms.issue_merge(issue=issue, into=dup, acting_user=desk)
                else:
                    titles.append(issue)
            # Requests that need a collective decision, sent to this meeting (上会).
            sim.set(occ.starts_at - dt.timedelta(hours=20))
            for pk, _created in [r for r in requests if prev <= r[1] < occ.starts_at][:2]:
                ms.issue_from_request(
                    request=ServiceRequest.objects.get(pk=pk), note="需集体协商", acting_user=desk
                )
            sim.set(occ.starts_at - dt.timedelta(hours=18))
            meeting = ms.meeting_for_occurrence(series=series, rule_date=occ.rule_date)
            if meeting.status != MeetingStatus.PLANNED:
                prev = occ.starts_at
                continue
            ms.agenda_build(meeting=meeting, acting_user=desk)
            ms.meeting_convene(meeting=meeting, acting_user=desk)
            sim.set(occ.starts_at)
            ms.meeting_start(meeting=meeting, acting_user=desk)
            for p in selectors.participants(meeting=meeting):
                if rng.random() < 0.88:
                    ms.attendance_mark(participant=p, present=True, acting_user=desk)
            sim.set(occ.starts_at + dt.timedelta(minutes=30))
            for item in selectors.agenda(meeting=meeting):
                carried = item.carried_count > 0
                latest = selectors.resolutions_of_issue([item.issue_id]).get(item.issue_id)
                if latest is not None:
                    ms.minutes_record(item=item, discussion="通报决议办理进展", acting_user=desk)
                    if latest.status in ("adopted", "in_progress") and item.carried_count >= 3:
                        ms.resolution_step(
                            resolution=latest,
                            action="cancel",
                            note="多次结转仍未解决，转报街道协调",
                            acting_user=desk,
                        )
                elif rng.random() < (0.9 if carried else p_adopt):
                    res = ms.resolution_adopt(
                        item=item,
                        text=rng.choice(RESOLUTIONS),
                        deadline=occ.starts_at.date() + dt.timedelta(days=rng.choice((7, 15, 30))),
                        responsible_org=rng.choice(responsible),
                        discussion="与会各方充分讨论，形成一致意见",
                        acting_user=desk,
                    )
                    if rng.random() < p_done:
                        at = occ.starts_at + dt.timedelta(days=rng.randint(3, 40), hours=2)
                        if at < now:
                            heapq.heappush(done_queue, (at, res.pk, 0))
                else:
                    ms.minutes_record(
                        item=item,
                        discussion="意见分歧较大，需进一步征求业主意见",
                        deferred=True,
                        acting_user=desk,
                    )
            sim.set(occ.starts_at + dt.timedelta(hours=2))
            ms.meeting_finish(meeting=meeting, acting_user=desk)
            sim.set(occ.starts_at + dt.timedelta(hours=20))
            ms.meeting_publish_minutes(
                meeting=meeting,
                summary="会议按议程逐项协商，形成决议并明确责任方和时限。",
                acting_user=desk,
            )
            held += 1
            prev = occ.starts_at
        _drain(ms, done_queue, now, sim, desk, rng)
        # The next 逢四说事 is open: a few issues collected for the demo logins.
        sim.set(now - dt.timedelta(hours=1))
        if Meeting.objects.filter(series=series, starts_at__gt=now).exists() or is_focus:
            for _ in range(3 if is_focus else 1):
                topic, text = rng.choice(TOPICS)
                who = rng.choice(residents) if residents else desk
                ms.issue_propose(
                    place=rng.choice(compounds), title=topic, description=text, acting_user=who
                )
    return held


def _drain(
    ms: Any,
    queue: list[tuple[dt.datetime, int, int]],
    until: dt.datetime,
    sim: Any,
    desk: Any,
    rng: Any,
) -> None:
    """Play the resolutions' progress and completion due before ``until``."""
    from redprop.meetings.models import Resolution

    while queue and queue[0][0] < until:
        at, pk, _n = heapq.heappop(queue)
        res = Resolution.objects.get(pk=pk)
        if res.status not in ("adopted", "in_progress"):
            continue
        sim.set(at - dt.timedelta(days=2))
        ms.resolution_step(
            resolution=res, action="report", note=rng.choice(PROGRESS), acting_user=desk
        )
        sim.set(at)
        ms.resolution_step(
            resolution=res, action="complete", note=rng.choice(DONE), acting_user=desk
        )


def _resident_users(community: Any) -> list[Any]:
    """Logins of residents living in the community (made by the requests seeder)."""
    from redprop.accounts.models import User

    return list(
        User.objects.filter(
            is_active=True,
            roles__role=Role.RESIDENT,
            roles__revoked_at__isnull=True,
            person__community_id=community.pk,
        )
        .distinct()
        .order_by("pk")[:40]
    )
