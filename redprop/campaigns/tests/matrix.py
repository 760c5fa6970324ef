"""Scope A's campaign objects for the permission matrix (redprop/tests/test_permission_matrix.py):
a fire-safety campaign over community A with company A and the water company taking
part, and one item in each state that a step starts from (at building A, grid A)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from redprop.accounts.choices import Role


def jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def build(fx: Any) -> None:
    from redprop.campaigns import services as cs

    w, u = fx.w, fx.w.users
    today = timezone.localdate()
    c = cs.campaign_create(
        acting_user=u[Role.COMMUNITY_STAFF],
        title="矩阵消防安全专项整治",
        topic="fire_safety",
        area_level="community",
        area_id=w.community.pk,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=30),
        checklist=["消防通道"],
        units=[(w.company, "property"), (w.water, "other")],
    )

    def found() -> Any:
        return cs.item_report(
            campaign=c,
            acting_user=u[Role.GRID_BUTLER],
            hazard="flying_wire",
            severity="high",
            building_id=w.building.pk,
            photos=[jpeg()],
        )

    def assigned() -> Any:
        return cs.item_assign(item=found(), acting_user=u[Role.COMMUNITY_STAFF], org=w.company)

    fx.campaigns["campaign"] = c
    fx.campaigns["found"] = found()
    fx.campaigns["assigned"] = assigned()
    fx.campaigns["fixed"] = cs.item_fix(
        item=assigned(), acting_user=u[Role.COMPANY_STAFF], photo=jpeg()
    )
    fx.campaigns["photo"] = fx.campaigns["found"].photos.first()
