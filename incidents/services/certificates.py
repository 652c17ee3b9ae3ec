"""Incident certificates (事故证明): a numbered, dated account issued to a named owner."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from owners.selectors import resident_homes

from ..models import IncidentCertificate, IncidentEvent, Stage
from ..permissions import certificate_can_issue
from .common import event, locked, number_next, require, text


@transaction.atomic
def certificate_issue(incident, *, actor, resident, particulars: str, office_actions: str, unit=None,
                      purpose=IncidentCertificate.Purpose.INSURANCE) -> IncidentCertificate:
    """Issue a certificate to an owner who lives (or owns a unit) in the incident's estate. Only
    for an incident past its warning stage: a certificate states what happened, and a warning
    that was dismissed did not happen."""
    incident = locked(incident)
    require(certificate_can_issue(actor, incident), _("Only an estate manager issues incident certificates."))
    if incident.stage in (Stage.WARNING, Stage.DISMISSED):
        raise ValidationError(_("A certificate is issued for an incident that has been responded to."), code="not_certifiable")
    if purpose not in IncidentCertificate.Purpose.values:
        raise ValidationError({"purpose": _("Choose one of the listed values.")})
    homes = [o.unit for o in resident_homes(resident) if o.unit.building.estate_id == incident.estate_id]
    if not homes:
        raise ValidationError({"resident": _("Choose an owner of this estate.")})
    if unit is None:
        unit = homes[0]
    elif unit.pk not in {u.pk for u in homes}:
        raise ValidationError({"unit": _("Choose one of the owner's units in this estate.")})
    certificate = IncidentCertificate.objects.create(
        number=number_next("ZM"), incident=incident, resident=resident, unit=unit, purpose=purpose,
        particulars=text(particulars, "particulars"), office_actions=text(office_actions, "office_actions"), issued_by=actor)
    event(incident, IncidentEvent.Kind.CERTIFICATE, actor,
          params={"number": certificate.number, "name": resident.name, "unit": str(unit), "certificate": certificate.pk})
    return certificate
