"""Demo estates, buildings, units, residents and staff for a newcomer's first run. Idempotent."""

import random

from django.db import transaction

from .models import Building, Channel, Estate, Occupancy, Resident, Role, StaffMembership, Unit, User
from .services import staff_roles_sync

DEMO_PASSWORD = "lighthouse-demo"

ESTATES = [
    # code, name, address, phone, buildings, entrances per building, floors, units per floor
    ("yangguang", "阳光花园", "上海市浦东新区锦绣路 1888 弄", "021-5888 1234", 4, 2, 12, 2),
    ("cuihu", "翠湖苑", "上海市闵行区七莘路 3066 弄", "021-6488 5678", 3, 1, 15, 4),
]

# username, name, role, estate code (None = company-wide), superuser
STAFF = [
    ("admin", "公司管理员 王总", Role.COMPANY_ADMIN, None, True),
    ("manager", "项目经理 李明", Role.ESTATE_MANAGER, "yangguang", False),
    ("service", "客服管家 张丽", Role.SERVICE, "yangguang", False),
    ("engineer", "工程主管 赵强", Role.ENGINEER, "yangguang", False),
    ("spokesperson", "新闻发言人 陈静", Role.SPOKESPERSON, None, False),
    ("manager2", "项目经理 刘洋", Role.ESTATE_MANAGER, "cuihu", False),
]

# mobile, name, estate code, building, entrance, room: owners with a portal account
OWNERS = [
    ("13800000001", "周建国", "yangguang", "1号楼", "1", "101"),
    ("13800000002", "吴晓燕", "cuihu", "1号楼", "", "101"),
]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉建华建国建军志强海燕雪梅晓东晓明婷婷丹丹浩然子涵梓轩欣怡"


def _name(rng):
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(_SURNAMES) + given


@transaction.atomic
def seed_owners(stdout=None) -> dict:
    rng = random.Random(2026)
    estates = {}
    for code, name, address, phone, n_buildings, n_entrances, floors, per_floor in ESTATES:
        estate, _ = Estate.objects.update_or_create(code=code, defaults={"name": name, "address": address, "phone": phone})
        estates[code] = estate
        for b in range(1, n_buildings + 1):
            building, _ = Building.objects.get_or_create(estate=estate, name=f"{b}号楼", defaults={"floors": floors})
            units = [
                Unit(building=building, entrance=str(e) if n_entrances > 1 else "", number=f"{f}{u:02d}", floor=f,
                     area_sqm=rng.choice((68, 89, 96, 112, 128, 143)))
                for e in range(1, n_entrances + 1) for f in range(1, floors + 1) for u in range(1, per_floor + 1)
            ]
            Unit.objects.bulk_create(units, ignore_conflicts=True)

    # Residents: most units have an owner; some have tenants and family members too.
    units = list(Unit.objects.filter(building__estate__in=estates.values()).order_by("id").values_list("id", flat=True))
    plan = []  # (mobile, name, unit_id, relation)
    serial = 0
    for unit_id in units:
        if rng.random() < 0.92:
            serial += 1
            plan.append((f"139{serial:08d}", _name(rng), unit_id, Occupancy.Relation.OWNER))
        if rng.random() < 0.15:
            serial += 1
            plan.append((f"139{serial:08d}", _name(rng), unit_id, Occupancy.Relation.TENANT))
        if rng.random() < 0.25:
            serial += 1
            plan.append((f"139{serial:08d}", _name(rng), unit_id, Occupancy.Relation.FAMILY))
    existing = set(Resident.objects.filter(mobile__in=[p[0] for p in plan]).values_list("mobile", flat=True))
    Resident.objects.bulk_create(
        [Resident(name=name, mobile=mobile, preferred_channel=rng.choice((Channel.SMS, Channel.SMS, Channel.EMAIL, Channel.PUSH)),
                  email=f"r{mobile[-5:]}@example.com" if rng.random() < 0.4 else "")
         for mobile, name, _u, _r in plan if mobile not in existing],
        batch_size=1000,
    )
    ids = dict(Resident.objects.filter(mobile__in=[p[0] for p in plan]).values_list("mobile", "id"))
    Occupancy.objects.bulk_create(
        [Occupancy(resident_id=ids[mobile], unit_id=unit_id, relation=relation) for mobile, _n, unit_id, relation in plan],
        ignore_conflicts=True, batch_size=1000,
    )

    for username, name, role, estate_code, superuser in STAFF:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": name, "kind": User.Kind.STAFF})
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.first_name, user.is_superuser, user.email = name, superuser, f"{username}@lighthouse.demo"
        user.save()
        StaffMembership.objects.update_or_create(user=user, estate=estates.get(estate_code), defaults={"role": role})
        staff_roles_sync(user)

    for mobile, name, estate_code, building, entrance, room in OWNERS:
        unit = Unit.objects.get(building__estate=estates[estate_code], building__name=building, entrance=entrance, number=room)
        resident, _ = Resident.objects.update_or_create(mobile=mobile, defaults={"name": name})
        Occupancy.objects.get_or_create(resident=resident, unit=unit, end_date=None, defaults={"relation": Occupancy.Relation.OWNER})
        if resident.user_id is None:
            user = User.objects.create_user(username=f"resident-demo-{mobile}", password=DEMO_PASSWORD,
                                            kind=User.Kind.RESIDENT, mobile=mobile, first_name=name)
            resident.user = user
            resident.save(update_fields=["user"])
    return {
        "estates": len(estates),
        "units": len(units),
        "residents": Resident.objects.filter(occupancies__unit_id__in=units).distinct().count(),
    }


