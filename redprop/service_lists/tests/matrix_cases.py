"""The permission matrix's entries for the service list (matrix_base): its pages and
its API, every step of the workflow table from the state it starts in.

Scope A: community A's list. The water company (unit_staff) builds with community A
by the agreement the shared fixtures sign; company A (company_staff) serves compound A
there. A need of compound A posted by grid A's butler is open, another claimed by the
water company, another in progress, another done with a photo.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.tests.matrix_base import AUTHENTICATED, EVERY_ROLE, Case

# Who reads community A's list: everyone with a role there but the hotline's key.
VIEWERS = EVERY_ROLE - {Role.HOTLINE}
NEED_POSTERS = frozenset(
    {
        Role.RESIDENT,
        Role.GRID_BUTLER,
        Role.MAINTENANCE_WORKER,
        Role.COMMUNITY_STAFF,
        Role.SYSADMIN,
    }
)
OFFERERS = frozenset({Role.UNIT_STAFF, Role.COMPANY_STAFF, Role.COMMUNITY_STAFF, Role.SYSADMIN})
CLAIMANTS = frozenset({Role.UNIT_STAFF, Role.COMPANY_STAFF})  # co-building units of A
HOLDER = frozenset({Role.UNIT_STAFF})  # the water company claimed it
COORDINATORS = frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN})
CANCELLERS = COORDINATORS | {Role.GRID_BUTLER}  # the poster and the community
# Who sees the photos of a visit to an old man living alone: the unit that did it, the
# butler who asked for it, the community.
EVIDENCE_READERS = HOLDER | COORDINATORS | {Role.GRID_BUTLER}
# Who turns a request of compound A into a need: its grid workers and the desk.
FROM_REQUEST = frozenset(
    {Role.GRID_BUTLER, Role.MAINTENANCE_WORKER, Role.COMMUNITY_STAFF, Role.SYSADMIN}
)
# Who sees that request (requests.permissions.can_view): their refusal may be a 403.
REQUEST_VIEWERS = EVERY_ROLE - {Role.UNIT_STAFF, Role.HOTLINE}


def _jpeg() -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 10)).save(buf, "JPEG")
    return SimpleUploadedFile("e.jpg", buf.getvalue(), content_type="image/jpeg")


def build(fx: Any) -> None:
    from redprop.service_lists import services as s

    w = fx.w
    butler, unit = w.users[Role.GRID_BUTLER], w.users[Role.UNIT_STAFF]

    def need(tag: str) -> Any:
        return s.item_post(
            acting_user=butler,
            side="need",
            service_class="wei_min_xin",
            care="elderly_alone",
            title=f"独居老人每周探访 MXA-{tag}",
            compound_id=w.compound.pk,
            due_on=timezone.localdate() + dt.timedelta(days=7),
        )

    items = {"open": need("open")}
    items["claimed"] = s.item_claim(acting_user=unit, item_id=need("claimed").pk)
    progress = s.item_claim(acting_user=unit, item_id=need("progress").pk)
    items["progress"] = s.item_start(acting_user=unit, item_id=progress.pk)
    done = s.item_claim(acting_user=unit, item_id=need("done").pk)
    s.item_start(acting_user=unit, item_id=done.pk)
    items["done"] = s.item_complete(
        acting_user=unit, item_id=done.pk, note="已探访 MXA-note", photos=[_jpeg()]
    )
    items["photo"] = items["done"].photos.get()
    fx.extra["service_lists"] = items


def _web(name: str) -> Any:
    return lambda fx: {"pk": fx.extra["service_lists"][name].pk}


def _api(name: str) -> Any:
    return lambda fx: {"item_id": fx.extra["service_lists"][name].pk}


def _step(action: str, state: str, allow: frozenset[str], **body: Any) -> Case:
    return Case(
        allow,
        "POST",
        args=lambda fx: {"pk": fx.extra["service_lists"][state].pk, "action": action},
        body=body or None,
        ok=(302,),
        seen_by=VIEWERS,
        label=f"{action} from {state}",
    )


def _api_step(name: str, state: str, allow: frozenset[str], **kw: Any) -> Case:
    return Case(allow, "POST", args=_api(state), seen_by=VIEWERS, **kw)


TABLE: dict[str, list[Case]] = {
    # --- pages ----------------------------------------------------------------------
    "service_lists:list": [
        Case(VIEWERS),
        Case(VIEWERS, query="?side=need&service_class=wei_min_xin&status=active&care=old"),
    ],
    "service_lists:need_new": [
        Case(NEED_POSTERS),
        Case(
            NEED_POSTERS,
            "POST",
            body=lambda fx: {
                "title": "坡道损坏",
                "service_class": "bian_min_ji",
                "place": f"c:{fx.w.compound.pk}",
            },
            ok=(302,),
            names_a=True,
            refuse_400=True,
        ),
    ],
    "service_lists:offer_new": [
        Case(OFFERERS),
        Case(
            OFFERERS,
            "POST",
            body=lambda fx: {
                "title": "每月义诊",
                "service_class": "liao_min_ji",
                "place": f"m:{fx.w.community.pk}",
            },
            ok=(302,),
            names_a=True,
            refuse_400=True,
        ),
    ],
    "service_lists:detail": [Case(VIEWERS, args=_web("open")), Case(VIEWERS, args=_web("done"))],
    "service_lists:photo": [
        Case(
            EVIDENCE_READERS,
            args=lambda fx: {
                "pk": fx.extra["service_lists"]["done"].pk,
                "photo_id": fx.extra["service_lists"]["photo"].pk,
            },
            seen_by=VIEWERS,
        )
    ],
    "service_lists:action": [
        _step("claim", "open", CLAIMANTS),
        _step("start", "claimed", HOLDER),
        _step("complete", "progress", HOLDER, note="已上门"),
        _step("release", "claimed", HOLDER | COORDINATORS, reason="人手不足"),
        _step("cancel", "open", CANCELLERS, reason="重复发布"),
        _step("spawn", "open", COORDINATORS, category="public_repair"),
    ],
    "service_lists:from_request": [
        Case(
            FROM_REQUEST,
            "POST",
            args=lambda fx: {"pk": fx.requests["dispatched"].pk},
            body={"service_class": "jie_min_xu", "care": "elderly_alone"},
            ok=(302,),
            seen_by=REQUEST_VIEWERS,
        )
    ],
    # --- API ------------------------------------------------------------------------
    "api:service_item_list": [Case(frozenset({AUTHENTICATED}), query="?side=need&care=old")],
    "api:service_item_post": [
        Case(
            NEED_POSTERS,
            "POST",
            body=lambda fx: {
                "side": "need",
                "service_class": "bian_min_ji",
                "title": "坡道损坏",
                "compound_id": fx.w.compound.pk,
            },
            ok=(201,),
            names_a=True,
            refuse_400=True,
        )
    ],
    "api:service_item_from_request": [
        Case(
            FROM_REQUEST,
            "POST",
            body=lambda fx: {
                "request_id": fx.requests["dispatched"].pk,
                "service_class": "jie_min_xu",
            },
            ok=(201,),
            names_a=True,
            refuse_400=True,
        )
    ],
    "api:service_item_read": [Case(VIEWERS, args=_api("open"))],
    "api:service_item_claim": [_api_step("claim", "open", CLAIMANTS)],
    "api:service_item_start": [_api_step("start", "claimed", HOLDER)],
    "api:service_item_complete": [
        _api_step(
            "complete",
            "progress",
            HOLDER,
            body=lambda fx: {"note": "已上门", "photos": [_jpeg()]},
            multipart=True,
        )
    ],
    "api:service_item_release": [
        _api_step("release", "claimed", HOLDER | COORDINATORS, body={"reason": "人手不足"})
    ],
    "api:service_item_cancel": [
        _api_step("cancel", "open", CANCELLERS, body={"reason": "重复发布"})
    ],
    "api:service_item_spawn_request": [
        _api_step("spawn", "open", COORDINATORS, body={"category": "public_repair"}, ok=(201,))
    ],
}
