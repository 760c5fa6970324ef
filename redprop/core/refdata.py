"""Reference data held in memory by each process (参考数据缓存).

Categories, SLA policies, routing rules, organisations and webhook endpoints change
a few times a year and are read on every request filed. Each process keeps what it
loaded for ``REDPROP_REFDATA_TTL`` seconds (default 30). Saving or deleting a
watched model clears the affected namespaces in the process that made the change
at once, and again when its transaction commits; other processes see the change
within the TTL. See docs/adr/0006-lean-intake.md.

A loader must return something the caller will not mutate (tuples, frozen
dataclasses, or model instances treated as read-only).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 30.0

_entries: dict[tuple[str, Hashable], tuple[float, Any]] = {}
_lock = threading.Lock()
# Per thread: (on-commit callback, namespaces) of changes not yet committed.
_pending = threading.local()


def ttl() -> float:
    return float(getattr(settings, "REDPROP_REFDATA_TTL", DEFAULT_TTL_SECONDS))


def get(namespace: str, key: Hashable, loader: Callable[[], T]) -> T:
    """The cached value of ``(namespace, key)``, loading it when absent or expired
    (and reading through, caching nothing, inside a transaction that changed it)."""
    if _changed_here(namespace):
        return loader()
    now = time.monotonic()
    hit = _entries.get((namespace, key))
    if hit is not None and hit[0] > now:
        value: T = hit[1]
        return value
    value = loader()
    _entries[(namespace, key)] = (now + ttl(), value)
    return value


def clear(*namespaces: str) -> None:
    """Forget the given namespaces (all of them when none is given)."""
    with _lock:
        if not namespaces:
            _entries.clear()
            return
        wanted = set(namespaces)
        for entry_key in [k for k in _entries if k[0] in wanted]:
            _entries.pop(entry_key, None)


def watch(model: type[models.Model], *namespaces: str) -> None:
    """Clear ``namespaces`` whenever a ``model`` row is saved or deleted in this process."""

    def forget(**_kwargs: Any) -> None:
        clear(*namespaces)

        # A concurrent request of this process may reload the old rows before the
        # change commits: forget once more after the commit. Until then, this thread
        # reads the namespaces through (see _changed_here).
        def committed() -> None:
            clear(*namespaces)

        transaction.on_commit(committed)
        if connection.in_atomic_block:
            changes = getattr(_pending, "changes", None)
            if changes is None:
                changes = _pending.changes = []
            changes.append((committed, frozenset(namespaces)))

    uid = f"refdata:{model._meta.label}:{','.join(namespaces)}"
    post_save.connect(forget, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(forget, sender=model, weak=False, dispatch_uid=uid + ":delete")


def _changed_here(namespace: str) -> bool:
    """Whether this thread's open transaction changed ``namespace`` (its on-commit
    callback is still pending; committing runs it, rolling back drops it)."""
    changes = getattr(_pending, "changes", None)
    if not changes:
        return False
    # Django keeps (savepoint ids, callback, robust) per pending callback.
    waiting = {id(entry[1]) for entry in connection.run_on_commit}
    changes[:] = [(func, names) for func, names in changes if id(func) in waiting]
    return any(namespace in names for _func, names in changes)
