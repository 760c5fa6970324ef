"""Every write of stored votes (业主表决), by concern:

- ``electorate``: creating a vote, opening it and freezing its electorate; ``open_vote``
  (create and open in one step: what a meeting's resolution calls);
- ``ballots``: casting from the phone, entering a paper or proxy ballot, registering
  a proxy's written authorisation;
- ``paper_import``: the xlsx template and the import of a batch of paper ballots;
- ``closing``: closing, publishing (``signals.vote_published`` once committed),
  cancelling, and the restricted, logged read of the ballots;
- ``base``: the input limits and the shared checks (imports none of the others).

Each service is atomic: on an error nothing is written. Staff acts leave an audit row
(AuditEvent 741–749); a ballot row is its own trace. Callers import this package:
``services.vote_open``. See docs/subsystems/votes.md and docs/adr/0022-stored-votes.md.
"""

from __future__ import annotations

from redprop.votes.services.ballots import ballot_cast, ballot_enter, proxy_register
from redprop.votes.services.base import (
    DEFAULT_WINDOW,
    DESCRIPTION_MAX,
    MAX_DOCUMENT_BYTES,
    MAX_IMPORT_ROWS,
    MAX_WINDOW,
    NOTE_MAX,
    ORIGIN_MAX,
    PROXY_NAME_MAX,
    TITLE_MAX,
)
from redprop.votes.services.closing import (
    ballot_document,
    ballots_reveal,
    document_link_reason,
    document_link_token,
    vote_cancel,
    vote_close,
    vote_publish,
)
from redprop.votes.services.electorate import (
    freeze_electorate,
    open_vote,
    vote_create,
    vote_open,
)
from redprop.votes.services.paper_import import (
    CHOICE_WORDS,
    TEMPLATE_HEADERS,
    RowError,
    ballots_import,
    import_template,
)
from redprop.votes.signals import vote_published

__all__ = [
    "CHOICE_WORDS",
    "DEFAULT_WINDOW",
    "DESCRIPTION_MAX",
    "MAX_DOCUMENT_BYTES",
    "MAX_IMPORT_ROWS",
    "MAX_WINDOW",
    "NOTE_MAX",
    "ORIGIN_MAX",
    "PROXY_NAME_MAX",
    "TEMPLATE_HEADERS",
    "TITLE_MAX",
    "RowError",
    "ballot_cast",
    "ballot_document",
    "ballot_enter",
    "ballots_import",
    "ballots_reveal",
    "document_link_reason",
    "document_link_token",
    "freeze_electorate",
    "import_template",
    "open_vote",
    "proxy_register",
    "vote_cancel",
    "vote_close",
    "vote_create",
    "vote_open",
    "vote_publish",
    "vote_published",
]
