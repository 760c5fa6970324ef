"""The forms of the steps on a request (/r/<id>/do/<action>/), one per row of the
request workflow's action table, each running its step through ``services.request_act``
(see ``redprop.web.forms`` for how a form maps a service's error onto its fields).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import Role
from redprop.core import inputs
from redprop.core.errors import ApplicationError
from redprop.core.inputs import parse_id
from redprop.orgs.models import Org
from redprop.requests import policies, services, workflow
from redprop.requests.choices import Satisfaction
from redprop.requests.errors import RequestError
from redprop.requests.models import ServiceRequest
from redprop.web import selectors
from redprop.web.forms import PhotoField, ServiceForm

# --- the steps on a request ------------------------------------------------------------------


# The forms of the steps, by action name (a row of requests.workflow.WORKFLOW): the
# page at /r/<id>/do/<action>/ uses this one; a row without a form of its own gets
# ``action_form``'s default, built from the row (its verb, its input).
ACTION_FORMS: dict[str, type[ActionForm]] = {}


class ActionForm(ServiceForm):
    """One transition of one request. ``version`` guards against a stale page.

    ``perform`` runs the step through ``services.request_act``: the form's fields
    (but ``version``) are the service's arguments. A subclass names its ``action``
    and registers itself in ``ACTION_FORMS``.
    """

    action: ClassVar[str] = ""
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.action and not cls.__dict__.get("built_from_row"):
            ACTION_FORMS[cls.action] = cls

    def base_kwargs(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "request": self.obj,
            "acting_user": self.acting_user,
            "expected_version": data.get("version"),
        }

    def inputs(self, data: dict[str, Any]) -> dict[str, Any]:
        """The step's input: every field but ``version``, an empty text as ``""``."""
        out = {}
        for name, field in self.fields.items():
            if name == "version":
                continue
            value = data.get(name)
            out[name] = "" if value is None and isinstance(field, forms.CharField) else value
        return out

    def perform(self, data: dict[str, Any]) -> Any:
        return services.request_act(self.action, **self.base_kwargs(data), **self.inputs(data))


def _reason_field(label: Any, placeholder: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": placeholder}),
    )


class AcceptForm(ActionForm):
    action = "accept"
    title = _("接单")
    submit = _("接单")


class ArriveForm(ActionForm):
    action = "arrive"
    title = _("到达现场")
    submit = _("我已到场")


class ResumeForm(ActionForm):
    action = "resume"
    title = _("恢复计时")
    submit = _("恢复办理")


class ResolveForm(ActionForm):
    action = "resolve"
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


class ReturnForm(ActionForm):
    action = "return"
    title = _("退单")
    submit = _("确认退单")
    style = "btn btn-secondary"

    reason = _reason_field(_("退单原因"), _("例如：不属于本单位职责，应由供水公司处理"))


class RequirePlanForm(ActionForm):
    action = "require_plan"
    title = _("需出具方案")
    submit = _("转为出具方案")
    style = "btn btn-secondary"

    reason = _reason_field(_("需出具方案的原因"), _("例如：需更换整段管道，涉及维修资金"))


class SubmitPlanForm(ActionForm):
    action = "submit_plan"
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


class PauseForm(ActionForm):
    action = "pause"
    title = _("等待居民（暂停计时）")
    submit = _("暂停计时")
    style = "btn btn-secondary"

    reason = _reason_field(_("暂停原因"), _("例如：居民不在家，约定明天上午上门"))


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
    action = "rate"
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


class ReopenForm(ActionForm):
    action = "reopen"
    title = _("问题没解决？要求重新办理")
    submit = _("要求重新办理")
    style = "btn btn-secondary"

    reason = _reason_field(_("重新办理的原因"), _("例如：下水道两天后又堵了"))


class CancelForm(ActionForm):
    action = "cancel"
    title = _("撤销诉求")
    submit = _("撤销")
    style = "btn btn-quiet"

    reason = _reason_field(_("撤销原因"))


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

    action = "dispatch"

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


class MergeForm(ActionForm):
    action = "merge"
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
    action = "escalate"
    title = _("上报街道")
    submit = _("上报")
    style = "btn btn-secondary"

    reason = _reason_field(_("上报原因"), _("例如：涉及多个部门，社区无法协调"))


class RevisitForm(ActionForm):
    action = "revisit"
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


class CloseForm(ActionForm):
    action = "close"
    title = _("关闭诉求")
    submit = _("关闭")
    style = "btn btn-quiet"

    note = forms.CharField(
        label=_("关闭说明（选填）"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(),
    )


def action_form(name: str) -> type[ActionForm]:
    """The form of the step ``name``: its own, or one built from its table row (the
    verb as title and button; a reason or a note field when the row takes one)."""
    if name in ACTION_FORMS:
        return ACTION_FORMS[name]
    row = workflow.WORKFLOW[name]
    fields: dict[str, Any] = {
        "action": name,
        "title": row.verb,
        "submit": row.verb,
        "built_from_row": True,
    }
    if row.input == "reason":
        fields["reason"] = _reason_field(_("原因"))
    elif row.input == "note":
        fields["note"] = _reason_field(_("说明（选填）"))
    # Built anew for each page (not registered: the row may be gone tomorrow, or after
    # a test that added it).
    return type(f"{name.title().replace('_', '')}Form", (ActionForm,), fields)


def done_message(name: str) -> Any:
    """What the page says once the step ``name`` is done."""
    if name in DONE_MESSAGES:
        return DONE_MESSAGES[name]
    return format_lazy(_("已{verb}"), verb=workflow.WORKFLOW[name].verb)


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
