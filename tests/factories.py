import factory
from factory.django import DjangoModelFactory

from owners.models import Building, Estate, Occupancy, Resident, Role, StaffMembership, Unit, User
from owners.services import staff_roles_sync

PASSWORD = "Correct-Horse-42"


class EstateFactory(DjangoModelFactory):
    class Meta:
        model = Estate

    name = factory.Sequence(lambda n: f"测试小区{n}")
    code = factory.Sequence(lambda n: f"est{n}")


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    estate = factory.SubFactory(EstateFactory)
    name = factory.Sequence(lambda n: f"{n + 1}号楼")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    entrance = "1"
    number = factory.Sequence(lambda n: f"{100 + n}")


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Sequence(lambda n: f"住户{n}")
    mobile = factory.Sequence(lambda n: f"137{n:08d}")


class OccupancyFactory(DjangoModelFactory):
    class Meta:
        model = Occupancy

    resident = factory.SubFactory(ResidentFactory)
    unit = factory.SubFactory(UnitFactory)
    relation = Occupancy.Relation.OWNER


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def persist(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff_member(estate=None, role=Role.SERVICE, **kwargs) -> User:
    """A staff user assigned to one estate (or company-wide when estate is None)."""
    user = UserFactory(**kwargs)
    StaffMembership.objects.create(user=user, estate=estate, role=role)
    staff_roles_sync(user)
    return User.objects.get(pk=user.pk)


def owner_with_account(unit=None, mobile=None) -> User:
    """A resident living in a unit, with an active portal account."""
    unit = unit or UnitFactory()
    resident = ResidentFactory(**({"mobile": mobile} if mobile else {}))
    OccupancyFactory(resident=resident, unit=unit)
    user = UserFactory(kind=User.Kind.RESIDENT, mobile=resident.mobile, username=f"resident-{resident.mobile}")
    resident.user = user
    resident.save()
    return User.objects.get(pk=user.pk)
