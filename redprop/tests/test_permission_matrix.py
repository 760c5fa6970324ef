"""The permission matrix (issue #10): every URL × every role × in scope / sibling scope.

How it works
------------
* ``url_patterns()`` walks ``get_resolver()`` recursively: the pages, the JSON API
  under /api/v1/ (one pattern per Ninja operation) and the admin. Every pattern
  must have an entry in ``TABLE`` (pages and API, keyed by the namespaced name, or
  the route when the pattern has no name) or, for the admin's per-model pages, in
  ``ADMIN_MODELS``. A pattern without an entry fails
  ``test_every_url_pattern_has_an_entry`` with its name; an entry whose pattern is
  gone fails it too.
* An entry is a list of ``Case``: the method, the roles that may (inside the scope
  of the objects probed), how to build the URL's arguments and the body from the
  fixture objects, and what success looks like.
* The principals: anonymous, a user without a role, every role inside the scope
  (street A, community A, grid A, company A, the water company, the city) and the
  same role in the sibling scope (street B, community B, grid B, company B, a
  co-building unit of street B, district B). The sysadmin has no sibling.
* Each probe runs inside a savepoint that is rolled back, so one probe never
  changes what the next one sees. A write probe that the table allows must
  succeed; every other probe must be refused (401/403/404, or the login
  redirect, or the admin's "does not exist" redirect) and, when the URL names an
  object, answer exactly as it answers for an id that does not exist (status,
  Location and body, ids and CSRF tokens aside): a refusal never tells whether
  the object exists. A refused answer and any answer to a sibling never carry
  the marker written into the scope's requests (``MXA-``).
* ``test_foreign_ids_in_bodies``: ids inside request bodies (unit, building,
  compound, reporter, org, assignee, owner, merge target…) — a foreign id is
  refused exactly like a missing one.

A case may carry ``pending="<branch>"``: the correct rule for something a branch
not yet merged fixes; until then a mismatch there is reported, not failed. See
docs/security.md for the rules of adding a URL.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.conftest import World, build_siblings, build_world
from redprop.tests.matrix_base import (
    ADMIN_STAFF,
    ALL_STAFF,
    AUTHENTICATED,
    DISPATCHERS,
    EVERY_ROLE,
    FILERS,
    GRID_STAFF,
    HANDLERS,
    MARKER,
    MED_PARTIES,
    MED_SUPERVISORS,
    MED_VIEWERS,
    MISSING,
    NONE,
    NOT_COMPANY,
    PEOPLE_VIEWERS,
    POLICY_EDITORS,
    PRINCIPALS,
    PUBLIC,
    RATING_VIEWERS,
    REGION_DESKS,
    RESIDENT,
    SIBLING,
    SYSADMIN,
    VIEWERS,
    AdminModel,
    BodyId,
    Case,
    plugins,
)

# .ci/run runs this once, on PostgreSQL (the marker's description in pyproject.toml).
pytestmark = [pytest.mark.django_db, pytest.mark.once]

# The principals, the role groups, Case, AdminModel and BodyId are shared with the
# apps' own matrix modules (redprop/<app>/tests/matrix_cases.py): see matrix_base.


def req(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"pk": fx.requests[name].pk}


def api_req(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"request_id": fx.requests[name].pk}


def _soon() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=3)


def _jpeg() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buf, "JPEG", quality=70)
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def _action(action: str, name: str, allow: frozenset[str], pending: str = "", **data: Any) -> Case:
    """A step on the request page: POST /r/<pk>/do/<action>/ with the form's prefix."""

    def body(fx: Fx) -> dict[str, Any]:
        values = {k: (v(fx) if callable(v) else v) for k, v in data.items()}
        return {f"{action}-{k}": v for k, v in values.items()}

    return Case(
        allow,
        "POST",
        args=lambda fx: {"pk": fx.requests[name].pk, "action": action},
        body=body,
        ok=(302,),
        label=action,
        pending=pending,
        seen_by=VIEWERS_OF[name],
    )


def _api_step(
    step: str, name: str, allow: frozenset[str], body: Any = None, pending: str = ""
) -> Case:
    return Case(
        allow,
        "POST",
        args=api_req(name),
        body=(lambda fx: body(fx) if callable(body) else (body or {})),
        label=step,
        pending=pending,
        seen_by=VIEWERS_OF[name],
    )


# 议事协商: who sees community A's meetings (residents of it, the invited company and
# water company, the desks above it); who sees its series and issues (no org scope).
MEETING_VIEWERS = RESIDENT | REGION_DESKS | {Role.COMPANY_STAFF, Role.UNIT_STAFF}
SERIES_VIEWERS = RESIDENT | REGION_DESKS
ISSUE_VIEWERS = RESIDENT | REGION_DESKS
PROPOSERS = RESIDENT | DISPATCHERS | {Role.GRID_BUTLER}


def meeting(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"pk": getattr(fx, name).pk}


def api_meeting(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"meeting_id": getattr(fx, name).pk}


def checkin_token(fx: Fx) -> dict[str, Any]:
    from redprop.meetings.services import checkin_token as sign

    return {"token": sign(fx.m_live)}


# Notices to building A: its place's staff (notices.permissions.is_staff_reader), its
# authors (can_target / is_publisher), and its people (the resident lives there).
NOTICE_STAFF = ALL_STAFF - {Role.UNIT_STAFF}
NOTICE_AUTHORS = frozenset(
    {Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.GRID_BUTLER, Role.COMPANY_STAFF, Role.SYSADMIN}
)
NOTICE_READERS = NOTICE_STAFF | RESIDENT


def notice(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"pk": fx.notices[name].pk}


def api_notice(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"notice_id": fx.notices[name].pk}


# Campaign A (community A; company A and the water company take part), items at
# building A (campaigns.permissions): who patrols, who inspects, who fixes.
CAMPAIGN_INSPECTORS = frozenset(
    {Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.GRID_BUTLER, Role.SYSADMIN}
)
CAMPAIGN_FINDERS = CAMPAIGN_INSPECTORS | {Role.COMPANY_STAFF, Role.UNIT_STAFF}
CAMPAIGN_FIXERS = frozenset({Role.COMPANY_STAFF, Role.SYSADMIN})


def camp(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"pk": fx.campaigns[name].pk}


