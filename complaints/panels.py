"""What complaints shows on owners' pages (owners.panels): registered in ComplaintsConfig.ready."""

from django.template.loader import render_to_string
from django.utils import timezone

from .arrears_selectors import arrears_actions_due_for
from .selectors import complaint_queue, complaints_of_resident

RESIDENT_COMPLAINTS_SHOWN = 20


def resident_complaints_panel(request, resident) -> str:
    """The resident's complaints the staff member may see: number, what it is about, status, link."""
    complaints = complaints_of_resident(request.user, resident, limit=RESIDENT_COMPLAINTS_SHOWN)
    return render_to_string("complaints/includes/resident_complaints.html", {"complaints": complaints}, request=request)


MY_QUEUE_SHOWN = 5


def my_queue_panel(request, estate_id: int | None = None) -> str:
    """"My queue" on the dashboard home: the user's open tickets (of one estate with `estate_id`),
    the soonest shown deadline first, each with its timer (red once past). The queue's own query,
    limited: one index range read."""
    params = {"status": "open", "assignee": "me"}
    if estate_id is not None:
        params["estate"] = str(estate_id)
    rows, more = complaint_queue(request.user, params, limit=MY_QUEUE_SHOWN)
    if not rows:
        return ""
    return render_to_string("complaints/includes/my_queue.html", {"complaints": rows, "more": more, "estate_id": estate_id},
                            request=request)


ARREARS_DUE_SHOWN = 5


def arrears_due_panel(request, estate_id: int | None = None) -> str:
    """"Arrears actions due" on the dashboard home: open cases of the user's estates whose next step
    is due today or earlier (the user's own first), and how many there are. Nothing for someone
    who may not see arrears: they are private."""
    today = timezone.localdate()
    due = arrears_actions_due_for(request.user, limit=ARREARS_DUE_SHOWN, today=today, estate_id=estate_id)
    if not due["cases"]:
        return ""
    return render_to_string("complaints/includes/arrears_due.html", {**due, "today": today}, request=request)
