"""消息: the user's own inbox (站内信)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from redprop.core.inputs import IDS_MAX, parse_id
from redprop.notifications.selectors import inbox_for
from redprop.notifications.services import inbox_mark_read
from redprop.web.access import role_required

PAGE_SIZE = 100


@require_GET
@role_required()
def inbox(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    items = list(inbox_for(user=request.user, unread_only=only_unread)[:PAGE_SIZE])
    return render(
        request,
        "web/inbox/inbox.html",
        {
            "items": items,
            "only_unread": only_unread,
            "any_unread": any(not i.is_read for i in items),
        },
    )


@require_POST
@role_required()
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark some (``ids``) or all (``all``) of the user's own items read."""
    if request.POST.get("all"):
        ids = list(inbox_for(user=request.user, unread_only=True).values_list("pk", flat=True))
    else:
        ids = [pk for v in request.POST.getlist("ids")[:IDS_MAX] if (pk := parse_id(v))]
    changed = inbox_mark_read(user=request.user, item_ids=ids)
    if changed:
        messages.success(request, _("已标为已读 %(n)d 条") % {"n": changed})
    return redirect("web:inbox")


@require_GET
@role_required()
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open an item's link and mark it read (only the user's own item, only a local link)."""
    item = inbox_for(user=request.user).filter(pk=pk).first()
    if item is None:
        return redirect("web:inbox")
    inbox_mark_read(user=request.user, item_ids=[item.pk])
    link = item.link or ""
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("web:inbox")