def api_camp(name: str, key: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {key: fx.campaigns[name].pk}


def _camp_step(action: str, name: str, allow: frozenset[str], **data: Any) -> Case:
    def body(fx: Fx) -> dict[str, Any]:
        return {k: (v(fx) if callable(v) else v) for k, v in data.items()}

    return Case(
        allow,
        "POST",
        args=lambda fx: {"pk": fx.campaigns[name].pk, "action": action},
        body=body,
        multipart="photo" in data,
        ok=(302,),
        label=action,
        seen_by=ALL_STAFF,
    )


# Who sees a vote of compound A once it is open: its owner (the resident), the
# organisers, the company serving it, the housing bureau (a draft: the organisers).
VOTE_VIEWERS = RESIDENT | DISPATCHERS | {Role.COMPANY_STAFF, Role.HOUSING_BUREAU}


def api_vote(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"vote_id": fx.votes[name].pk}


def web_vote(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"pk": fx.votes[name].pk}


def _pdf() -> Any:
    from redprop.votes.tests.helpers import pdf

    return pdf()


def _ballot_sheet(fx: Fx) -> Any:
    from redprop.votes.tests.helpers import xlsx

    when = timezone.localtime().replace(tzinfo=None)
    return xlsx([[fx.w.unit.pk, "", "同意", when, None, None]])


REASON = "需要进一步处理的原因说明"


def _case(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"pk": fx.cases[name].pk}


def _api_case(name: str) -> Callable[[Fx], dict[str, Any]]:
    return lambda fx: {"case_id": fx.cases[name].pk}


def _med_page(action: str, state: str, allow: frozenset[str], **data: Any) -> Case:
    """A step on the case page: POST /mediation/<pk>/do/<action>/ with the form's prefix."""

    def body(fx: Fx) -> dict[str, Any]:
        values = {k: (v(fx) if callable(v) else v) for k, v in data.items()}
        return {f"{action}-{k}": v for k, v in values.items()}

    return Case(
        allow,
        "POST",
        args=lambda fx: {"pk": fx.cases[state].pk, "action": action},
        body=body,
        ok=(302,),
        label=action,
        seen_by=MED_VIEWERS,
        multipart=action == "sign",
    )


def _med_api(name: str, allow: frozenset[str], body: Any = None, **kw: Any) -> Case:
    return Case(
        allow,
        "POST",
        args=_api_case(name),
        body=(lambda fx: body(fx) if callable(body) else (body or {})),
        seen_by=MED_VIEWERS,
        **kw,
    )


def _now_local() -> str:
    """A minute-precise local time after the fixtures' cases were received (the form
    drops the seconds; a session before the case is refused) and inside the services'
    five minutes of clock skew."""
    return (timezone.localtime() + dt.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")


def _today() -> str:
    return timezone.localdate().isoformat()


# Who sees each request of scope A (the butler's patrol request: not the resident).
# Not dispatched yet: no handling company. The butler's patrol request: not the
# resident's either.
VIEWERS_OF = {
    "submitted": VIEWERS - {Role.COMPANY_STAFF},
    "patrol": VIEWERS - {Role.COMPANY_STAFF, Role.RESIDENT},
    **{n: VIEWERS for n in ("dispatched", "accepted", "plan_required", "waiting", "resolved")},
}

TABLE: dict[str, list[Case]] = {
    # --- public and account pages -----------------------------------------------------
    # 503 while the clock's heartbeat is stale (as in tests): health, not access.
    "healthz": [Case(frozenset({PUBLIC}), ok=(200, 503))],
    "set_language": [
        Case(frozenset({PUBLIC}), "POST", body=lambda fx: {"language": "en"}, ok=(302,))
    ],
    "web:login": [Case(frozenset({PUBLIC}), ok=(200, 302))],
    "web:logout": [Case(frozenset({PUBLIC}), "POST", ok=(302,), logs_out=True)],
    "web:home": [Case(EVERY_ROLE, ok=(302,), refuse_to="/no-role/")],
    # The "no role yet" page is itself a refusal (403) and shows nothing scoped.
    "web:no_role": [Case(frozenset({AUTHENTICATED}), ok=(403,))],
    "web:more": [Case(frozenset({AUTHENTICATED}))],
    # --- resident pages -----------------------------------------------------------------
    "web:my_requests": [Case(RESIDENT)],
    "web:file_request": [
        Case(FILERS),
        Case(
            RESIDENT,
            "POST",
            body=lambda fx: {
                "category": "pipe_dredging",
                "description": "楼道下水管漏水",
                "place": f"u:{fx.w.unit.pk}",
            },
            ok=(302,),
            refuse_400=True,
            names_a=True,
            label="file at the resident's own unit",
        ),
        Case(
            DISPATCHERS | GRID_STAFF | {Role.HOTLINE},
            "POST",
            body=lambda fx: {
                "category": "pipe_dredging",
                "description": "楼道下水管漏水",
                "place": f"b:{fx.w.building.pk}",
            },
            ok=(302,),
            refuse_400=True,
            names_a=True,
            label="file at a building of grid A",
        ),
    ],
    "web:file_similar": [
        Case(
            FILERS,
            "POST",
            body=lambda fx: {
                "category": "pipe_dredging",
                "description": "厨房下水道堵塞污水倒灌",
                "place": f"c:{fx.w.compound.pk}",
            },
            names_a=True,
            # A place the picker did not offer this user: nothing to suggest (empty).
            empty_is_refusal=True,
        )
    ],
    # --- one request (pages) ---------------------------------------------------------------
    "web:request_detail": [
        Case(VIEWERS, args=req("dispatched")),
        # Filed by the butler: a resident of the compound who neither filed nor
        # follows it does not see it.
        Case(VIEWERS_OF["patrol"], args=req("patrol"), label="the butler's patrol request"),
    ],
    "web:request_photo": [
        Case(
            VIEWERS,
            args=lambda fx: {"pk": fx.requests["dispatched"].pk, "photo_id": fx.photo.pk},
        )
    ],
    # 我的数据 (PIPL arts. 44-47): the resident's own data, nobody else's.
    "web:my_data": [Case(RESIDENT)],
    "web:my_data_download": [Case(RESIDENT, "POST")],
    "web:my_data_erase": [Case(RESIDENT, "POST", body=lambda fx: {"reason": "搬走了"}, ok=(302,))],
    # 账号安全 and two-step verification: every logged-in user, for themself.
    "accounts:security": [Case(frozenset({AUTHENTICATED}))],
    "accounts:otp_setup": [Case(frozenset({AUTHENTICATED}), ok=(200, 302))],
    "accounts:otp_verify": [Case(frozenset({AUTHENTICATED}), ok=(200, 302))],
    "accounts:logout_everywhere": [Case(frozenset({AUTHENTICATED}), "POST", ok=(302,))],
    # 联系居民: only the order's current assignee (grid A's worker accepted it), while open.
    "web:request_contact": [
        Case(
            frozenset({Role.MAINTENANCE_WORKER}),
            "POST",
            args=req("accepted"),
            seen_by=VIEWERS,
        )
    ],
    "web:request_follow": [
        Case(RESIDENT, "POST", args=req("patrol"), ok=(302,), seen_by=VIEWERS_OF["patrol"]),
    ],
    "web:request_action": [
        _action("dispatch", "submitted", DISPATCHERS, org=lambda fx: fx.w.company.pk),
        _action("cancel", "submitted", RESIDENT | DISPATCHERS, reason=REASON),
        _action(
            "merge", "submitted", DISPATCHERS, into=lambda fx: fx.requests["dispatched"].number
        ),
        _action("escalate", "dispatched", DISPATCHERS | HANDLERS, reason=REASON),
        _action("accept", "dispatched", HANDLERS),
        _action("return", "dispatched", HANDLERS, reason=REASON),
        _action("arrive", "accepted", HANDLERS),
        _action("require_plan", "accepted", HANDLERS, reason=REASON),
        _action("pause", "accepted", HANDLERS, reason=REASON),
        _action("resolve", "accepted", HANDLERS, note="已疏通"),
        _action(
            "submit_plan",
            "plan_required",
            HANDLERS,
            plan="更换整段排水管",
            resolve_by=lambda fx: timezone.localtime(_soon()).strftime("%Y-%m-%dT%H:%M"),
        ),
        _action("resume", "waiting", HANDLERS),
        _action("rate", "resolved", RESIDENT, score=5, solved="yes"),
        _action("reopen", "resolved", RESIDENT | DISPATCHERS, reason=REASON),
        _action("revisit", "resolved", DISPATCHERS, solved="yes", score=5),
        _action("close", "resolved", DISPATCHERS, note="回访满意"),
    ],
    # --- workers ---------------------------------------------------------------------------
    "web:my_orders": [Case(GRID_STAFF | {Role.COMPANY_STAFF, Role.UNIT_STAFF})],
    # --- the dispatcher's console ------------------------------------------------------------
    "web:console": [Case(DISPATCHERS), Case(DISPATCHERS, query="?tab=new")],
    "web:console_queue": [Case(DISPATCHERS)],
    # Without htmx these two send the browser to the full console page (302).
    "web:console_queue_more": [Case(DISPATCHERS, query="?tab=new&after=0", ok=(200, 302))],
    "web:console_pane": [Case(DISPATCHERS, args=req("submitted"), ok=(200, 302), seen_by=VIEWERS)],
    "web:console_people": [
        Case(
            DISPATCHERS,
            args=req("submitted"),
            query="?dispatch-org=0",
            seen_by=VIEWERS,
        )
    ],
    # --- inbox ---------------------------------------------------------------------------
    "web:inbox": [Case(EVERY_ROLE)],
    "web:inbox_read": [Case(EVERY_ROLE, "POST", body=lambda fx: {"all": "1"}, ok=(302,))],
    "web:inbox_open": [
        # Only the item's own reader (grid A's worker, told of the new order).
        Case(
            frozenset({Role.MAINTENANCE_WORKER}),
            args=lambda fx: {"pk": fx.inbox_item.pk},
            ok=(302,),
            refuse_to="/inbox/",
        )
    ],
    # --- dashboards and reports --------------------------------------------------------------
    "dashboards:dashboard": [
        Case(REGION_DESKS | {Role.COMPANY_STAFF}),
        Case(
            REGION_DESKS,
            query="?node={community}",
            names_a=True,
            label="a community of scope A",
        ),
    ],
    "dashboards:reports": [
        Case(REGION_DESKS),
        Case(
            REGION_DESKS,
            "POST",
            body=lambda fx: {
                "node": fx.w.community.pk,
                "month": timezone.localdate().strftime("%Y-%m"),
                "format": "xlsx",
            },
            ok=(302,),
            names_a=True,
            label="export a report of community A",
        ),
    ],
    "dashboards:export_status": [
        Case(REGION_DESKS, args=lambda fx: {"export_id": fx.export.pk}),
    ],
    "dashboards:export_download": [
        Case(REGION_DESKS, args=lambda fx: {"export_id": fx.export.pk}),
    ],
    # --- the JSON API ----------------------------------------------------------------------
    "api:api-root": [Case(frozenset({PUBLIC}), ok=(200, 404), scoped=False)],
    "api:openapi-json": [Case(frozenset({PUBLIC}))],
    "api:openapi-view": [Case(frozenset({PUBLIC}))],
    # The API's lists answer any logged-in user, filtered by scope: a user without a
    # role gets empty lists (the pages show the no-role page instead).
    "api:compound_list": [Case(frozenset({AUTHENTICATED}))],
    "api:unit_get": [
        Case(ALL_STAFF - {Role.UNIT_STAFF} | RESIDENT, args=lambda fx: {"unit_id": fx.w.unit.pk})
    ],
    "api:unit_create": [
        Case(
            frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN}),
            "POST",
            body=lambda fx: {
                "building_id": fx.w.building.pk,
                "label": "1栋2单元301",
                "floor_area": "80",
                "owner_ids": [fx.w.resident.pk],
            },
            ok=(201,),
            names_a=True,
        )
    ],
    "api:person_get": [Case(PEOPLE_VIEWERS, args=lambda fx: {"person_id": fx.w.resident.pk})],
    "api:person_create": [
        Case(
            frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN}),
            "POST",
            body=lambda fx: {"name": "赵新", "unit_id": fx.w.unit.pk},
            ok=(201,),
            names_a=True,
        )
    ],
    "api:person_reveal": [
        # The mobile (people.policies.REVEAL_ROLES); the resident sees their own
        # record but reveals nothing through the API.
        Case(
            frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.GRID_BUTLER, Role.SYSADMIN}),
            "POST",
            args=lambda fx: {"person_id": fx.w.resident.pk},
            body={"field": "mobile", "reason": "上门维修需联系住户"},
            seen_by=PEOPLE_VIEWERS,
        )
    ],
    "api:inbox": [Case(frozenset({AUTHENTICATED}))],
    # Ids that are not the caller's are ignored, not revealed: {"updated": 0}.
    "api:inbox_read": [
        Case(frozenset({AUTHENTICATED}), "POST", body=lambda fx: {"ids": [fx.inbox_item.pk]})
    ],
    "api:category_list": [Case(frozenset({AUTHENTICATED}))],
    "api:request_list": [Case(frozenset({AUTHENTICATED}))],
    "api:request_create": [
        Case(
            FILERS,
            "POST",
            body=lambda fx: {
                "category": "pipe_dredging",
                "description": "楼道下水管漏水",
                "building_id": fx.w.building.pk,
            },
            ok=(201,),
            names_a=True,
            refuse_400=True,  # a place not the user's: 400 as an unknown one
        )
    ],
    "api:request_create_multipart": [
        Case(
            FILERS,
            "POST",
            body=lambda fx: {
                "category": "pipe_dredging",
                "description": "楼道下水管漏水",
                "building_id": fx.w.building.pk,
            },
            names_a=True,
            refuse_400=True,  # a place not the user's: 400 as an unknown one
            multipart=True,
            ok=(201,),
        )
    ],
    # The art. 278 count is stateless and public: nothing is read or stored.
    "api:tally": [
        Case(
            frozenset({PUBLIC}),
            "POST",
            body=lambda fx: {
                "item": 4,
                "units": [{"unit": "1-101", "owners": ["甲"], "areas": {"register": "80"}}],
                "ballots": {"甲": "agree"},
            },
            scoped=False,
        )
    ],
    "api:request_similar": [
        Case(
            FILERS,
            "POST",
            body=lambda fx: {
                "category": "pipe_dredging",
                "description": "厨房下水道堵塞",
                "unit_id": fx.w.unit.pk,
            },
            names_a=True,
            refuse_400=True,  # a place not the user's: 400 as an unknown one
        )
    ],
    "api:my_orders": [Case(frozenset({AUTHENTICATED}))],
    "api:rates": [Case(frozenset({AUTHENTICATED}), query="?month={month}")],
    "api:request_read": [
        Case(VIEWERS, args=api_req("dispatched")),
        Case(VIEWERS_OF["patrol"], args=api_req("patrol"), label="the butler's patrol request"),
    ],
    "api:request_duplicates": [Case(DISPATCHERS, args=api_req("submitted"), seen_by=VIEWERS)],
    "api:request_dispatch": [
        _api_step("dispatch", "submitted", DISPATCHERS, lambda fx: {"org_id": fx.w.company.pk})
    ],
    "api:request_return": [_api_step("return", "dispatched", HANDLERS, {"reason": REASON})],
    "api:request_accept": [_api_step("accept", "dispatched", HANDLERS)],
    "api:request_arrive": [_api_step("arrive", "accepted", HANDLERS)],
    "api:request_require_plan": [
        _api_step("require-plan", "accepted", HANDLERS, {"reason": REASON})
    ],
    "api:request_submit_plan": [
        _api_step(
            "plan",
            "plan_required",
            HANDLERS,
            lambda fx: {"plan": "更换整段排水管", "resolve_by": _soon().isoformat()},
        )
    ],
    "api:request_pause": [_api_step("pause", "accepted", HANDLERS, {"reason": REASON})],
    "api:request_resume": [_api_step("resume", "waiting", HANDLERS)],
    "api:request_resolve": [_api_step("resolve", "accepted", HANDLERS, {"note": "已疏通"})],
    "api:request_rate": [_api_step("rate", "resolved", RESIDENT, {"score": 5, "solved": True})],
    "api:request_revisit": [
        _api_step("revisit", "resolved", DISPATCHERS, {"solved": True, "score": 5})
    ],
    "api:request_reopen": [
        _api_step("reopen", "resolved", RESIDENT | DISPATCHERS, {"reason": REASON})
    ],
    "api:request_close": [_api_step("close", "resolved", DISPATCHERS, {"note": "回访满意"})],
    "api:request_cancel": [
        _api_step("cancel", "submitted", RESIDENT | DISPATCHERS, {"reason": REASON})
    ],
    "api:request_escalate": [
        _api_step("escalate", "dispatched", DISPATCHERS | HANDLERS, {"reason": REASON})
    ],
    "api:request_merge": [
        _api_step(
            "merge", "submitted", DISPATCHERS, lambda fx: {"into_id": fx.requests["dispatched"].pk}
        )
    ],
    "api:request_follow": [_api_step("follow", "patrol", RESIDENT)],
    # The handlers and the dispatchers add photos (before/after); the reporter files
    # them with the request; the bureau only oversees.
    "api:photo_upload": [
        Case(
            HANDLERS | DISPATCHERS | RESIDENT,
            "POST",
            args=api_req("dispatched"),
            seen_by=VIEWERS,
            body=lambda fx: {"photo": _jpeg(), "kind": "before"},
            multipart=True,
            ok=(201,),
        )
    ],
    # --- notices (通知公告): building A's notices --------------------------------------------
    "web:notices": [Case(EVERY_ROLE)],
    "web:notice_new": [
        Case(NOTICE_AUTHORS),
        Case(
            NOTICE_AUTHORS,
            "POST",
            body=lambda fx: {
                "kind": "water_cut",
                "title": "停水通知",
                "body": "明日停水",
                "place": f"building:{fx.w.building.pk}",
                "publish": "1",
            },
            ok=(302,),
            refuse_400=True,  # a place the form does not offer this author
            names_a=True,
        ),
    ],
    "web:notice_detail": [
        Case(NOTICE_READERS, args=notice("private"), label="private: staff and its people"),
        Case(frozenset({PUBLIC}), args=notice("public"), scoped=False, label="public"),
    ],
    "web:notice_qr": [Case(NOTICE_READERS, args=notice("private"))],
    "web:notice_file": [
        Case(
            NOTICE_READERS,
            args=lambda fx: {"pk": fx.notices["private"].pk, "attachment_id": fx.notice_file.pk},
        )
    ],
    "web:notice_action": [
        Case(
            NOTICE_AUTHORS,
            "POST",
            args=lambda fx: {"pk": fx.notices["draft"].pk, "action": "publish"},
            ok=(302,),
            seen_by=NOTICE_STAFF,
            label="publish",
        ),
        Case(
            NOTICE_AUTHORS,
            "POST",
            args=lambda fx: {"pk": fx.notices["private"].pk, "action": "withdraw"},
            body=lambda fx: {"reason": "改期"},
            ok=(302,),
            seen_by=NOTICE_STAFF,
            label="withdraw",
        ),
        Case(
            NOTICE_AUTHORS,
            "POST",
            args=lambda fx: {"pk": fx.notices["private"].pk, "action": "pin"},
            ok=(302,),
            seen_by=NOTICE_STAFF,
            label="pin",
        ),
    ],
    "web:notice_reach": [Case(NOTICE_STAFF, args=notice("private"))],
    "api:notice_list": [Case(frozenset({AUTHENTICATED}))],
    "api:notice_mine": [Case(frozenset({AUTHENTICATED}))],
    "api:notice_create": [
        Case(
            NOTICE_AUTHORS,
            "POST",
            body=lambda fx: {
                "kind": "water_cut",
                "title": "停水通知",
                "body": "明日停水",
                "target_level": "building",
                "target_id": fx.w.building.pk,
            },
            ok=(201,),
            names_a=True,
        )
    ],
    "api:notice_read": [Case(NOTICE_READERS, args=api_notice("private"))],
    "api:notice_mark_read": [Case(NOTICE_READERS, "POST", args=api_notice("private"))],
    "api:notice_publish": [
        Case(NOTICE_AUTHORS, "POST", args=api_notice("draft"), seen_by=NOTICE_STAFF)
    ],
    "api:notice_withdraw": [
        Case(
            NOTICE_AUTHORS,
            "POST",
            args=api_notice("private"),
            body={"reason": "改期"},
            seen_by=NOTICE_STAFF,
        )
    ],
    "api:notice_pin": [
        Case(
            NOTICE_AUTHORS,
            "POST",
            args=api_notice("private"),
            body={"pinned": True},
            seen_by=NOTICE_STAFF,
        )
    ],
    "api:notice_attach": [
        Case(
            NOTICE_AUTHORS,
            "POST",
            args=api_notice("private"),
            body=lambda fx: {"file": _jpeg()},
            multipart=True,
            ok=(201,),
            seen_by=NOTICE_STAFF,
        )
    ],
    "api:notice_reach": [Case(NOTICE_STAFF, args=api_notice("private"))],
    # --- special campaigns (专项整治): community A's campaign, items at building A ---------
    "web:campaigns": [Case(ALL_STAFF)],
    "web:campaign_new": [
        Case(DISPATCHERS),
        Case(
            DISPATCHERS,
            "POST",
            body=lambda fx: {
                "title": "消防安全专项整治",
                "topic": "fire_safety",
                "area": f"community:{fx.w.community.pk}",
                "starts_on": timezone.localdate().isoformat(),
                "ends_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
                "checklist": "消防通道是否畅通",
            },
            ok=(302,),
            refuse_400=True,
            names_a=True,
        ),
    ],
    "web:campaign_detail": [Case(ALL_STAFF, args=camp("campaign"))],
    "web:campaign_report": [
        Case(ALL_STAFF, args=camp("campaign")),
        Case(
            CAMPAIGN_FINDERS,
            "POST",
            args=camp("campaign"),
            body=lambda fx: {
                "place": f"b:{fx.w.building.pk}",
                "hazard": "flying_wire",
                "severity": "high",
                "photo": _jpeg(),
            },
            multipart=True,
            ok=(302,),
            refuse_400=True,
            seen_by=ALL_STAFF,
        ),
    ],
    "web:campaign_close": [
        Case(DISPATCHERS, "POST", args=camp("campaign"), ok=(302,), seen_by=ALL_STAFF)
    ],
    "web:campaign_item": [Case(ALL_STAFF, args=camp("found"))],
    "web:campaign_photo": [
        Case(
            ALL_STAFF,
            args=lambda fx: {
                "pk": fx.campaigns["found"].pk,
                "photo_id": fx.campaigns["photo"].pk,
            },
        )
    ],
    "web:campaign_item_action": [
        _camp_step("assign", "found", CAMPAIGN_INSPECTORS, org=lambda fx: fx.w.company.pk),
        _camp_step("fix", "assigned", CAMPAIGN_FIXERS, photo=lambda fx: _jpeg()),
        _camp_step("verify", "fixed", CAMPAIGN_INSPECTORS, note="复查合格"),
        _camp_step("reject", "fixed", CAMPAIGN_INSPECTORS, reason="仍有飞线"),
        _camp_step("spawn", "found", CAMPAIGN_INSPECTORS),
    ],
    "api:campaign_list": [Case(frozenset({AUTHENTICATED}))],
    "api:campaign_create": [
        Case(
            DISPATCHERS,
            "POST",
            body=lambda fx: {
                "title": "消防安全专项整治",
                "topic": "fire_safety",
                "area_level": "community",
                "area_id": fx.w.community.pk,
                "starts_on": timezone.localdate().isoformat(),
                "ends_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            },
            ok=(201,),
            names_a=True,
        )
    ],
    "api:campaign_read": [Case(ALL_STAFF, args=api_camp("campaign", "campaign_id"))],
    "api:campaign_items": [Case(ALL_STAFF, args=api_camp("campaign", "campaign_id"))],
    "api:campaign_close": [
        Case(DISPATCHERS, "POST", args=api_camp("campaign", "campaign_id"), seen_by=ALL_STAFF)
    ],
    "api:campaign_item_report": [
        Case(
            CAMPAIGN_FINDERS,
            "POST",
            args=api_camp("campaign", "campaign_id"),
            body=lambda fx: {
                "hazard": "flying_wire",
                "severity": "high",
                "building_id": fx.w.building.pk,
                "photos": [_jpeg()],
            },
            multipart=True,
            ok=(201,),
            seen_by=ALL_STAFF,
        )
    ],
    "api:campaign_item_from_request": [
        Case(
            CAMPAIGN_FINDERS - {Role.UNIT_STAFF},
            "POST",
            args=api_camp("campaign", "campaign_id"),
            body=lambda fx: {
                "request_id": fx.requests["dispatched"].pk,
                "hazard": "blocked_fire_lane",
                "severity": "high",
            },
            ok=(201,),
            seen_by=ALL_STAFF,
        )
    ],
    "api:campaign_item_read": [Case(ALL_STAFF, args=api_camp("found", "item_id"))],
    "api:campaign_item_assign": [
        Case(
            CAMPAIGN_INSPECTORS,
            "POST",
            args=api_camp("found", "item_id"),
            body=lambda fx: {"org_id": fx.w.company.pk},
            seen_by=ALL_STAFF,
        )
    ],
    "api:campaign_item_fix": [
        Case(
            CAMPAIGN_FIXERS,
            "POST",
            args=api_camp("assigned", "item_id"),
            body=lambda fx: {"photo": _jpeg()},
            multipart=True,
            seen_by=ALL_STAFF,
        )
    ],
    "api:campaign_item_verify": [
        Case(CAMPAIGN_INSPECTORS, "POST", args=api_camp("fixed", "item_id"), seen_by=ALL_STAFF)
    ],
    "api:campaign_item_reject": [
        Case(
            CAMPAIGN_INSPECTORS,
            "POST",
            args=api_camp("fixed", "item_id"),
            body={"reason": "仍有飞线"},
            seen_by=ALL_STAFF,
        )
    ],
    "api:campaign_item_spawn": [
        Case(
            CAMPAIGN_INSPECTORS,
            "POST",
            args=api_camp("found", "item_id"),
            ok=(201,),
            seen_by=ALL_STAFF,
        )
    ],
    # --- owners' votes (业主表决): a vote of compound A, where the resident owns a unit ---
    "api:vote_list": [Case(frozenset({AUTHENTICATED}))],
    "api:vote_create": [
        Case(
            DISPATCHERS,
            "POST",
            body=lambda fx: {"compound_id": fx.w.compound.pk, "item": 4, "title": "续聘物业"},
            ok=(201,),
            names_a=True,
            refuse_400=True,  # a compound not the user's: 400 as an unknown one
        )
    ],
    "api:vote_detail": [
        Case(VOTE_VIEWERS, args=api_vote("open")),
        Case(DISPATCHERS, args=api_vote("draft"), label="a draft: its organisers only"),
    ],
    "api:vote_open": [Case(DISPATCHERS, "POST", args=api_vote("draft"))],
    "api:vote_close": [Case(DISPATCHERS, "POST", args=api_vote("open"), seen_by=VOTE_VIEWERS)],
    "api:vote_publish": [Case(DISPATCHERS, "POST", args=api_vote("closed"), seen_by=VOTE_VIEWERS)],
    "api:vote_cancel": [Case(DISPATCHERS, "POST", args=api_vote("open"), seen_by=VOTE_VIEWERS)],
    "api:vote_cast": [
        Case(
            RESIDENT,
            "POST",
            args=api_vote("open"),
            body=lambda fx: {"ballots": [{"unit_id": fx.w.unit.pk, "choice": "agree"}]},
            ok=(201,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "api:vote_mine": [Case(VOTE_VIEWERS, args=api_vote("open"))],
    # How someone voted: the organisers, each read logged with its reason.
    "api:vote_ballots": [
        Case(DISPATCHERS, args=api_vote("open"), query="?reason=核对纸质选票", seen_by=VOTE_VIEWERS)
    ],
    "api:vote_paper_ballot": [
        Case(
            DISPATCHERS,
            "POST",
            args=api_vote("open"),
            body=lambda fx: {"unit_id": fx.w.unit.pk, "choice": "agree", "document": _pdf()},
            multipart=True,
            ok=(201,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "api:vote_proxy_register": [
        Case(
            DISPATCHERS,
            "POST",
            args=api_vote("open"),
            body=lambda fx: {
                "unit_id": fx.w.unit.pk,
                "proxy_user_id": fx.w.users["nobody"].pk,
                "document": _pdf(),
            },
            multipart=True,
            ok=(201,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "api:vote_import": [
        Case(
            DISPATCHERS,
            "POST",
            args=api_vote("open"),
            body=lambda fx: {"file": _ballot_sheet(fx), "document": _pdf()},
            multipart=True,
            ok=(201,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "api:vote_import_template": [Case(DISPATCHERS, args=api_vote("open"), seen_by=VOTE_VIEWERS)],
    # Who took part, never how: the organisers and the owners' committee.
    # The resident chairs compound A's owners' committee in this world (the fees
    # fixtures make them 主任, for the disclosure's signature): committee members see
    # who took part, never how.
    "api:vote_participants": [
        Case(DISPATCHERS | RESIDENT, args=api_vote("open"), seen_by=VOTE_VIEWERS)
    ],
    "api:vote_result": [Case(frozenset({PUBLIC}), args=api_vote("published"), scoped=False)],
    "web:vote_list": [Case(EVERY_ROLE)],
    "web:vote_new": [
        Case(DISPATCHERS),
        Case(
            DISPATCHERS,
            "POST",
            body=lambda fx: {"compound": fx.w.compound.pk, "item": 4, "title": "续聘", "days": 7},
            ok=(302,),
            names_a=True,
            refuse_400=True,  # a compound not offered: 400 as an unknown one
        ),
    ],
    "web:vote_detail": [
        Case(VOTE_VIEWERS, args=web_vote("open")),
        Case(DISPATCHERS, args=web_vote("draft"), label="a draft"),
    ],
    "web:vote_cast": [
        Case(
            RESIDENT,
            "POST",
            args=web_vote("open"),
            body=lambda fx: {"unit": fx.w.unit.pk, "choice": "agree"},
            ok=(302,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "web:vote_action": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"pk": fx.votes["open"].pk, "action": "close"},
            ok=(302,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "web:vote_paper": [
        Case(
            DISPATCHERS,
            "POST",
            args=web_vote("open"),
            body=lambda fx: {"unit": fx.w.unit.pk, "choice": "agree", "document": _pdf()},
            multipart=True,
            ok=(302,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "web:vote_import": [
        Case(
            DISPATCHERS,
            "POST",
            args=web_vote("open"),
            body=lambda fx: {"file": _ballot_sheet(fx), "document": _pdf()},
            multipart=True,
            ok=(302,),
            seen_by=VOTE_VIEWERS,
        )
    ],
    "web:vote_template": [Case(DISPATCHERS, args=web_vote("open"), seen_by=VOTE_VIEWERS)],
    "web:vote_result": [Case(frozenset({PUBLIC}), args=web_vote("published"), scoped=False)],
    # --- mediation and petitions (redprop/mediation) ---------------------------------------
    "mediation:case_list": [Case(EVERY_ROLE)],
    "mediation:case_detail": [Case(MED_VIEWERS, args=_case("registered"))],
    "mediation:intake": [
        Case(MED_SUPERVISORS),
        Case(
            MED_SUPERVISORS,
            "POST",
            body=lambda fx: {
                "kind": "petition",
                "source": "walk_in",
                "dispute_type": "parking",
                "compound": fx.w.compound.pk,
                "applicant": fx.w.resident.pk,
                "title": "车位被占用",
            },
            ok=(302,),
            names_a=True,
            refuse_400=True,  # a compound or person not offered to the user: 400
            label="register a petition in compound A",
        ),
    ],
    "mediation:from_request": [
        Case(
            DISPATCHERS,
            "POST",
            args=req("dispatched"),
            ok=(302,),
        )
    ],
    "mediation:case_action": [
        _med_page("accept", "registered", MED_SUPERVISORS, note="受理"),
        _med_page("decline", "registered", MED_SUPERVISORS, reason=REASON),
        _med_page("assign", "registered", MED_SUPERVISORS, kind="lawyer", name="张律师"),
        _med_page("withdraw", "registered", MED_SUPERVISORS | {Role.RESIDENT}, reason=REASON),
        _med_page(
            "session",
            "accepted",
            MED_SUPERVISORS,
            held_at=lambda fx: _now_local(),
            place="议事厅",
            attendance="双方",
            notes="记录",
        ),
        _med_page("extend", "accepted", MED_SUPERVISORS, days=30, reason=REASON),
        _med_page("answer", "accepted", MED_SUPERVISORS, text="答复意见"),
        _med_page("refer", "accepted", MED_SUPERVISORS, to="court", note=REASON),
        _med_page("agree", "mediating", MED_SUPERVISORS, text="协议", follow_up_on=_today()),
        _med_page(
            "sign",
            "agreed",
            MED_SUPERVISORS,
            party=lambda fx: fx.cases["agreed"].parties.first().pk,
            file=lambda fx: _jpeg(),
        ),
        _med_page("follow_up", "agreed", MED_SUPERVISORS, kept="yes", note="已履行"),
        _med_page("rate", "answered", MED_PARTIES, score=5),
    ],
    "api:case_list": [Case(frozenset({AUTHENTICATED}))],
    "api:case_create": [
        Case(
            MED_SUPERVISORS,
            "POST",
            body=lambda fx: {
                "kind": "petition",
                "source": "hotline",
                "title": "噪音扰民",
                "compound_id": fx.w.compound.pk,
                "parties": [{"kind": "resident", "person_id": fx.w.resident.pk}],
            },
            ok=(201,),
            names_a=True,
            refuse_400=True,  # a place or person not the user's: 400 as an unknown one
        )
    ],
    "api:case_from_request": [
        Case(
            DISPATCHERS,
            "POST",
            args=api_req("dispatched"),
            body={"dispute_type": "seepage"},
            ok=(201,),
        )
    ],
    "api:case_read": [Case(MED_VIEWERS, args=_api_case("registered"))],
    "api:case_assign": [
        _med_api("registered", MED_SUPERVISORS, {"kind": "lawyer", "name": "张律师"})
    ],
    "api:case_accept": [_med_api("registered", MED_SUPERVISORS, {"note": "受理"})],
    "api:case_decline": [_med_api("registered", MED_SUPERVISORS, {"reason": REASON})],
    "api:case_withdraw": [
        _med_api("registered", MED_SUPERVISORS | {Role.RESIDENT}, {"reason": REASON})
    ],
    "api:case_session": [
        _med_api(
            "accepted",
            MED_SUPERVISORS,
            lambda fx: {
                "held_at": timezone.now().isoformat(),
                "place": "议事厅",
                "attendance": "双方",
                "notes": "记录",
            },
        )
    ],
    "api:case_extend": [_med_api("accepted", MED_SUPERVISORS, {"days": 30, "reason": REASON})],
    "api:case_answer": [_med_api("accepted", MED_SUPERVISORS, {"text": "答复意见"})],
    "api:case_refer": [_med_api("accepted", MED_SUPERVISORS, {"to": "court", "note": REASON})],
    "api:case_agree": [
        _med_api(
            "mediating", MED_SUPERVISORS, lambda fx: {"text": "协议", "follow_up_on": _today()}
        )
    ],
    "api:case_sign": [
        _med_api(
            "agreed",
            MED_SUPERVISORS,
            lambda fx: {"party_id": fx.cases["agreed"].parties.first().pk, "file": _jpeg()},
            multipart=True,
        )
    ],
    "api:case_follow_up": [_med_api("agreed", MED_SUPERVISORS, {"kept": True, "note": "已履行"})],
    "api:case_rate": [_med_api("answered", MED_PARTIES, {"score": 5})],
    # Counts of the user's own region (siblings: their own, empty); not for parties.
    "api:case_counts": [Case(MED_SUPERVISORS)],
    # --- the admin's own pages ------------------------------------------------------------
    "admin:index": [Case(ADMIN_STAFF)],
    "admin:login": [Case(frozenset({PUBLIC}), ok=(200, 302))],
    # --- 星级评定 (docs/subsystems/ratings.md): the viewers read; each stage's scorer acts.
    "web:ratings": [Case(RATING_VIEWERS)],
    "web:ratings_public": [Case(frozenset({PUBLIC}), scoped=False)],
    "web:ratings_cycle_open": [
        Case(
            POLICY_EDITORS,
            "POST",
            body=lambda fx: {"city": fx.w.city.pk, "year": 2031},
            ok=(302,),
            names_a=True,
        )
    ],
    "web:rating_detail": [Case(RATING_VIEWERS, args=lambda fx: {"pk": fx.rating.pk})],
    "web:rating_scores": [
        Case(
            frozenset({Role.COMPANY_STAFF}),
            "POST",
            args=lambda fx: {"pk": fx.rating.pk},
            body=lambda fx: {f"score_{fx.rating_criterion.code}": "2"},
            ok=(302,),
            seen_by=RATING_VIEWERS,
        )
    ],
    "web:rating_evidence": [
        Case(
            frozenset({Role.COMPANY_STAFF}),
            "POST",
            args=lambda fx: {"pk": fx.rating.pk},
            body=lambda fx: {"note": "制度文件", "link": "/r/1/"},
            ok=(302,),
            seen_by=RATING_VIEWERS,
        )
    ],
    "web:rating_action": [
        Case(
            frozenset({Role.COMPANY_STAFF}),
            "POST",
            args=lambda fx: {"pk": fx.rating.pk, "action": "submit"},
            ok=(302,),
            seen_by=RATING_VIEWERS,
        )
    ],
    "web:rating_evidence_file": [
        Case(RATING_VIEWERS, args=lambda fx: {"pk": fx.rating_evidence.pk})
    ],
    "api:ratings_assessments": [Case(RATING_VIEWERS)],
    "api:ratings_assessment": [
        Case(RATING_VIEWERS, args=lambda fx: {"assessment_id": fx.rating.pk})
    ],
    "api:ratings_scores": [
        Case(
            frozenset({Role.COMPANY_STAFF}),
            "POST",
            args=lambda fx: {"assessment_id": fx.rating.pk},
            body=lambda fx: {"scores": {fx.rating_criterion.code: "2"}},
            seen_by=RATING_VIEWERS,
        )
    ],
    "api:ratings_action": [
        Case(
            frozenset({Role.COMPANY_STAFF}),
            "POST",
            args=lambda fx: {"assessment_id": fx.rating.pk, "action": "submit"},
            body=lambda fx: {},
            seen_by=RATING_VIEWERS,
        )
    ],
    "api:ratings_public_list": [Case(frozenset({PUBLIC}), scoped=False)],
    # --- Open311 GeoReport v2 (docs/api/open311.md) -------------------------------------
    # Reads are public (public fields only); a create needs an api_key, never a session:
    # a logged-in user without a key is refused like anyone (403).
    "open311:discovery": [Case(frozenset({PUBLIC}), args=lambda fx: {"fmt": "json"}, scoped=False)],
    "open311:services": [Case(frozenset({PUBLIC}), args=lambda fx: {"fmt": "xml"}, scoped=False)],
    "open311:service": [
        Case(
            frozenset({PUBLIC}),
            args=lambda fx: {"code": "pipe_dredging", "fmt": "json"},
            scoped=False,
        )
    ],
    "open311:requests": [
        Case(frozenset({PUBLIC}), args=lambda fx: {"fmt": "json"}, scoped=False),
        Case(
            NONE,
            "POST",
            args=lambda fx: {"fmt": "json"},
            body=lambda fx: {
                "service_code": "pipe_dredging",
                "address_id": str(fx.w.unit.pk),
                "description": "下水道堵了",
            },
            scoped=False,
        ),
    ],
    "open311:request": [
        Case(
            frozenset({PUBLIC}),
            args=lambda fx: {"request_id": str(fx.requests["dispatched"].pk), "fmt": "json"},
            scoped=False,
        )
    ],
    "open311:token": [Case(NONE, args=lambda fx: {"token": "0" * 16, "fmt": "json"}, scoped=False)],
    # --- 议事协商 (meetings, docs/subsystems/meetings.md) -----------------------------------
    "meetings:list": [Case(EVERY_ROLE, scoped=False)],
    "meetings:detail": [Case(MEETING_VIEWERS, args=meeting("m_planned"))],
    "meetings:prepare_next": [
        Case(
            DISPATCHERS,
            "POST",
            body=lambda fx: {"community": fx.w.community.pk},
            ok=(302,),
            names_a=True,
        )
    ],
    "meetings:step": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"pk": fx.m_planned.pk, "action": "convene"},
            ok=(302,),
        )
    ],
    "meetings:agenda_build": [Case(DISPATCHERS, "POST", args=meeting("m_planned"), ok=(302,))],
    "meetings:agenda_add": [
        Case(
            DISPATCHERS,
            "POST",
            args=meeting("m_planned"),
            body=lambda fx: {"issue": fx.m_issue2.pk},
            ok=(302,),
        )
    ],
    "meetings:agenda_move": [
        Case(
            DISPATCHERS,
            "POST",
            args=meeting("m_planned"),
            body=lambda fx: {
                "item": str(fx.m_planned.items.values_list("pk", flat=True).last() or 0),
                "dir": "up",
            },
            ok=(302,),
        )
    ],
    "meetings:qr": [Case(DISPATCHERS, args=meeting("m_live"))],
    # Minutes of a meeting not closed yet: its organisers only.
    "meetings:pdf": [Case(DISPATCHERS, args=meeting("m_live"))],
    "meetings:attendance": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"pk": fx.m_live.pk, "participant_id": fx.m_participant.pk},
            body={"present": "1"},
            ok=(302,),
        )
    ],
    "meetings:item_minutes": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"pk": fx.m_item.pk},
            body=lambda fx: {f"m{fx.m_item.pk}-discussion": "居民代表发言"},
            ok=(302,),
        )
    ],
    "meetings:item_resolution": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"pk": fx.m_item.pk},
            body=lambda fx: {
                f"r{fx.m_item.pk}-text": "物业公司两周内清理楼道堆物",
                f"r{fx.m_item.pk}-responsible": fx.w.company.pk,
                f"r{fx.m_item.pk}-deadline": (
                    timezone.localdate() + dt.timedelta(days=14)
                ).isoformat(),
            },
            ok=(302,),
        )
    ],
    # The responsible company reports progress; the organisers too. Viewers may not.
    "meetings:resolution_step": [
        Case(
            DISPATCHERS | {Role.COMPANY_STAFF},
            "POST",
            args=lambda fx: {"pk": fx.m_resolution.pk, "action": "report"},
            body=lambda fx: {f"p{fx.m_resolution.pk}-note": "已订购道闸电机"},
            ok=(302,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    # A resolution launches an owners' vote: the organisers (the vote's too).
    "meetings:resolution_vote": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"pk": fx.m_resolution.pk},
            body=lambda fx: {
                f"v{fx.m_resolution.pk}-item": "9",
                f"v{fx.m_resolution.pk}-title": "矩阵表决",
                f"v{fx.m_resolution.pk}-days": "7",
            },
            ok=(302,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    "meetings:resolution_request": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"pk": fx.m_resolution.pk},
            body=lambda fx: {
                f"s{fx.m_resolution.pk}-category": "pipe_dredging",
                f"s{fx.m_resolution.pk}-description": "按决议疏通3栋下水管道",
            },
            ok=(302,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    "meetings:issue_new": [
        Case(PROPOSERS, scoped=False),
        Case(
            PROPOSERS,
            "POST",
            body=lambda fx: {"place": f"r:{fx.w.community.pk}", "title": "楼道灯不亮"},
            ok=(302,),
            refuse_400=True,
            names_a=True,
        ),
    ],
    "meetings:from_request": [
        Case(DISPATCHERS, "POST", args=req("dispatched"), ok=(302,), seen_by=VIEWERS)
    ],
    # The signed link is the capability: any logged-in user sees the check-in page.
    "meetings:checkin": [Case(EVERY_ROLE, args=checkin_token, scoped=False)],
    "meetings:feeds": [
        Case(EVERY_ROLE, scoped=False),
        Case(EVERY_ROLE, "POST", body={"kind": "person"}, ok=(302,), scoped=False),
    ],
    "meetings:feed_revoke": [
        Case(RESIDENT, "POST", args=lambda fx: {"pk": fx.m_feed.pk}, ok=(302,))
    ],
    "meetings:feed": [
        Case(frozenset({PUBLIC}), args=lambda fx: {"token": fx.m_feed.token}, scoped=False)
    ],
    "api:meetings_series_list": [Case(frozenset({AUTHENTICATED}))],
    "api:meetings_series_create": [
        Case(
            DISPATCHERS,
            "POST",
            body=lambda fx: {"name": "红星社区逢四说事", "community_id": fx.w.community.pk},
            ok=(201,),
            names_a=True,
            refuse_400=True,
        )
    ],
    "api:meetings_series_rule": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"series_id": fx.m_series.pk},
            body={"rule": "FREQ=MONTHLY;BYMONTHDAY=5,15,25"},
            seen_by=SERIES_VIEWERS,
        )
    ],
    "api:meetings_series_occurrences": [
        Case(SERIES_VIEWERS, args=lambda fx: {"series_id": fx.m_series.pk})
    ],
    "api:meetings_series_occurrence_change": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"series_id": fx.m_series.pk, "rule_date": fx.m_later.isoformat()},
            body={"action": "cancel", "reason": "停电检修"},
            seen_by=SERIES_VIEWERS,
        )
    ],
    "api:meetings_meeting_list": [Case(frozenset({AUTHENTICATED}))],
    "api:meetings_meeting_create": [
        Case(
            DISPATCHERS,
            "POST",
            body=lambda fx: {
                "kind": "joint",
                "title": "三方联动联席会议",
                "starts_at": _soon().isoformat(),
                "community_id": fx.w.community.pk,
            },
            ok=(201,),
            names_a=True,
            refuse_400=True,
        )
    ],
    "api:meetings_meeting_counts": [
        Case(frozenset({AUTHENTICATED}), query="?year=" + str(timezone.localdate().year))
    ],
    "api:meetings_issue_list": [Case(frozenset({AUTHENTICATED}))],
    "api:meetings_issue_create": [
        Case(
            PROPOSERS,
            "POST",
            body=lambda fx: {"title": "楼道灯不亮", "community_id": fx.w.community.pk},
            ok=(201,),
            names_a=True,
            refuse_400=True,
        )
    ],
    "api:meetings_issue_merge": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"issue_id": fx.m_issue2.pk},
            body=lambda fx: {"into_id": fx.m_issue.pk},
            seen_by=ISSUE_VIEWERS,
        )
    ],
    "api:meetings_request_to_meeting": [
        Case(DISPATCHERS, "POST", args=api_req("dispatched"), ok=(201,), seen_by=VIEWERS)
    ],
    # Only a resident of the community, with the live link, signs in.
    "api:meetings_checkin": [
        Case(
            RESIDENT,
            "POST",
            body=lambda fx: {"token": checkin_token(fx)["token"]},
            names_a=True,
        )
    ],
    "api:meetings_feed_list": [Case(frozenset({AUTHENTICATED}))],
    "api:meetings_feed_create": [
        Case(frozenset({AUTHENTICATED}), "POST", body={"kind": "person"}, ok=(201,), scoped=False)
    ],
    "api:meetings_feed_revoke": [
        Case(RESIDENT, "POST", args=lambda fx: {"feed_id": fx.m_feed.pk}, ok=(204,))
    ],
    "api:meetings_meeting_read": [Case(MEETING_VIEWERS, args=api_meeting("m_planned"))],
    "api:meetings_meeting_step": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"meeting_id": fx.m_planned.pk, "action": "convene"},
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_agenda_build": [
        Case(DISPATCHERS, "POST", args=api_meeting("m_planned"), seen_by=MEETING_VIEWERS)
    ],
    "api:meetings_agenda_add": [
        Case(
            DISPATCHERS,
            "POST",
            args=api_meeting("m_planned"),
            body=lambda fx: {"issue_id": fx.m_issue2.pk},
            ok=(201,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_invite": [
        Case(
            DISPATCHERS,
            "POST",
            args=api_meeting("m_live"),
            body=lambda fx: {"person_id": fx.w.resident.pk},
            ok=(201,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_checkin_link": [
        Case(DISPATCHERS, args=api_meeting("m_live"), seen_by=MEETING_VIEWERS)
    ],
    "api:meetings_attendance": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"meeting_id": fx.m_live.pk, "participant_id": fx.m_participant.pk},
            body={"present": True},
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_item_minutes": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"item_id": fx.m_item.pk},
            body={"discussion": "居民代表发言"},
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_item_resolution": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"item_id": fx.m_item.pk},
            body=lambda fx: {
                "text": "物业公司两周内清理楼道堆物",
                "deadline": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
                "responsible_org_id": fx.w.company.pk,
            },
            ok=(201,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_resolution_step": [
        Case(
            DISPATCHERS | {Role.COMPANY_STAFF},
            "POST",
            args=lambda fx: {"resolution_id": fx.m_resolution.pk, "action": "report"},
            body={"note": "已订购道闸电机"},
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_resolution_vote": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"resolution_id": fx.m_resolution.pk},
            body={"item": 9, "title": "矩阵表决", "days": 7},
            ok=(201,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    "api:meetings_resolution_request": [
        Case(
            DISPATCHERS,
            "POST",
            args=lambda fx: {"resolution_id": fx.m_resolution.pk},
            body={"category": "pipe_dredging", "description": "按联席会议决议疏通主排水管"},
            ok=(201,),
            seen_by=MEETING_VIEWERS,
        )
    ],
    "admin:logout": [Case(ADMIN_STAFF, "POST", logs_out=True)],
    "admin:password_change": [Case(ADMIN_STAFF)],
    "admin:password_change_done": [Case(ADMIN_STAFF)],
    "admin:jsi18n": [Case(ADMIN_STAFF)],
    # No admin declares autocomplete_fields: every request is refused.
    "admin:autocomplete": [
        Case(NONE, query="?app_label=people&model_name=person&field_name=person")
    ],
    # No model has get_absolute_url: "view on site" has nothing to show anyone.
    "admin:view_on_site": [
        Case(
            NONE,
            args=lambda fx: {
                "content_type_id": fx.person_ct,
                "object_id": fx.w.resident.pk,
            },
        )
    ],
    "admin:app_list": [
        Case(ADMIN_STAFF, path=lambda fx: "/admin/territory/", label="territory"),
        Case(NONE, path=lambda fx: "/admin/auth/", label="auth (groups)"),
    ],
    "admin:duty_shift_day": [Case(ADMIN_STAFF)],
    "admin:auth_user_password_change": [
        Case(SYSADMIN, args=lambda fx: {"id": fx.w.users[Role.COMMUNITY_STAFF].pk})
    ],
}
# --- fees (redprop/fees, docs/subsystems/fees.md) ------------------------------------------
# The books of compound A: its company keeps them (and the sysadmin), the region desks
# whose scope holds it read them; the household reads its own bills and receipts.
FEE_COLLECTORS = frozenset({Role.COMPANY_STAFF, Role.SYSADMIN})
FEE_READERS = REGION_DESKS | {Role.COMPANY_STAFF}
# In the fixture the resident of unit A sits on compound A's owners' committee: they
# read the draft disclosure and sign it first; the community desk signs for the party.
DISCLOSURE_READERS = FEE_READERS | RESIDENT


def _month(months_ago: int) -> str:
    day = timezone.localdate().replace(day=1)
    for _i in range(months_ago):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return f"{day:%Y-%m}"


def _fee_step(name: str, state: str, allow: frozenset[str], api_route: bool = False) -> Case:
    if api_route:
        return Case(
            allow,
            "POST",
            args=lambda fx: {"disclosure_id": fx.fees[state].pk},
            seen_by=DISCLOSURE_READERS,
            label=name,
        )
    return Case(
        allow,
        "POST",
        args=lambda fx: {"pk": fx.fees[state].pk, "action": name},
        ok=(302,),
        seen_by=DISCLOSURE_READERS,
        label=name,
    )


FEES_TABLE: dict[str, list[Case]] = {
    "fees:home": [Case(FEE_READERS)],
    "fees:my_bills": [Case(RESIDENT)],
    "fees:pay": [
        Case(
            RESIDENT,
            "POST",
            body=lambda fx: {"unit": fx.w.unit.pk},
            ok=(302,),
            names_a=True,
        )
    ],
    "fees:demo_cashier": [Case(RESIDENT, args=lambda fx: {"order_no": fx.fees["order"].order_no})],
    "fees:receipt": [Case(FEE_READERS | RESIDENT, args=lambda fx: {"pk": fx.fees["payment"].pk})],
    "fees:receipt_pdf": [
        Case(FEE_READERS | RESIDENT, args=lambda fx: {"pk": fx.fees["payment"].pk})
    ],
    "fees:window": [
        Case(FEE_COLLECTORS),
        Case(
            FEE_COLLECTORS,
            "POST",
            body=lambda fx: {
                "unit": fx.w.unit.pk,
                "method": "cash",
                "amount": "1.00",
                "reference": "MX-WINDOW-1",
            },
            ok=(302,),
            names_a=True,
            label="take cash for unit A",
        ),
    ],
    "fees:compound": [Case(FEE_READERS, args=lambda fx: {"pk": fx.w.compound.pk})],
    "fees:bill_run": [
        Case(
            FEE_COLLECTORS,
            "POST",
            args=lambda fx: {"pk": fx.w.compound.pk},
            body=lambda fx: {"month": _month(1)},
            ok=(302,),
            seen_by=FEE_READERS,
        )
    ],
    "fees:disclosure_prepare": [
        Case(
            FEE_COLLECTORS,
            "POST",
            args=lambda fx: {"pk": fx.w.compound.pk},
            body=lambda fx: {"month": _month(5)},
            ok=(302,),
            seen_by=FEE_READERS,
        )
    ],
    "fees:export": [
        Case(FEE_READERS, args=lambda fx: {"pk": fx.w.compound.pk, "kind": "gap"}),
    ],
    "fees:disclosure": [Case(DISCLOSURE_READERS, args=lambda fx: {"pk": fx.fees["draft"].pk})],
    "fees:disclosure_pdf": [Case(DISCLOSURE_READERS, args=lambda fx: {"pk": fx.fees["draft"].pk})],
    "fees:disclosure_step": [
        _fee_step("sign_committee", "draft", RESIDENT),
        _fee_step("sign_party", "committee_signed", frozenset({Role.COMMUNITY_STAFF})),
        _fee_step("publish", "party_signed", FEE_COLLECTORS),
    ],
    "api:fees_statement": [Case(FEE_READERS | RESIDENT, args=lambda fx: {"unit_id": fx.w.unit.pk})],
    "api:fees_payment_create": [
        Case(
            FEE_COLLECTORS,
            "POST",
            body=lambda fx: {
                "unit_id": fx.w.unit.pk,
                "method": "bank",
                "amount": "1.00",
                "reference": "MX-BANK-1",
            },
            ok=(201,),
            names_a=True,
        )
    ],
    "api:fees_refund": [
        Case(
            FEE_COLLECTORS,
            "POST",
            args=lambda fx: {"payment_id": fx.fees["payment"].pk},
            body={"amount": "1.00", "reason": "多缴退还"},
            ok=(201,),
            seen_by=FEE_READERS,
        )
    ],
    "api:fees_order_create": [
        Case(RESIDENT, "POST", body=lambda fx: {"unit_id": fx.w.unit.pk}, ok=(201,), names_a=True)
    ],
    # Only a provider's valid signature is accepted: every principal's unsigned call is
    # refused (403, bad_signature).
    "api:fees_provider_callback": [
        Case(NONE, "POST", args=lambda fx: {"provider": "demo"}, body={}, scoped=False)
    ],
    "api:fees_bill_run": [
        Case(
            FEE_COLLECTORS,
            "POST",
            body=lambda fx: {"compound_id": fx.w.compound.pk, "month": _month(1)},
            ok=(202,),
            names_a=True,
        )
    ],
    "api:fees_arrears": [Case(FEE_READERS, args=lambda fx: {"compound_id": fx.w.compound.pk})],
    "api:fees_gap": [Case(FEE_READERS, args=lambda fx: {"compound_id": fx.w.compound.pk})],
    "api:fees_schedule_create": [
        Case(
            FEE_COLLECTORS,
            "POST",
            body=lambda fx: {
                "compound_id": fx.w.compound.pk,
                "charge": "other",
                "name": "垃圾清运费",
                "basis": "per_unit",
                "rate": "5",
                "valid_from": "2026-01-01",
            },
            ok=(201,),
            names_a=True,
        )
    ],
    "api:fees_disclosure_create": [
        Case(
            FEE_COLLECTORS,
            "POST",
            body=lambda fx: {"compound_id": fx.w.compound.pk, "month": _month(6)},
            ok=(201,),
            names_a=True,
        )
    ],
    "api:fees_disclosure": [
        Case(DISCLOSURE_READERS, args=lambda fx: {"disclosure_id": fx.fees["draft"].pk})
    ],
    "api:fees_disclosure_sign_committee": [
        _fee_step("sign_committee", "draft", RESIDENT, api_route=True)
    ],
    "api:fees_disclosure_sign_party": [
        _fee_step("sign_party", "committee_signed", frozenset({Role.COMMUNITY_STAFF}), True)
    ],
    "api:fees_disclosure_publish": [
        _fee_step("publish", "party_signed", FEE_COLLECTORS, api_route=True)
    ],
}
TABLE.update(FEES_TABLE)

# The catch-all of the admin (admin/<anything>) refuses or redirects to login.
CATCH_ALL = "admin/(?P<url>.*)$"
TABLE[CATCH_ALL] = [Case(NONE, path=lambda fx: "/admin/no-such-page/")]


ADMIN_MODELS: dict[str, AdminModel] = {
    # Groups and the task queue: Django superusers only (no role reaches them).
    "auth.group": AdminModel(NONE, lambda fx: fx.group, delete=NONE, scoped=False),
    "django_tasks_database.dbtaskresult": AdminModel(
        NONE, lambda fx: fx.task_result, delete=NONE, scoped=False
    ),
    # The housing bureau supervises: it reads and exports the logs (ADR 0011).
    "core.auditlog": AdminModel(
        SYSADMIN | {Role.HOUSING_BUREAU}, lambda fx: fx.audit_row, delete=NONE, scoped=False
    ),
    # Open311 keys: issued and revoked by the system administrator, never deleted.
    "open311.clientkey": AdminModel(
        SYSADMIN, lambda fx: fx.o311_key, add=SYSADMIN, delete=NONE, scoped=False
    ),
    "open311.serviceattribute": AdminModel(
        ADMIN_STAFF, lambda fx: fx.o311_attribute, add=POLICY_EDITORS, scoped=False
    ),
    "contact.contactrecord": AdminModel(SYSADMIN, lambda fx: fx.contact_row, delete=NONE),
    # django-axes: locks are lifted by the audited action, never deleted.
    "axes.accessattempt": AdminModel(
        SYSADMIN, lambda fx: fx.axes_attempt, delete=NONE, scoped=False
    ),
    "axes.accesslog": AdminModel(SYSADMIN, lambda fx: fx.axes_log, delete=NONE, scoped=False),
    "axes.accessfailurelog": AdminModel(
        SYSADMIN, lambda fx: fx.axes_failure, delete=NONE, scoped=False
    ),
    # Working calendars: every staff member looks, the bureau and the sysadmin edit.
    "calendars.holidaytable": AdminModel(
        ADMIN_STAFF, lambda fx: fx.holiday_table, add=POLICY_EDITORS, scoped=False
    ),
    "calendars.holidayyear": AdminModel(
        ADMIN_STAFF, lambda fx: fx.holiday_year, add=POLICY_EDITORS, scoped=False
    ),
    # The star rating's sheet and thresholds: the bureau's data (no add, no delete).
    "ratings.ratingcycle": AdminModel(
        POLICY_EDITORS, lambda fx: fx.rating_cycle, add=NONE, delete=NONE
    ),
    "ratings.criterion": AdminModel(
        POLICY_EDITORS, lambda fx: fx.rating_criterion, add=NONE, delete=NONE
    ),
    "calendars.workcalendar": AdminModel(
        ADMIN_STAFF, lambda fx: fx.work_calendar, add=POLICY_EDITORS, scoped=False
    ),
    # Deletion requests: decided by the community desk (people editors), never deleted.
    "privacy.erasurerequest": AdminModel(
        frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN}), lambda fx: fx.erasure, delete=NONE
    ),
    "accounts.user": AdminModel(
        SYSADMIN, lambda fx: fx.w.users[Role.COMMUNITY_STAFF], add=SYSADMIN, scoped=False
    ),
    # Tokens are revoked (audited), never deleted: the row stays for the record.
    "accounts.apitoken": AdminModel(
        SYSADMIN, lambda fx: fx.token, add=SYSADMIN, delete=NONE, scoped=False
    ),
    # The lists are filtered by scope; a row opens only when the role's scope contains
    # it (ScopeSet.contains): a company's scope holds its compounds, not the regions,
    # grids and committees around them.
    "territory.region": AdminModel(ADMIN_STAFF, lambda fx: fx.w.community, change=REGION_DESKS),
    "territory.grid": AdminModel(ADMIN_STAFF, lambda fx: fx.w.grid, change=NOT_COMPANY),
    "territory.compound": AdminModel(ADMIN_STAFF, lambda fx: fx.w.compound),
    "territory.building": AdminModel(ADMIN_STAFF, lambda fx: fx.w.building),
    "territory.unit": AdminModel(ADMIN_STAFF, lambda fx: fx.w.unit),
    "people.person": AdminModel(REGION_DESKS, lambda fx: fx.w.resident),
    # Tags are reference data (the catalogue of tags), not a person's data.
    "people.persontag": AdminModel(REGION_DESKS, lambda fx: fx.tag, add=SYSADMIN, scoped=False),
    "people.piiaccesslog": AdminModel(
        SYSADMIN | {Role.HOUSING_BUREAU}, lambda fx: fx.pii_log, delete=NONE
    ),
    # The company is placed at street A: a community desk does not open it.
    "orgs.org": AdminModel(
        ADMIN_STAFF, lambda fx: fx.w.company, change=ADMIN_STAFF - {Role.COMMUNITY_STAFF}
    ),
    "orgs.crossappointment": AdminModel(
        ADMIN_STAFF, lambda fx: fx.cross_appointment, change=NOT_COMPANY
    ),
    "orgs.cobuildingagreement": AdminModel(
        ADMIN_STAFF, lambda fx: fx.agreement, change=NOT_COMPANY
    ),
    "orgs.partyorg": AdminModel(DISPATCHERS, lambda fx: fx.party_org),
    "notifications.outboxmessage": AdminModel(
        SYSADMIN, lambda fx: fx.outbox_row, delete=NONE, scoped=False
    ),
    "notifications.webhookendpoint": AdminModel(
        SYSADMIN, lambda fx: fx.webhook, add=SYSADMIN, scoped=False
    ),
    "notifications.inboxitem": AdminModel(
        SYSADMIN, lambda fx: fx.inbox_item, delete=NONE, scoped=False
    ),
    # Policy as data: every desk reads it, the bureau and the sysadmin edit it.
    "requests.category": AdminModel(
        ADMIN_STAFF, lambda fx: fx.category, add=POLICY_EDITORS, scoped=False
    ),
    "requests.slapolicy": AdminModel(
        ADMIN_STAFF, lambda fx: fx.sla_policy, add=POLICY_EDITORS, delete=NONE, scoped=False
    ),
    "requests.routingrule": AdminModel(
        ADMIN_STAFF, lambda fx: fx.routing_rule, add=POLICY_EDITORS, scoped=False
    ),
    "requests.servicerequest": AdminModel(
        REGION_DESKS | {Role.COMPANY_STAFF}, lambda fx: fx.requests["dispatched"], delete=NONE
    ),
    # Hardship policies are data (not a person's data): desks read, the bureau edits.
    "fees.hardshippolicy": AdminModel(
        ADMIN_STAFF, lambda fx: fx.fees["policy"], add=POLICY_EDITORS, scoped=False
    ),
    # The periods of petitions and disputes: every desk reads, the bureau and the
    # sysadmin edit; never deleted (cases keep their snapshot).
    "mediation.mediationpolicy": AdminModel(
        ADMIN_STAFF, lambda fx: fx.cases["policy"], add=POLICY_EDITORS, delete=NONE, scoped=False
    ),
    "duty.shift": AdminModel(
        ADMIN_STAFF,
        lambda fx: fx.shift,
        add=frozenset({Role.COMPANY_STAFF, Role.SYSADMIN}),
        delete=frozenset({Role.COMPANY_STAFF, Role.SYSADMIN}),
    ),
}

ADMIN_SUFFIXES = ("changelist", "add", "change", "delete", "history")


def admin_cases(label: str, suffix: str) -> list[Case]:
    spec = ADMIN_MODELS[label]
    app, model = label.split(".")
    obj_args: Callable[[Fx], dict[str, Any]] = lambda fx: {"object_id": spec.obj(fx).pk}
    if suffix == "changelist":
        return [Case(spec.view, scoped=spec.scoped)]
    if suffix == "add":
        return [Case(spec.add, scoped=spec.scoped)]
    if suffix == "delete":
        return [Case(spec.delete, args=obj_args, scoped=spec.scoped)]
    if suffix == "redirect":  # admin/<app>/<model>/<id>/ → …/<id>/change/
        return [
            Case(
                ADMIN_STAFF,
                path=lambda fx: f"/admin/{app}/{model}/{spec.obj(fx).pk}/",
                ok=(302,),
                scoped=False,
            )
        ]
    return [Case(spec.change or spec.view, args=obj_args, scoped=spec.scoped)]


# --- the URL walk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # namespaced name, or the route when the pattern has no name
    route: str


def url_patterns() -> Iterator[Pattern]:
    def walk(resolver: URLResolver, prefix: str, ns: str) -> Iterator[Pattern]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}{p.namespace}:" if p.namespace else ns
                yield from walk(p, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                yield Pattern(f"{ns}{p.name}" if p.name else route, route)

    yield from walk(get_resolver(), "", "")


_ADMIN_MODEL_URL = re.compile(
    r"^admin:(?P<label>[a-z_]+?)_(?P<suffix>" + "|".join(ADMIN_SUFFIXES) + ")$"
)


def admin_label(app: str, model: str) -> str:
    return f"{app}.{model}"


def _admin_model_of(pattern: Pattern) -> tuple[str, str] | None:
    """(app.model, suffix) of a ModelAdmin's page, or None."""
    for model in admin_site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        label = f"{app}.{name}"
        for suffix in ADMIN_SUFFIXES:
            if pattern.key == f"admin:{app}_{name}_{suffix}":
                return label, suffix
        if pattern.route == f"admin/{app}/{name}/<path:object_id>/":
            return label, "redirect"
    return None


def cases_for(pattern: Pattern) -> list[Case] | None:
    if pattern.key in TABLE:
        return TABLE[pattern.key]
    found = _admin_model_of(pattern)
    if found is not None and found[0] in ADMIN_MODELS:
        return admin_cases(*found)
    return None


def test_every_url_pattern_has_an_entry() -> None:
    """A URL added without a table entry fails here, with its name."""
    missing = [p.key for p in url_patterns() if cases_for(p) is None]
    assert not missing, "URL patterns without an entry in the permission matrix: " + ", ".join(
        missing
    )
    keys = {p.key for p in url_patterns()}
    stale = [k for k in TABLE if k not in keys]
    assert not stale, f"entries for URLs that no longer exist: {stale}"
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin_site._registry}
    assert not registered ^ set(ADMIN_MODELS), registered ^ set(ADMIN_MODELS)


def test_every_api_case_uses_the_operations_method() -> None:
    """The API's patterns share paths: each case must probe its own operation's method."""
    from config.api import api as ninja_api

    methods: dict[str, set[str]] = {}
    for _prefix, router in ninja_api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                name = getattr(op, "url_name", None) or op.view_func.__name__
                methods.setdefault(f"api:{name}", set()).update(op.methods)
    for key, cases in TABLE.items():
        if key in methods:
            for case in cases:
                assert case.method in methods[key], (key, case.method, methods[key])


# --- the fixtures ------------------------------------------------------------------------------


@dataclass
class Fx:
    """Scope A's objects, built once per module through the services."""

    w: World
    requests: dict[str, Any] = field(default_factory=dict)
    photo: Any = None
    inbox_item: Any = None
    export: Any = None
    person_ct: int = 0
    group: Any = None
    task_result: Any = None
    audit_row: Any = None
    token: Any = None
    tag: Any = None
    pii_log: Any = None
    cross_appointment: Any = None
    agreement: Any = None
    party_org: Any = None
    outbox_row: Any = None
    webhook: Any = None
    category: Any = None
    sla_policy: Any = None
    routing_rule: Any = None
    shift: Any = None
    b_request: Any = None  # a request of community B (merge target)
    rating_cycle: Any = None
    rating_criterion: Any = None
    rating: Any = None  # company A's assessment, self-assessed, not submitted
    rating_evidence: Any = None
    votes: dict[str, Any] = field(default_factory=dict)
    cases: dict[str, Any] = field(default_factory=dict)  # mediation cases of scope A
    notices: dict[str, Any] = field(default_factory=dict)
    notice_file: Any = None
    campaigns: dict[str, Any] = field(default_factory=dict)
    fees: dict[str, Any] = field(default_factory=dict)
    # 议事协商: a series, a planned and a live meeting, issues, an item, a resolution.
    m_series: Any = None
    m_later: Any = None  # a rule date of the series, its meeting not made yet
    m_planned: Any = None
    m_live: Any = None
    m_issue: Any = None
    m_issue2: Any = None
    m_item: Any = None
    m_resolution: Any = None
    m_participant: Any = None
    m_feed: Any = None
    # Objects the apps' own matrix modules build (matrix_base): fx.extra[app][name].
    extra: dict[str, Any] = field(default_factory=dict)


def build_fx() -> Fx:
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django_tasks_db.models import DBTaskResult, get_date_max

    from redprop.accounts.models import ApiToken
    from redprop.accounts.services import token_create
    from redprop.core.models import AuditLog
    from redprop.dashboards.exports import report_export_run
    from redprop.dashboards.services import report_export_request
    from redprop.duty.services import shift_create
    from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint
    from redprop.notifications.services import outbox_sweep
    from redprop.orgs.services import agreement_create, cross_appoint, party_committee_create
    from redprop.people.models import Person, PersonTag, PiiAccessLog
    from redprop.people.services import person_reveal
    from redprop.requests import services as rs
    from redprop.requests.models import Category, RoutingRule, SlaPolicy

    w = build_siblings(build_world())
    u = w.users
    fx = Fx(w)
    pipe = Category.objects.get(code="pipe_dredging")

    def filed(tag: str, by: str = Role.RESIDENT, **place: Any) -> Any:
        return rs.request_file(
            acting_user=u[by],
            category=pipe,
            description=f"厨房下水道堵塞，污水倒灌 MXA-{tag}",
            **(place or {"unit": w.unit}),
        )

    def dispatched(tag: str) -> Any:
        return rs.request_dispatch(
            request=filed(tag), org=w.company, acting_user=u[Role.COMMUNITY_STAFF]
        )

    def accepted(tag: str) -> Any:
        return rs.request_accept(request=dispatched(tag), acting_user=u[Role.MAINTENANCE_WORKER])

    worker = u[Role.MAINTENANCE_WORKER]
    fx.requests["submitted"] = filed("submitted")
    fx.requests["dispatched"] = dispatched("dispatched")
    fx.requests["accepted"] = accepted("accepted")
    fx.requests["plan_required"] = rs.request_require_plan(
        request=accepted("plan"), reason=REASON, acting_user=worker
    )
    fx.requests["waiting"] = rs.request_pause(
        request=accepted("waiting"), reason=REASON, acting_user=worker
    )
    fx.requests["resolved"] = rs.request_resolve(
        request=accepted("resolved"), note="已疏通", acting_user=worker
    )
    fx.requests["patrol"] = filed("patrol", by=Role.GRID_BUTLER, building=w.building)
    expected = {
        "submitted": "submitted",
        "dispatched": "dispatched",
        "accepted": "accepted",
        "plan_required": "plan_required",
        "waiting": "waiting_on_resident",
        "resolved": "resolved",
        "patrol": "submitted",
    }
    for name, status in expected.items():
        fx.requests[name].refresh_from_db()
        assert fx.requests[name].status == status, (name, fx.requests[name].status)
    fx.b_request = rs.request_file(
        acting_user=w.siblings[Role.RESIDENT],
        category=pipe,
        description="厨房下水道堵塞，污水倒灌",
        unit=w.unit_b,
    )
    fx.photo = rs.photo_add(
        request=fx.requests["dispatched"], upload=_jpeg(), kind="before", acting_user=u["resident"]
    )
    outbox_sweep()
    fx.inbox_item = InboxItem.objects.filter(user=worker).exclude(link="").order_by("pk").first()
    assert fx.inbox_item is not None
    export = report_export_request(
        node_id=w.community.pk,
        month=timezone.localdate().replace(day=1),
        fmt="xlsx",
        acting_user=u[Role.COMMUNITY_STAFF],
    )
    assert report_export_run(export_id=export.pk) == "done"
    export.refresh_from_db()
    fx.export = export
    fx.person_ct = ContentType.objects.get_for_model(Person).pk
    fx.group = Group.objects.create(name="矩阵测试组")
    # The test settings run tasks in process: one row as the database queue keeps it.
    fx.task_result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"export_id": export.pk}},
        task_path="redprop.dashboards.tasks.build_report_export",
        backend_name="default",
        queue_name="default",
        run_after=get_date_max(),
        exception_class_path="",
        traceback="",
    )
    fx.audit_row = AuditLog.objects.order_by("pk").first()
    token_create(user=u[Role.COMMUNITY_STAFF], name="matrix", acting_user=u[Role.SYSADMIN])
    fx.token = ApiToken.objects.order_by("-pk").first()
    fx.tag = PersonTag.objects.order_by("pk").first()
    person_reveal(
        person=w.resident,
        field="mobile",
        reason="上门维修需联系住户",
        acting_user=u[Role.COMMUNITY_STAFF],
        context="test",
    )
    fx.pii_log = PiiAccessLog.objects.order_by("-pk").first()
    committee = w.company.__class__.objects.get(name="红星社区居委会")
    fx.cross_appointment = cross_appoint(
        person=w.resident,
        home_org=w.company,
        seat_org=committee,
        position="兼职委员",
        acting_user=u[Role.SYSADMIN],
    )
    fx.agreement = agreement_create(
        org=w.water,
        community=w.community,
        title="供水共建协议",
        signed_on=timezone.localdate(),
        acting_user=u[Role.SYSADMIN],
    )
    fx.party_org = party_committee_create(
        community=w.community, name="红星社区党委", acting_user=u[Role.SYSADMIN]
    )
    fx.outbox_row = OutboxMessage.objects.order_by("pk").first()
    fx.webhook = WebhookEndpoint.objects.create(
        name="矩阵", url="https://example.invalid/hook", org=w.company
    )
    fx.category = pipe
    fx.sla_policy = SlaPolicy.objects.order_by("pk").first()
    fx.routing_rule = RoutingRule.objects.order_by("pk").first() or RoutingRule.objects.create(
        category=pipe, region=w.community, org=w.company
    )
    fx.shift = shift_create(
        org=w.company,
        user=u[Role.COMPANY_STAFF],
        place=w.grid,
        starts_at=dt.time(8),
        ends_at=dt.time(17),
        acting_user=u[Role.SYSADMIN],
    )
    from redprop.contact.models import ContactRecord
    from redprop.contact.services import contact_reporter
    from redprop.open311.models import ServiceAttribute
    from redprop.open311.services import key_issue

    fx.o311_key, _raw = key_issue(name="矩阵热线", region=w.street, acting_user=u[Role.SYSADMIN])
    fx.o311_attribute = ServiceAttribute.objects.create(
        category=pipe, code="floor", datatype="string", description="楼层"
    )
    contact_reporter(request=fx.requests["accepted"], acting_user=worker)
    fx.contact_row = ContactRecord.objects.order_by("-pk").first()
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from redprop.calendars.models import HolidayTable, HolidayYear, WorkCalendar
    from redprop.privacy.models import ErasureRequest
    from redprop.privacy.services import erasure_request_create, erasure_request_reject

    axes_row = {"user_agent": "matrix", "ip_address": "10.9.8.7", "username": "nobody-here"}
    fx.axes_attempt = AccessAttempt.objects.create(
        **axes_row,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
        failures_since_start=1,
    )
    fx.axes_log = AccessLog.objects.create(**axes_row, http_accept="", path_info="/login/")
    fx.axes_failure = AccessFailureLog.objects.create(
        **axes_row, http_accept="", path_info="/login/", locked_out=False
    )
    fx.holiday_table = HolidayTable.objects.order_by("pk").first()
    fx.holiday_year = HolidayYear.objects.order_by("pk").first()
    fx.work_calendar = WorkCalendar.objects.order_by("pk").first()
    erasure_request_create(reason="矩阵", acting_user=u[Role.RESIDENT])
    fx.erasure = ErasureRequest.objects.order_by("-pk").first()
    # Decided, so the resident's own probe of /my/data/erase/ may ask again.
    erasure_request_reject(erasure=fx.erasure, note="矩阵测试", acting_user=u[Role.COMMUNITY_STAFF])
    build_meetings(fx)
    _build_fees(fx)
    _build_notices(fx)
    _build_campaigns(fx)
    _build_ratings(fx)
    # Owners' votes of compound A (the resident owns w.unit there).
    from redprop.votes import services as vs

    organiser = u[Role.COMMUNITY_STAFF]
    fx.votes["draft"] = vs.vote_create(
        acting_user=organiser, scope=w.compound, item=4, title="矩阵草稿"
    )
    for name in ("open", "closed", "published"):
        fx.votes[name] = vs.open_vote(organiser, scope=w.compound, item=6, title=f"矩阵{name}")
    vs.ballot_cast(
        vote=fx.votes["open"], acting_user=u[Role.RESIDENT], ballots=[(w.unit.pk, "agree")]
    )
    for name in ("closed", "published"):
        vs.vote_close(vote=fx.votes[name], acting_user=organiser)
    vs.vote_publish(vote=fx.votes["published"], acting_user=organiser)
    from redprop.mediation.tests.fixtures import build as build_mediation

    fx.cases = build_mediation(w)
    for module in PLUGINS:
        module.build(fx)
    return fx


