"""What complaints shows on owners' pages (owners.panels): registered in ComplaintsConfig.ready."""

from django.template.loader import render_to_string

from .selectors import complaints_of_resident

RESIDENT_COMPLAINTS_SHOWN = 20


def resident_complaints_panel(request, resident) -> str:
    """The resident's complaints the staff member may see: number, what it is about, status, link."""
    complaints = complaints_of_resident(request.user, resident, limit=RESIDENT_COMPLAINTS_SHOWN)
    return render_to_string("complaints/includes/resident_complaints.html", {"complaints": complaints}, request=request)
