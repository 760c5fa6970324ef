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
from redprop.core.inputs import parse_id
from redprop.orgs.models import Org
from redprop.requests import dedupe, policies, services
from redprop.requests.choices import Channel, Satisfaction
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


# --- the steps on a request ------------------------------------------------------------------


class ActionForm(ServiceForm):
    """One transition of one request. ``version`` guards against a stale page."""

    title: ClassVar[Any] = ""
    submit: ClassVar[Any] = _("确定")
    style: ClassVar[str] = "btn"
    multipart: ClassVar[bool] = False

    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=inputs.MAX_INT32
    )

    def __init__(self, *args: Any, obj: ServiceRequest, acting_user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", obj.version)
        super().__init__(*args, acting_user=acting_user, **kwargs)
        self.obj = obj

    def base_kwargs(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "request": self.obj,
            "acting_user": self.acting_user,
            "expected_version": data.get("version"),
        }


def _reason_field(label: Any, placeholder: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": placeholder}),
    )


class AcceptForm(ActionForm):
    title = _("接单")
    submit = _("接单")

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_accept(**self.base_kwargs(data))


class ArriveForm(ActionForm):
    title = _("到达现场")
    submit = _("我已到场")

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_arrive(**self.base_kwargs(data))


class ResumeForm(ActionForm):
    title = _("恢复计时")
    submit = _("恢复办理")

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_resume(**self.base_kwargs(data))


class ResolveForm(ActionForm):
    title = _("办结")
    submit = _("提交办结")
    multipart = True
    field_aliases: ClassVar[dict[str, str]] = {"reason": "note", "photo": "photos"}

    note = forms.CharField(
        label=_("处理结果"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例如：已更换楼道灯泡并试亮")}),
        help_text=_("处理结果会告知反映人和一起关注的居民，请勿填写居民姓名、电话或门牌号"),
    )
    photos = PhotoField(label=_("处理后照片（选填）"))

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_resolve(
            **self.base_kwargs(data), note=data.get("note") or "", photos=data["photos"]
        )


class ReturnForm(ActionForm):
    title = _("退单")
    submit = _("确认退单")
    style = "btn btn-secondary"

    reason = _reason_field(_("退单原因"), _("例如：不属于本单位职责，应由供水公司处理"))

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_return(**self.base_kwargs(data), reason=data.get("reason") or "")


class RequirePlanForm(ActionForm):
    title = _("需出具方案")
    submit = _("转为出具方案")
    style = "btn btn-secondary"

    reason = _reason_field(_("需出具方案的原因"), _("例如：需更换整段管道，涉及维修资金"))

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_require_plan(
            **self.base_kwargs(data), reason=data.get("reason") or ""
        )


class SubmitPlanForm(ActionForm):
    title = _("提交书面方案")
    submit = _("提交方案")

    plan = forms.CharField(
        label=_("处理方案"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("处理方案会告知反映人和一起关注的居民，请勿填写居民姓名、电话或门牌号"),
    )
    resolve_by = forms.DateTimeField(
        label=_("承诺办结时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("请填写承诺办结时间"),
            "invalid": _("请输入有效的日期和时间"),
        },
    )

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_submit_plan(
            **self.base_kwargs(data), plan=data.get("plan") or "", resolve_by=data["resolve_by"]
        )


class PauseForm(ActionForm):
    title = _("等待居民（暂停计时）")
    submit = _("暂停计时")
    style = "btn btn-secondary"

    reason = _reason_field(_("暂停原因"), _("例如：居民不在家，约定明天上午上门"))

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_pause(**self.base_kwargs(data), reason=data.get("reason") or "")


# --- the resident's word ------------------------------------------------------------------

SOLVED_CHOICES = [("yes", _("是，已解决")), ("no", _("否，没有解决"))]


def _solved_field(label: Any, *, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SOLVED_CHOICES,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=required,
        error_messages={"required": _("请选择问题是否已解决")},
    )


class RateForm(ActionForm):
    title = _("评价本次服务")
    submit = _("提交评价")

    score = forms.TypedChoiceField(
        label=_("满意度"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意度")},
    )
    solved = _solved_field(_("问题是否解决"))
    comment = forms.CharField(
        label=_("评价（选填）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("说说您的感受")}),
    )

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_rate(
            **self.base_kwargs(data),
            score=data["score"],
            solved=data["solved"],
            comment=data.get("comment") or "",
        )


class ReopenForm(ActionForm):
    title = _("问题没解决？要求重新办理")
    submit = _("要求重新办理")
    style = "btn btn-secondary"

    reason = _reason_field(_("重新办理的原因"), _("例如：下水道两天后又堵了"))

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_reopen(**self.base_kwargs(data), reason=data.get("reason") or "")


class CancelForm(ActionForm):
    title = _("撤销诉求")
    submit = _("撤销")
    style = "btn btn-quiet"

    reason = _reason_field(_("撤销原因"))

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_cancel(**self.base_kwargs(data), reason=data.get("reason") or "")


# --- the dispatcher (社区发单) ---------------------------------------------------------------


def person_label(person: selectors.PersonOption) -> str:
    """One line of the handler picker: name, posts, grids and open orders."""
    name = str(person.user)
    if person.suggested:
        name = str(_("%(name)s（建议）")) % {"name": name}
    parts = [name, "、".join(str(Role(r).label) for r in person.roles)]
    if person.grids:
        parts.append("、".join(person.grids))
    parts.append(str(_("在办 %(n)d 单")) % {"n": person.open_orders})
    return " · ".join(parts)


class DispatchForm(ActionForm):
    """社区发单: the unit (承办单位) and, optionally, the person in it (指定处理人).

    The person list follows the chosen unit: on the page an htmx call re-renders it
    when the unit changes (``web:console_people``); without JavaScript the list is
    the one of the unit shown, and a person who is not of the unit submitted is
    refused next to the field, so the form works either way.
    """

    title = _("派单")
    submit = _("派单")
    field_aliases: ClassVar[dict[str, str]] = {"org_id": "org", "assignee_id": "assignee"}

    org: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=Org.objects.none(),
        empty_label=_("请选择承办单位"),
        error_messages={
            "required": _("请选择承办单位"),
            "invalid_choice": _("请选择承办单位"),
        },
    )
    assignee = forms.IntegerField(
        label=_("指定处理人（选填）"),
        required=False,
        min_value=1,
        max_value=inputs.MAX_ID,
        widget=forms.Select,
        error_messages={
            "invalid": _("请从名单中选择处理人"),
            "min_value": _("请从名单中选择处理人"),
            "max_value": _("请从名单中选择处理人"),
        },
    )
    note = forms.CharField(
        label=_("派单说明（选填）"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": _("例如：居民家中有老人，请尽快上门")}),
    )

    def __init__(self, *args: Any, obj: ServiceRequest, **kwargs: Any) -> None:
        super().__init__(*args, obj=obj, **kwargs)
        units = selectors.dispatch_units(request=obj)
        cast(forms.ModelChoiceField, self.fields["org"]).queryset = units
        # The suggested unit is chosen until the dispatcher picks another one.
        self.route: policies.Route | None = None
        if not self.is_bound and "org" not in self.initial:
            self.route = policies.route_for(category=obj.category, place=obj, compound=obj.compound)
            if self.route.org is not None:
                self.initial["org"] = self.route.org.pk
        raw = self.data.get(self.add_prefix("org")) if self.is_bound else self.initial.get("org")
        raw = str(getattr(raw, "pk", raw) or "")
        org_pk = parse_id(raw)
        self.people_org: Org | None = units.filter(pk=org_pk).first() if org_pk else None
        self.people = selectors.dispatch_people(request=obj, org=self.people_org)
        field = self.fields["assignee"]
        field.widget.choices = [  # type: ignore[attr-defined]
            ("", _("不指定（按派单规则分配）")),
            *((p.user.pk, person_label(p)) for p in self.people),
        ]
        if self.people_org is None:
            field.help_text = _("请先选择承办单位")
        elif not self.people:
            field.help_text = _("该单位在本社区没有可指定的人员，留空即由单位认领")
        else:
            field.help_text = _("留空则按派单规则分配")
        self.fields["org"].widget.attrs.update(
            {
                "hx-get": reverse("web:console_people", args=[obj.pk]),
                "hx-trigger": "change",
                "hx-target": f"#{self['assignee'].auto_id}-field",
                "hx-swap": "outerHTML",
            }
        )

    def clean_assignee(self) -> Any:
        pk = self.cleaned_data.get("assignee")
        if pk is None:
            return None
        org = self.cleaned_data.get("org")
        if org is None:
            raise forms.ValidationError(_("请先选择承办单位，再指定处理人"))
        people = (
            self.people
            if self.people_org is not None and self.people_org.pk == org.pk
            else selectors.dispatch_people(request=self.obj, org=org)
        )
        chosen = next((p.user for p in people if p.user.pk == pk), None)
        if chosen is None:
            raise forms.ValidationError(_("该人员不属于所选承办单位或已停用，请重新选择"))
        return chosen

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_dispatch(
            **self.base_kwargs(data),
            org=data["org"],
            assignee=data.get("assignee"),
            note=data.get("note") or "",
        )


class MergeForm(ActionForm):
    title = _("合并重复诉求")
    submit = _("合并")
    style = "btn btn-secondary"

    into = forms.CharField(
        label=_("合并到诉求编号"),
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": "RP00000012", "autocomplete": "off"}),
        error_messages={"required": _("请填写要合并到的诉求编号")},
    )

    def perform(self, data: dict[str, Any]) -> Any:
        # The step's permission before the target's lookup (403, not "not found").
        services.authorize("merge", self.acting_user, self.obj)
        into = selectors.request_by_number(user=self.acting_user, text=data["into"])
        if into is None:
            raise ApplicationError(
                RequestError.MERGE_INVALID, str(_("找不到该编号的诉求")), field="into"
            )
        return services.request_merge(**self.base_kwargs(data), into=into)


class EscalateForm(ActionForm):
    title = _("上报街道")
    submit = _("上报")
    style = "btn btn-secondary"

    reason = _reason_field(_("上报原因"), _("例如：涉及多个部门，社区无法协调"))

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_escalate(**self.base_kwargs(data), reason=data.get("reason") or "")


class RevisitForm(ActionForm):
    title = _("电话回访")
    submit = _("记录回访")

    solved = _solved_field(_("问题是否解决"))
    score = forms.TypedChoiceField(
        label=_("满意度（选填）"),
        choices=[("", _("居民未表态")), *Satisfaction.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    note = forms.CharField(
        label=_("回访记录"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_revisit(
            **self.base_kwargs(data),
            solved=data["solved"],
            score=data.get("score"),
            note=data.get("note") or "",
        )


class CloseForm(ActionForm):
    title = _("关闭诉求")
    submit = _("关闭")
    style = "btn btn-quiet"

    note = forms.CharField(
        label=_("关闭说明（选填）"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(),
    )

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_close(**self.base_kwargs(data), note=data.get("note") or "")


# The actions a page may offer, by the slug in /r/<id>/do/<slug>/.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "arrive": ArriveForm,
    "resolve": ResolveForm,
    "return": ReturnForm,
    "require_plan": RequirePlanForm,
    "submit_plan": SubmitPlanForm,
    "pause": PauseForm,
    "resume": ResumeForm,
    "rate": RateForm,
    "reopen": ReopenForm,
    "cancel": CancelForm,
    "dispatch": DispatchForm,
    "merge": MergeForm,
    "escalate": EscalateForm,
    "revisit": RevisitForm,
    "close": CloseForm,
}

DONE_MESSAGES: dict[str, Any] = {
    "accept": _("已接单，请尽快到达现场"),
    "arrive": _("已登记到场时间"),
    "resolve": _("已办结，等待居民评价"),
    "return": _("已退单，社区将重新派单"),
    "require_plan": _("已转为出具方案"),
    "submit_plan": _("方案已提交"),
    "pause": _("已暂停计时"),
    "resume": _("已恢复计时"),
    "rate": _("感谢您的评价"),
    "reopen": _("已要求重新办理"),
    "cancel": _("诉求已撤销"),
    "dispatch": _("已派单"),
    "merge": _("已合并"),
    "escalate": _("已上报街道"),
    "revisit": _("已记录回访"),
    "close": _("诉求已关闭"),
    "follow": _("已一起关注，办理进展会通知您"),
}
