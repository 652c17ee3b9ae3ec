"""What incidents adds to other apps' pages (core.slots), registered in IncidentsConfig.ready:
"escalate to an incident" on the staff complaint page and as a bulk action in the queue, and
"raise an incident" beside a media mention. complaints and communications never import incidents."""

from django.template.loader import render_to_string

from .models import IncidentComplaint, IncidentMention, Kind, Level
from .permissions import incident_can_open
from .selectors import incident_list_for


def _choices():
    return {"kinds": Kind.choices, "levels": Level.choices}


def complaint_ticket_actions(request, complaint) -> str:
    link = IncidentComplaint.objects.filter(complaint=complaint).select_related("incident").first()
    if link is not None:
        if not incident_list_for(request.user).filter(pk=link.incident_id).exists():
            return ""
    elif not incident_can_open(request.user, complaint.estate_id):
        return ""
    return render_to_string("incidents/slots/ticket_actions.html", {"link": link, "complaint": complaint, **_choices()},
                            request=request)


def complaint_queue_bulk(request) -> str:
    # Only staff see the queue, and every staff role may raise incidents at its estates (apps.py);
    # asking incident_can_open here would load Django's permission tables for every queue page.
    # The escalation itself is checked by incident_escalate_from_complaints.
    return render_to_string("incidents/slots/queue_bulk.html", _choices(), request=request)


def mention_actions(request, mentions) -> dict:
    """Per mention: its incident, or the form to raise one (for those who may at its estate)."""
    mentions = list(mentions)
    links = {link.mention_id: link for link in
             IncidentMention.objects.filter(mention_id__in=[m.pk for m in mentions]).select_related("incident")}
    out = {}
    for m in mentions:
        link = links.get(m.pk)
        if link is None and not (m.estate_id and incident_can_open(request.user, m.estate_id)):
            continue
        out[m.pk] = render_to_string("incidents/slots/mention_action.html", {"link": link, "mention": m, **_choices()},
                                     request=request)
    return out
