"""Staff pages for announcements: write, get approval, send, watch the progress, chase."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.messages import error_text
from owners.access import perm_required, staff_required
from owners.selectors import building_list_for, estate_list_for

from .. import selectors
from ..forms import CHANNEL_CHOICES, AnnouncementForm, zone_label
from ..lifecycle import ANNOUNCEMENT
from ..models import Announcement
from ..permissions import announcement_can_approve
from ..services import announcements as svc

# What an edit may change through the page (the units of an announcement are chosen through the API).
_FORM_EDITABLE = sorted(svc.EDITABLE)


def _form_errors(form, exc):
    """A refused service call, its messages beside the fields they are about."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
        return
    for field, errors in (exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}).items():
        form.add_error(field if field in form.fields else None, errors)


@staff_required
def announcement_list(request):
    rows = selectors.announcement_list_for(request.user).order_by("-created_at")[:100]
    return render(request, "communications/staff/list.html", {"rows": rows})


@staff_required
@perm_required("communications.add_announcement")
def announcement_new(request):
    estates = estate_list_for(request.user)
    buildings = building_list_for(request.user).order_by("estate__name", "name")
    form = AnnouncementForm(request.POST or None, estates=estates, buildings=buildings,
                            initial={"estates": list(estates[:1]) if estates.count() == 1 else []})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            announcement = svc.announcement_create(author=request.user, estates=data.pop("estates"),
                                                   buildings=data.pop("buildings"), **data)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Check it, then send it or ask for approval."))
            return redirect("dashboard:announcement_detail", pk=announcement.pk)
    return render(request, "communications/staff/new.html", {"form": form}, status=400 if request.method == "POST" else 200)


@staff_required
@perm_required("communications.change_announcement")
def announcement_edit(request, pk):
    """Change a draft (a returned one too) or an approved announcement; an approved one then
    waits for approval again, and the page says so before the change is saved."""
    announcement = get_object_or_404(selectors.announcement_list_for(request.user), pk=pk)
    offered = {t.action for t in ANNOUNCEMENT.offered(announcement, request.user)}
    if not offered & {"edit", "edit_approved"}:
        messages.error(request, _("Only a draft or an approved announcement can be edited."))
        return redirect("dashboard:announcement_detail", pk=pk)
    estates = estate_list_for(request.user)
    buildings = building_list_for(request.user).order_by("estate__name", "name")
    form = AnnouncementForm(request.POST or None, instance=announcement, estates=estates, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in _FORM_EDITABLE}
        try:
            edited = svc.announcement_edit(announcement, actor=request.user, estates=form.cleaned_data["estates"],
                                           buildings=form.cleaned_data["buildings"], **data)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            if edited.status == Announcement.Status.PENDING_APPROVAL:
                messages.success(request, _("Saved. It was approved before the change, so it waits for the estate manager's approval again."))
            else:
                messages.success(request, _("Saved."))
            return redirect("dashboard:announcement_detail", pk=pk)
    return render(request, "communications/staff/edit.html", {
        "form": form, "a": announcement, "needs_reapproval": "edit_approved" in offered,
    }, status=400 if request.method == "POST" else 200)


def _context(request, announcement):
    return {
        "a": announcement, "progress": svc.announcement_progress(announcement),
        "failures": selectors.announcement_failures(announcement),
    }


@staff_required
def announcement_detail(request, pk):
    announcement = get_object_or_404(selectors.announcement_list_for(request.user), pk=pk)
    context = _context(request, announcement)
    labels = dict(CHANNEL_CHOICES)
    context.update(
        channel_labels=[str(labels.get(c, c)) for c in announcement.channels],
        can_approve=announcement_can_approve(request.user, announcement),
        estates=announcement.estates.all(), buildings=announcement.buildings.select_related("estate"),
        offered={t.action for t in ANNOUNCEMENT.offered(announcement, request.user)},
        events=selectors.announcement_history(announcement), zone=selectors.announcement_zone(announcement),
    )
    context["zone_label"] = zone_label(context["zone"])
    context["help_handled"] = sum(1 for h in context["progress"]["need_help"] if h["handled_at"])
    context["help_open"] = len(context["progress"]["need_help"]) - context["help_handled"]
    return render(request, "communications/staff/detail.html", context)


@staff_required
def announcement_progress_partial(request, pk):
    """The progress card alone, polled by htmx every few seconds while a send is running."""
    announcement = get_object_or_404(selectors.announcement_list_for(request.user), pk=pk)
    return render(request, "communications/staff/progress.html", _context(request, announcement))


def _act(request, pk, do, done):
    announcement = get_object_or_404(selectors.announcement_list_for(request.user), pk=pk)
    try:
        result = do(announcement)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect("dashboard:announcement_detail", pk=pk)


def _confirm(request, announcement, action):
    """The step between the button and a mass send: who it reaches on which channel and the SMS as
    it goes out; nothing is sent until the form on this page is posted with `confirmed`."""
    try:
        ANNOUNCEMENT.check({"publish": "schedule" if _scheduled(announcement) else "publish", "chase": "chase"}[action],
                           announcement, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect("dashboard:announcement_detail", pk=announcement.pk)
    preview = svc.announcement_chase_preview(announcement) if action == "chase" else svc.announcement_send_preview(announcement)
    labels = dict(CHANNEL_CHOICES)
    zone = selectors.announcement_zone(announcement)
    return render(request, "communications/staff/confirm.html", {
        "a": announcement, "action": action, "preview": preview, "zone": zone, "zone_label": zone_label(zone),
        "rows": [(str(labels.get(channel, channel)), n) for channel, n in preview["counts"].items()],
        "cancel_url": reverse("dashboard:announcement_detail", args=[announcement.pk]),
        "post_url": reverse("dashboard:announcement_action", args=[announcement.pk, action]),
    })


def _scheduled(announcement) -> bool:
    return announcement.scheduled_at is not None and announcement.scheduled_at > timezone.now()


def _round(request):
    try:
        return int(request.POST.get("round", ""))
    except ValueError:
        return None


@staff_required
@perm_required("communications.change_announcement")
@require_POST
def announcement_action(request, pk, action):
    if action in ("publish", "chase") and request.POST.get("confirmed") != "1":
        announcement = get_object_or_404(selectors.announcement_list_for(request.user), pk=pk)
        return _confirm(request, announcement, action)
    actions = {
        "request-approval": (lambda a: svc.announcement_request_approval(a, actor=request.user), _("Sent to the estate manager for approval.")),
        "approve": (lambda a: svc.announcement_approve(a, actor=request.user), _("Approved.")),
        "return": (lambda a: svc.announcement_return(a, actor=request.user, note=request.POST.get("note", "")),
                   _("Sent back to the writer with your note.")),
        "publish": (lambda a: svc.announcement_publish(a, actor=request.user), _("Sending has started (or is scheduled).")),
        "cancel": (lambda a: svc.announcement_cancel(a, actor=request.user), lambda n: _("Cancelled; %(n)d messages will not be sent.") % {"n": n}),
        "chase": (lambda a: svc.announcement_resend_unacknowledged(a, actor=request.user, expected_round=_round(request)),
                  lambda n: _("Sent again by SMS to %(n)d residents who have not acknowledged.") % {"n": n}),
    }
    if action not in actions:
        raise PermissionDenied
    do, done = actions[action]
    return _act(request, pk, do, done)