def _build_ratings(fx: Fx) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from redprop.ratings import services as ratings
    from redprop.ratings.models import Assessment, Criterion

    u = fx.w.users
    fx.rating_cycle = ratings.cycle_open(
        acting_user=u[Role.HOUSING_BUREAU], city_id=fx.w.city.pk, year=2030
    )
    fx.rating = Assessment.objects.get(cycle=fx.rating_cycle, company=fx.w.company)
    typed = Criterion.objects.filter(cycle=fx.rating_cycle, metric="")
    fx.rating_criterion = typed.first()
    ratings.scores_save(
        acting_user=u[Role.COMPANY_STAFF],
        assessment_id=fx.rating.pk,
        scores={c.code: "1" for c in typed},
    )
    fx.rating_evidence = ratings.evidence_add(
        acting_user=u[Role.COMPANY_STAFF],
        assessment_id=fx.rating.pk,
        note="矩阵佐证",
        file=SimpleUploadedFile("e.pdf", b"%PDF-1.4 matrix", content_type="application/pdf"),
    )


def _build_notices(fx: Fx) -> None:
    """Notices to building A (grid A, compound A served by company A): a private one
    published, a public one, a draft; one attachment."""
    from redprop.notices import services as ns

    w, u = fx.w, fx.w.users

    def notice(name: str, **kw: Any) -> Any:
        return ns.notice_create(
            acting_user=u[Role.COMMUNITY_STAFF],
            kind="water_cut",
            title=f"矩阵停水通知 {name}",
            body="明日停水",
            target_level="building",
            target_id=w.building.pk,
            **kw,
        )

    fx.notices["private"] = notice("private", is_public=False, publish=True)
    fx.notices["public"] = notice("public", publish=True)
    fx.notices["draft"] = notice("draft")
    fx.notice_file = ns.notice_attach(
        notice=fx.notices["private"], upload=_jpeg(), acting_user=u[Role.COMMUNITY_STAFF]
    )


