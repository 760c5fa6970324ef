"""Signals other apps listen to (votes imports none of them: meetings sits above).

``vote_published`` is sent after the commit that publishes a result, with
``vote`` (the ``Vote``) and ``result`` (the published tally, as stored in
``Vote.result``); a meeting resolution that launched the vote (``Vote.origin``) can
take its outcome from it."""

from __future__ import annotations

from django.dispatch import Signal

vote_published = Signal()
