"""Ledger data for arrears tests, written through the owners services."""

import datetime

import pytest
from django.utils import translation

from owners.models import Estate
from owners.services.ledger import fee_ledger_import

TODAY = datetime.date(2026, 6, 15)


def ledger(unit, months, *, billed="300.00", paid="0", first=(2026, 1)):
    """Bill `unit` for `months` months from `first`, each due at month end, with `paid` paid."""
    building = unit.building
    lines = ["楼栋,单元,房号,期间,应缴,已缴"]
    year, month = first
    for _ in range(months):
        lines.append(f"{building.name},{unit.entrance},{unit.number},{year}-{month:02d},{billed},{paid}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    estate = Estate.objects.get(pk=building.estate_id)
    fee_ledger_import(estate=estate, data="\n".join(lines).encode(), actor=None, today=TODAY)


def ledger_recent(unit, months=4, *, billed="300.00", paid="0"):
    """Bill `unit` for the `months` months before this one (by the real clock, for page tests),
    each due on the 20th, with `paid` paid: all of them overdue today."""
    from django.utils import timezone

    today = timezone.localdate()
    lines = ["楼栋,单元,房号,期间,应缴,已缴,缴费截止日"]
    for back in range(months, 0, -1):
        index = today.year * 12 + today.month - 1 - back
        first = datetime.date(index // 12, index % 12 + 1, 1)
        lines.append(f"{unit.building.name},{unit.entrance},{unit.number},{first:%Y-%m},{billed},{paid},{first:%Y-%m}-20")
    fee_ledger_import(estate=unit.building.estate, data="\n".join(lines).encode(), actor=None)


@pytest.fixture
def english(settings):
    """Pages in English, so tests can read their words (use with pytest.mark.usefixtures or autouse)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
