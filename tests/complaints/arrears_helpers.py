"""Ledger data for arrears tests, written through the owners services."""

import datetime

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
