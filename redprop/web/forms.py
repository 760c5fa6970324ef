"""The pages' forms. Each one calls exactly one service from its ``clean()``.

A service is the single judge of a rule (the API calls the same one), so a form
only checks the shape of the input; the service's ``ApplicationError`` is then
put next to the field it names (``err.field``, through ``field_aliases``) or at
the top of the form, and the page keeps what the user typed. ``is_valid()``
therefore *writes* when the input is good; services are atomic, so a refused
input writes nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import Role
from redprop.core import inputs
from redprop.core.errors import ApplicationError
from redprop.requests import dedupe, services
from redprop.requests.choices import Channel
from redprop.requests.errors import RequestError
from redprop.requests.models import Category, ServiceRequest
from redprop.web import presenters, selectors

PHOTO_ATTRS = {"accept": "image/*", "capture": "environment", "data-downscale": "1600"}


class ServiceForm(forms.Form):
    """A form whose ``clean()`` runs one service and maps its error onto a field."""

    # err.field as the service names it → this form's field.
    field_aliases: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, acting_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        self.result: Any = None
        self.error_status = 400

    def perform(self, data: dict[str, Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def full_clean(self) -> None:
        super().full_clean()
        # Tie each error to its field for screen readers (the template gives the id).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-error"}
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._refuse_bad_text(data)
        if self.errors:
            return data
        try:
            self.result = self.perform(data)
        except ApplicationError as err:
            self.error_status = err.status
            field = self.field_aliases.get(err.field or "", err.field)
            self.add_error(field if field in self.fields else None, err.message)
        return data

    def _refuse_bad_text(self, data: dict[str, Any]) -> None:
        """Control characters anywhere are refused next to their field; a text of only
        invisible characters (zero-width spaces...) counts as empty (inputs.clean_text).
        Django's CharField already strips whitespace, refuses NUL and checks max_length."""
        for name, value in list(data.items()):
            if not isinstance(value, str) or not isinstance(self.fields.get(name), forms.CharField):
                continue
            if inputs.text_problem(value) == "invalid_characters":
                self.add_error(name, _("含有不允许的字符（如 NUL、控制字符或不成对的代理项）"))
            elif inputs.is_invisible(value):
                data[name] = ""
                if self.fields[name].required:
                    self.add_error(name, _("不能为空，也不能只含空白或不可见字符"))


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Zero or more photos (the service decodes and re-encodes each one)."""

    def __init__(self, *, multiple: bool = True, **kwargs: Any) -> None:
        attrs: dict[str, Any] = dict(PHOTO_ATTRS)
        if multiple:
            attrs["multiple"] = True
        widget = MultiplePhotoInput(attrs=attrs) if multiple else forms.FileInput(attrs=attrs)
        kwargs.setdefault("required", False)
        super().__init__(widget=widget, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:  # type: ignore[override]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


# --- filing (居民下单 / 巡查上报) ----------------------------------------------------------


class FileRequestForm(ServiceForm):
    field_aliases: ClassVar[dict[str, str]] = {
        "unit_id": "place",
        "building_id": "place",
        "compound_id": "place",
        "photo": "photos",
    }

    category = forms.ChoiceField(
        label=_("问题分类"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择问题分类"),
            "invalid_choice": _("请选择问题分类"),
        },
    )
    description = forms.CharField(
        label=_("问题描述"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("例如：3单元楼道的灯坏了一周，晚上看不见台阶")}
        ),
        error_messages={"max_length": _("问题描述不能超过 2000 字")},
    )
    place = forms.ChoiceField(
        label=_("问题地点"),
        error_messages={
            "required": _("请选择问题发生的地点"),
            "invalid_choice": _("请选择问题发生的地点"),
        },
    )
    location_text = forms.CharField(
        label=_("具体位置（选填）"),
        required=False,
        max_length=128,
        widget=forms.TextInput(attrs={"placeholder": _("例如：2单元三楼楼道")}),
    )
    photos = PhotoField(label=_("现场照片（选填，最多 9 张）"))
    # Shown only after the form found the reporter's own open request about the same thing.
    not_duplicate = forms.BooleanField(label=_("这是另一个问题，仍要提交"), required=False)

    def __init__(self, *args: Any, acting_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, acting_user=acting_user, **kwargs)
        self.own_duplicate: ServiceRequest | None = None
        self.groups = selectors.category_groups()
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            (c.code, c.name) for _parent, children in self.groups for c in children
        ]
        # The duplicate suggestion follows what the user types or picks (htmx).
        similar = {
            "hx-post": reverse("web:file_similar"),
            "hx-target": "#similar",
            "hx-params": "category,place,description",
        }
        # keyup for typing; input too, because a phone's IME and a paste may send no keyup.
        # hx-sync drops the duplicate when both fire for the same change.
        self.fields["description"].widget.attrs.update(
            similar,
            **{
                "hx-trigger": "keyup changed delay:600ms, input changed delay:600ms",
                "hx-sync": "this:replace",
            },
        )
        self.fields["place"].widget.attrs.update(similar, **{"hx-trigger": "change"})
        places = selectors.filing_places(user=acting_user)
        grouped: dict[str, list[tuple[str, str]]] = {}
        for p in places:
            grouped.setdefault(p.group, []).append((p.value, p.label))
        cast(forms.ChoiceField, self.fields["place"]).choices = [("", _("请选择"))] + [
            (group, items) for group, items in grouped.items()
        ]
        if places and not self.is_bound:
            self.initial.setdefault("place", places[0].value)

    def perform(self, data: dict[str, Any]) -> Any:
        user = self.acting_user
        category = Category.objects.select_related("parent").get(
            code=data["category"], is_active=True
        )
        found = selectors.resolve_place(user=user, value=data["place"])
        if found is None:
            raise ApplicationError(
                RequestError.PLACE_REQUIRED, str(_("请选择问题发生的地点")), field="place"
            )
        place, own_home = found
        self.own_duplicate = (
            None
            if data.get("not_duplicate")
            else self._own_duplicate(category, place, data.get("description") or "")
        )
        if self.own_duplicate is not None:
            dup = self.own_duplicate
            raise ApplicationError(
                RequestError.DUPLICATE_OWN_REQUEST,
                _(
                    "您在 %(when)s 已反映过相似的问题（%(number)s），仍在办理中，不必重复提交。"
                    "如确是另一个问题，请勾选“这是另一个问题，仍要提交”。"
                )
                % {"when": presenters.cn_datetime(dup.created_at), "number": dup.number},
                field="description",
            )
        if user.has_role(*selectors.GRID_STAFF) and not own_home:
            channel = Channel.PATROL  # 网格巡查: what the grid's staff see on their round
        else:
            channel = Channel.RESIDENT_APP  # the service turns it into WINDOW for staff
        return services.request_file(
            acting_user=user,
            category=category,
            description=data.get("description") or "",
            channel=channel,
            location_text=data.get("location_text") or "",
            photos=data.get("photos") or [],
            **place,
        )

    def _own_duplicate(
        self, category: Category, place: dict[str, Any], description: str
    ) -> ServiceRequest | None:
        """A resident's own open request about the same thing (same compound, category
        and a similar description), which a second filing would only repeat."""
        user = self.acting_user
        if not user.person_id or not user.has_role(Role.RESIDENT):
            return None
        target = place.get("unit") or place.get("building") or place.get("compound")
        compound_id = place["compound"].pk if place.get("compound") else target.compound_id
        return dedupe.own_open_duplicate(
            person_id=user.person_id,
            compound_id=compound_id,
            category_id=category.pk,
            description=description,
        )
