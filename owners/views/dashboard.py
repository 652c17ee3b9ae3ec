"""Staff dashboard pages about the registry: estates, residents, invitations, imports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import perm_required, staff_required
from ..forms import ImportForm
from ..models import Invitation
from ..panels import resident_panels_render
from ..permissions import estate_can_import, resident_can_invite, resident_mobile_estates, resident_mobile_visible
from ..phone import mobile_mask
from ..selectors import (
    building_list_for,
    estate_list_for,
    estate_summaries_for,
    occupancy_list_for,
    occupancy_list_for_resident,
    resident_list_for,
    resident_search,
)
from ..services import ImportRejected, estate_residents_import, estate_units_import, resident_invite, resident_mobile_reveal
from ..services.import_reports import IMPORT_ERRORS_SHOWN, import_errors_fetch, import_errors_keep
from ..services.imports import import_columns

PAGE_SIZE = 50


@staff_required
def estate_list(request):
    return render(request, "owners/estate_list.html", {"estates": estate_summaries_for(request.user)})


@staff_required
def estate_detail(request, pk):
    estate = get_object_or_404(estate_list_for(request.user), pk=pk)
    buildings = (
        building_list_for(request.user).filter(estate=estate).annotate(unit_count=Count("units")).order_by("name")
    )
    return render(request, "owners/estate_detail.html", {"estate": estate, "buildings": buildings})


@staff_required
def resident_list(request):
    qs = resident_list_for(request.user)
    estates = estate_list_for(request.user)
    estate_id = request.GET.get("estate")
    if estate_id and estate_id.isdigit():
        # Only homes the user may see count, or the filter would tell where else a resident lives.
        qs = qs.filter(Exists(occupancy_list_for(request.user).filter(
            resident=OuterRef("pk"), end_date__isnull=True, unit__building__estate_id=int(estate_id))))
    qs = resident_search(qs, request.GET.get("q", ""))
    qs = qs.order_by("name", "id").prefetch_related(
        Prefetch("occupancies", queryset=occupancy_list_for(request.user).filter(end_date__isnull=True))
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    residents_mobile_mark(request.user, page, lambda r: [o.unit.building.estate_id for o in r.occupancies.all()])
    return render(request, "owners/resident_list.html", {
        "page": page, "estates": estates, "q": request.GET.get("q", ""), "estate_id": estate_id,
    })


@staff_required
def resident_detail(request, pk):
    resident = get_object_or_404(resident_list_for(request.user), pk=pk)
    invitation = Invitation.objects.filter(resident=resident).first()
    occupancies = occupancy_list_for_resident(resident, request.user)
    residents_mobile_mark(request.user, [resident], lambda r: [o.unit.building.estate_id for o in occupancies if o.end_date is None])
    return render(request, "owners/resident_detail.html", {
        "resident": resident, "occupancies": occupancies, "invitation": invitation,
        "can_invite": resident_can_invite(request.user, resident),
        # What other apps show about the resident, e.g. the messages sent (registered by communications).
        "panels": resident_panels_render(request, resident),
    })


def residents_mobile_mark(user, residents, estates_of) -> None:
    """Set `masked_mobile` and `mobile_full` on each resident for the mobile include: whole for
    roles that need it at the resident's estates, else 139****0185 with a recorded "show"."""
    scope = resident_mobile_estates(user)
    for resident in residents:
        resident.masked_mobile = mobile_mask(resident.mobile)
        resident.mobile_full = resident_mobile_visible(user, estates_of(resident), scope=scope)


@staff_required
@require_POST
def resident_mobile(request, pk):
    """The resident's whole mobile number, one click away from the masked one; the click is recorded."""
    resident = get_object_or_404(resident_list_for(request.user), pk=pk)
    mobile = resident_mobile_reveal(actor=request.user, resident=resident)
    if request.headers.get("HX-Request"):
        return render(request, "owners/includes/mobile_full.html", {"mobile": mobile})
    messages.info(request, _("Mobile of %(name)s: %(mobile)s") % {"name": resident.name, "mobile": mobile or "–"})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("dashboard:resident_detail", args=[resident.pk])
    return redirect(target)


@staff_required
@perm_required("owners.add_invitation")
@require_POST
def resident_invite_view(request, pk):
    resident = get_object_or_404(resident_list_for(request.user), pk=pk)
    try:
        resident_invite(resident=resident, invited_by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Invitation sent to %(name)s.") % {"name": resident.name})
    return redirect("dashboard:resident_detail", pk=resident.pk)


@staff_required
def import_template(request, kind):
    """An empty CSV with the right headings, UTF-8 with BOM so Excel shows the Chinese correctly."""
    if kind not in ("units", "residents"):
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lighthouse-{kind}.csv"'
    response.write("\ufeff" + ",".join(c.aliases[0] for c in import_columns(kind)) + "\r\n")
    return response


@staff_required
def import_upload(request):
    if request.method == "GET" and "errors" in request.GET:
        return _import_errors_download(request, request.GET["errors"])
    estates = estate_list_for(request.user)
    # The form offers only the estates where the role may import something, and none at all to a
    # role that may import nothing (nobody fills it in to be refused); a post is still checked.
    importable = [e.pk for e in estates if estate_can_import(request.user, e, "units") or estate_can_import(request.user, e, "residents")]
    if request.method != "POST":
        estates = estates.filter(pk__in=importable)
    initial = {"estate": estates.first()} if len(importable) == 1 else {}
    form = ImportForm(request.POST or None, request.FILES or None, estates=estates, initial=initial)
    context = {"form": form, "unit_columns": import_columns("units"), "resident_columns": import_columns("residents"),
               "may_import": bool(importable)}
    if request.method == "POST" and form.is_valid():
        kind, estate = form.cleaned_data["kind"], form.cleaned_data["estate"]
        if not estate_can_import(request.user, estate, kind):
            form.add_error("kind", _("Your role may not import this kind of file."))
            return render(request, "owners/import.html", context, status=403)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            if kind == "units":
                result = estate_units_import(estate=estate, data=data, actor=request.user)
            else:
                result = estate_residents_import(estate=estate, data=data, actor=request.user)
        except ImportRejected as exc:
            # The first errors in the page, all of them as a download: 100,000 rows of HTML helps nobody.
            shown = exc.errors[:IMPORT_ERRORS_SHOWN]
            context.update(import_error=exc.message, row_errors=shown, total_errors=len(exc.errors), filename=upload.name,
                           errors_token=import_errors_keep(request.user, exc.errors) if len(exc.errors) > len(shown) else None)
            return render(request, "owners/import.html", context, status=400)
        context.update(result=result, filename=upload.name)
        messages.success(request, _("Import finished: %(rows)d rows.") % {"rows": result.rows})
    elif request.method == "POST":
        return render(request, "owners/import.html", context, status=400)
    return render(request, "owners/import.html", context)


def _import_errors_download(request, token):
    """The full error list of this user's last rejected import (kept an hour), as CSV; else 404."""
    data = import_errors_fetch(request.user, token)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
    return response
