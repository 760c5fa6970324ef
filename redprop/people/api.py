from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from redprop.core import inputs
from redprop.core.api_utils import require_perm
from redprop.core.inputs import Id, Text
from redprop.core.places import place_find
from redprop.people import services
from redprop.people.models import Person

router = Router(tags=["people 人员"])


class PersonOut(Schema):
    """Masked by default; plaintext only through /reveal."""

    id: int
    name: str
    gender: str
    birth_year: int | None
    mobile: str
    id_number: str
    community_id: int | None
    grid_id: int | None

    @staticmethod
    def resolve_name(obj: Person) -> str:
        return obj.display_name

    @staticmethod
    def resolve_mobile(obj: Person) -> str:
        return obj.mobile_masked

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return obj.id_number_masked


class PersonIn(Schema):
    name: Text(inputs.NAME_MAX, required=True)  # type: ignore[valid-type]
    id_number: Text(inputs.SHORT_MAX) = ""  # type: ignore[valid-type]
    mobile: Text(inputs.SHORT_MAX) = ""  # type: ignore[valid-type]
    tags: list[Text(inputs.CODE_MAX, required=True)] = Field([], max_length=inputs.TAGS_MAX)  # type: ignore[valid-type]
    unit_id: Id | None = None


class RevealIn(Schema):
    field: Text(inputs.SHORT_MAX, required=True)  # type: ignore[valid-type]
    reason: Text(inputs.NOTE_MAX)  # type: ignore[valid-type]


class RevealOut(Schema):
    field: str
    value: Any


@router.get("/{person_id}", response=PersonOut)
def person_get(request: HttpRequest, person_id: int) -> object:
    person = services.person_get(user=request.user, person_id=person_id)
    require_perm(request, "people.view_person", person)
    return person


@router.post("", response={201: PersonOut})
def person_create(request: HttpRequest, payload: PersonIn) -> object:
    """Register a person (community staff). Bad ID number or mobile → 400, nothing written."""
    require_perm(request, "people.add_person")
    place = None
    if payload.unit_id is not None:
        place = place_find(kind="unit", scope=request.user.scope_set(), pk=payload.unit_id)  # type: ignore[union-attr]
        if place is None:
            from redprop.core.errors import NotFound

            raise NotFound(_("房屋不存在或不在您的管辖范围内"))
        require_perm(request, "people.add_person", place)
    person = services.person_create(
        name=payload.name,
        id_number=payload.id_number,
        mobile=payload.mobile,
        tags=payload.tags,
        place=place,
        acting_user=request.user,
    )
    return Status(201, person)


@router.post("/{person_id}/reveal", response=RevealOut)
def person_reveal(request: HttpRequest, person_id: int, payload: RevealIn) -> object:
    """Read one sensitive field in clear. Logged; refused for roles that do not need it."""
    person = services.person_get(user=request.user, person_id=person_id)
    value = services.person_reveal(
        person=person,
        field=payload.field,
        reason=payload.reason,
        acting_user=request.user,
        context="api",
    )
    return {"field": payload.field, "value": value}
