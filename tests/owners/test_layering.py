"""owners is the ground floor: it uses no app above it, not even through a reverse accessor.

An import is what import-linter checks; a reverse accessor is not an import (`resident.deliveries`
reaches communications' table through the ORM, and a template can render it), so this test reads
owners' code and templates for the accessors that apps above add to owners' models.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse

from owners.models import Role
from tests.factories import OccupancyFactory, staff_member

ROOT = Path(__file__).resolve().parents[2]
OWNERS_SOURCES = [*sorted((ROOT / "owners").rglob("*.py")), *sorted((ROOT / "templates" / "owners").rglob("*.html"))]


def _upward_accessors() -> dict[str, str]:
    """accessor name → the model above owners it leads to, for every relation into owners' models."""
    found = {}
    for model in apps.get_app_config("owners").get_models():
        for relation in model._meta.related_objects:
            name = relation.get_accessor_name()
            if relation.related_model._meta.app_label != "owners" and name and not name.endswith("+"):
                found[name] = relation.related_model._meta.label
    return found


def test_owners_reads_no_reverse_accessor_of_an_app_above_it():
    accessors = _upward_accessors()
    assert "deliveries" in accessors  # the check sees what it is meant to see
    pattern = re.compile(r"\.({})\b".format("|".join(map(re.escape, accessors))))
    uses = []
    for path in OWNERS_SOURCES:
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in pattern.finditer(line):
                uses.append(f"{path.relative_to(ROOT)}:{number} .{match.group(1)} → {accessors[match.group(1)]}")
    assert not uses, "owners reaches up into other apps:\n" + "\n".join(uses)


@pytest.mark.django_db
def test_resident_page_shows_the_messages_sent_through_the_panel_communications_registers(client):
    from communications.models import Delivery

    occupancy = OccupancyFactory()
    Delivery.objects.create(kind=Delivery.Kind.INVITATION, channel="sms", address="13700000000",
                            resident=occupancy.resident, dedupe_key="panel-test", status=Delivery.Status.FAILED,
                            last_error="gateway said no")
    client.force_login(staff_member(occupancy.unit.building.estate, role=Role.SERVICE))
    page = client.get(reverse("dashboard:resident_detail", args=[occupancy.resident.pk])).content.decode()
    assert "gateway said no" in page