def _build_campaigns(fx: Fx) -> None:
    try:
        from redprop.campaigns.tests.matrix import build
    except ImportError:  # pragma: no cover - the campaigns app ships its own builder
        return
    build(fx)


def _build_fees(fx: Fx) -> None:
    """Compound A's books: a schedule, this month's bills, a cash payment, an online
    order, and disclosures in each state of their workflow."""
    from redprop.fees import disclosure as ds
    from redprop.fees import services as fs
    from redprop.fees.ledger import parse_month
    from redprop.fees.models import HardshipPolicy
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.services import org_add_member, org_create

    w, u = fx.w, fx.w.users
    staff = u[Role.COMPANY_STAFF]
    fs.schedule_create(
        compound=w.compound,
        charge="property",
        name="物业服务费",
        basis="floor_area",
        rate="0.45",
        valid_from=dt.date(2026, 1, 1),
        acting_user=staff,
    )
    run = fs.bill_run_request(compound=w.compound, period=parse_month(_month(0)), acting_user=staff)
    fs.bill_run_execute(run_id=run.pk)
    fx.fees["payment"] = fs.payment_record(
        unit=w.unit, method="cash", amount=500, reference="MX-CASH-0", acting_user=staff
    )
    fx.fees["order"] = fs.order_create(unit=w.unit, acting_user=u[Role.RESIDENT])
    committee = org_create(
        kind=OrgKind.OWNERS_COMMITTEE,
        name="幸福小区业主委员会",
        compound=w.compound,
        place=w.compound,
        acting_user=None,
    )
    org_add_member(org=committee, person=w.resident, position="主任", acting_user=None)
    for state, ago in (("draft", 2), ("committee_signed", 3), ("party_signed", 4)):
        d = ds.disclosure_prepare(
            compound=w.compound, period=parse_month(_month(ago)), acting_user=staff
        )
        if state != "draft":
            d = ds.disclosure_sign_committee(disclosure=d, acting_user=u[Role.RESIDENT])
        if state == "party_signed":
            d = ds.disclosure_sign_party(disclosure=d, acting_user=u[Role.COMMUNITY_STAFF])
        fx.fees[state] = d
    fx.fees["policy"] = HardshipPolicy.objects.create(
        code="dibao", name="低保户减免", tag_code="low_income", percent="50"
    )


