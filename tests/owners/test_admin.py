"""The Django admin is scoped like everything else and cannot be used to climb roles."""

import pytest
from django.urls import reverse

from owners.models import Role, StaffMembership
from tests.factories import EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db


def test_estate_manager_manages_only_their_estate_in_admin(client):
    mine, other = EstateFactory(name="我的小区"), EstateFactory(name="别人的小区")
    OccupancyFactory(unit=UnitFactory(building__estate=mine), resident=ResidentFactory(name="自己人"))
    OccupancyFactory(unit=UnitFactory(building__estate=other), resident=ResidentFactory(name="外人"))
    client.force_login(staff_member(mine, role=Role.ESTATE_MANAGER))
    page = client.get(reverse("admin:owners_resident_changelist")).content.decode()
    assert "自己人" in page and "外人" not in page
    estates = client.get(reverse("admin:owners_estate_changelist")).content.decode()
    assert "我的小区" in estates and "别人的小区" not in estates
    assert client.get(reverse("admin:owners_estate_change", args=[other.pk])).status_code == 302  # "does not exist" redirect


def test_service_staff_cannot_enter_the_admin(client):
    client.force_login(staff_member(EstateFactory(), role=Role.SERVICE))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_estate_manager_cannot_grant_company_admin(client):
    estate = EstateFactory()
    manager = staff_member(estate, role=Role.ESTATE_MANAGER)
    newcomer = UserFactory()
    client.force_login(manager)
    form = client.get(reverse("admin:owners_staffmembership_add")).content.decode()
    assert 'value="company_admin"' not in form
    response = client.post(reverse("admin:owners_staffmembership_add"), {"user": newcomer.pk, "estate": "", "role": "company_admin"})
    assert response.status_code == 200  # form redisplayed with errors
    assert not StaffMembership.objects.filter(user=newcomer).exists()


def test_assignment_in_admin_grants_the_roles_permissions(client):
    estate = EstateFactory()
    client.force_login(staff_member(estate, role=Role.ESTATE_MANAGER))
    newcomer = UserFactory()
    response = client.post(reverse("admin:owners_staffmembership_add"), {"user": newcomer.pk, "estate": estate.pk, "role": "engineer"})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.has_perm("owners.view_unit") and not newcomer.has_perm("owners.add_unit")
    assert not newcomer.is_staff
