"""A small compound for vote tests, built through the services as a user would."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD, World
from redprop.orgs.choices import OrgKind
from redprop.orgs.services import org_create
from redprop.people.services import person_create
from redprop.territory import services as territory
from redprop.votes.models import AreaRecord

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class Place:
    compound: Any
    building: Any
    building_2: Any
    developer: Any
    people: dict[str, Any] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)


def owner_user(person: Any, username: str) -> User:
    user = user_create(username=username, password=PASSWORD, person=person, acting_user=None)
    role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=None)
    return User.objects.get(pk=user.pk)


def build_place(w: World, name: str = "投票小区") -> Place:
    """Five units in two buildings, worked by hand in test_stored_counting:

    ============  ==========  =======================  ====================
    unit          owners      areas                    counted
    ============  ==========  =======================  ====================
    1栋101         张三 & 李四   register 89.50           89.50 register
    1栋102         王五         survey 100.25            100.25 survey
    2栋201         王五         contract 60              60 contract
    2栋202         developer   (territory) 120          120 survey
    2栋301         developer   (territory) 120          120 survey
    ============  ==========  =======================  ====================

    Heads: 张三&李四, 王五 (two units), the developer (two units) = 3; total 489.75 m².
    """
    compound = territory.compound_create(
        community=w.community, name=name, management_type="self_managed", acting_user=None
    )
    b1 = territory.building_create(compound=compound, name="1栋", grid=w.grid, acting_user=None)
    b2 = territory.building_create(compound=compound, name="2栋", grid=w.grid, acting_user=None)
    developer = org_create(
        kind=OrgKind.DEVELOPER, name=f"{name}开发公司", place=w.community, acting_user=None
    )
    p = Place(compound, b1, b2, developer)
    for key, pname in (("zhang", "张三"), ("li", "李四"), ("wang", "王五"), ("zhao", "赵六")):
        p.people[key] = person_create(name=pname, acting_user=None)
        p.users[key] = owner_user(p.people[key], f"{name}-{key}")

    def unit(
        b: Any, label: str, area: str, owners: list[Any] | None = None, dev: bool = False
    ) -> Any:
        return territory.unit_create(
            building=b,
            label=label,
            floor_area=Decimal(area) * 2,
            exclusive_area=area,
            owners=owners,
            developer=developer if dev else None,
            acting_user=None,
        )

    p.units["101"] = unit(b1, "101", "70", [p.people["zhang"], p.people["li"]])
    p.units["102"] = unit(b1, "102", "90", [p.people["wang"]])
    p.units["201"] = unit(b2, "201", "50", [p.people["wang"]])
    p.units["202"] = unit(b2, "202", "120", dev=True)
    p.units["301"] = unit(b2, "301", "120", dev=True)
    AreaRecord.objects.create(unit=p.units["101"], source="register", area=Decimal("89.50"))
    AreaRecord.objects.create(unit=p.units["102"], source="survey", area=Decimal("100.25"))
    AreaRecord.objects.create(unit=p.units["201"], source="contract", area=Decimal("60"))
    # 201's territory figure (50) would count as "survey" and win over its contract:
    # the test place counts only AreaRecords there by giving 201 its survey too.
    AreaRecord.objects.create(unit=p.units["201"], source="survey", area=Decimal("60"))
    return p


def xlsx(rows: list[list[Any]]) -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "选票"
    ws.append(["房屋编号", "门牌", "表决意见", "投票日期时间", "代理人", "备注"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(
        "ballots.xlsx",
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
