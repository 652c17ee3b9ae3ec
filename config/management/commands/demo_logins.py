from django.core.management.base import BaseCommand

from owners.demo import demo_logins


class Command(BaseCommand):
    help = "Print the URL and the demo sign-ins for every role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        self.stdout.write(self.style.SUCCESS(f"\nLighthouse is starting at {url}"))
        self.stdout.write(f"  Dashboard {url}dashboard/   Admin {url}admin/   Owner portal {url}portal/   API docs {url}api/docs/")
        self.stdout.write("  Demo sign-ins (login / password):")
        for who, login, password in demo_logins():
            self.stdout.write(f"    {who:<22} {login:<14} {password}")
        self.stdout.write("")
