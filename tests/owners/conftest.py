"""The ledger tests' estate (幸福里: 1号楼 with units 1-101 and 1-102) and its manager, shared
by test_ledger and test_ledger_collections (a module that defines its own keeps it)."""

import pytest

from owners.models import Role
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, staff_member


@pytest.fixture
def estate():
    estate = EstateFactory(name="幸福里")
    building = BuildingFactory(estate=estate, name="1号楼")
    UnitFactory(building=building, entrance="1", number="101")
    UnitFactory(building=building, entrance="1", number="102")
    return estate


@pytest.fixture
def manager(estate):
    return staff_member(estate, Role.ESTATE_MANAGER)
