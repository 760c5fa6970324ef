"""What a reader sees of a request's timeline, by their view (``permissions.View``).

Shared by the API and the pages, so a follower sees the same through both
(docs/adr/0008-follower-view.md):

* staff see every actor by name and every note;
* the reporter sees the staff by their display name (never a login name), other
  residents as "居民", and no other resident's words;
* a follower (the public view) sees what happened and when, the unit that did it,
  the platform's own notes, the unit's result and written plan, and the promised
  dates — no person's name, no other typed words (reasons, dispatch notes, comments).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from redprop.requests.choices import EventKind
from redprop.requests.permissions import View

# Typed notes meant for the public: the handling unit's own account of the work (the
# result, the written plan). The forms ask the unit to keep personal data out of them.
PUBLIC_NOTE_KINDS = frozenset({EventKind.RESOLVED, EventKind.PLAN_SUBMITTED})

# Event data a follower may read: when a plan promises it done, which level the
# clock escalated to, which clock, which request it was merged with.
PUBLIC_EVENT_DATA = frozenset({"resolve_by", "level", "clock", "into", "merged"})


def residents_of(request: Any) -> set[int]:
    """The persons of the reporter and the followers (one query)."""
    ids = {request.reporter_id, *request.followers.values_list("person_id", flat=True)}
    ids.discard(None)
    return ids


class Reader:
    """One reader of one request's timeline."""

    def __init__(self, request: Any, *, view: View, viewer: Any) -> None:
        self.view = view
        self.own_person = getattr(viewer, "person_id", None)
        self.request = request
        self._residents: set[int] | None = None

    def _neighbour(self, actor: Any) -> bool:
        """Another resident of this request (read only when an event has one)."""
        if actor is None or actor.person_id is None or actor.person_id == self.own_person:
            return False
        if self._residents is None:
            self._residents = residents_of(self.request)
        return actor.person_id in self._residents

    def _own(self, actor: Any) -> bool:
        return bool(actor is not None and self.own_person and actor.person_id == self.own_person)

    def actor(self, event: Any) -> str:
        actor = event.actor if event.actor_id else None
        if actor is None:
            return _("系统")
        if self.view == View.STAFF or self._own(actor):
            return str(actor)
        if self._neighbour(actor):
            return _("居民")
        if self.view == View.PUBLIC:
            return _("工作人员")
        return actor.display_name or _("工作人员")

    def shows_note(self, event: Any) -> bool:
        if self.view == View.STAFF:
            return True
        actor = event.actor if event.actor_id else None
        if actor is None or self._own(actor):
            return True
        if self._neighbour(actor):
            return False
        return self.view == View.REPORTER or event.kind in PUBLIC_NOTE_KINDS

    def data(self, event: Any) -> dict[str, Any]:
        data = dict(event.data or {})
        if self.view == View.STAFF:
            return data
        actor = event.actor if event.actor_id else None
        if self.view == View.REPORTER and not self._neighbour(actor):
            return data
        return {k: v for k, v in data.items() if k in PUBLIC_EVENT_DATA}
