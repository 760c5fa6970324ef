"""专项整治: the campaigns of the user's scope with their progress, launching one, a
campaign's page (progress by compound and unit, its items), reporting a hazard from
the phone, an item's page with its steps (assign, fix with an after-photo, verify,
reject), its photos."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.campaigns import permissions, selectors, services
from redprop.campaigns.choices import Hazard, Severity, Topic, UnitRole
from redprop.campaigns.models import (
    CHECKLIST_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Campaign,
    CampaignItem,
    CampaignPhoto,
)
from redprop.campaigns.workflow import WORKFLOW
from redprop.core.errors import ApplicationError
from redprop.territory import selectors as territory_selectors
from redprop.web.access import forbidden, role_required
from redprop.web.forms import PHOTO_ATTRS, ServiceForm

READERS = tuple(permissions.READER_ROLES)
PLACES_MAX = 300


def _scope(user: Any) -> Any:
    return user.scope_set(*READERS)


class CampaignForm(ServiceForm):
    field_aliases = {"area_id": "area", "area_level": "area"}

    title = forms.CharField(label=gettext_lazy("名称"), max_length=TITLE_MAX)
    topic = forms.ChoiceField(label=gettext_lazy("主题"), choices=Topic.choices)
    area = forms.ChoiceField(label=gettext_lazy("整治范围"))
    starts_on = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    checklist = forms.CharField(
        label=gettext_lazy("检查清单（每行一项）"),
        required=False,
        max_length=CHECKLIST_MAX * 101,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    units = forms.MultipleChoiceField(
        label=gettext_lazy("参与单位"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = self.acting_user.scope_set(*permissions.ORGANISER_ROLES)
        areas = []
        for level, label in (("street", _("街道")), ("community", _("社区"))):
            for r in territory_selectors.region_list(scope=scope, level=level)[:PLACES_MAX]:
                areas.append((f"{level}:{r.pk}", f"{label} · {r.name}"))
        for c in territory_selectors.compound_list(scope=scope)[:PLACES_MAX]:
            areas.append((f"compound:{c.pk}", f"{_('小区')} · {c.name}"))
        self.fields["area"].choices = areas
        from redprop.orgs.models import Org

        orgs = scope.filter(Org.objects.all()) if scope else Org.objects.none()
        self.fields["units"].choices = [(str(o.pk), o.name) for o in orgs.order_by("name")[:100]]

    def perform(self, data: dict[str, Any]) -> Any:
        from redprop.orgs.choices import OrgKind
        from redprop.orgs.models import Org

        level, _sep, pk = data["area"].partition(":")
        orgs = Org.objects.filter(pk__in=[int(x) for x in data["units"]])
        roles = {
            OrgKind.PROPERTY_COMPANY: UnitRole.PROPERTY,
            OrgKind.RESIDENTS_COMMITTEE: UnitRole.COMMUNITY,
        }
        units = []
        for o in orgs:
            role = roles.get(o.kind, UnitRole.OTHER)
            if getattr(o, "unit_type", "") == "police":
                role = UnitRole.POLICE
            units.append((o, role))
        return services.campaign_create(
            acting_user=self.acting_user,
            title=data["title"],
            topic=data["topic"],
            area_level=level,
            area_id=int(pk),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            checklist=[line for line in data["checklist"].splitlines() if line.strip()],
            units=units,
        )


class ItemForm(ServiceForm):
    field_aliases = {"building_id": "place", "compound_id": "place", "found_at": None}

    place = forms.ChoiceField(label=gettext_lazy("地点（小区/楼栋）"))
    hazard = forms.ChoiceField(label=gettext_lazy("隐患类型"), choices=Hazard.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("等级"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        initial="medium",
    )
    location_text = forms.CharField(label=gettext_lazy("具体位置"), max_length=128, required=False)
    description = forms.CharField(
        label=gettext_lazy("描述"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.ImageField(
        label=gettext_lazy("隐患照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs=PHOTO_ATTRS),
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        user = self.acting_user
        scope = user.scope_set(*READERS)
        col = {"street": "street_id", "community": "community_id", "compound": "compound_id"}[
            campaign.area_level
        ]
        from redprop.territory.models import Building, Compound

        if permissions.participates(user, campaign):
            buildings = Building.objects.filter(**{col: campaign.area_id})
            compounds = Compound.objects.filter(
                **(
                    {"pk": campaign.area_id}
                    if campaign.area_level == "compound"
                    else {col: campaign.area_id}
                )
            )
        else:
            buildings = scope.filter(Building.objects.filter(**{col: campaign.area_id}))
            compounds = scope.filter(
                Compound.objects.filter(
                    **(
                        {"pk": campaign.area_id}
                        if campaign.area_level == "compound"
                        else {col: campaign.area_id}
                    )
                )
            )
        choices = [
            (f"b:{b.pk}", f"{b.compound.name}{b.name}")
            for b in buildings.select_related("compound")[:PLACES_MAX]
        ]
        choices += [
            (f"c:{c.pk}", f"{c.name}（{_('小区公共区域')}）") for c in compounds[:PLACES_MAX]
        ]
        self.fields["place"].choices = choices

    def perform(self, data: dict[str, Any]) -> Any:
        kind, _sep, pk = data["place"].partition(":")
        return services.item_report(
            campaign=self.campaign,
            acting_user=self.acting_user,
            hazard=data["hazard"],
            severity=data["severity"],
            building_id=int(pk) if kind == "b" else None,
            compound_id=int(pk) if kind == "c" else None,
            location_text=data["location_text"],
            description=data["description"],
            photos=[data["photo"]] if data.get("photo") else [],
        )


@require_GET
@role_required(*READERS)
def campaigns(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = list(selectors.campaign_list(user=user)[:100])
    for c in rows:
        c.pct = round(100 * c.items_verified / c.items_total) if c.items_total else 0
    return render(
        request,
        "web/campaigns/list.html",
        {"rows": rows, "can_organise": user.has_role(*permissions.ORGANISER_ROLES)},
    )


@require_http_methods(["GET", "POST"])
@role_required(*permissions.ORGANISER_ROLES)
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        return redirect("web:campaign_detail", form.result.pk)
    return render(
        request,
        "web/campaigns/new.html",
        {"form": form},
        status=form.error_status if request.method == "POST" else 200,
    )


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    c = Campaign.objects.filter(pk=pk).first()
    if c is None or not permissions.can_read_campaign(request.user, c):
        raise Http404
    return c


@require_GET
@role_required(*READERS)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = _campaign(request, pk)
    user: Any = request.user
    status = request.GET.get("status") or None
    items = selectors.item_list(campaign=c, scope=_scope(user), status=status)
    if not items.exists() and permissions.participates(user, c):
        items = c.items.select_related("compound", "building", "assigned_org")
    return render(
        request,
        "web/campaigns/detail.html",
        {
            "c": c,
            "p": selectors.progress(campaign=c),
            "items": list(items[:300]),
            "can_report": c.status == "active",
            "can_close": c.status == "active" and permissions.is_organiser(user, c),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    c = _campaign(request, pk)
    form = ItemForm(
        request.POST or None, request.FILES or None, acting_user=request.user, campaign=c
    )
    if request.method == "POST" and form.is_valid():
        item = form.result
        if item.refound_of_id:
            messages.warning(request, _("注意：该地点曾发现同类隐患（复发）"))
        return redirect("web:campaign_item", item.pk)
    status = form.error_status if request.method == "POST" else 200
    if status == 403:
        return forbidden(request)
    return render(request, "web/campaigns/report.html", {"c": c, "form": form}, status=status)


@require_POST
@role_required(*permissions.ORGANISER_ROLES)
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    c = _campaign(request, pk)
    try:
        services.campaign_close(campaign=c, acting_user=request.user)
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
    return redirect("web:campaign_detail", c.pk)


def _item(request: HttpRequest, pk: int) -> CampaignItem:
    it = (
        CampaignItem.objects.select_related("campaign", "compound", "building", "assigned_org")
        .filter(pk=pk)
        .first()
    )
    if it is None or not permissions.can_read_item(request.user, it):
        raise Http404
    return it


@require_GET
@role_required(*READERS)
def campaign_item(request: HttpRequest, pk: int) -> HttpResponse:
    it = _item(request, pk)
    user: Any = request.user
    available = WORKFLOW.available(user, it)
    return render(
        request,
        "web/campaigns/item.html",
        {
            "it": it,
            "actions": available,
            "units": list(it.campaign.units.select_related("org")),
            "photos": list(it.photos.all()),
            "events": list(it.events.select_related("actor")),
            "can_spawn": permissions.is_inspector(user, it)
            and it.spawned_request_id is None
            and it.status != "verified",
        },
    )


@require_POST
@role_required(*READERS)
def campaign_item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    it = _item(request, pk)
    user: Any = request.user
    post = request.POST
    try:
        if action == "assign":
            from redprop.orgs.models import Org

            org_id = post.get("org", "")
            org = Org.objects.filter(pk=int(org_id)).first() if org_id.isdigit() else None
            services.item_assign(item=it, acting_user=user, org=org)
        elif action == "fix":
            services.item_fix(
                item=it,
                acting_user=user,
                photo=request.FILES.get("photo"),
                note=post.get("note", "")[:TEXT_MAX],
            )
        elif action == "verify":
            services.item_verify(item=it, acting_user=user, note=post.get("note", "")[:TEXT_MAX])
        elif action == "reject":
            services.item_reject(
                item=it, acting_user=user, reason=post.get("reason", "")[:TEXT_MAX]
            )
        elif action == "spawn":
            services.item_spawn_request(item=it, acting_user=user)
        else:
            raise Http404
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        if err.status == 404:
            raise Http404 from err
        messages.error(request, err.message)
    return redirect("web:campaign_item", it.pk)


@require_GET
@role_required(*READERS)
def campaign_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    it = _item(request, pk)
    photo = CampaignPhoto.objects.filter(pk=photo_id, item=it).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response
