"""The lawyer letter and the statement of account, printed by the one document helper."""

import datetime
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import Heading, KeyValues, Paragraph, Signature, Table, render_pdf
from owners.models import FeeLedgerEntry, Unit
from owners.selectors import unit_account

from ...models import (
    ArrearsApproval,
    ArrearsEvent,
)
from ...models.arrears import Step
from .common import Kind, _event, _locked, _require_open, _require_work

# ---- The lawyer letter

@transaction.atomic
def arrears_letter_issue(case, *, actor, today=None, issuer: str | None = None) -> tuple[ArrearsEvent, bytes]:
    """Print the lawyer letter of a case whose lawyer-letter step was approved, and record it on
    the timeline with its number. Returns the event and the PDF."""
    case = _locked(case)
    _require_work(actor, case)
    _require_open(case)
    if case.step != Step.LAWYER_LETTER or not ArrearsApproval.objects.filter(case=case, step=Step.LAWYER_LETTER, approved=True).exists():
        raise ValidationError(_("A lawyer letter can be printed only once an estate manager has approved it."))
    today = today or timezone.localdate()
    issued = ArrearsEvent.objects.filter(case=case, kind=Kind.LETTER).count()
    number = f"LL-{case.pk:06d}-{issued + 1}"
    event = _event(case, Kind.LETTER, actor, body=_("Lawyer letter %(number)s printed.") % {"number": number}, document_number=number)
    return event, arrears_letter_pdf(case, number=number, issued_on=today, issuer=issuer)


def arrears_letter_pdf(case, *, number, issued_on, issuer=None) -> bytes:
    """The lawyer letter's PDF (through core/documents.py): the owner, the unit, every overdue
    month and the total, a deadline of 15 days."""
    issuer = issuer or str(settings.COMPANY_NAME)
    entries = list(FeeLedgerEntry.objects.filter(unit_id=case.unit_id, due_date__lt=issued_on, billed__gt=F("paid"))
                   .order_by("period").values_list("period", "billed", "paid", "due_date"))
    total = sum((b - p for _period, b, p, _due in entries), Decimal("0"))
    unit = Unit.objects.select_related("building__estate").get(pk=case.unit_id)
    owner = case.resident.name if case.resident_id else _("Owner")
    deadline = issued_on + timedelta(days=15)
    return render_pdf(
        title=_("Lawyer letter on overdue property service fees"),
        number=number, issued_on=issued_on, issuer=issuer,
        blocks=[
            Paragraph(_("To %(owner)s, owner of %(estate)s %(unit)s:") % {"owner": owner, "estate": unit.building.estate.name, "unit": unit.label}),
            Paragraph(_("According to the property service contract, the service fees below are overdue. Despite our reminders, "
                        "calls and visits they remain unpaid. Please pay the total by %(deadline)s, or contact the management "
                        "office to agree a plan. Otherwise we will take legal action to recover the fees.") % {"deadline": deadline.isoformat()}),
            Heading(_("Overdue fees")),
            Table(header=(_("Month"), _("Billed"), _("Paid"), _("Due date")),
                  rows=[(p.strftime("%Y-%m"), f"{b:.2f}", f"{pd:.2f}", d.isoformat()) for p, b, pd, d in entries],
                  total=(_("Total overdue"), "", "", f"{total:.2f}")),
            KeyValues([(_("Management office"), issuer), (_("Pay by"), deadline.isoformat())]),
            Signature(_("Issued by (seal)"), issuer),
        ],
    )


def arrears_statement_pdf(unit_id, *, resident_name: str, today: datetime.date, issuer: str | None = None) -> bytes:
    """A statement of account for one unit (every month billed, paid and owed), for the owner's
    portal and for the 'statement of account' step of a disputed amount."""
    issuer = issuer or str(settings.COMPANY_NAME)
    unit = Unit.objects.select_related("building__estate").get(pk=unit_id)
    rows = list(FeeLedgerEntry.objects.filter(unit_id=unit_id).order_by("period").values_list("period", "billed", "paid", "due_date"))
    account = unit_account(unit_id, today)
    return render_pdf(
        title=_("Statement of account"),
        issued_on=today, issuer=issuer,
        blocks=[
            KeyValues([(_("Owner"), resident_name), (_("Unit"), f"{unit.building.estate.name} {unit.label}")]),
            Table(header=(_("Month"), _("Billed"), _("Paid"), _("Owed"), _("Due date")),
                  rows=[(p.strftime("%Y-%m"), f"{b:.2f}", f"{pd:.2f}", f"{max(b - pd, 0):.2f}", d.isoformat()) for p, b, pd, d in rows],
                  total=(_("Total"), f"{account['billed']:.2f}", f"{account['paid']:.2f}", f"{account['balance']:.2f}", "")),
            KeyValues([(_("Overdue"), f"{account['arrears']:.2f}"), (_("Months overdue"), str(account["months_overdue"]))]),
        ],
    )