def demo_logins():
    """(who, login, password) for the README and the `make run` banner."""
    rows = [(name, username, DEMO_PASSWORD) for username, name, *_ in STAFF]
    rows += [(f"业主 {name}", mobile, DEMO_PASSWORD) for mobile, name, *_ in OWNERS]
    return rows


def seed_ledger(estates, today=None, months: int = 12) -> int:
    """Twelve months of service fees for every demo unit (2.2 yuan/m² a month, due the 20th), most
    paid, some units behind by one to eight months, a few paid late in part. Idempotent: months
    already in the ledger are left as they are. Demo owner 周建国 owes the last three months and
    吴晓燕 the last two."""
    from datetime import date
    from decimal import Decimal

    from django.utils import timezone

    from .models import FeeLedgerEntry

    today = today or timezone.localdate()
    rng = random.Random(12)
    index = today.year * 12 + today.month - 1
    periods = [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(months, 0, -1)]
    units = list(Unit.objects.filter(building__estate__in=estates).order_by("id").values_list("id", "area_sqm", "building_id", "building__estate_id"))
    demo_owner_units = set(Occupancy.objects.filter(resident__mobile=OWNERS[0][0], end_date__isnull=True).values_list("unit_id", flat=True))
    second_owner_units = set(Occupancy.objects.filter(resident__mobile=OWNERS[1][0], end_date__isnull=True).values_list("unit_id", flat=True))
    rows = []
    for unit_id, area, building_id, estate_id in units:
        fee = (Decimal(area or 90) * Decimal("2.2")).quantize(Decimal("0.01"))  # yuan a month
        behind = 3 if unit_id in demo_owner_units else 2 if unit_id in second_owner_units else rng.choices([0, 1, 2, 3, 5, 8], [80, 7, 4, 4, 3, 2])[0]
        for position, period in enumerate(periods):
            unpaid = position >= len(periods) - behind
            paid = Decimal(0) if unpaid else fee
            if not unpaid and rng.random() < 0.02:
                paid = (fee / 2).quantize(Decimal("0.01"))  # paid half that month, the rest still owed
            rows.append(FeeLedgerEntry(unit_id=unit_id, estate_id=estate_id, building_id=building_id, period=period, billed=fee, paid=paid,
                                       due_date=period.replace(day=20)))
    with transaction.atomic():
        FeeLedgerEntry.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)
