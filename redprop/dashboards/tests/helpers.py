"""Build request history the way users would: through redprop.requests.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from redprop.requests import services
from redprop.requests.models import Category, RequestEvent, ServiceRequest


def file(world: Any, *, category: str = "pipe_dredging", where: str = "unit", **kw: Any) -> Any:
    """File a request: a resident's at their unit, or a staff member's at a building."""
    cat = Category.objects.get(code=category)
    if where == "unit":
        return services.request_file(
            acting_user=world.users["resident"],
            category=cat,
            description=kw.pop("description", "厨房下水道堵塞"),
            unit=world.unit,
            **kw,
        )
    if where == "building_2":
        return services.request_file(
            acting_user=world.users["community_staff"],
            category=cat,
            description=kw.pop("description", "楼道灯不亮"),
            building=world.building_2,
            **kw,
        )
    assert where == "street_b"
    return services.request_file(
        acting_user=world.users["street_b"],
        category=cat,
        description=kw.pop("description", "单元门禁坏了"),
        building=world.building_b,
        **kw,
    )


def drive(
    world: Any,
    r: Any,
    *,
    late: bool = False,
    resolve: bool = True,
    score: int | None = None,
    solved: bool = True,
    revisit: bool = False,
) -> Any:
    """Dispatch, accept, arrive, resolve and rate one request (each step optional).

    ``late`` moves the dispatch two hours back, so the response comes late.
    """
    other_street = r.street_id == world.street_b.pk
    staff = world.users["street_b" if other_street else "community_staff"]
    handler = world.users["sysadmin" if other_street else "company_staff"]
    org = world.company_b if other_street else world.company
    services.request_dispatch(request=r, org=org, acting_user=staff)
    if late:
        RequestEvent.objects.filter(request=r, kind="dispatched").update(
            at=timezone.now() - dt.timedelta(hours=2)
        )
        r = ServiceRequest.objects.get(pk=r.pk)
        services.base.recompute_sla(r)
        r.save()
    services.request_accept(request=r, acting_user=handler)
    services.request_arrive(request=r, acting_user=handler)
    if not resolve:
        return r
    services.request_resolve(request=r, note="处理完毕", acting_user=handler)
    if revisit:
        services.request_revisit(
            request=r, solved=solved, score=score, note="电话回访", acting_user=staff
        )
    elif score is not None:
        if r.reporter_id:
            services.request_rate(
                request=r, score=score, solved=solved, acting_user=world.users["resident"]
            )
        else:
            services.request_revisit(
                request=r, solved=solved, score=score, note="电话回访", acting_user=staff
            )
    return ServiceRequest.objects.get(pk=r.pk)


def breach_open_requests() -> None:
    """Run the SLA clock three hours ahead: every running deadline is missed."""
    services.sla_sweep(now=timezone.now() + dt.timedelta(hours=3))


def build_history(world: Any) -> dict[str, Any]:
    """A month of mixed outcomes in 红星社区 (two grids) and one request in 江南街道."""
    rated: list[dict[str, Any]] = [
        dict(score=5),
        dict(score=5),
        dict(score=4),
        dict(score=3),
        dict(score=2, solved=False),
        dict(late=True, score=4, revisit=True),
    ]
    for plan in rated:
        drive(world, file(world), **plan)
    drive(world, file(world, where="building_2", category="public_repair"), score=5)
    drive(world, file(world, where="building_2", category="public_repair"), late=True)
    open_one = drive(world, file(world), resolve=False)  # on site, not resolved
    submitted = file(world, category="public_repair")  # never dispatched
    breach_open_requests()
    drive(world, file(world, where="street_b"), score=1, solved=False)
    return {"open": open_one, "submitted": submitted}
