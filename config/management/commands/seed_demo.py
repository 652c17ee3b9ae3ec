from django.core.management.base import BaseCommand

from communications.demo import seed_communications
from complaints.demo import seed_arrears, seed_complaints
from incidents.demo import seed_incidents
from owners.demo import ESTATES, seed_ledger, seed_owners
from owners.models import Estate


class Command(BaseCommand):
    help = "Load (or refresh) the demo estates, residents, staff and complaints. Safe to run again."

    def handle(self, *args, **options):
        summary = seed_owners()
        estates = list(Estate.objects.filter(code__in=[e[0] for e in ESTATES]).order_by("id"))
        complaints = seed_complaints(estates)
        ledger = seed_ledger(estates)
        arrears = seed_arrears(estates)
        notices = seed_communications(estates)
        incidents = seed_incidents(estates)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {summary['estates']} estates, {summary['units']} units, {summary['residents']} residents, "
            f"{complaints} complaints, {notices['announcements']} announcements with their deliveries, statements, "
            f"media mentions, inquiries and stakeholders, {incidents} incidents with their plans, tasks and reviews, "
            f"{ledger} fee ledger months and {arrears} arrears cases."
        ))
