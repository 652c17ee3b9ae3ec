"""The owner portal: phone-sized first, shows a resident only what is theirs."""

from django.shortcuts import render

from ..access import resident_required
from ..selectors import occupancy_list_for_resident


@resident_required
def home(request):
    resident = request.user.resident
    occupancies = list(occupancy_list_for_resident(resident))
    current = [o for o in occupancies if o.end_date is None]
    return render(request, "portal/home.html", {"resident": resident, "occupancies": current})