def build_meetings(fx: Fx) -> None:
    """Community A's 逢四说事 (a planned meeting with an issue on its agenda, another
    collected) and a joint meeting in progress (an item, a resolution of company A)."""
    from redprop.meetings import recurrence, selectors
    from redprop.meetings import services as ms
    from redprop.meetings.models import Participant

    w, u = fx.w, fx.w.users
    desk, resident = u[Role.COMMUNITY_STAFF], u[Role.RESIDENT]
    fx.m_series = ms.series_create(
        community=w.community,
        name="红星社区逢四说事",
        convener=desk,
        acting_user=desk,
        invited_orgs=[w.company, w.water],
        invited_people=[w.resident],
    )
    fx.m_issue = ms.issue_propose(place=w.compound, title="南门道闸损坏", acting_user=resident)
    fx.m_issue2 = ms.issue_propose(place=w.compound, title="楼道堆物", acting_user=resident)
    fx.m_planned = ms.next_meeting(community=w.community)
    ms.agenda_add(meeting=fx.m_planned, issue=fx.m_issue, acting_user=desk)
    fx.m_later = recurrence.next_dates(
        fx.m_series.rule, fx.m_series.starts_on, fx.m_planned.occurrence_date, 2
    )[1]
    live = ms.meeting_create(
        place=w.community,
        kind="joint",
        title="三方联动联席会议",
        starts_at=timezone.now(),
        acting_user=desk,
    )
    for org in (w.company, w.water):
        ms.participant_invite(meeting=live, org=org, acting_user=desk)
    ms.participant_invite(meeting=live, person=w.resident, acting_user=desk)
    for title in ("小区加装电梯", "绿化带改停车位"):
        issue = ms.issue_propose(place=w.compound, title=title, acting_user=resident)
        ms.agenda_add(meeting=live, issue=issue, acting_user=desk)
    ms.meeting_convene(meeting=live, acting_user=desk)
    fx.m_live = ms.meeting_start(meeting=live, acting_user=desk)
    first, fx.m_item = selectors.agenda(meeting=live)
    fx.m_resolution = ms.resolution_adopt(
        item=first,
        text="物业公司负责更换南门道闸电机",
        deadline=timezone.localdate() + dt.timedelta(days=10),
        responsible_org=w.company,
        acting_user=desk,
    )
    fx.m_participant = Participant.objects.get(meeting=live, org=w.company)
    fx.m_feed = ms.feed_issue(user=resident, kind="person", acting_user=resident)


