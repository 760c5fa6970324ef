"""The mediation case pages' forms: each calls one service from ``clean()`` (``web.forms.ServiceForm``)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from redprop.mediation import services
from redprop.mediation.choices import DisputeType, MediatorKind, ReferTo, Satisfaction, Source
from redprop.web.forms import ServiceForm

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AREA = forms.Textarea(attrs={"rows": 3})


class CaseForm(ServiceForm):
    title: ClassVar[Any] = ""
    submit: ClassVar[Any] = _("提交")
    style: ClassVar[str] = "btn"
    multipart: ClassVar[bool] = False

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case


class AcceptForm(CaseForm):
    title, submit, style = _("受理"), _("受理"), "btn btn-primary"
    note = forms.CharField(label=_("受理意见"), max_length=1000, required=False, widget=AREA)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_accept(
            case=self.case.pk, note=data["note"], acting_user=self.acting_user
        )


class DeclineForm(CaseForm):
    title, submit = _("不予受理"), _("不予受理")
    reason = forms.CharField(label=_("理由（将告知信访人）"), max_length=1000, widget=AREA)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_decline(
            case=self.case.pk, reason=data["reason"], acting_user=self.acting_user
        )


class AssignForm(CaseForm):
    title, submit = _("指定调解员"), _("指定")
    kind = forms.ChoiceField(label=_("类别"), choices=MediatorKind.choices)
    name = forms.CharField(label=_("姓名"), max_length=32)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_assign(
            case=self.case.pk, kind=data["kind"], name=data["name"], acting_user=self.acting_user
        )


class SessionForm(CaseForm):
    title, submit, style = _("记录调解会"), _("保存调解记录"), "btn btn-primary"
    held_at = forms.DateTimeField(label=_("时间"), widget=DT, input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label=_("地点"), max_length=128, initial=_("红色物业议事厅"))
    attendance = forms.CharField(label=_("参加人员"), max_length=500)
    notes = forms.CharField(label=_("调解记录"), max_length=4000, widget=AREA)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_session(
            case=self.case.pk,
            held_at=data["held_at"],
            place=data["place"],
            attendance=data["attendance"],
            notes=data["notes"],
            acting_user=self.acting_user,
        )


class AgreeForm(CaseForm):
    title, submit, style = _("达成调解协议"), _("保存协议"), "btn btn-primary"
    text = forms.CharField(label=_("协议内容"), max_length=4000, widget=AREA, required=False)
    follow_up_on = forms.DateField(label=_("回访日期"), widget=DATE, required=False)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_agree(
            case=self.case.pk,
            text=data["text"],
            follow_up_on=data["follow_up_on"],
            acting_user=self.acting_user,
        )


class SignForm(CaseForm):
    title, submit, multipart = _("上传签字页"), _("上传"), True
    party = forms.ChoiceField(label=_("当事人"), choices=())
    file = forms.ImageField(label=_("签字页照片"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(p.pk, p.name) for p in self.case.parties.all()]
        self.fields["file"].widget.attrs.update({"accept": "image/*", "capture": "environment"})

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_sign(
            case=self.case.pk,
            party_id=int(data["party"]),
            upload=data["file"],
            acting_user=self.acting_user,
        )


class FollowUpForm(CaseForm):
    title, submit, style = _("回访履行情况"), _("保存回访"), "btn btn-primary"
    kept = forms.TypedChoiceField(
        label=_("协议是否已履行"),
        choices=[("yes", _("已履行")), ("no", _("未履行，继续调解"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("回访情况"), max_length=1000, widget=AREA)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_follow_up(
            case=self.case.pk, kept=data["kept"], note=data["note"], acting_user=self.acting_user
        )


class AnswerForm(CaseForm):
    title, submit, style = _("出具答复意见"), _("答复"), "btn btn-primary"
    text = forms.CharField(label=_("答复意见"), max_length=4000, widget=AREA, required=False)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_answer(
            case=self.case.pk, text=data["text"], acting_user=self.acting_user
        )


class ReferForm(CaseForm):
    title, submit = _("调解不成，移交"), _("移交")
    to = forms.ChoiceField(label=_("移交去向"), choices=ReferTo.choices)
    note = forms.CharField(label=_("说明"), max_length=1000, widget=AREA)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_refer(
            case=self.case.pk, to=data["to"], note=data["note"], acting_user=self.acting_user
        )


class WithdrawForm(CaseForm):
    title, submit = _("撤回"), _("撤回")
    reason = forms.CharField(label=_("撤回原因"), max_length=1000, widget=AREA)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_withdraw(
            case=self.case.pk, reason=data["reason"], acting_user=self.acting_user
        )


class ExtendForm(CaseForm):
    title, submit = _("延长办理期限"), _("延期")
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=366, initial=30)
    reason = forms.CharField(label=_("延期理由（将告知当事人）"), max_length=1000, widget=AREA)

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_extend(
            case=self.case.pk,
            days=data["days"],
            reason=data["reason"],
            acting_user=self.acting_user,
        )


class RateForm(CaseForm):
    title, submit, style = _("评价调解/答复结果"), _("提交评价"), "btn btn-primary"
    score = forms.TypedChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, coerce=int, widget=forms.RadioSelect
    )

    def perform(self, data: dict[str, Any]) -> Any:
        return services.case_rate(
            case=self.case.pk, score=data["score"], acting_user=self.acting_user
        )


ACTION_FORMS: dict[str, type[CaseForm]] = {
    "accept": AcceptForm,
    "decline": DeclineForm,
    "assign": AssignForm,
    "session": SessionForm,
    "agree": AgreeForm,
    "sign": SignForm,
    "follow_up": FollowUpForm,
    "answer": AnswerForm,
    "refer": ReferForm,
    "withdraw": WithdrawForm,
    "extend": ExtendForm,
    "rate": RateForm,
}


class IntakeForm(ServiceForm):
    """信访登记: the desk registers a walk-in petition (or a hotline case) for a resident."""

    field_aliases: ClassVar[dict[str, str]] = {"parties": "applicant", "place": "compound"}

    kind = forms.ChoiceField(
        label=_("类别"),
        choices=[("petition", _("信访事项")), ("dispute", _("矛盾纠纷调解"))],
        widget=forms.RadioSelect,
        initial="petition",
    )
    source = forms.ChoiceField(
        label=_("来源"), choices=[c for c in Source.choices if c[0] != "service_request"]
    )
    dispute_type = forms.ChoiceField(label=_("纠纷类型"), choices=DisputeType.choices)
    compound = forms.ChoiceField(label=_("小区"), choices=())
    applicant = forms.ChoiceField(label=_("信访人/申请人"), choices=())
    respondent_company = forms.ChoiceField(
        label=_("被反映企业（可选）"), choices=(), required=False
    )
    title = forms.CharField(label=_("事由"), max_length=64)
    summary = forms.CharField(label=_("基本情况"), max_length=2000, widget=AREA, required=False)
    external_ref = forms.CharField(label=_("热线/提案编号（可选）"), max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from redprop.mediation.permissions import INTAKE_ROLES
        from redprop.orgs.choices import OrgKind
        from redprop.orgs.models import Org
        from redprop.people.models import Person
        from redprop.territory.models import Compound

        scopes = self.acting_user.scope_set(*INTAKE_ROLES)
        compounds = scopes.filter(Compound.objects.all()).order_by("name")[:200]
        self.fields["compound"].choices = [("", "—")] + [(c.pk, c.name) for c in compounds]
        people = scopes.filter(Person.objects.all()).order_by("name")[:500]
        self.fields["applicant"].choices = [("", "—")] + [(p.pk, p.display_name) for p in people]
        companies = Org.objects.filter(kind=OrgKind.PROPERTY_COMPANY).order_by("name")[:200]
        self.fields["respondent_company"].choices = [("", "—")] + [
            (o.pk, o.name) for o in companies
        ]

    def perform(self, data: dict[str, Any]) -> Any:
        from redprop.core.inputs import parse_id
        from redprop.territory.models import Compound

        place = Compound.objects.filter(pk=parse_id(data["compound"]) or 0).first()
        parties: list[dict[str, Any]] = []
        if parse_id(data["applicant"]):
            parties.append(
                {"side": "applicant", "kind": "resident", "person_id": parse_id(data["applicant"])}
            )
        if parse_id(data.get("respondent_company") or ""):
            parties.append(
                {
                    "side": "respondent",
                    "kind": "company",
                    "org_id": parse_id(data["respondent_company"]),
                }
            )
        return services.case_open(
            kind=data["kind"],
            dispute_type=data["dispute_type"],
            source=data["source"],
            title=data["title"],
            summary=data["summary"],
            place=place,
            parties=parties,
            mediators=[{"kind": "community_staff", "user_id": self.acting_user.pk}],
            external_ref=data["external_ref"],
            acting_user=self.acting_user,
        )
