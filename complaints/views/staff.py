"""The staff side of complaints: the queue, logging on an owner's behalf, and working a ticket."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.messages import error_text
from core.slots import slot_render
from owners.access import staff_required
from owners.permissions import ALL, resident_mobile_estates, resident_mobile_visible, staff_estate_ids
from owners.phone import mobile_mask
from owners.selectors import building_list_for, estate_list_for, occupancy_list_for_resident, resident_list_for, resident_search

from ..filters import ComplaintQueueFilter, id_from
from ..forms import AssignForm, FollowUpForm, LinkForm, StaffComplaintForm, TextForm, TriageForm, VisitForm
from ..lifecycle import transitions_for
from ..models import Category, ComplaintPhoto, FollowUp, Priority, Status
from ..permissions import can_work, complaint_can_log, complaint_log_offered, photo_can_view
from ..selectors import (
    assignable_staff,
    canned_replies_for,
    complaint_linked,
    complaint_list_for,
    complaint_others_of_owner,
    complaint_queue,
    complaint_timeline,
)
from ..services import (
    complaint_assign,
    complaint_link,
    complaint_log_for_owner,
    complaint_note,
    complaint_reply,
    complaint_transition,
    complaint_triage,
    complaint_visit,
    follow_up_record,
)
from .helpers import WHERE_FIELDS, complaint_for, form_errors_from, where_parse

PAGE = 50


# Deeper pages are answered empty without a query: an OFFSET that large costs a scan of every
# row before it, and nobody pages through 100,000 tickets rather than filtering them.
MAX_PAGE = 2000


# Bootstrap badge per priority: urgent work is red at a glance.
PRIORITY_BADGES = {Priority.URGENT: "text-bg-danger", Priority.HIGH: "text-bg-warning",
                   Priority.NORMAL: "text-bg-secondary", Priority.LOW: "text-bg-light border"}
EXCERPT = 40  # characters of the description a queue row shows


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"


def _queue_rows(rows):
    """Everything a queue row shows, worked out once in Python: at 50 rows a page, resolving
    lazy translations, reversing URLs and calling properties from the template cost more than
    the database did."""
    now = timezone.now()
    statuses, priorities = dict(Status.choices), dict(Priority.choices)
    statuses = {k: str(v) for k, v in statuses.items()}
    priorities = {k: str(v) for k, v in priorities.items()}
    detail = reverse("dashboard:complaint_detail", args=["NUMBER"])
    for c in rows:
        c.url = detail.replace("NUMBER", c.number)
        c.status_label, c.priority_label = statuses[c.status], priorities[c.priority]
        c.priority_badge = PRIORITY_BADGES.get(c.priority, "text-bg-secondary")
        c.excerpt = _excerpt(c.description)
        c.where_label = f"{c.estate.name} {c.where}"
        c.category_label = c.category.display_name
        c.assignee_label = c.assignee.display_name if c.assignee_id else "–"
        c.due = c.current_due if c.is_open else None
        c.overdue = bool(c.due and c.due < now)
    return rows


@staff_required
def queue(request):
    # No status means the open tickets (what the sidebar's link opens; see ComplaintQueueFilter).
    filters = ComplaintQueueFilter(request.GET, user=request.user, open_by_default=True).values  # what the form shows
    page = id_from(request.GET.get("page")) or 1
    if page > MAX_PAGE:
        rows, has_more = [], False
    else:
        rows, has_more = complaint_queue(request.user, request.GET, offset=(page - 1) * PAGE, limit=PAGE)
    rows = _queue_rows(rows)
    query = request.GET.copy()
    query.pop("page", None)
    estates = list(estate_list_for(request.user).order_by("name")[:200])
    # Buildings are offered for one estate at a time: the chosen one, or the only one.
    building_estate = filters["estate"] or (estates[0].pk if len(estates) == 1 else None)
    buildings = building_list_for(request.user).filter(estate_id=building_estate).order_by("name") if building_estate else []
    return render(request, "complaints/staff/queue.html", {
        "rows": rows, "has_more": has_more, "page": page, "filters": filters, "query": query.urlencode(),
        "statuses": [(v, str(label)) for v, label in Status.choices],
        "priorities": [(v, str(label)) for v, label in Priority.choices],
        "categories": [(c.pk, c.display_name) for c in Category.objects.all()],
        "estates": estates, "buildings": buildings,
        "assignees": assignable_staff(building_estate)[:200] if building_estate else [],
        "bulk_actions": slot_render("complaints.queue_bulk_actions", request),  # e.g. incidents' "escalate"
        "may_log": complaint_log_offered(request.user),  # the spokesperson reads the queue but logs nothing
        # Translated once per page rather than once per row.
        "reply_by": _("Reply by"), "solve_by": _("Solve by"), "breached": _("SLA breached"),
    })


@staff_required
def complaint_new(request):
    """Log a phone or in-person complaint: first find the owner, then describe it."""
    if not complaint_can_log(request.user):
        raise PermissionDenied(_("Your role may not log complaints."))
    resident = None
    if request.GET.get("resident") or request.POST.get("resident"):
        resident = get_object_or_404(resident_list_for(request.user), pk=id_from(request.GET.get("resident") or request.POST.get("resident")))
    if resident is None:
        found = list(resident_search(resident_list_for(request.user), request.GET.get("q", ""))[:20]) if request.GET.get("q") else []
        # Mobiles whole only for a role that shows them at every estate the user sees (no query per row).
        scope, seen = resident_mobile_estates(request.user), staff_estate_ids(request.user)
        full = scope is ALL or (seen is not ALL and bool(seen) and set(seen) <= set(scope or ()))
        for person in found:
            person.mobile_shown = person.mobile if full else mobile_mask(person.mobile)
        return render(request, "complaints/staff/new_find.html", {"found": found, "q": request.GET.get("q", "")})
    occupancies = [o for o in occupancy_list_for_resident(resident, request.user) if o.end_date is None]
    form = StaffComplaintForm(request.POST or None, request.FILES or None, occupancies=occupancies, initial={"resident": resident.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaint_log_for_owner(
                actor=request.user, resident=resident, category=data["category"], description=data["description"],
                location=data["location"], photos=request.FILES.getlist("photos"), channel=data["channel"],
                priority=data["priority"], preferred_visit=data["preferred_visit"], **where_parse(data["where"]),
            )
        except ValidationError as exc:
            form_errors_from(form, exc, WHERE_FIELDS)
        except PermissionDenied as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Complaint %(number)s logged.") % {"number": complaint.number})
            return redirect("dashboard:complaint_detail", number=complaint.number)
    return render(request, "complaints/staff/new.html", {"form": form, "resident": resident},
                  status=400 if request.method == "POST" else 200)


def _detail_context(request, complaint) -> dict:
    """Everything the ticket page shows; actions refused for a field re-render it with their
    bound form (or typed text) and the errors beside the field."""
    follow_up = FollowUp.objects.filter(complaint=complaint).select_related("assignee", "done_by").first()
    owner = complaint.resident
    owner.masked_mobile = mobile_mask(owner.mobile)
    return {
        "complaint": complaint,
        "timeline": complaint_timeline(complaint, for_owner=False),
        "transitions": transitions_for(complaint) if can_work(request.user, complaint) else [],
        "can_work": can_work(request.user, complaint),
        "assign_form": AssignForm(staff=assignable_staff(complaint.estate_id), initial={"assignee": complaint.assignee_id}),
        "triage_form": TriageForm(initial={"category": complaint.category_id, "priority": complaint.priority}),
        "text_form": TextForm(), "visit_form": VisitForm(), "link_form": LinkForm(), "follow_up_form": FollowUpForm(),
        "follow_up": follow_up, "linked": complaint_linked(complaint),
        "submitted_photos": complaint.photos.filter(event__kind="submitted"),
        "ticket_actions": slot_render("complaints.ticket_actions", request, complaint),  # e.g. incidents' "escalate"
        # Customer context: the owner's other tickets, and their mobile (masked for roles that
        # do not need it; one recorded click away, owners.views.dashboard.resident_mobile).
        "other_tickets": complaint_others_of_owner(request.user, complaint),
        "owner_mobile_full": resident_mobile_visible(request.user, [complaint.estate_id]),
        "canned_replies": canned_replies_for(complaint),
        "errors": {}, "typed": {},
    }


@staff_required
def detail(request, number):
    complaint = complaint_for(request.user, number)
    return render(request, "complaints/staff/detail.html", _detail_context(request, complaint))


def _act(request, number, do, *, form_key=None, form=None):
    """Run one staff action on a ticket and come back to it with the outcome as a message.

    A refusal about a field (the service's ValidationError names it, or `form` did not validate)
    shows the ticket page again with the error beside the field and what was typed kept; any
    other refusal comes back as a message at the top."""
    complaint = complaint_for(request.user, number)
    try:
        done = do(complaint)
    except ValidationError as exc:
        if form_key and (hasattr(exc, "error_dict") or (form is not None and form.errors)):
            return _detail_with_errors(request, complaint, form_key, exc, form)
        messages.error(request, error_text(exc))
    except PermissionDenied as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("dashboard:complaint_detail", number=number)


def _detail_with_errors(request, complaint, form_key, exc, form):
    context = _detail_context(request, complaint_for(request.user, complaint.number))
    if form is not None:
        if not form.errors:
            form_errors_from(form, exc)
        context[form_key] = form
    else:
        context["errors"] = {form_key: exc.messages}
        context["typed"] = {form_key: request.POST.get("text", "")}
    messages.error(request, _("Not saved: please correct the marked field."))
    return render(request, "complaints/staff/detail.html", context, status=400)


def _move_done(action, complaint):
    """The flash after a move: what happened, to which ticket (not only the status it reached)."""
    said = {
        "acknowledge": _("Complaint %(number)s acknowledged."),
        "start": _("Work started on complaint %(number)s."),
        "resolve": _("Complaint %(number)s resolved."),
        "close": _("Complaint %(number)s closed."),
        "reject": _("Complaint %(number)s rejected."),
        "reopen": _("Complaint %(number)s reopened."),
    }.get(action) or _("Complaint %(number)s is now: %(status)s.")
    return said % {"number": complaint.number, "status": Status(complaint.status).label}


@staff_required
@require_POST
def transition(request, number):
    action, text = request.POST.get("action", ""), request.POST.get("text", "")

    def do(complaint):
        complaint_transition(complaint, action, actor=request.user, text=text)
        return _move_done(action, complaint_for(request.user, number))

    return _act(request, number, do, form_key="transition")


@staff_required
@require_POST
def assign(request, number):
    form = AssignForm(request.POST, staff=assignable_staff(complaint_for(request.user, number).estate_id))

    def do(complaint):
        if not form.is_valid():
            raise ValidationError(_("Choose someone who works complaints at this estate."))
        complaint_assign(complaint, assignee=form.cleaned_data["assignee"], actor=request.user)
        return _("Assigned to %(name)s.") % {"name": form.cleaned_data["assignee"].display_name}

    return _act(request, number, do, form_key="assign_form", form=form)


@staff_required
@require_POST
def triage(request, number):
    form = TriageForm(request.POST)

    def do(complaint):
        if not form.is_valid():
            raise ValidationError(_("Choose a category and a priority."))
        complaint_triage(complaint, actor=request.user, **form.cleaned_data)
        return _("Category and priority saved; deadlines recomputed.")

    return _act(request, number, do, form_key="triage_form", form=form)


@staff_required
@require_POST
def reply(request, number):
    return _act(request, number, lambda c: complaint_reply(c, actor=request.user, text=request.POST.get("text", "")) and _("Reply sent to the owner."),
                form_key="reply")


@staff_required
@require_POST
def note(request, number):
    return _act(request, number, lambda c: complaint_note(c, actor=request.user, text=request.POST.get("text", "")) and _("Internal note added."),
                form_key="note")


@staff_required
@require_POST
def visit(request, number):
    return _act(request, number, lambda c: complaint_visit(
        c, actor=request.user, findings=request.POST.get("findings", ""), photos=request.FILES.getlist("photos")) and _("Visit recorded."),
        form_key="visit_form", form=VisitForm(request.POST))


@staff_required
@require_POST
def link(request, number):
    form = LinkForm(request.POST)

    def do(complaint):
        if not form.is_valid():
            raise ValidationError(_("Enter a ticket number."))
        other = complaint_list_for(request.user).filter(number=form.cleaned_data["number"].strip().upper()).first()
        if other is None:
            raise ValidationError({"number": _("No complaint %(number)s in your estates.") % {"number": form.cleaned_data["number"]}})
        complaint_link(complaint, other, actor=request.user, kind=form.cleaned_data["kind"])
        return _("Linked to %(number)s.") % {"number": other.number}

    return _act(request, number, do, form_key="link_form", form=form)


@staff_required
@require_POST
def follow_up(request, number):
    form = FollowUpForm(request.POST)

    def do(complaint):
        if not form.is_valid():
            raise ValidationError(_("Choose an outcome."))
        follow_up_record(complaint, actor=request.user, **form.cleaned_data)
        return _("Follow-up recorded.")

    return _act(request, number, do, form_key="follow_up_form", form=form)


def photo(request, pk):
    """A complaint photo, for whoever permissions.photo_can_view lets see it; 404 for everyone
    else, so a photo's existence is not revealed."""
    item = get_object_or_404(ComplaintPhoto.objects.select_related("complaint"), pk=pk)
    if not photo_can_view(request.user, item):
        raise Http404
    response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
