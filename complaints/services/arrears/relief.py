"""Relief and instalment requests: the owner asks in the portal; staff decide with a reason."""


from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import Building, Unit
from owners.selectors import unit_account

from ...models import (
    ArrearsCase,
    ReliefRequest,
)
from ...models.arrears import CaseStatus, Outcome
from .cases import _close
from .common import Kind, _event, _text
from .notify import staff_arrears_notify

# ---- Relief and instalment requests (the owner asks in the portal; staff decide with a reason)

RELIEF_FILES_MAX = 5
RELIEF_PDF_MAX_BYTES = 5 * 1024 * 1024


def _relief_files_clean(files):
    """Supporting files: photos (re-encoded, no EXIF, as complaint photos) or PDFs (checked by
    their first bytes and size). Anything else is refused with its name."""
    from django.core.files.base import ContentFile

    from ...photos import photos_clean

    files = list(files or [])
    if len(files) > RELIEF_FILES_MAX:
        raise ValidationError({"files": _("At most %(n)d files.") % {"n": RELIEF_FILES_MAX}})
    cleaned, photos = [], []
    for upload in files:
        head = upload.read(5)
        upload.seek(0)
        if head == b"%PDF-":
            if upload.size > RELIEF_PDF_MAX_BYTES:
                raise ValidationError({"files": _("%(name)s is larger than %(mb)d MB.") % {"name": upload.name, "mb": RELIEF_PDF_MAX_BYTES // (1024 * 1024)}})
            cleaned.append((ContentFile(upload.read()), "application/pdf", upload.name[:100], "pdf"))
        else:
            photos.append(upload)
    for upload, photo in zip(photos, photos_clean(photos), strict=True):
        cleaned.append((photo.content, photo.content_type, upload.name[:100], photo.content_type.split("/")[-1]))
    return cleaned


@transaction.atomic
def relief_request_submit(*, user, unit: Unit, kind: str, reason: str, instalments=None, files=()):
    """An owner applies for relief or an instalment plan for a unit they live in, with a reason
    and supporting files. One pending request per unit."""
    from owners.selectors import resident_homes

    from ...models import ReliefRequestFile
    from ...permissions import resident_of

    resident = resident_of(user)
    if resident is None or not resident_homes(resident).filter(unit_id=unit.pk).exists():
        raise PermissionDenied(_("You can apply only for a home of your own."))
    if kind not in ReliefRequest.Kind.values:
        raise ValidationError({"kind": _("Choose relief or an instalment plan.")})
    reason = _text(reason, "reason")
    if kind == ReliefRequest.Kind.INSTALMENT:
        try:
            instalments = int(instalments)
        except (TypeError, ValueError):
            raise ValidationError({"instalments": _("Say in how many instalments (2 to 24) you would like to pay.")})
        if not 2 <= instalments <= 24:
            raise ValidationError({"instalments": _("Say in how many instalments (2 to 24) you would like to pay.")})
    else:
        instalments = None
    cleaned = _relief_files_clean(files)
    estate_id = Building.objects.filter(pk=unit.building_id).values_list("estate_id", flat=True).get()
    if ReliefRequest.objects.filter(unit=unit, status=ReliefRequest.Status.PENDING).exists():
        raise ValidationError(_("A request for this home is already waiting for a decision."))
    case = ArrearsCase.objects.filter(unit=unit, status=CaseStatus.OPEN).first()
    try:
        with transaction.atomic():
            request = ReliefRequest.objects.create(estate_id=estate_id, unit=unit, resident=resident, case=case, kind=kind, reason=reason,
                                                   instalments=instalments)
    except IntegrityError:
        raise ValidationError(_("A request for this home is already waiting for a decision."))
    for content, content_type, name, ext in cleaned:
        item = ReliefRequestFile(request=request, name=name, content_type=content_type, size=content.size)
        item.file.save(f"file.{ext}", content, save=False)
        item.save()
    if case is not None:
        _event(case, Kind.RELIEF, None, body=f"{ReliefRequest.Kind(kind).label}: {reason}")
        staff_arrears_notify(case, [case.assignee] if case.assignee_id else [], topic="arrears.relief_requested", key=f"relief:{request.pk}",
                             message=lambda: _("The owner applied for %(kind)s.") % {"kind": ReliefRequest.Kind(kind).label})
    return request


@transaction.atomic
def relief_request_decide(request, *, actor, approve: bool, reason: str, today=None):
    """Staff approve or decline a relief or instalment request with a reason the owner sees. An
    approved instalment plan gets its instalments (equal monthly shares of the balance); an
    approval closes the unit's open case with that outcome."""
    from ...permissions import relief_can_decide

    request = ReliefRequest.objects.select_for_update().select_related("resident").get(pk=request.pk)
    if not relief_can_decide(actor, request):
        raise PermissionDenied(_("You may not decide relief requests at this estate."))
    if request.status != ReliefRequest.Status.PENDING:
        raise ValidationError(_("This request has been decided already."))
    reason = _text(reason, "reason")
    today = today or timezone.localdate()
    request.status = ReliefRequest.Status.APPROVED if approve else ReliefRequest.Status.DECLINED
    request.decided_by, request.decided_at, request.decision_reason = actor, timezone.now(), reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    balance = unit_account(request.unit_id, today)["balance"]
    if approve and request.kind == ReliefRequest.Kind.INSTALMENT and balance > 0:
        from .instalments import instalment_plan_create

        instalment_plan_create(request, balance, today)
    case = ArrearsCase.objects.select_for_update(of=("self",)).filter(unit_id=request.unit_id, status=CaseStatus.OPEN).first()
    if case is not None:
        label = ReliefRequest.Kind(request.kind).label
        _event(case, Kind.RELIEF, actor, body=(_("%(kind)s approved: %(reason)s") if approve else _("%(kind)s declined: %(reason)s"))
               % {"kind": label, "reason": reason})
        if approve:
            outcome = Outcome.INSTALMENT if request.kind == ReliefRequest.Kind.INSTALMENT else Outcome.RELIEF
            _close(case, outcome, actor, reason)
    from .notify import owner_relief_decided

    owner_relief_decided(request, approved=bool(approve))
    return request
