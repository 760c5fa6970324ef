import time

import pytest

pytestmark = pytest.mark.django_db


def test_figures() -> None:
    from redprop.demo.seed import run_seed
    from redprop.demo.seed.meetings import seed_meetings
    from redprop.meetings.models import AgendaItem, Issue, Meeting, Resolution

    t = time.perf_counter()
    ctx = run_seed(seed=1, scale=1, registered=False)
    t1 = time.perf_counter()
    seed_meetings(ctx)
    t2 = time.perf_counter()
    e = next(c for c in ctx.communities if "二桥西" in c.name)
    print("\nFIG foundation", round(t1 - t, 1), "s; meetings seed", round(t2 - t1, 1), "s")
    print("FIG erqiaoxi held", Meeting.objects.filter(community=e, status="closed").count())
    print("FIG erqiaoxi issues", Issue.objects.filter(community=e).exclude(status="merged").count(),
          "merged", Issue.objects.filter(community=e, status="merged").count())
    print("FIG erqiaoxi done", Resolution.objects.filter(issue__community=e, status="done").count(),
          "resolutions", Resolution.objects.filter(issue__community=e).count(),
          "carried items", AgendaItem.objects.filter(meeting__community=e, carried_count__gt=0).count(),
          "items", AgendaItem.objects.filter(meeting__community=e).count())
    print("FIG all meetings", Meeting.objects.count(), "issues", Issue.objects.count())