@pytest.fixture(scope="module")
def fx(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Fx]:
    """Scope A and its siblings, built once for the module inside a transaction that is
    rolled back at the end (each test runs in a savepoint inside it)."""
    from redprop.core import refdata

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            refdata.clear()
            yield build_fx()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            refdata.clear()


# --- probing -------------------------------------------------------------------------------------

_ROUTE_ARG = re.compile(r"<(?:\w+:)?(\w+)>")
_CSRF = re.compile(rb"[A-Za-z0-9]{32,64}")


def build_path(fx: Fx, pattern: Pattern, case: Case, args: dict[str, Any] | None) -> str:
    if case.path is not None:
        path = case.path(fx)
    elif ":" in pattern.key and not pattern.key.startswith("admin/"):
        path = reverse(pattern.key, kwargs=args or None)
    else:
        path = "/" + _ROUTE_ARG.sub(lambda m: str((args or {})[m.group(1)]), pattern.route)
    query = case.query.format(
        community=fx.w.community.pk, month=timezone.localdate().strftime("%Y-%m")
    )
    return path + query


MISSING_UUID = uuid.UUID("00000000-0000-4000-8000-000000000000")


def _is_id(value: Any) -> bool:
    return isinstance(value, int | uuid.UUID)


def missing_args(args: dict[str, Any]) -> dict[str, Any]:
    """The same arguments with every id replaced by one that does not exist."""
    return {
        k: MISSING if isinstance(v, int) else MISSING_UUID if isinstance(v, uuid.UUID) else v
        for k, v in args.items()
    }


