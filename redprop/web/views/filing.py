"""我要反映: filing a request (居民下单, or 网格巡查 by the grid's staff), with the
duplicate suggestion fetched as the user types.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from redprop.accounts.choices import Role
from redprop.core.scope import Scope, ScopeSet
from redprop.requests import dedupe, permissions
from redprop.requests.models import Category
from redprop.requests.permissions import FILERS
from redprop.territory.selectors import lives_in_compound
from redprop.web import presenters
from redprop.web import selectors as web_selectors
from redprop.web.access import role_required
from redprop.web.forms import FileRequestForm

# Who may read a neighbour's words in a suggestion (as api.request_similar).
_SEE_DESCRIPTIONS = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN, Role.GRID_BUTLER)
MIN_SUGGEST_CHARS = 4


@role_required(*FILERS)
def file_request(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = FileRequestForm(request.POST, request.FILES, acting_user=request.user)
        if form.is_valid():
            obj = form.result
            messages.success(
                request,
                _("已提交，诉求编号 %(number)s。社区会尽快派单处理。") % {"number": obj.number},
            )
            return redirect("web:request_detail", pk=obj.pk)
        status = form.error_status
    else:
        form = FileRequestForm(acting_user=request.user)
        status = 200
    return render(
        request,
        "web/filing/file.html",
        {
            "form": form,
            "groups": [
                (parent, [(c, presenters.category_icon(c)) for c in children])
                for parent, children in form.groups
            ],
            "patrol": request.user.has_role(*web_selectors.GRID_STAFF),  # type: ignore[union-attr]
            # A browser never refills a file input: say so when the photos must be re-chosen.
            "photos_lost": bool(request.FILES.getlist("photos")) and bool(form.errors),
        },
        status=status,
    )


@require_POST
@role_required(*FILERS)
def file_similar(request: HttpRequest) -> HttpResponse:
    """The duplicate suggestion ("这个问题已有人反映，是否一起关注？").

    Same privacy rule as ``api.request_similar``: residents see a similar
    request's number, time and status, never a neighbour's words.
    """
    user: Any = request.user
    description = (request.POST.get("description") or "").strip()
    category = Category.objects.filter(
        code=request.POST.get("category") or "", is_active=True
    ).first()
    found = web_selectors.resolve_place(user=user, value=request.POST.get("place") or "")
    if category is None or found is None or len(description) < MIN_SUGGEST_CHARS:
        return HttpResponse("")
    place, _own = found
    target = place["unit"] or place["building"] or place["compound"]
    if not permissions.can_file_at(user, target):
        return HttpResponse("", status=404)
    compound = place["compound"] or target.compound
    similar = dedupe.similar_requests(
        scope=ScopeSet((Scope("all"),)),
        compound_id=compound.pk,
        category_id=category.pk,
        description=description,
    )
    mine = [r for r, _score in similar if user.person_id and r.reporter_id == user.person_id]
    return render(
        request,
        "web/filing/_similar.html",
        {
            "similar": [(r, round(score)) for r, score in similar],
            "own": mine[0] if mine else None,
            "category": category,
            "show_text": user.has_role(*_SEE_DESCRIPTIONS),  # type: ignore[union-attr]
            # Following is for residents of this compound (permissions.can_follow).
            "can_follow": bool(similar)
            and user.has_role(Role.RESIDENT)  # type: ignore[union-attr]
            and bool(user.person_id)  # type: ignore[union-attr]
            and lives_in_compound(person_id=user.person_id, compound_id=compound.pk),  # type: ignore[union-attr]
            "person_id": user.person_id,  # type: ignore[union-attr]
        },
    )
