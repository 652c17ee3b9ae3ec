"""Human-readable ticket numbers: TS-20261122-0042, counted per day in the company's zone."""

from django.db import connection
from django.utils import timezone


def complaint_number_next(now=None) -> str:
    """The next number of the day, in one statement: an insert-or-increment whose row lock makes
    two submissions at the same instant get different numbers (PostgreSQL, SQLite ≥ 3.35)."""
    from ..models.numbers import DailyCounter

    day = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DailyCounter._meta.db_table} (day, kind, last) VALUES (%s, 'complaint', 1) "
            f"ON CONFLICT (day, kind) DO UPDATE SET last = {DailyCounter._meta.db_table}.last + 1 RETURNING last",
            [day],
        )
        last = cursor.fetchone()[0]
    return f"TS-{day:%Y%m%d}-{last:04d}"
