"""The owners' incident page on the portal: a status page. What is happening, where, the stage in
plain words, every published statement in order and what owners should do — nothing internal
(no log, tasks, team or names), and only for incidents of the owner's own estates once a
statement about them is published; anything else is a 404."""

from django.shortcuts import get_object_or_404, render

from owners.access import resident_required

from ..lifecycle import OWNER_STAGE_TEXT
from ..selectors import incident_places, incident_public_for, incident_public_statements


@resident_required
def detail(request, number):
    incident = get_object_or_404(incident_public_for(request.user.resident), number=str(number).strip().upper())
    return render(request, "incidents/portal/detail.html", {
        "incident": incident, "stage_text": OWNER_STAGE_TEXT.get(incident.stage, ""),
        "statements": incident_public_statements(incident),
        "places": incident_places(incident, units=False),  # no units: which homes were hit is not for every owner
    })
