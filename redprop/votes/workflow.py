"""The vote workflow's actions on ``core.workflow``: draft → open → closed → published,
and cancelled. The services, the API, the pages' buttons and the permission test read
this one table. A ballot leaves the vote in its state (open → open); paper ballots
received in the window may still be entered after it closed (closed → closed)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Action, Workflow, action
from redprop.votes import permissions
from redprop.votes.choices import TRANSITIONS, VoteState
from redprop.votes.errors import VoteError

S = VoteState

RELATIONSHIPS = {
    "organiser": permissions.is_organiser,
    "owner": permissions.is_owner,
    "proxy": permissions.is_proxy,
    "committee": permissions.is_committee,
}

_a = action

WORKFLOW: Workflow[Any] = Workflow(
    "votes",
    [
        _a("open", {S.DRAFT}, {S.OPEN}, organiser=None, verb=_("开始表决")),
        _a(
            "cast",
            {S.OPEN},
            {S.OPEN},
            service="ballot_cast",
            offered_if=lambda v: v.window_open(),
            owner=None,
            proxy=None,
            verb=_("投票"),
        ),
        _a("enter", {S.OPEN}, {S.OPEN}, service="ballot_enter", organiser=None, verb=_("录入选票")),
        # Paper ballots received in the window, entered after it closed.
        _a(
            "enter_received",
            {S.CLOSED},
            {S.CLOSED},
            service="ballot_enter",
            organiser=None,
            verb=_("录入选票"),
        ),
        _a(
            "register_proxy",
            {S.OPEN},
            {S.OPEN},
            service="proxy_register",
            organiser=None,
            verb=_("登记委托"),
        ),
        _a("close", {S.OPEN}, {S.CLOSED}, organiser=None, verb=_("截止表决")),
        _a("publish", {S.CLOSED}, {S.PUBLISHED}, organiser=None, verb=_("公布结果")),
        _a("cancel", {S.DRAFT, S.OPEN}, {S.CANCELLED}, organiser=None, verb=_("取消表决")),
    ],
    RELATIONSHIPS,
    state_field="state",
    states=VoteState,
    transitions=TRANSITIONS,
    is_staff=permissions.is_staff,
    conflict_code=VoteError.INVALID_TRANSITION,
)

ACTIONS: dict[str, Action] = WORKFLOW.actions

# The steps the pages show as buttons (the rest have their own forms).
BUTTONS = ("open", "close", "publish", "cancel")


def available(user: Any, vote: Any) -> dict[str, set[str]]:
    return WORKFLOW.available(user, vote)
