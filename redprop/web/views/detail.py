"""What a request's page (/r/<id>/) and the console's pane show: the request, its
timeline, and a form for each step the user may take now (``requests.workflow``).

Shared by ``request_pages`` and ``console``, below both, so neither imports the other
back (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from redprop.contact.services import contact_mode
from redprop.requests import permissions, workflow
from redprop.requests.choices import OPEN_STATES
from redprop.requests.models import ServiceRequest
from redprop.web import presenters
from redprop.web.action_forms import ActionForm, action_form

# The order the actions appear in; the first available one of PRIMARY is the big button.
ACTION_ORDER = [
    "accept",
    "arrive",
    "resume",
    "resolve",
    "submit_plan",
    "require_plan",
    "pause",
    "return",
    "rate",
    "reopen",
    "dispatch",
    "merge",
    "escalate",
    "revisit",
    "close",
    "cancel",
]
HANDLER_ACTIONS = [
    "accept",
    "arrive",
    "resume",
    "resolve",
    "submit_plan",
    "require_plan",
    "pause",
    "return",
    "escalate",
]
DISPATCHER_ACTIONS = ["dispatch", "merge", "escalate", "revisit", "reopen", "close", "cancel"]
REPORTER_ACTIONS = ["rate", "reopen", "cancel"]


def _then_the_rest(order: list[str], relationship: str | None = None) -> list[str]:
    """``order``, then the table's other rows (open to ``relationship``), in table order:
    a new row shows on the page without being listed here."""
    rest = [
        name
        for name, row in workflow.WORKFLOW.actions.items()
        if name not in order and (relationship is None or relationship in row.who)
    ]
    return [*order, *rest]


def available_actions(user: Any, obj: ServiceRequest) -> dict[str, set[str]]:
    """The steps ``user`` may take on ``obj`` now, by who they act as (handler,
    dispatcher, reporter): ``workflow.ACTIONS``, the table the services check, so
    the page offers exactly what the services allow. A step open to both the
    dispatcher and the reporter (cancel) is shown once, in the dispatcher's box.
    """
    out: dict[str, set[str]] = {"handler": set(), "dispatcher": set(), "reporter": set()}
    for name, relationships in workflow.available(user, obj).items():
        if "dispatcher" in relationships:
            out["dispatcher"].add(name)
            relationships = relationships - {"reporter"}
        for rel in relationships:
            out[rel].add(name)
    out["handler"] -= out["dispatcher"]  # escalate: the dispatcher's box when both
    return out


def detail_context(
    request: HttpRequest,
    obj: ServiceRequest,
    *,
    bound: ActionForm | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """What the request page and the console pane show, with a form for each step."""
    user: Any = request.user
    events = list(obj.events.all())
    view = permissions.view_of(user, obj)
    public = view == permissions.View.PUBLIC
    by_role = available_actions(user, obj)
    allowed = set().union(*by_role.values())
    forms: dict[str, ActionForm] = {}
    # Read from the table at each page, not at import: the table is the truth.
    handler_order = _then_the_rest(HANDLER_ACTIONS, "handler")
    for name in _then_the_rest(ACTION_ORDER):
        if name not in allowed:
            continue
        if bound is not None and name == action:
            forms[name] = bound
        else:
            forms[name] = action_form(name)(obj=obj, acting_user=user, prefix=name)
    page_errors: list[str] = []
    if bound is not None and action not in forms:
        # The step is no longer possible (someone else acted first): say why at the top.
        page_errors = [str(e) for errors in bound.errors.values() for e in errors]
    photos = list(obj.photos.all())
    primary = next((a for a in handler_order[:4] if a in forms), None)
    handler_forms = [
        (n, forms[n])
        for n in handler_order
        if n in forms and n != primary and n in by_role["handler"]
    ]
    handler_names = {n for n, _form in handler_forms} | {primary}
    return {
        "r": obj,
        "due": presenters.due_of(obj, events=events),
        # A follower sees the unit, not the person handling it nor their phone.
        "contact": presenters.handler_contact(
            obj,
            named=not public,
            show_work_phone=permissions.can_contact_handler(user, obj)
            or (view == permissions.View.STAFF and obj.status in OPEN_STATES),
        ),
        "can_contact_reporter": permissions.can_contact_reporter(user, obj),
        "contact_mode": contact_mode(),
        "contact_result": None,
        "contact_error": "",
        "timeline": list(reversed(presenters.timeline(obj, viewer=user, view=view))),
        "photos_before": [] if public else [p for p in photos if p.kind == "before"],
        "photos_after": [] if public else [p for p in photos if p.kind == "after"],
        "forms": forms,
        "handler_forms": handler_forms,
        "primary": (primary, forms[primary]) if primary else None,
        # A step offered as the handler is not offered again as the dispatcher (escalate):
        # one form per step on the page.
        "dispatcher_forms": [
            (n, forms[n])
            for n in _then_the_rest(DISPATCHER_ACTIONS, "dispatcher")
            if n in by_role["dispatcher"] and n not in handler_names
        ],
        "reporter_forms": [
            (n, forms[n])
            for n in _then_the_rest(REPORTER_ACTIONS, "reporter")
            if n in by_role["reporter"]
        ],
        "bound_action": action if bound is not None else None,
        "page_errors": page_errors,
        "staff_view": view == permissions.View.STAFF,
        "public_view": public,
        "is_reporter": permissions.is_reporter(user, obj),
        "icon": presenters.category_icon(obj.category),
    }
