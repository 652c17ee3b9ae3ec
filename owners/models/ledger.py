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
    ledger import and staff-entered payments).

    `estate` and `building` repeat the unit's, so the collection report groups one estate's or
    the company's month from one index without joining 100,000 units (a unit never changes
    building). The writers fill them; save() fills them from the unit when left empty."""

    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="fee_entries", verbose_name=_("unit"))
    # No single-column indexes: the report's indexes below lead with estate or period.
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", db_index=False, editable=False,
                               verbose_name=_("estate"))
    building = models.ForeignKey("owners.Building", on_delete=models.PROTECT, related_name="+", db_index=False, editable=False,
                                 verbose_name=_("building"))
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
            # The collection report, with the amounts in the index (PostgreSQL INCLUDE) so it never
            # touches the table: one month company-wide (period first) …
            models.Index(fields=["period", "estate", "building"], include=["billed", "paid"], name="fee_entry_report_idx"),
            # … and one estate's months (estate first: a year of one estate is its own 120,000 rows,
            # not the company's 1.2M) …
            models.Index(fields=["estate", "period", "building"], include=["billed", "paid"], name="fee_entry_estate_report_idx"),
            # … and the arrears still owed from the months before a period (recovery of prior arrears).
            models.Index(fields=["estate", "period", "building"], include=["billed", "paid"], name="fee_entry_estate_unpaid_idx",
                         condition=Q(billed__gt=F("paid"))),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.period:%Y-%m}"

    def save(self, *args, **kwargs):
        if self.unit_id and not (self.estate_id and self.building_id):
            unit_model = self._meta.get_field("unit").related_model
            self.building_id, self.estate_id = unit_model.objects.filter(pk=self.unit_id).values_list(
                "building_id", "building__estate_id").get()
        super().save(*args, **kwargs)

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


class FeeCollection(models.Model):
    """Money collected against one ledger entry on one day: what the recovery of prior arrears is
    counted from (owners.selectors.collection_rate).

    Written with every increase or decrease of an entry's `paid`: a staff payment (dated the day it
    was paid, one row per month it paid) and a re-imported ledger row whose paid amount changed
    (dated the day of the import: the billing system's file does not say when the money came;
    negative when the file corrects an amount down). An entry seen for the first time is history
    and writes none: what it says was paid was paid before the ledger came here.
    `estate`, `building` and `period` repeat the entry's for the report's index."""

    class Source(models.TextChoices):
        PAYMENT = "payment", _("Payment entered by staff")
        IMPORT = "import", _("Ledger import")

    entry = models.ForeignKey(FeeLedgerEntry, on_delete=models.CASCADE, related_name="collections", verbose_name=_("ledger entry"))
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("estate"))
    building = models.ForeignKey("owners.Building", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("building"))
    period = models.DateField(_("period"))
    collected_on = models.DateField(_("collected on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    payment = models.ForeignKey(FeePayment, null=True, blank=True, on_delete=models.CASCADE, related_name="collections", verbose_name=_("payment"))

    class Meta:
        verbose_name = _("fee collected")
        verbose_name_plural = _("fees collected")
        ordering = ["collected_on", "id"]
        indexes = [
            models.Index(fields=["collected_on", "estate"], include=["building", "period", "amount"], name="fee_collection_report_idx"),
        ]

    def __str__(self):
        return f"{self.entry_id} {self.collected_on} {self.amount}"
