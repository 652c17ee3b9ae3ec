"""Two estates with complaints, announcements, stakeholders and arrears: what the exports,
charts and monthly report tests read (estate A's people must never see a word of estate B)."""

from types import SimpleNamespace

from complaints.models import Category
from complaints.services import complaint_submit
from owners.models import Role
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory, staff_member


def report_world():
    w = SimpleNamespace()
    w.noise = Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]
    w.leak = Category.objects.get_or_create(code="leak", defaults={"name": "漏水", "name_en": "Leaks"})[0]
    w.estate_a = EstateFactory(name="阳光花园", code="sunny")
    w.estate_b = EstateFactory(name="翠湖苑", code="jade")
    w.building_a = BuildingFactory(estate=w.estate_a, name="阳光1号楼")
    w.building_a2 = BuildingFactory(estate=w.estate_a, name="阳光2号楼")
    w.building_b = BuildingFactory(estate=w.estate_b, name="翠湖1号楼")
    w.unit_a = UnitFactory(building=w.building_a, entrance="1", number="101")
    w.unit_a2 = UnitFactory(building=w.building_a2, entrance="", number="202")
    w.unit_b = UnitFactory(building=w.building_b, entrance="1", number="101")
    w.resident_a = OccupancyFactory(unit=w.unit_a, resident__name="周建国").resident
    w.resident_a2 = OccupancyFactory(unit=w.unit_a2, resident__name="钱多多").resident
    w.resident_b = OccupancyFactory(unit=w.unit_b, resident__name="吴晓燕").resident
    w.service_a = staff_member(w.estate_a, role=Role.SERVICE, username="service_a", email="sa@example.com")
    w.manager_a = staff_member(w.estate_a, role=Role.ESTATE_MANAGER, username="manager_a", email="ma@example.com")
    w.engineer_a = staff_member(w.estate_a, role=Role.ENGINEER, username="engineer_a")
    w.service_b = staff_member(w.estate_b, role=Role.SERVICE, username="service_b")
    w.complaints_a = [
        complaint_submit(resident=w.resident_a, category=w.noise, unit=w.unit_a, description="楼上装修噪音"),
        complaint_submit(resident=w.resident_a, category=w.leak, unit=w.unit_a, description='=HYPERLINK("http://evil.example","点我")'),
        complaint_submit(resident=w.resident_a2, category=w.leak, unit=w.unit_a2, description="@SUM(1+1) 卫生间漏水"),
    ]
    w.complaint_b = complaint_submit(resident=w.resident_b, category=w.noise, unit=w.unit_b, description="翠湖秘密投诉")
    return w
