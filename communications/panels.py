"""What communications shows on other apps' pages; registered in CommunicationsConfig.ready."""

from django.template.loader import render_to_string

from .models import Delivery

RESIDENT_MESSAGES_SHOWN = 20


def resident_messages_panel(request, resident) -> str:
    """The latest messages sent to a resident, for the staff's resident page (owners.panels)."""
    deliveries = Delivery.objects.filter(resident=resident).order_by("-created_at")[:RESIDENT_MESSAGES_SHOWN]
    return render_to_string("communications/includes/resident_messages.html", {"deliveries": deliveries}, request=request)
