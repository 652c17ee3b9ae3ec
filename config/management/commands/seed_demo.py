from django.core.management.base import BaseCommand

from owners.demo import seed_owners


class Command(BaseCommand):
    help = "Load (or refresh) the demo estates, residents and staff. Safe to run again."

    def handle(self, *args, **options):
        summary = seed_owners()
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {summary['estates']} estates, {summary['units']} units, {summary['residents']} residents."
        ))