@dataclass
class Answer:
    status: int
    location: str
    body: bytes

    def normalised(self, ids: list[Any]) -> tuple[int, str, bytes]:
        body, location = _CSRF.sub(b"<token>", self.body), self.location
        for i in sorted({str(x) for x in ids}, key=len, reverse=True):
            body = body.replace(i.encode(), b"<id>")
            location = location.replace(i, "<id>")
        return self.status, location, body


def send(client: Client, method: str, path: str, case: Case, fx: Fx) -> Answer:
    body = case.body(fx) if callable(case.body) else case.body
    # A message queued by the previous probe ("… does not exist") would show on this
    # page and not on its missing-id twin: each probe starts without one.
    client.cookies.pop("messages", None)
    with transaction.atomic():
        if method == "GET":
            resp = client.get(path)
        elif path.startswith("/api/") and not case.multipart:
            resp = client.post(path, json.dumps(body or {}), content_type="application/json")
        else:
            resp = client.post(path, body or {})
        transaction.set_rollback(True)
    if getattr(resp, "streaming", False):
        content = b"".join(resp.streaming_content)
    else:
        content = resp.content
    # Not resp.close(): it would fire request_finished, which closes the connection
    # of an open transaction (the test client disconnects that signal itself).
    return Answer(resp.status_code, resp.get("Location", ""), content)


