"""Idempotency keys (docs/adr/0009-input-limits.md): a POST retried with the same
``Idempotency-Key`` returns the first response; the same key with other parameters
is refused (422), as payment APIs do.

The API's create endpoints call ``idempotent_run``; the key row is written here, in
the same transaction as what it answers for, never by the API layer. No audit row:
the stored response is itself the trace, and the request it created has its own
timeline event (an audit row per filing would put every intake through the audit
chain's lock).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from redprop.core import inputs
from redprop.core.errors import ApplicationError, ErrorCode
from redprop.requests.models import IdempotencyKey


def idempotency_key_get(*, user: Any, key: str, endpoint: str) -> IdempotencyKey | None:
    """The stored answer for ``key`` at ``endpoint``, if ``user`` sent it before."""
    return IdempotencyKey.objects.filter(user=user, key=key, endpoint=endpoint).first()


def idempotent_run(
    *,
    user: Any,
    key: str,
    endpoint: str,
    run: Callable[[], tuple[int, Any]],
    params: Any = None,
) -> tuple[int, Any]:
    """Run ``run`` once per (user, key, endpoint) and store its answer with it.

    An empty key runs ``run`` as is. ``params`` are the validated parameters; a retry
    must send the same ones (key order and spacing aside), else 422
    ``idempotency_key_reused``: answering the first request to a different one would
    hide a client's bug. Of two concurrent first tries, one runs; the other returns
    its answer.
    """
    key = key.strip()
    if not key:
        return run()
    if len(key) > inputs.IDEMPOTENCY_KEY_MAX or inputs.text_problem(key):
        raise ApplicationError(
            ErrorCode.VALIDATION,
            _("Idempotency-Key 不能超过 %(max)s 个字符") % {"max": inputs.IDEMPOTENCY_KEY_MAX},
            field="Idempotency-Key",
        )
    digest = _params_hash(params)
    found = idempotency_key_get(user=user, key=key, endpoint=endpoint)
    if found is None:
        try:
            with transaction.atomic():
                status, body = run()
                IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    endpoint=endpoint,
                    status_code=status,
                    response=_jsonable(body),
                    request_hash=digest,
                )
        except IntegrityError:
            # A concurrent retry won the race: its transaction committed first.
            found = IdempotencyKey.objects.get(user=user, key=key, endpoint=endpoint)
        else:
            return status, body
    if found.request_hash and found.request_hash != digest:
        raise ApplicationError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            _("该 Idempotency-Key 已用于另一份请求内容，请换一个新的 Key"),
            field="Idempotency-Key",
            status=422,
        )
    return found.status_code, found.response


def _params_hash(params: Any) -> str:
    text = json.dumps(params, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _jsonable(body: Any) -> Any:
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))
