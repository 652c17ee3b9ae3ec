"""The staff inbox on the dashboard: "my work" (the list behind the bell) and opening an item."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from owners.access import staff_required

from .. import selectors
from ..services import inbox as svc


@staff_required
def inbox_list(request):
    unread_only = request.GET.get("show") != "all"
    items = list(selectors.inbox_list_for(request.user, unread_only=unread_only)[:selectors.INBOX_PAGE])
    return render(request, "communications/inbox/list.html", {"items": items, "unread_only": unread_only})


@staff_required
def inbox_open(request, pk):
    """Mark the item read and go to what it is about. Another person's item is a 404."""
    item = svc.inbox_item_open(pk, user=request.user)
    target = item.target_url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "dashboard:inbox"  # only ever our own paths; anything else stays here
    return redirect(target)


@staff_required
@require_POST
def inbox_read_all(request):
    svc.inbox_mark_all_read(request.user)
    messages.success(request, _("Everything in your inbox is marked read."))
    return redirect("dashboard:inbox")
