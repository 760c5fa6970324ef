"""Shared setup for the service-list tests: the water company (a co-building unit of
street A) signs a 共建协议 with community A."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from redprop.accounts.choices import Role


def agree(w: Any, org: Any = None, community: Any = None) -> Any:
    from redprop.orgs.services import agreement_create

    return agreement_create(
        org=org or w.water,
        community=community or w.community,
        title="红色物业共建协议书",
        signed_on=timezone.localdate() - dt.timedelta(days=30),
        resources="义诊、法律咨询",
        acting_user=None,
    )


def need(w: Any, **kw: Any) -> Any:
    from redprop.service_lists.services import item_post

    data: dict[str, Any] = {
        "acting_user": w.users[Role.GRID_BUTLER],
        "side": "need",
        "service_class": "wei_min_xin",
        "care": "elderly_alone",
        "title": "独居老人每周探访",
        "compound_id": w.compound.pk,
        "due_on": timezone.localdate() + dt.timedelta(days=7),
    }
    data.update(kw)
    return item_post(**data)


def resource(w: Any, **kw: Any) -> Any:
    from redprop.service_lists.services import item_post

    data: dict[str, Any] = {
        "acting_user": w.users[Role.UNIT_STAFF],
        "side": "resource",
        "service_class": "liao_min_ji",
        "title": "每月义诊",
        "community_id": w.community.pk,
    }
    data.update(kw)
    return item_post(**data)


def jpeg(name: str = "p.jpg") -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")
