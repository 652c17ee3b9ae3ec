"""The Django admin is scoped like everything else and cannot be used to climb roles."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from owners.models import Role, StaffMembership, User
from owners.permissions import staff_estate_ids
from tests.factories import (
    PASSWORD,
    EstateFactory,
    OccupancyFactory,
    ResidentFactory,
    UnitFactory,
    UserFactory,
    owner_with_account,
    staff_member,
)

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


# --- Estate assignments: nobody grants more than they hold (E1) ---------------------------------

def _admin_form(client, url):
    """The data a browser would post back from an admin change form, read from the page."""
    parser = _FormReader()
    parser.feed(client.get(url).content.decode())
    return parser.data


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


@pytest.fixture
def two_estates():
    """阳光花园 with its manager and service staff; 翠湖苑 with manager2 — as in the demo data."""
    sunny, lake = EstateFactory(name="阳光花园"), EstateFactory(name="翠湖苑")
    return {
        "sunny": sunny, "lake": lake,
        "manager": staff_member(sunny, role=Role.ESTATE_MANAGER, username="manager"),
        "service": staff_member(sunny, role=Role.SERVICE, username="service"),
        "manager2": staff_member(lake, role=Role.ESTATE_MANAGER, username="manager2"),
    }


def _memberships(user):
    return set(StaffMembership.objects.filter(user=user).values_list("estate_id", "role"))


def test_estate_manager_cannot_make_themself_company_wide(client, two_estates):
    manager2 = two_estates["manager2"]
    before = _memberships(manager2)
    client.force_login(manager2)
    response = client.post(reverse("admin:owners_staffmembership_add"),
                           {"user": manager2.pk, "estate": "", "role": "estate_manager", "_save": "1"})
    assert response.status_code in (200, 403)
    assert _memberships(manager2) == before
    assert staff_estate_ids(User.objects.get(pk=manager2.pk)) == {two_estates["lake"].pk}


def test_estate_manager_cannot_grant_a_company_wide_role_to_a_newcomer(client, two_estates):
    newcomer = UserFactory()
    client.force_login(two_estates["manager2"])
    for role in ("service", "spokesperson", "estate_manager"):
        response = client.post(reverse("admin:owners_staffmembership_add"),
                               {"user": newcomer.pk, "estate": "", "role": role, "_save": "1"})
        assert response.status_code in (200, 403)
    assert not StaffMembership.objects.filter(user=newcomer).exists()


def test_estate_manager_cannot_grant_another_estate(client, two_estates):
    newcomer = UserFactory()
    client.force_login(two_estates["manager2"])
    response = client.post(reverse("admin:owners_staffmembership_add"),
                           {"user": newcomer.pk, "estate": two_estates["sunny"].pk, "role": "service", "_save": "1"})
    assert response.status_code in (200, 403)
    assert not StaffMembership.objects.filter(user=newcomer).exists()


def test_estate_manager_cannot_widen_an_existing_assignment(client, two_estates):
    manager2, lake = two_estates["manager2"], two_estates["lake"]
    own = StaffMembership.objects.get(user=manager2)
    client.force_login(manager2)
    url = reverse("admin:owners_staffmembership_change", args=[own.pk])
    for estate, role in (("", "estate_manager"), (two_estates["sunny"].pk, "estate_manager"), ("", "company_admin")):
        response = client.post(url, {"user": manager2.pk, "estate": estate, "role": role, "_save": "1"})
        assert response.status_code in (200, 403)
        own.refresh_from_db()
        assert (own.estate_id, own.role) == (lake.pk, "estate_manager")


def test_estate_manager_cannot_widen_assignments_through_the_user_page(client, two_estates):
    manager2, lake = two_estates["manager2"], two_estates["lake"]
    client.force_login(manager2)
    url = reverse("admin:owners_user_change", args=[manager2.pk])
    data = _admin_form(client, url)
    assert data["memberships-0-estate"] == str(lake.pk)
    # Editing the existing row to company-wide.
    forged = {**data, "memberships-0-estate": "", "_save": "1"}
    assert client.post(url, forged).status_code in (200, 403)
    # Adding a second, company-wide row.
    forged = {**data, "memberships-1-estate": "", "memberships-1-role": "service", "memberships-1-user": str(manager2.pk),
              "_save": "1"}
    assert client.post(url, forged).status_code in (200, 403)
    # Adding a row for the other estate.
    forged = {**data, "memberships-1-estate": str(two_estates["sunny"].pk), "memberships-1-role": "service",
              "memberships-1-user": str(manager2.pk), "_save": "1"}
    assert client.post(url, forged).status_code in (200, 403)
    assert _memberships(manager2) == {(lake.pk, "estate_manager")}


def test_estate_manager_cannot_create_a_company_wide_user(client, two_estates):
    client.force_login(two_estates["manager2"])
    response = client.post(reverse("admin:owners_user_add"), {
        "username": "sleeper", "first_name": "卧底", "email": "", "mobile": "", "password1": "Wide-Open-Sky-77",
        "password2": "Wide-Open-Sky-77", "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000", "memberships-0-estate": "",
        "memberships-0-role": "estate_manager", "_save": "1",
    })
    assert response.status_code in (200, 403)
    assert not StaffMembership.objects.filter(user__username="sleeper", estate__isnull=True).exists()


def test_estate_manager_still_assigns_within_their_estate_through_the_user_page(client, two_estates):
    lake = two_estates["lake"]
    client.force_login(two_estates["manager2"])
    response = client.post(reverse("admin:owners_user_add"), {
        "username": "newhire", "first_name": "新人", "email": "", "mobile": "", "password1": "Wide-Open-Sky-77",
        "password2": "Wide-Open-Sky-77", "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000", "memberships-0-estate": str(lake.pk),
        "memberships-0-role": "service", "_save": "1",
    })
    assert response.status_code == 302
    newhire = User.objects.get(username="newhire")
    assert _memberships(newhire) == {(lake.pk, "service")}
    assert newhire.has_perm("owners.add_resident")


def test_company_admin_may_grant_company_wide_roles(client, two_estates):
    newcomer = UserFactory()
    client.force_login(staff_member(None, role=Role.COMPANY_ADMIN))
    response = client.post(reverse("admin:owners_staffmembership_add"),
                           {"user": newcomer.pk, "estate": "", "role": "spokesperson", "_save": "1"})
    assert response.status_code == 302
    assert _memberships(newcomer) == {(None, "spokesperson")}


# --- Accounts of other people: no takeover (E2) -------------------------------------------------

def test_estate_manager_cannot_attach_a_colleague_of_another_estate(client, two_estates):
    service, lake = two_estates["service"], two_estates["lake"]
    client.force_login(two_estates["manager2"])
    response = client.post(reverse("admin:owners_staffmembership_add"),
                           {"user": service.pk, "estate": lake.pk, "role": "service", "_save": "1"})
    assert response.status_code in (200, 403)
    assert _memberships(service) == {(two_estates["sunny"].pk, "service")}
    # Nor is the colleague offered by the user field's search.
    found = client.get(reverse("admin:autocomplete"), {
        "app_label": "owners", "model_name": "staffmembership", "field_name": "user", "term": "service",
    }).json()["results"]
    assert str(service.pk) not in {r["id"] for r in found}


def test_assignment_search_offers_new_accounts_of_the_managers_estate(client, two_estates):
    newcomer = UserFactory(username="newcomer-lake")
    client.force_login(two_estates["manager2"])
    found = client.get(reverse("admin:autocomplete"), {
        "app_label": "owners", "model_name": "staffmembership", "field_name": "user", "term": "newcomer",
    }).json()["results"]
    assert [r["id"] for r in found] == [str(newcomer.pk)]


def test_managers_cannot_set_another_persons_password(client, two_estates):
    service = two_estates["service"]
    client.force_login(two_estates["manager"])  # service works only in the manager's own estate
    url = reverse("admin:auth_user_password_change", args=[service.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026", "usable_password": "true"})
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.check_password(PASSWORD)
    # The change page offers no way to it either.
    page = client.get(reverse("admin:owners_user_change", args=[service.pk])).content.decode()
    assert "../password/" not in page


def test_a_manager_may_change_their_own_password(client, two_estates):
    manager = two_estates["manager"]
    client.force_login(manager)
    url = reverse("admin:auth_user_password_change", args=[manager.pk])
    response = client.post(url, {"password1": "My-Own-Choice-2026", "password2": "My-Own-Choice-2026", "usable_password": "true"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("My-Own-Choice-2026")


def test_superuser_sets_staff_passwords_but_never_an_owners(client, two_estates):
    owner = owner_with_account(unit=UnitFactory(building__estate=two_estates["sunny"]))
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    staff_url = reverse("admin:auth_user_password_change", args=[two_estates["service"].pk])
    assert client.get(staff_url).status_code == 200
    owner_url = reverse("admin:auth_user_password_change", args=[owner.pk])
    assert client.get(owner_url).status_code == 403
    response = client.post(owner_url, {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026", "usable_password": "true"})
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_manager_changes_only_accounts_wholly_inside_their_estates(client, two_estates):
    both = staff_member(two_estates["lake"], role=Role.SERVICE, email="both@example.com")
    StaffMembership.objects.create(user=both, estate=two_estates["sunny"], role=Role.SERVICE)
    client.force_login(two_estates["manager2"])
    url = reverse("admin:owners_user_change", args=[both.pk])
    assert client.get(url).status_code == 200  # visible: they work in 翠湖苑 too
    data = _admin_form(client, url)
    assert "email" not in data  # shown read-only
    response = client.post(url, {"username": both.username, "email": "attacker@example.com", "first_name": "x",
                                 "is_active": "on", "_save": "1"})
    assert response.status_code == 403
    both.refresh_from_db()
    assert both.email == "both@example.com"


def test_manager_may_still_edit_their_own_staff(client, two_estates):
    lake_service = staff_member(two_estates["lake"], role=Role.SERVICE, email="old@example.com")
    client.force_login(two_estates["manager2"])
    url = reverse("admin:owners_user_change", args=[lake_service.pk])
    data = {**_admin_form(client, url), "email": "new@example.com", "_save": "1"}
    assert client.post(url, data).status_code == 302
    lake_service.refresh_from_db()
    assert lake_service.email == "new@example.com"


def test_reset_link_action_sends_to_the_accounts_own_address(client, two_estates, django_capture_on_commit_callbacks):
    from communications.models import Delivery

    lake_service = staff_member(two_estates["lake"], role=Role.SERVICE, email="lake@example.com")
    client.force_login(two_estates["manager2"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:owners_user_changelist"), {
            "action": "send_password_reset", "_selected_action": [lake_service.pk],
        }, follow=True)
    assert response.status_code == 200
    [delivery] = Delivery.objects.filter(kind=Delivery.Kind.PASSWORD_RESET)
    assert (delivery.user_id, delivery.address) == (lake_service.pk, "lake@example.com")
    lake_service.refresh_from_db()
    assert lake_service.check_password(PASSWORD)


def test_reset_link_action_skips_accounts_the_manager_may_not_change(client, two_estates):
    from communications.models import Delivery

    both = staff_member(two_estates["lake"], role=Role.SERVICE, email="both@example.com")
    StaffMembership.objects.create(user=both, estate=two_estates["sunny"], role=Role.SERVICE)
    client.force_login(two_estates["manager2"])
    response = client.post(reverse("admin:owners_user_changelist"), {
        "action": "send_password_reset", "_selected_action": [both.pk],
    }, follow=True)
    assert response.status_code == 200
    assert not Delivery.objects.filter(kind=Delivery.Kind.PASSWORD_RESET).exists()


# --- Sidebars name only the manager's own estates and buildings (finding 18) ---------------------

@pytest.mark.parametrize("page", [
    "admin:owners_building_changelist", "admin:owners_unit_changelist", "admin:owners_occupancy_changelist",
    "admin:owners_user_changelist", "admin:owners_staffmembership_changelist", "admin:complaints_complaint_changelist",
])
def test_admin_filters_list_only_the_managers_estates(client, two_estates, page):
    for estate, building in ((two_estates["sunny"], "阳光1号楼"), (two_estates["lake"], "翠湖1号楼")):
        OccupancyFactory(unit=UnitFactory(building__estate=estate, building__name=building))
    client.force_login(two_estates["manager2"])
    response = client.get(reverse(page))
    assert response.status_code == 200
    body = response.content.decode()
    assert "阳光花园" not in body and "阳光1号楼" not in body
    if page != "admin:complaints_complaint_changelist":
        assert "翠湖苑" in body


def test_company_admin_cannot_delete_or_change_a_superuser(client):
    root = UserFactory(is_superuser=True, is_staff=True, email="root@example.com")
    client.force_login(staff_member(None, role=Role.COMPANY_ADMIN))
    response = client.post(reverse("admin:owners_user_delete", args=[root.pk]), {"post": "yes"})
    assert response.status_code == 403
    response = client.post(reverse("admin:owners_user_change", args=[root.pk]),
                           {"username": root.username, "email": "mine@example.com", "is_active": "on", "_save": "1"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.com"


# --- Invitations of a resident shared with another estate (finding: the other side's staff names) ---

def test_invitation_list_shows_no_invitation_by_another_estates_staff(client, two_estates):
    from owners.services import resident_invite

    shared = ResidentFactory(name="两地业主")
    OccupancyFactory(resident=shared, unit=UnitFactory(building__estate=two_estates["sunny"]))
    OccupancyFactory(resident=shared, unit=UnitFactory(building__estate=two_estates["lake"]))
    lake_staff = staff_member(two_estates["lake"], role=Role.SERVICE, username="lakeclerk", first_name="湖边文员")
    foreign = resident_invite(resident=shared, invited_by=lake_staff)
    client.force_login(two_estates["manager"])
    page = client.get(reverse("admin:owners_invitation_changelist")).content.decode()
    assert "湖边文员" not in page and "lakeclerk" not in page
    assert client.get(reverse("admin:owners_invitation_change", args=[foreign.pk])).status_code == 302  # "does not exist"
    own = resident_invite(resident=shared, invited_by=two_estates["service"])  # 阳光花园's own staff
    page = client.get(reverse("admin:owners_invitation_changelist")).content.decode()
    assert reverse("admin:owners_invitation_change", args=[own.pk]) in page
    # The company's own invitations and those of company-wide staff are everyone's business.
    company = resident_invite(resident=shared, invited_by=None)
    page = client.get(reverse("admin:owners_invitation_changelist")).content.decode()
    assert reverse("admin:owners_invitation_change", args=[company.pk]) in page


def _first_option(page: str, name: str) -> str:
    """What a browser submits for a select with nothing selected: its first option."""
    import re

    select = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option value="([^"]*)"', select).group(1)


@pytest.mark.parametrize("who", ["company_admin", "manager"])
def test_saving_an_account_unchanged_adds_no_assignment(client, two_estates, who):
    """The empty extra assignment row must read as empty, as a browser submits it."""
    service, sunny = two_estates["service"], two_estates["sunny"]
    actor = staff_member(None, role=Role.COMPANY_ADMIN) if who == "company_admin" else two_estates["manager"]
    client.force_login(actor)
    url = reverse("admin:owners_user_change", args=[service.pk])
    page = client.get(url).content.decode()
    data = {**_admin_form(client, url), "_save": "1"}
    extra = int(data["memberships-TOTAL_FORMS"]) - 1
    data[f"memberships-{extra}-role"] = _first_option(page, f"memberships-{extra}-role")
    response = client.post(url, data)
    assert response.status_code == 302
    assert _memberships(service) == {(sunny.pk, "service")}