LOGINS = ("/accounts/login/", "/admin/login/")


def refused(answer: Answer, case: Case) -> bool:
    if answer.status in (401, 403, 404) or (case.refuse_400 and answer.status == 400):
        return True
    if case.empty_is_refusal and answer.status == 200 and not answer.body.strip():
        return True
    if answer.status == 302:
        where = answer.location.split("?")[0]
        return where.startswith(LOGINS) or where == "/admin/" or where == (case.refuse_to or "-")
    return False


def may(case: Case, principal: str) -> bool:
    if PUBLIC in case.allow:
        return True
    if principal == "anonymous":
        return False
    if principal == "nobody":
        return AUTHENTICATED in case.allow
    role, _sep, where = principal.partition("@")
    if where and case.scoped and (case.args is not None or case.names_a):
        return False  # the object (in the URL, the query or the body) belongs to scope A
    return role in case.allow or AUTHENTICATED in case.allow


def sees(case: Case, principal: str) -> bool:
    return not principal.endswith(SIBLING) and principal in case.seen_by


def client_for(fx: Fx, principal: str) -> Client:
    client = Client(raise_request_exception=False)
    if principal == "anonymous":
        return client
    if principal == "nobody":
        user = fx.w.users["nobody"]
    elif principal.endswith(SIBLING):
        user = fx.w.siblings[principal.removesuffix(SIBLING)]
    else:
        user = fx.w.users[principal]
    client.force_login(user)
    return client


PROBES: dict[str, int] = {}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_permission_matrix(fx: Fx, principal: str) -> None:
    """Every URL, asked of ``principal``: allowed ones succeed, the rest are refused
    exactly as for a missing object, and nothing of scope A reaches a refusal or a
    sibling."""
    client = client_for(fx, principal)
    # Refusals are logged by django.request with their traceback: thousands of them
    # cost more than the probes. Errors (500s) still fail the probe by their status.
    logging.disable(logging.WARNING)
    try:
        _probe_all(fx, principal, client)
    finally:
        logging.disable(logging.NOTSET)


def _diff(a: Answer, b: Answer, ids: list[Any]) -> list[str]:
    left, right = (x.normalised(ids)[2].decode(errors="replace").splitlines() for x in (a, b))
    return list(difflib.unified_diff(left, right, lineterm=""))[:30]


def _probe_all(fx: Fx, principal: str, client: Client) -> None:
    failures: list[str] = []
    pending: list[str] = []
    probes = twins = 0
    # MATRIX_ONLY=notice,campaign: probe only the patterns whose key holds one of these
    # (a branch's own URLs while it works; the full run probes every one).
    only = [p for p in os.environ.get("MATRIX_ONLY", "").split(",") if p]
    for pattern in url_patterns():
        if only and not any(p in pattern.key for p in only):
            continue
        cases = cases_for(pattern)
        assert cases is not None, pattern.key
        for case in cases:
            args = case.args(fx) if case.args else None
            path = build_path(fx, pattern, case, args)
            answer = send(client, case.method, path, case, fx)
            probes += 1
            if case.logs_out:
                client = client_for(fx, principal)
            allowed = may(case, principal)
            what = f"{case.method} {path} [{pattern.key}{' ' + case.label if case.label else ''}]"
            problem = ""
            if answer.status >= 500 and answer.status not in case.ok:
                problem = f"{what}: {answer.status}"
            elif allowed and answer.status not in case.ok:
                problem = f"{what}: expected {case.ok}, got {answer.status} {answer.location} {answer.body[:200]!r}"
            elif not allowed and not refused(answer, case):
                problem = f"{what}: expected a refusal, got {answer.status} {answer.location}"
            elif (
                (not allowed or principal.endswith(SIBLING))
                and not sees(case, principal)
                and MARKER in answer.body
            ):
                problem = f"{what}: scope A's data in the answer to {principal}"
            elif (
                not allowed
                and args
                and any(_is_id(v) for v in args.values())
                and not sees(case, principal)
            ):
                ghost = send(
                    client,
                    case.method,
                    build_path(fx, pattern, case, missing_args(args)),
                    case,
                    fx,
                )
                twins += 1
                ids = [v for v in args.values() if _is_id(v)] + [MISSING, MISSING_UUID]
                if answer.normalised(ids) != ghost.normalised(ids):
                    if os.environ.get("MATRIX_DIFF"):  # MATRIX_DIFF=1 … -s: show how
                        print(what, *_diff(answer, ghost, ids), sep="\n")
                    problem = (
                        f"{what}: refused, but not like a missing id "
                        f"({answer.status} {answer.location} vs {ghost.status} {ghost.location})"
                    )
            if problem:
                (pending if case.pending else failures).append(
                    f"{problem}{f' (pending {case.pending})' if case.pending else ''}"
                )
    PROBES[principal] = probes
    # Seen with -s: the figures docs/security.md reports.
    print(f"\n[matrix] {principal}: {probes} probes, {twins} missing-id twins")
    if pending:
        print(f"\n{principal}: {len(pending)} pending:\n  " + "\n  ".join(pending))
    assert not failures, f"{principal}: {len(failures)} of {probes} probes wrong:\n" + "\n".join(
        failures
    )


# --- ids inside request bodies -------------------------------------------------------------


def _unit_b(fx: Fx) -> int:
    return fx.w.unit_b.pk


def _submitted(fx: Fx) -> str:
    return f"/api/v1/requests/{fx.requests['submitted'].pk}"


BODY_IDS: list[BodyId] = [
    BodyId(
        "resident",
        lambda fx: "/api/v1/requests",
        lambda fx, i: {"category": "pipe_dredging", "description": "漏水", "unit_id": i},
        _unit_b,
        "file: unit_id of another compound",
    ),
    BodyId(
        "community_staff",
        lambda fx: "/api/v1/requests",
        lambda fx, i: {"category": "pipe_dredging", "description": "漏水", "building_id": i},
        lambda fx: fx.w.building_b.pk,
        "file: building_id of another community",
    ),
    BodyId(
        "grid_butler",
        lambda fx: "/api/v1/requests",
        lambda fx, i: {"category": "pipe_dredging", "description": "漏水", "compound_id": i},
        lambda fx: fx.w.compound_b.pk,
        "file: compound_id of another community",
    ),
    BodyId(
        "community_staff",
        lambda fx: "/api/v1/requests",
        lambda fx, i: {
            "category": "pipe_dredging",
            "description": "漏水",
            "unit_id": fx.w.unit.pk,
            "reporter_id": i,
        },
        lambda fx: fx.w.resident_b.pk,
        "file: reporter_id of another community",
    ),
    BodyId(
        "resident",
        lambda fx: "/api/v1/requests/similar",
        lambda fx, i: {"category": "pipe_dredging", "description": "下水道堵塞", "unit_id": i},
        _unit_b,
        "similar: unit_id of another compound",
    ),
    BodyId(
        "community_staff",
        lambda fx: f"{_submitted(fx)}/dispatch",
        lambda fx, i: {"org_id": i},
        lambda fx: fx.w.company_b.pk,
        "dispatch: org_id of another street's company",
    ),
    BodyId(
        "community_staff",
        lambda fx: f"{_submitted(fx)}/dispatch",
        lambda fx, i: {"org_id": fx.w.company.pk, "assignee_id": i},
        lambda fx: fx.w.siblings[Role.MAINTENANCE_WORKER].pk,
        "dispatch: assignee_id of another grid's company",
    ),
    BodyId(
        "community_staff",
        lambda fx: f"{_submitted(fx)}/merge",
        lambda fx, i: {"into_id": i},
        lambda fx: fx.b_request.pk,
        "merge: into_id of another community",
    ),
    BodyId(
        "community_staff",
        lambda fx: "/api/v1/territory/units",
        lambda fx, i: {"building_id": i, "label": "9栋", "floor_area": "80", "owner_ids": []},
        lambda fx: fx.w.building_b.pk,
        "unit: building_id of another community",
    ),
    BodyId(
        "community_staff",
        lambda fx: "/api/v1/territory/units",
        lambda fx, i: {
            "building_id": fx.w.building.pk,
            "label": "9栋",
            "floor_area": "80",
            "owner_ids": [i],
        },
        lambda fx: fx.w.resident_b.pk,
        "unit: owner_ids of another community",
    ),
    BodyId(
        "community_staff",
        lambda fx: "/api/v1/people",
        lambda fx, i: {"name": "赵新", "unit_id": i},
        _unit_b,
        "person: unit_id of another community",
    ),
    BodyId(
        "community_staff",
        lambda fx: "/api/v1/notifications/inbox/read",
        lambda fx, i: {"ids": [i]},
        lambda fx: fx.inbox_item.pk,
        "inbox: an item of another user",
    ),
    BodyId(
        "community_staff",
        lambda fx: f"/r/{fx.requests['submitted'].pk}/do/dispatch/",
        lambda fx, i: {"dispatch-org": i},
        lambda fx: fx.w.company_b.pk,
        "page dispatch: org of another street",
    ),
    BodyId(
        "community_staff",
        lambda fx: f"/r/{fx.requests['submitted'].pk}/do/dispatch/",
        lambda fx, i: {"dispatch-org": fx.w.company.pk, "dispatch-assignee": i},
        lambda fx: fx.w.siblings[Role.MAINTENANCE_WORKER].pk,
        "page dispatch: assignee of another grid's company",
    ),
    BodyId(
        "community_staff",
        lambda fx: "/reports/",
        lambda fx, i: {
            "node": i,
            "month": timezone.localdate().strftime("%Y-%m"),
            "format": "xlsx",
        },
        lambda fx: fx.w.community_b.pk,
        "report: a community of another street",
    ),
]


# The apps' own matrix modules (matrix_base): their entries join the table.
PLUGINS = plugins()
for _module in PLUGINS:
    _clash = TABLE.keys() & _module.TABLE.keys()
    assert not _clash, f"{_module.__name__} repeats matrix entries: {sorted(_clash)}"
    TABLE.update(_module.TABLE)
    ADMIN_MODELS.update(getattr(_module, "ADMIN_MODELS", {}))
    BODY_IDS.extend(getattr(_module, "BODY_IDS", []))


@pytest.mark.parametrize("case", BODY_IDS, ids=lambda c: c.label)
def test_foreign_ids_in_bodies(fx: Fx, case: BodyId) -> None:
    """A body naming an object of another scope is refused exactly like one naming an
    object that does not exist (status, code, field, message), and writes nothing."""
    from redprop.requests.models import ServiceRequest

    client = client_for(fx, case.principal)
    path = case.path(fx)
    before = ServiceRequest.objects.filter(status="submitted").count()
    foreign_id = case.foreign(fx)
    answers = [
        send(client, "POST", path, Case(NONE, "POST", body=lambda fx, i=i: case.body(fx, i)), fx)
        for i in (foreign_id, MISSING)
    ]
    foreign, missing = (a.normalised([foreign_id, MISSING]) for a in answers)
    assert foreign == missing, (
        case.label,
        answers[0].status,
        answers[0].body[:300],
        answers[1].status,
        answers[1].body[:300],
    )
    assert answers[0].status != 500
    assert ServiceRequest.objects.filter(status="submitted").count() == before
