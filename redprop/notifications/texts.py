"""Notification texts kept untranslated, so each reader sees them in their own language.

A notification is written once for several readers, and nobody's language is known
when it is written. So a service hands the outbox a ``Text``: a message id in the
platform language (marked with ``gettext_noop``) and its parameters. The outbox
stores the text rendered in the platform language (what email and SMS send) and,
beside it, the message id and parameters (``OutboxMessage.texts``, copied to the
``InboxItem``), so the inbox renders it again in the language of whoever opens it.
A parameter that is itself a message id (``translated``: 网格/社区/街道, in the message
context ``context`` when given) is translated too; the others (numbers, names, what
people typed) are data and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    translated: tuple[str, ...] = ()
    context: str = ""

    def render(self) -> str:
        """The text in the active language."""
        if not self.params:
            return gettext(self.msgid)
        values = {
            k: self._word(v) if k in self.translated and isinstance(v, str) else v
            for k, v in self.params.items()
        }
        return gettext(self.msgid) % values

    def _word(self, value: str) -> str:
        return pgettext(self.context, value) if self.context else gettext(value)

    def stored(self) -> str:
        """The text in the platform language (what is stored and sent by email/SMS)."""
        with translation.override(settings.LANGUAGE_CODE):
            return self.render()

    def as_json(self) -> list[Any]:
        return [self.msgid, self.params, list(self.translated), self.context]

    @classmethod
    def from_json(cls, data: Any) -> Text | None:
        try:
            msgid, params, translated, context = data
            return cls(str(msgid), dict(params), tuple(translated), str(context))
        except (TypeError, ValueError):
            return None


def texts_json(**texts: str | Text) -> dict[str, Any]:
    """``{"subject": [...], "body": [...]}`` for the ``Text`` values given."""
    return {k: v.as_json() for k, v in texts.items() if isinstance(v, Text)}


def as_stored(value: str | Text) -> str:
    return value.stored() if isinstance(value, Text) else value


def render(texts: dict[str, Any], key: str, fallback: str) -> str:
    """``texts[key]`` in the active language, or ``fallback`` (the stored text)."""
    text = Text.from_json(texts.get(key)) if texts else None
    if text is None:
        return fallback
    try:
        return text.render()
    except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a placeholder
        return fallback
