"""The media desk's lists on the dashboard: every mention (filtered and searched), every inquiry
with what was said, and the stakeholders with their contact log — for the spokesperson and the
other staff who never open the admin. Forms are offered only to roles that may submit them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from owners.access import staff_required

from .. import selectors
from ..media_forms import ContactLogForm, InquiryFilter, MentionFilter
from ..models import ContactLog, MediaInquiry, MediaMention, Stakeholder
from ..permissions import contact_log_can_add, inquiry_can_answer, media_record_can_add
from ..services import media as svc

PAGE = 30
MAX_PAGE = 1000
STAKEHOLDERS_MAX = 300
CONTACTS_MAX = 200


def _page(request, queryset):
    """One page of `queryset` without a COUNT over it: a row more than a page says whether
    there is a next one. Returns (rows, page number, has next, the query string without page)."""
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    rows = list(queryset[(number - 1) * PAGE: number * PAGE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return {"rows": rows[:PAGE], "page": number, "has_next": len(rows) > PAGE, "query": query.urlencode()}


@staff_required
def mention_list(request):
    """Every mention the user may see, newest first, by source, sentiment, estate, day range and text."""
    filters = MentionFilter(request.GET or None, actor=request.user)
    mentions = filters.apply(selectors.mention_list_for(request.user)).order_by("-mentioned_at", "-id")
    return render(request, "communications/media/mentions.html", {
        "filters": filters, "may_record": media_record_can_add(request.user, MediaMention), **_page(request, mentions)})


@staff_required
def inquiry_list(request):
    """Inquiries open and closed, with the answer or the reason for declining."""
    filters = InquiryFilter(request.GET or None, actor=request.user)
    page = _page(request, filters.apply(selectors.inquiry_list_for(request.user)))
    return render(request, "communications/media/inquiries.html", {
        "filters": filters, "now": timezone.now(), "may_record": media_record_can_add(request.user, MediaInquiry), **page,
        "answerable": {q.pk for q in page["rows"] if q.status == q.Status.OPEN and inquiry_can_answer(request.user, q.estate_id)},
    })


@staff_required
def stakeholder_list(request):
    stakeholders = (selectors.stakeholder_list_for(request.user)
                    .annotate(contacts_n=Count("contacts"), last_contact_at=Max("contacts__at"))
                    .order_by("kind", "name", "id")[:STAKEHOLDERS_MAX])
    return render(request, "communications/media/stakeholders.html", {
        "stakeholders": stakeholders, "may_record": media_record_can_add(request.user, Stakeholder)})


def _stakeholder_page(request, stakeholder, form, status=200):
    contacts = ContactLog.objects.filter(stakeholder=stakeholder).select_related("by").order_by("-at", "-id")[:CONTACTS_MAX]
    return render(request, "communications/media/stakeholder.html", {
        "p": stakeholder, "contacts": contacts, "form": form if contact_log_can_add(request.user, stakeholder) else None,
    }, status=status)


@staff_required
def stakeholder_detail(request, pk):
    """One stakeholder and every conversation logged with them; the form to log one, for whom may."""
    stakeholder = get_object_or_404(selectors.stakeholder_list_for(request.user), pk=pk)
    return _stakeholder_page(request, stakeholder, ContactLogForm())


@staff_required
@require_POST
def stakeholder_contact_add(request, pk):
    stakeholder = get_object_or_404(selectors.stakeholder_list_for(request.user), pk=pk)
    if not contact_log_can_add(request.user, stakeholder):
        raise PermissionDenied
    form = ContactLogForm(request.POST)
    if form.is_valid():
        try:
            svc.contact_log_add(stakeholder=stakeholder, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:  # the typed text stays on the page, the reason beside its field
            form.add_error(None, exc)
        else:
            messages.success(request, _("Contact with %(name)s logged.") % {"name": stakeholder.name})
            return redirect("dashboard:stakeholder_detail", pk=pk)
    return _stakeholder_page(request, stakeholder, form, status=400)
