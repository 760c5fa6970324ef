"""Helpers for mediation tests: build cases through the services, as users would."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from redprop.accounts.choices import Role
from redprop.mediation import services


def jpeg(name: str = "sig.jpg") -> Any:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 20, 20)).save(buf, "JPEG", quality=70)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def petition(world: Any, *, received_at: dt.datetime | None = None, **kw: Any) -> Any:
    """A walk-in petition (来访信访) by the resident against the company, registered by
    the community desk; the desk officer mediates."""
    args: dict[str, Any] = {
        "kind": "petition",
        "dispute_type": "fees",
        "source": "walk_in",
        "title": "物业费上涨未公示",
        "summary": "业主反映物业费上涨前未按规定公示，要求说明。",
        "place": world.compound,
        "parties": [
            {"side": "applicant", "kind": "resident", "person_id": world.resident.pk},
            {"side": "respondent", "kind": "company", "org_id": world.company.pk},
        ],
        "mediators": [{"kind": "community_staff", "user_id": world.users[Role.COMMUNITY_STAFF].pk}],
        "received_at": received_at,
        "acting_user": world.users[Role.COMMUNITY_STAFF],
    }
    args.update(kw)
    return services.case_open(**args)
