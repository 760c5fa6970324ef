"""Writes of the notification outbox (发件箱) and the inbox (站内信).

Guarantees (tested in ``tests/``):

* ``outbox_enqueue`` and ``outbox_fanout`` write their rows in the caller's
  transaction. A change that rolls back leaves no row and sends nothing; a change
  that commits leaves rows that the relay (``manage.py run_outbox``, which runs
  ``outbox_sweep`` in a loop) delivers, even if the writer dies right after the
  commit. Writers never wait for delivery nor queue anything else.
* A ``FANOUT`` row names an audience (``notifications.audience``); delivering it
  writes one row per recipient and channel, in one transaction with marking it
  delivered, so the expansion happens exactly once.
* ``deliver`` is idempotent. An inbox item is written in the same transaction that
  marks the message delivered, so it appears exactly once. Email, SMS and
  webhooks leave the building after that transaction, so they are delivered at
  least once: a worker killed mid-send is retried, and a webhook receiver dedupes
  on ``X-RedProp-Delivery``.
* A failed try is retried after ``base · 2^(n-1)`` seconds (n = tries so far,
  capped at 6 h); after ``REDPROP_OUTBOX_MAX_ATTEMPTS`` tries the message is a
  dead letter (``dead``) with its last error kept.

Time comes from ``core.clock``, so a simulation runs these services on its own time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_noop

from redprop.accounts.models import User
from redprop.core import clock, rows
from redprop.core.audit import audit, snapshot
from redprop.core.logging import mask_pii_text
from redprop.core.models import AuditEvent
from redprop.notifications import channels
from redprop.notifications.choices import LOCAL_CHANNELS, OPEN_STATES, Channel, OutboxStatus
from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint
from redprop.notifications.texts import Text, as_stored, texts_json

logger = logging.getLogger(__name__)

DEFAULT_SMS_KINDS = ("request.dispatched", "request.deadline_warning", "request.escalated")
DEFAULT_RETRY_BASE_SECONDS = 30
DEFAULT_MAX_ATTEMPTS = 8
MAX_BACKOFF = dt.timedelta(hours=6)
# Territory columns that hold Region ids; grid_id is a Grid id and cannot match a region.
REGION_COLUMNS = ("city_id", "district_id", "street_id", "community_id")
SCOPE_COLUMNS = (*REGION_COLUMNS, "grid_id")
MAX_DEDUPE_KEY_LENGTH = 200
MAX_ERROR_LENGTH = 2000


# --- settings ----------------------------------------------------------------------------


def retry_base_seconds() -> int:
    return int(getattr(settings, "REDPROP_OUTBOX_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS))


def max_attempts() -> int:
    return int(getattr(settings, "REDPROP_OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def sms_kinds() -> frozenset[str]:
    return frozenset(getattr(settings, "REDPROP_SMS_KINDS", DEFAULT_SMS_KINDS))


def backoff(attempt: int) -> dt.timedelta:
    """How long to wait after the ``attempt``-th failed try (1-based): base·2^(attempt-1), ≤ 6 h."""
    seconds = retry_base_seconds() * 2 ** min(max(attempt - 1, 0), 32)
    return min(dt.timedelta(seconds=seconds), MAX_BACKOFF)


# --- enqueue -----------------------------------------------------------------------------


def outbox_enqueue(
    *,
    kind: str,
    subject: str | Text,
    body: str | Text,
    link: str = "",
    recipients: Iterable[User] = (),
    payload: dict[str, Any] | None = None,
    target: models.Model | None = None,
    place: dict[str, int | None] | None = None,
    org_id: int | None = None,
    dedupe_key: str = "",
    target_ref: tuple[str, str] | None = None,
    texts: dict[str, Any] | None = None,
    returning: bool = True,
) -> list[OutboxMessage]:
    """Queue a notification in the current transaction; deliver it after commit.

    Per active recipient: an inbox row always, an email row when the user has an
    email address, an SMS row when ``kind`` is in ``REDPROP_SMS_KINDS`` and the
    user's person has a mobile number. Per active webhook endpoint that accepts
    ``kind``: one row when its organisation is ``org_id`` or its region is one of
    the region columns of ``place`` (taken from ``target`` when it is a scoped
    model and ``place`` is not given).

    With a ``dedupe_key``, each (key, channel, recipient or endpoint) is queued at
    most once, ever: enqueuing the same key again creates nothing and returns [].

    A fixed number of queries whatever the number of recipients (SQLite splits
    very large inserts into batches of 999 parameters). ``returning=False`` (the
    relay's fan-out) skips reading the new rows back and returns [].
    """
    if len(dedupe_key) > MAX_DEDUPE_KEY_LENGTH:
        raise ValueError(f"dedupe_key longer than {MAX_DEDUPE_KEY_LENGTH} characters")
    now = clock.now()
    if place is None and target is not None:
        place = {col: getattr(target, col, None) for col in SCOPE_COLUMNS}
    common: dict[str, Any] = {
        "kind": kind,
        "subject": as_stored(subject)[:200],
        "body": as_stored(body),
        "texts": texts if texts is not None else texts_json(subject=subject, body=body),
        "link": link[:500],
        "payload": payload or {},
        "target_type": target._meta.label_lower if target is not None else "",
        "target_id": str(target.pk) if target is not None else "",
        "status": OutboxStatus.PENDING,
        "next_attempt_at": now,
        "created_at": now,
    }
    if target_ref is not None:
        common["target_type"], common["target_id"] = target_ref
    users = list({u.pk: u for u in recipients if u is not None and u.pk and u.is_active}.values())
    with_mobile = _people_with_mobile(users) if kind in sms_kinds() else set()
    rows: list[OutboxMessage] = []
    for user in users:
        rows.append(OutboxMessage(channel=Channel.INBOX, recipient=user, **common))
        if user.email:
            rows.append(OutboxMessage(channel=Channel.EMAIL, recipient=user, **common))
        if user.person_id in with_mobile:
            rows.append(OutboxMessage(channel=Channel.SMS, recipient=user, **common))
    for endpoint in _endpoints_for(kind=kind, org_id=org_id, place=place or {}):
        rows.append(OutboxMessage(channel=Channel.WEBHOOK, endpoint=endpoint, **common))
    if not rows:
        return []
    with transaction.atomic():
        if dedupe_key:
            for row in rows:
                row.dedupe_key = _row_dedupe_key(dedupe_key, row)
            if not returning:
                # The unique key turns a row already queued into a no-op.
                OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
                return []
            return _insert_new(rows)
        return OutboxMessage.objects.bulk_create(rows)


def outbox_fanout(
    *,
    kind: str,
    subject: str | Text,
    body: str | Text,
    audience: dict[str, Any],
    link: str = "",
    payload: dict[str, Any] | None = None,
    target: models.Model | None = None,
    at: dt.datetime | None = None,
) -> OutboxMessage:
    """Queue one notification for an audience, in the current transaction: one row,
    one statement, no query for recipients (the relay resolves them on delivery).

    Delivery is as ``outbox_enqueue`` with the audience's users as recipients and its
    place and unit choosing the webhook endpoints.
    """
    message = fanout_message(
        kind=kind,
        subject=subject,
        body=body,
        audience=audience,
        link=link,
        payload=payload,
        target=target,
        at=at,
    )
    rows.insert([message])
    return message


def fanout_message(
    *,
    kind: str,
    subject: str | Text,
    body: str | Text,
    audience: dict[str, Any],
    link: str = "",
    payload: dict[str, Any] | None = None,
    target: models.Model | None = None,
    at: dt.datetime | None = None,
) -> OutboxMessage:
    """The unsaved row ``outbox_fanout`` writes: build several (each with its own text
    and audience) and queue them together with ``outbox_fanout_many``."""
    now = at or clock.now()
    return OutboxMessage(
        kind=kind,
        channel=Channel.FANOUT,
        subject=as_stored(subject)[:200],
        body=as_stored(body),
        texts=texts_json(subject=subject, body=body),
        link=link[:500],
        payload=payload or {},
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        audience=audience,
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


def outbox_fanout_many(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Queue several fan-outs (from ``fanout_message``) in the current transaction with
    one INSERT (SQLite splits it into batches of its parameter limit): e.g. a bulk
    approval telling each volunteer their own total."""
    if not messages:
        return []
    return OutboxMessage.objects.bulk_create(messages, batch_size=1000)


FANOUT_CHUNK = 5000


def _expand(message: OutboxMessage) -> None:
    """Write the per-recipient rows of a FANOUT message (inside ``deliver``'s transaction).

    The audience is read as one query streamed in chunks of ``FANOUT_CHUNK`` users,
    and each chunk's rows are one bulk insert: a notice to a street of 100,000
    residents is a few dozen statements, never one per resident. The webhook
    endpoints go with the first chunk. Rows are deduplicated by key, so a retried
    expansion adds nothing twice.
    """
    from redprop.notifications.audience import resolve_query

    users = resolve_query(message.audience).only("pk", "email", "person_id", "is_active")
    first = True

    def enqueue(chunk: list[User]) -> None:
        nonlocal first
        outbox_enqueue(
            kind=message.kind,
            subject=message.subject,
            body=message.body,
            link=message.link,
            recipients=chunk,
            payload=message.payload,
            target_ref=(message.target_type, message.target_id),
            place=(message.audience.get("place") or {}) if first else {},
            org_id=message.audience.get("org") if first else None,
            dedupe_key=f"fanout:{message.pk}",
            texts=message.texts,
            returning=False,
        )
        first = False

    chunk: list[User] = []
    for user in users.iterator(chunk_size=FANOUT_CHUNK):
        chunk.append(user)
        if len(chunk) >= FANOUT_CHUNK:
            enqueue(chunk)
            chunk = []
    if chunk or first:
        enqueue(chunk)


def _people_with_mobile(users: list[User]) -> set[int]:
    from redprop.people.models import Person

    person_ids = {u.person_id for u in users if u.person_id}
    if not person_ids:
        return set()
    return set(
        Person.objects.filter(pk__in=person_ids).exclude(mobile_enc="").values_list("pk", flat=True)
    )


def _endpoints_for(
    *, kind: str, org_id: int | None, place: dict[str, int | None]
) -> list[WebhookEndpoint]:
    region_ids = {v for k, v in place.items() if k in REGION_COLUMNS and v}
    if not org_id and not region_ids:
        return []
    where = Q(pk__in=[])
    if org_id:
        where |= Q(org_id=org_id)
    if region_ids:
        where |= Q(region_id__in=region_ids)
    # event_kinds is checked here, not in SQL: JSON containment differs between backends.
    return [e for e in WebhookEndpoint.objects.filter(where, is_active=True) if e.accepts(kind)]


def _row_dedupe_key(key: str, row: OutboxMessage) -> str:
    to = f"u{row.recipient_id}" if row.recipient_id else f"e{row.endpoint_id}"
    return f"{key}|{row.channel}|{to}"


def _insert_new(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Insert the rows whose dedupe key is new; return them with their ids."""
    keys = [r.dedupe_key for r in rows]
    seen = set(
        OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    new = [r for r in rows if r.dedupe_key not in seen]
    if not new:
        return []
    # A concurrent transaction may insert the same key between the check and here:
    # ignore_conflicts makes that a no-op instead of an error in the caller's
    # transaction. It also leaves ids unset, hence the read back.
    OutboxMessage.objects.bulk_create(new, ignore_conflicts=True)
    return list(
        OutboxMessage.objects.filter(dedupe_key__in=[r.dedupe_key for r in new]).order_by("pk")
    )


# --- delivery ----------------------------------------------------------------------------


def deliver(message_id: int, now: dt.datetime | None = None) -> bool:
    """Try once to deliver a message that is open and due. True if this call delivered it.

    Does nothing (False) for a message that is delivered, dead, not yet due, or
    being tried by another worker right now.

    An inbox message is delivered in one transaction with its status change. For
    the other channels the try is first claimed (tries + 1, and next_attempt_at
    pushed to when a retry would be due, a lease no other worker breaks), then sent
    outside any transaction so no lock is held during network I/O, then recorded.
    A worker killed mid-send leaves the claim, and the sweep retries when it ends.
    """
    now = now or clock.now()
    with transaction.atomic():
        message = _lock_due(message_id, now)
        if message is None:
            return False
        if message.attempts >= max_attempts():
            # The last allowed try was claimed but never reported back: its worker died.
            message.status = OutboxStatus.DEAD
            message.last_error = (message.last_error + "\n" if message.last_error else "") + (
                gettext_noop("最后一次投递未完成（进程中断）")
            )
            message.save(update_fields=["status", "last_error"])
            return False
        message.attempts += 1
        message.next_attempt_at = now + backoff(message.attempts)
        if message.channel in LOCAL_CHANNELS:
            try:
                with transaction.atomic():
                    if message.channel == Channel.FANOUT:
                        _expand(message)
                    else:
                        channels.deliver_local(message)
            except Exception as exc:
                logger.exception("outbox message %s: local delivery failed", message.pk)
                _fail(message, exc)
                message.save(update_fields=["attempts", "next_attempt_at", "status", "last_error"])
                return False
            message.status = OutboxStatus.DELIVERED
            message.delivered_at = now
            message.save(update_fields=["attempts", "next_attempt_at", "status", "delivered_at"])
            return True
        message.save(update_fields=["attempts", "next_attempt_at"])
    try:
        channels.send(message, now=now)
    except Exception as exc:
        _fail(message, exc)
        # Only the claim that made this try may record its failure.
        OutboxMessage.objects.filter(
            pk=message.pk, attempts=message.attempts, status__in=OPEN_STATES
        ).update(status=message.status, last_error=message.last_error)
        return False
    return bool(
        OutboxMessage.objects.filter(pk=message.pk, status__in=OPEN_STATES).update(
            status=OutboxStatus.DELIVERED, delivered_at=now
        )
    )


def _lock_due(message_id: int, now: dt.datetime) -> OutboxMessage | None:
    qs = OutboxMessage.objects.filter(
        pk=message_id, status__in=OPEN_STATES, next_attempt_at__lte=now
    )
    if connection.features.has_select_for_update_skip_locked:
        # Another worker holding the row is delivering it: skip rather than wait.
        qs = qs.select_for_update(skip_locked=True)
    else:
        # SQLite has no row locks; its IMMEDIATE transactions serialise the claim.
        qs = qs.select_for_update()
    return qs.first()


def _fail(message: OutboxMessage, exc: BaseException) -> None:
    """Set the status and error of a failed try (the caller saves)."""
    # A gateway's error may quote the number it refused: the outbox keeps it masked.
    error = mask_pii_text(str(exc)) or type(exc).__name__
    if not isinstance(exc, channels.DeliveryError):
        error = f"{type(exc).__name__}: {error}"
    message.last_error = (
        gettext_noop("第 %(attempt)s 次：%(error)s") % {"attempt": message.attempts, "error": error}
    )[:MAX_ERROR_LENGTH]
    if isinstance(exc, channels.PermanentFailure) or message.attempts >= max_attempts():
        message.status = OutboxStatus.DEAD
    else:
        message.status = OutboxStatus.RETRYING


def outbox_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver up to ``limit`` open messages that are due, oldest first. Returns how many
    were delivered (a fan-out counts once, and so does each row it wrote).

    This is what the relay runs in a loop; it also does the retries. Safe to run
    anywhere, any time, in parallel: each message is claimed before it is tried.
    Rows written by a fan-out during the sweep are delivered by the same call. Inbox
    messages, most of the traffic, go in batches (``deliver_inbox_batch``); the others
    one by one (``deliver``).
    """
    delivered = 0
    seen: set[int] = set()
    while delivered < limit:
        cutoff = now or clock.now()
        ids = [
            pk
            for pk in OutboxMessage.objects.filter(
                status__in=OPEN_STATES, next_attempt_at__lte=cutoff
            )
            .exclude(channel=Channel.INBOX)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[: limit - delivered]
            if pk not in seen
        ]
        seen.update(ids)
        # With now=None each try reads the clock itself, so leases of a long sweep are right.
        delivered += sum(1 for pk in ids if deliver(pk, now=now))
        batch = deliver_inbox_batch(now=now, limit=max(limit - delivered, 0))
        delivered += batch
        if not ids and not batch:
            break
    return delivered


INBOX_BATCH = 200


def deliver_inbox_batch(*, now: dt.datetime | None = None, limit: int = INBOX_BATCH) -> int:
    """Deliver up to ``limit`` due inbox messages in one transaction: their
    ``InboxItem`` rows and their status change commit together (exactly once, as in
    ``deliver``), in three statements for the batch instead of three per message.

    Rows another relay holds are skipped (``SKIP LOCKED``). If the batch fails (a row
    that cannot be written), it rolls back whole and each message is tried alone, so
    one bad message cannot hold the others back. Returns how many were delivered.
    """
    if limit <= 0:
        return 0
    now = now or clock.now()
    try:
        with transaction.atomic():
            qs = OutboxMessage.objects.filter(
                channel=Channel.INBOX,
                status__in=OPEN_STATES,
                next_attempt_at__lte=now,
            ).order_by("next_attempt_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            else:
                qs = qs.select_for_update()
            messages = list(qs[: min(limit, INBOX_BATCH)])
            if not messages:
                return 0
            InboxItem.objects.bulk_create([channels.inbox_item(m) for m in messages])
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                status=OutboxStatus.DELIVERED, delivered_at=now, attempts=F("attempts") + 1
            )
            return len(messages)
    except Exception:
        logger.exception("outbox: inbox batch failed; delivering one by one")
        return sum(
            1
            for pk in OutboxMessage.objects.filter(
                channel=Channel.INBOX, status__in=OPEN_STATES, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[: min(limit, INBOX_BATCH)]
            if deliver(pk, now=now)
        )


@transaction.atomic
def outbox_retry(
    *, message_ids: Iterable[int], acting_user: User, now: dt.datetime | None = None
) -> int:
    """Give dead letters a fresh series of tries, starting now (admin "retry now").

    Keeps their last error; each is audited. Returns how many were requeued.
    """
    now = now or clock.now()
    messages = list(
        OutboxMessage.objects.select_for_update()
        .filter(pk__in=list(message_ids), status=OutboxStatus.DEAD)
        .order_by("pk")
    )
    for message in messages:
        before = snapshot(message)
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = now
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit(
            actor=acting_user,
            event=AuditEvent.ADMIN_CHANGE,
            target=message,
            before=before,
            action="outbox_retry",
        )
    return len(messages)


def outbox_cancel_pending(*, target: models.Model, kind: str) -> int:
    """Cancel the fan-outs about ``target`` not yet expanded (a notice withdrawn
    before its publish time): they become dead letters, never delivered. Returns how
    many. Rows already expanded are past recall."""
    return OutboxMessage.objects.filter(
        channel=Channel.FANOUT,
        kind=kind,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        status__in=OPEN_STATES,
    ).update(status=OutboxStatus.DEAD, last_error=gettext_noop("已撤回，取消投递"))


# --- inbox -------------------------------------------------------------------------------


def inbox_mark_read(*, user: User, item_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Mark the given items of ``user``'s own inbox read. Others' ids are ignored.

    Returns how many items changed from unread to read.
    """
    return InboxItem.objects.filter(
        user_id=user.pk, pk__in=list(item_ids), read_at__isnull=True
    ).update(read_at=now or clock.now())
