"""The incident certificate (事故证明) as a printable PDF, through the one document helper."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import Heading, KeyValues, Paragraph, Signature, render_pdf


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def certificate_pdf(certificate) -> bytes:
    """A dated account of the incident at the estate for the named owner: what happened, where
    and when, what the management office did, and what it means for this owner. Built from the
    record each time, so a reprint says exactly what the first print said."""
    incident = certificate.incident
    estate = incident.estate
    where = incident.location or ", ".join(str(b) for b in incident.buildings.all()) or estate.name
    facts = [
        (_("Certificate number"), certificate.number),
        (_("Issued to"), certificate.resident.name),
        (_("Unit"), str(certificate.unit) if certificate.unit_id else "—"),
        (_("Purpose"), str(certificate.get_purpose_display())),
        (_("Estate"), estate.name),
        (_("Where"), where),
        (_("Incident"), f"{incident.number} {incident.get_kind_display()}"),
        (_("Reported at"), _when(incident.opened_at)),
        (_("Response started"), _when(incident.response_at)),
    ]
    blocks = [
        Paragraph(_("The management office of %(estate)s certifies the following incident, as recorded in its incident log.")
                  % {"estate": estate.name}),
        KeyValues(facts),
        Heading(_("What happened")),
        Paragraph(incident.description or incident.title),
        Heading(_("What happened to the owner")),
        Paragraph(certificate.particulars),
        Heading(_("What the management office did")),
        Paragraph(certificate.office_actions),
        Paragraph(_("This certificate states the facts recorded by the management office. It is issued at the owner's "
                    "request for the purpose above and does not by itself decide liability.")),
        Signature(_("%(company)s (seal)") % {"company": settings.COMPANY_NAME}),
    ]
    return render_pdf(title=_("Incident certificate"), blocks=blocks, number=certificate.number,
                      issued_on=timezone.localdate(certificate.issued_at), issuer=str(settings.COMPANY_NAME))
