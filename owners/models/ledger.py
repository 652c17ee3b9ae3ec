"""The service-fee ledger (物业费台账): what each unit was billed per month and what it paid.

Owner data, so it lives here on the ground floor; arrears cases (complaints) read it through
owners.selectors and learn that a unit has paid up through owners.signals.arrears_cleared.
Amounts are Decimal yuan, never floating point.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}


class FeeLedgerEntry(models.Model):
    """One unit's service fee for one month: billed, paid so far, and when it was due.

    `period` is the first day of the month billed. Written only by owners.services.ledger (the
    ledger import and staff-entered payments)."""

    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="fee_entries", verbose_name=_("unit"))
    period = models.DateField(_("period"), help_text=_("The first day of the month billed."))
    billed = models.DecimalField(_("billed (yuan)"), **MONEY)
    paid = models.DecimalField(_("paid (yuan)"), default=0, **MONEY)
    due_date = models.DateField(_("due date"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fee ledger entry")
        verbose_name_plural = _("fee ledger entries")
        ordering = ["unit_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="fee_entry_one_per_unit_period"),
            models.CheckConstraint(condition=Q(billed__gte=0) & Q(paid__gte=0), name="fee_entry_amounts_not_negative"),
        ]
        indexes = [
            # Arrears: the entries that are due and not fully paid, per unit.
            models.Index(fields=["unit", "due_date"], include=["billed", "paid"], name="fee_entry_unpaid_cover_idx",
                         condition=Q(billed__gt=F("paid"))),
            # The collection report reads one period across an estate or the company: with the
            # amounts in the index (PostgreSQL INCLUDE) it never touches the table.
            models.Index(fields=["period", "unit"], include=["billed", "paid"], name="fee_entry_period_cover_idx"),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.period:%Y-%m}"

    @property
    def outstanding(self):
        return max(self.billed - self.paid, 0)


class FeePayment(models.Model):
    """A payment staff entered by hand (at the office counter, a bank transfer seen later). It is
    applied to the unit's oldest unpaid months; `allocations` says which."""

    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="fee_payments", verbose_name=_("unit"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    allocations = models.JSONField(_("applied to"), default=list, help_text=_("[period, amount] pairs, oldest first."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee payment")
        verbose_name_plural = _("fee payments")
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fee_payment_positive")]
        indexes = [models.Index(fields=["unit", "paid_on"], name="fee_payment_unit_idx")]
