import pytest

from complaints.models import Category
from complaints.services import complaint_submit
from owners.models import Role
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory, UserFactory, staff_member


@pytest.fixture
def estate():
    return EstateFactory(name="春江花园")


@pytest.fixture
def other_estate():
    return EstateFactory(name="滨江一号")


@pytest.fixture
def unit(estate):
    return UnitFactory(building=BuildingFactory(estate=estate, name="3号楼"), entrance="2", number="1201")


@pytest.fixture
def owner(unit):
    from owners.models import User

    occupancy = OccupancyFactory(unit=unit)
    resident = occupancy.resident
    user = UserFactory(kind=User.Kind.RESIDENT, mobile=resident.mobile, username=f"resident-{resident.mobile}")
    resident.user = user
    resident.save()
    return User.objects.get(pk=user.pk)


@pytest.fixture
def service(estate):
    return staff_member(estate, role=Role.SERVICE, email="service@example.com")


@pytest.fixture
def engineer(estate):
    return staff_member(estate, role=Role.ENGINEER, email="engineer@example.com")


@pytest.fixture
def spokesperson(estate):
    return staff_member(estate, role=Role.SPOKESPERSON, email="press@example.com")


@pytest.fixture
def manager(estate):
    return staff_member(estate, role=Role.ESTATE_MANAGER, email="manager@example.com")


@pytest.fixture
def outsider(other_estate):
    return staff_member(other_estate, role=Role.ESTATE_MANAGER, email="outsider@example.com")


@pytest.fixture
def gas_category():
    return Category.objects.get_or_create(code="safety", defaults={"name": "安全隐患", "name_en": "Safety"})[0]


@pytest.fixture
def complaint_of(gas_category):
    def make(owner_user, text="楼道里有很浓的燃气味"):
        return complaint_submit(resident=owner_user.resident, category=gas_category, description=text)

    return make
