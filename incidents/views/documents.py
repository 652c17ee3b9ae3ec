"""Printed documents of an incident: the certificate PDF, for staff of the estate."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from core.documents import pdf_response
from owners.access import staff_required

from ..documents import certificate_pdf
from ..models import IncidentCertificate
from ..permissions import incident_can_view


@staff_required
def certificate_download(request, number, pk):
    certificate = get_object_or_404(IncidentCertificate.objects.select_related("incident__estate", "resident", "unit"),
                                    pk=pk, incident__number=number)
    if not incident_can_view(request.user, certificate.incident):
        raise Http404
    return pdf_response(certificate_pdf(certificate), filename=f"事故证明-{certificate.number}.pdf")
