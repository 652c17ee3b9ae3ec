"""The owner's side of complaints: submit, follow, message, rate. Phone-sized first."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.exceptions import Ratelimited

from core.messages import error_text
from owners.access import resident_required
from owners.selectors import occupancy_list_for_resident

from ..forms import OwnerComplaintForm, OwnerMessageForm, RatingForm, TextForm
from ..lifecycle import OWNER_STATUS_TEXT, TRANSITIONS
from ..limits import complaint_message_limited, complaint_submit_limited
from ..models import Status
from ..selectors import complaint_owner_list, complaint_photos, complaint_timeline
from ..services import complaint_owner_message, complaint_rate, complaint_submit, complaint_transition
from .helpers import WHERE_FIELDS, complaint_for, form_errors_from, where_parse


@resident_required
def complaint_list(request):
    return render(request, "complaints/portal/list.html", {"complaints": complaint_owner_list(request.user)})


@resident_required
def complaint_new(request):
    if request.method == "POST" and complaint_submit_limited(request):
        raise Ratelimited()
    resident = request.user.resident
    occupancies = [o for o in occupancy_list_for_resident(resident) if o.end_date is None]
    form = OwnerComplaintForm(request.POST or None, request.FILES or None, occupancies=occupancies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaint_submit(
                resident=resident, category=data["category"], description=data["description"],
                location=data["location"], photos=request.FILES.getlist("photos"), preferred_visit=data["preferred_visit"],
                homes=occupancies,
                **where_parse(data["where"]),
            )
        except ValidationError as exc:
            form_errors_from(form, exc, WHERE_FIELDS)
        else:
            messages.success(request, _("Thank you. Your complaint number is %(number)s.") % {"number": complaint.number})
            return redirect("portal:complaint_detail", number=complaint.number)
    status = 400 if request.method == "POST" else 200
    return render(request, "complaints/portal/new.html", {"form": form, "occupancies": occupancies}, status=status)


@resident_required
def complaint_detail(request, number):
    complaint = complaint_for(request.user, number)
    return render(request, "complaints/portal/detail.html", {
        "complaint": complaint,
        "status_text": OWNER_STATUS_TEXT[complaint.status],
        "timeline": complaint_timeline(complaint, for_owner=True),
        "photos": complaint_photos(complaint, for_owner=True).filter(event__kind="submitted"),
        "message_form": OwnerMessageForm(),
        "rating_form": RatingForm(),
        # A closed ticket's "not solved" button; a resolved one is reopened through the rating.
        "may_reopen": complaint.status == Status.CLOSED and TRANSITIONS["reopen"].allows(complaint, owner=True),
        "may_withdraw": TRANSITIONS["withdraw"].allows(complaint, owner=True),
    })


@resident_required
@require_POST
def complaint_message(request, number):
    complaint = complaint_for(request.user, number)
    if complaint_message_limited(request, complaint):
        raise Ratelimited()
    form = OwnerMessageForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        complaint_owner_message(complaint, user=request.user, text=form.cleaned_data["text"], photos=form.cleaned_data["photos"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your message has been added."))
    return redirect("portal:complaint_detail", number=number)


@resident_required
@require_POST
def complaint_rate_view(request, number):
    complaint = complaint_for(request.user, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose from 1 to 5 stars."))
        return redirect("portal:complaint_detail", number=number)
    try:
        complaint = complaint_rate(complaint, user=request.user, rating=form.cleaned_data["rating"],
                                   comment=form.cleaned_data["comment"], solved=form.cleaned_data["solved"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        if complaint.status == "reopened":
            messages.info(request, _("We are sorry it is not solved. Your complaint has been reopened and the estate manager has been told."))
        else:
            messages.success(request, _("Thank you for your rating."))
    return redirect("portal:complaint_detail", number=number)


@resident_required
@require_POST
def complaint_reopen(request, number):
    """The owner says a closed ticket's problem is back, while the lifecycle still lets them."""
    complaint = complaint_for(request.user, number)
    form = TextForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        complaint_transition(complaint, "reopen", actor=request.user, text=form.cleaned_data["text"], owner=True)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.info(request, _("We are sorry it is not solved. Your complaint has been reopened and the estate manager has been told."))
    return redirect("portal:complaint_detail", number=number)


@resident_required
@require_POST
def complaint_withdraw(request, number):
    """The owner takes back a complaint nobody has taken up yet (lifecycle "withdraw")."""
    complaint = complaint_for(request.user, number)
    form = TextForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        complaint_transition(complaint, "withdraw", actor=request.user, text=form.cleaned_data["text"], owner=True)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Complaint %(number)s has been withdrawn. Thank you for letting us know.") % {"number": number})
    return redirect("portal:complaint_detail", number=number)
