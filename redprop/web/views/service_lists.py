"""服务清单与双向认领: the community's list of needs and resources with filters (side,
the six convenience services, status, 一老一小), an item's page with the steps the
user may take now (claim, start, complete with evidence, hand back, cancel, file a
request), and the two forms: post a need (上报需求) and offer a resource (提供资源)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError
from redprop.core.inputs import parse_id
from redprop.service_lists import permissions, selectors, services
from redprop.service_lists.choices import (
    CARE_ANONYMOUS,
    NEED_ROLES,
    OFFER_ROLES,
    VIEW_ROLES,
    Care,
    ServiceClass,
    Side,
    Status,
)
from redprop.service_lists.models import TEXT_MAX, TITLE_MAX, ServiceItem, ServicePhoto
from redprop.service_lists.workflow import WORKFLOW
from redprop.web.access import forbidden, role_required
from redprop.web.forms import PhotoField, ServiceForm

PLACES_MAX = 300
PAGE_MAX = 100


def _communities(user: Any, *, need: bool) -> list[Any]:
    """The communities the user may post in (the service judges again)."""
    from redprop.territory.models import Region

    ids: set[int] = set()
    scope = user.scope_set(Role.COMMUNITY_STAFF, Role.SYSADMIN)
    if scope:
        from redprop.territory import selectors as territory_selectors

        ids |= set(
            territory_selectors.region_list(scope=scope, level="community").values_list(
                "pk", flat=True
            )[:PLACES_MAX]
        )
    if need:
        ids |= permissions.grid_communities(user)
    else:
        for cs in permissions.org_communities(user).values():
            ids |= cs
    return list(Region.objects.filter(pk__in=ids, level="community").order_by("name"))


def _need_places(user: Any) -> list[tuple[str, str]]:
    from redprop.territory.models import Compound

    out: list[tuple[str, str]] = []
    communities = _communities(user, need=True)
    for c in communities:
        out.append((f"m:{c.pk}", f"{_('社区')} · {c.name}"))
    compounds = Compound.objects.filter(community__in=communities)
    if user.has_role(Role.RESIDENT) and user.person_id:
        compounds = compounds | Compound.objects.filter(units__occupants__person_id=user.person_id)
    for c in compounds.distinct().order_by("name")[:PLACES_MAX]:
        out.append((f"c:{c.pk}", f"{_('小区')} · {c.name}"))
    return out


class ItemForm(ServiceForm):
    field_aliases = {"compound_id": "place", "community_id": "place", "offered_by_id": "unit"}
    side = Side.NEED

    title = forms.CharField(label=gettext_lazy("事项"), max_length=TITLE_MAX)
    service_class = forms.ChoiceField(
        label=gettext_lazy("服务类别"), choices=ServiceClass.choices, widget=forms.RadioSelect
    )
    place = forms.ChoiceField(label=gettext_lazy("所在社区/小区"))
    description = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_on = forms.DateField(
        label=gettext_lazy("期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def _place(self, value: str) -> dict[str, Any]:
        kind, _sep, pk = value.partition(":")
        key = "compound_id" if kind == "c" else "community_id"
        return {key: parse_id(pk)}


class NeedForm(ItemForm):
    care = forms.ChoiceField(label=gettext_lazy("一老一小"), choices=Care.choices, required=False)

    field_order = ("title", "service_class", "care", "place", "description", "due_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = _need_places(self.acting_user)  # type: ignore[attr-defined]
        self.fields["title"].widget.attrs["placeholder"] = _("例如：独居老人需要每周上门探访")

    def perform(self, data: dict[str, Any]) -> Any:
        return services.item_post(
            acting_user=self.acting_user,
            side=Side.NEED,
            service_class=data["service_class"],
            care=data.get("care") or "",
            title=data["title"],
            description=data["description"],
            due_on=data["due_on"],
            **self._place(data["place"]),
        )


class OfferForm(ItemForm):
    unit = forms.ChoiceField(label=gettext_lazy("提供单位"), required=False)

    field_order = ("title", "service_class", "place", "unit", "description", "due_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from redprop.orgs.models import Org

        self.fields["place"].choices = [  # type: ignore[attr-defined]
            (f"m:{c.pk}", c.name) for c in _communities(self.acting_user, need=False)
        ]
        orgs = Org.objects.filter(pk__in=permissions.unit_orgs(self.acting_user)).order_by("name")
        units = [(str(o.pk), o.name) for o in orgs]
        if self.acting_user.has_role(Role.COMMUNITY_STAFF, Role.SYSADMIN):
            units.insert(0, ("", _("志愿者（由社区登记）")))
        self.fields["unit"].choices = units  # type: ignore[attr-defined]
        self.fields["title"].widget.attrs["placeholder"] = _("例如：每月第一个周六义诊")

    def perform(self, data: dict[str, Any]) -> Any:
        return services.item_post(
            acting_user=self.acting_user,
            side=Side.RESOURCE,
            service_class=data["service_class"],
            title=data["title"],
            description=data["description"],
            due_on=data["due_on"],
            offered_by_id=parse_id(data.get("unit")),
            **self._place(data["place"]),
        )


class CompleteForm(forms.Form):
    note = forms.CharField(max_length=TEXT_MAX)
    photos = PhotoField(label=gettext_lazy("服务照片"))


# --- pages -----------------------------------------------------------------------------

FILTERS = {
    "side": Side,
    "service_class": ServiceClass,
    "status": Status,
}


@require_GET
@role_required(*VIEW_ROLES)
def service_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    chosen = {}
    for name, choices in FILTERS.items():
        value = request.GET.get(name, "")
        chosen[name] = value if value in choices.values else ""
    care = request.GET.get("care", "")
    chosen["care"] = care if care in ("old", "young") else ""
    if not chosen["status"] and request.GET.get("status") == "active":
        chosen["status"] = "active"
    rows = list(
        selectors.item_list(
            user=user,
            side=chosen["side"],
            service_class=chosen["service_class"],
            status=chosen["status"],
            care=chosen["care"],
        )[:PAGE_MAX]
    )
    for it in rows:
        own = it.beneficiary_id is not None and it.beneficiary_id == user.person_id
        anonymous = CARE_ANONYMOUS[Care(it.care)] if it.care else ""
        it.for_whom = _("本人") if own else anonymous  # type: ignore[attr-defined]
    return render(
        request,
        "web/service_lists/list.html",
        {
            "rows": rows,
            "chosen": chosen,
            "sides": Side.choices,
            "classes": ServiceClass.choices,
            "statuses": [("active", _("进行中")), *Status.choices],
            "counts": selectors.counts(user=user),
            "can_need": user.has_role(*NEED_ROLES),
            "can_offer": user.has_role(*OFFER_ROLES),
        },
    )


def _form_page(
    request: HttpRequest, form_class: type[ItemForm], template_title: str
) -> HttpResponse:
    form = form_class(request.POST or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("已发布到服务清单"))
        return redirect("service_lists:detail", form.result.pk)
    status = form.error_status if request.method == "POST" else 200
    if status == 403:
        return forbidden(request)
    return render(
        request,
        "web/service_lists/new.html",
        {"form": form, "title": template_title},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(*NEED_ROLES)
def need_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, NeedForm, _("上报需求"))


@require_http_methods(["GET", "POST"])
@role_required(*OFFER_ROLES)
def offer_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, OfferForm, _("提供资源"))


def _item(request: HttpRequest, pk: int) -> ServiceItem:
    it = (
        selectors.visible_items(request.user)
        .select_related("compound", "community", "offered_by", "claimed_org", "claimed_by")
        .filter(pk=pk)
        .first()
    )
    if it is None:
        raise Http404
    return it


@require_GET
@role_required(*VIEW_ROLES)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    it = _item(request, pk)
    user: Any = request.user
    for_whom, named = services.beneficiary_label(item=it, user=user)
    from redprop.orgs.models import Org
    from redprop.requests.models import Category

    return render(
        request,
        "web/service_lists/detail.html",
        {
            "it": it,
            "for_whom": for_whom,
            "named": named,
            "actions": WORKFLOW.available(user, it),
            "photos": list(it.photos.all()) if permissions.may_see_evidence(user, it) else [],
            "events": list(it.events.select_related("actor")),
            "can_spawn": permissions.is_coordinator(user, it)
            and it.side == Side.NEED
            and it.spawned_request_id is None
            and it.compound_id is not None
            and it.status not in ("done", "cancelled"),
            "categories": list(
                Category.objects.filter(is_active=True, parent__isnull=False).order_by("id")
            ),
            "claim_orgs": list(
                Org.objects.filter(
                    pk__in=permissions.cobuilding_orgs_in(user, it.community_id)
                ).order_by("name")
            )
            if it.side == Side.NEED
            else [],
        },
    )


@require_POST
@role_required(*VIEW_ROLES)
def item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    it = _item(request, pk)
    user: Any = request.user
    post = request.POST
    try:
        if action == "spawn":
            r = services.item_spawn_request(
                acting_user=user,
                item_id=it.pk,
                category_code=post.get("category", "public_repair")[:32],
            )
            messages.success(request, _("已转为诉求工单 %(number)s") % {"number": r.number})
        elif action == "claim":
            services.item_claim(
                acting_user=user,
                item_id=it.pk,
                org_id=parse_id(post.get("org")),
                note=post.get("note", "")[:TEXT_MAX],
            )
            messages.success(request, _("认领成功"))
        elif action == "complete":
            form = CompleteForm(post, request.FILES)
            photos = form.fields["photos"].clean(request.FILES.getlist("photos"))
            services.item_complete(
                acting_user=user,
                item_id=it.pk,
                note=post.get("note", "")[:TEXT_MAX],
                photos=photos,
            )
            messages.success(request, _("服务已完成"))
        elif action in ("start", "release", "cancel"):
            services.item_act(
                acting_user=user,
                item_id=it.pk,
                action=action,
                note=post.get("note", "")[:TEXT_MAX],
                reason=post.get("reason", "")[:TEXT_MAX],
            )
        else:
            raise Http404
    except forms.ValidationError:
        messages.error(request, _("上传的文件不是有效的图片"))
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        if err.status == 404:
            raise Http404 from err
        messages.error(request, err.message)
    return redirect("service_lists:detail", it.pk)


@require_GET
@role_required(*VIEW_ROLES)
def item_photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    it = _item(request, pk)
    photo = ServicePhoto.objects.filter(pk=photo_id, item=it).first()
    if photo is None:
        raise Http404
    if not permissions.may_see_evidence(request.user, it):
        return forbidden(request)  # type: ignore[return-value]
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@role_required(*VIEW_ROLES)
def from_request(request: HttpRequest, pk: int) -> HttpResponse:
    """转入服务清单: a need from the request ``pk`` (its page's box)."""
    post = request.POST
    klass = post.get("service_class", "")
    care = post.get("care", "")
    try:
        item = services.item_from_request(
            acting_user=request.user,
            request_id=pk,
            service_class=klass if klass in ServiceClass.values else "jie_min_xu",
            care=care if care in Care.values else "",
        )
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        if err.status == 404 or (err.field == "request_id" and err.status == 400):
            raise Http404 from err
        messages.error(request, err.message)
        return redirect("web:request_detail", pk)
    messages.success(request, _("已转入服务清单"))
    return redirect("service_lists:detail", item.pk)
