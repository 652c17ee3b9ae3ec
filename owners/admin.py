"""The managers' desk. Every list is scoped like the rest of the product; role changes go
through services.staff_roles_sync so groups and admin access always follow assignments."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_filters import ScopedRelatedFieldListFilter
from .models import Building, Estate, ExportRecord, Invitation, MobileReveal, Occupancy, Resident, StaffMembership, Unit, User
from .permissions import (
    ALL,
    assignable_roles,
    estate_ids_with_perm,
    has_perm_at,
    managed_estate_ids,
    membership_can_assign_user,
    membership_can_grant,
    registry_can,
    resident_can_edit,
    resident_can_invite,
    staff_estate_ids,
    user_can_administer,
    user_password_can_set,
)
from .selectors import (
    building_list_for,
    estate_list_for,
    invitation_list_for,
    membership_assignable_users_for,
    membership_list_for,
    occupancy_list_for,
    resident_list_for,
    unit_list_for,
    user_list_for,
)
from .services import (
    building_create,
    building_update,
    estate_create,
    estate_update,
    resident_invite,
    resident_mobile_check,
    resident_update,
    staff_membership_check,
    staff_membership_revoke,
    staff_membership_save,
    staff_roles_sync,
    unit_create,
    unit_update,
    user_password_reset_request,
)
from .services.residents import EDITABLE_FIELDS as RESIDENT_EDITABLE_FIELDS

# Foreign keys offered in forms: what the user may see, and the path from a row to its estate.
_CHOICES = {"estate": (estate_list_for, "id"), "building": (building_list_for, "estate_id"),
            "unit": (unit_list_for, "building__estate_id"), "resident": (resident_list_for, None)}


def _writable_choices(form, user, model, actions) -> None:
    """Narrow the form's estate, building and unit choices to the estates where the user's role
    carries `owners.<action>_<model>` for one of `actions`: a role held at one estate neither
    offers nor accepts another estate's buildings (the choice is refused as invalid)."""
    scope: set[int] | None = set()
    for action in actions:
        held = estate_ids_with_perm(user, f"owners.{action}_{model._meta.model_name}")
        if held is ALL:
            return
        scope |= held
    for name, (_chooser, path) in _CHOICES.items():
        field = form.base_fields.get(name)
        if field is not None and path is not None:
            field.queryset = field.queryset.filter(**{f"{path}__in": scope})


class ScopedAdmin(admin.ModelAdmin):
    """Lists and foreign-key choices limited to the signed-in manager's estates."""

    scoped_queryset = None  # callable(user) -> queryset

    def get_queryset(self, request):
        return type(self).scoped_queryset(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        chooser, _path = _CHOICES.get(db_field.name, (None, None))
        if chooser is not None:
            kwargs["queryset"] = chooser(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        _writable_choices(form, request.user, self.model, ["add" if obj is None else "change"])
        return form


class EstateBoundAdmin(ScopedAdmin):
    """Records that belong to one estate (estates, buildings, units, occupancies): changed and
    deleted only where the user's role carries the permission at that estate. Django's global
    model permissions, which the role's group gives everywhere, are asked as well."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and not registry_can(request.user, "change", obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Django's bulk delete asks here for each selected row too.
        if obj is not None and not registry_can(request.user, "delete", obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not registry_can(request.user, "change" if change else "add", obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class BuildingInline(admin.TabularInline):
    """An estate's buildings. Every row is of the estate on the page, so the page's estate decides."""

    model = Building
    extra = 0
    fields = ["name", "floors"]
    show_change_link = True

    def _allowed(self, request, action, estate):
        return estate is None or has_perm_at(request.user, f"owners.{action}_building", estate.pk)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request, "add", obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change", obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete", obj) and super().has_delete_permission(request, obj)


def _changes(record, changed_fields):
    return {name: getattr(record, name) for name in changed_fields}


def _adopt(obj, saved) -> None:
    """The admin goes on with its own instance (log entry, redirect, inlines): make it the saved row."""
    obj.pk = saved.pk
    obj._state.adding, obj._state.db = False, saved._state.db


@admin.register(Estate)
class EstateAdmin(EstateBoundAdmin):
    scoped_queryset = estate_list_for
    list_display = ["name", "code", "address", "timezone", "phone"]
    search_fields = ["name", "code", "address"]
    inlines = [BuildingInline]

    def save_model(self, request, obj, form, change):
        fields = _changes(obj, form.changed_data if change else form.cleaned_data)
        saved = estate_update(actor=request.user, estate=obj, **fields) if change else estate_create(actor=request.user, **fields)
        _adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Building:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for building in formset.deleted_objects:  # allowed by BuildingInline.has_delete_permission
            building.delete()
        for building, changed in formset.changed_objects:
            building_update(actor=request.user, building=building, **_changes(building, changed))
        for building in formset.new_objects:
            building_create(actor=request.user, estate=form.instance, name=building.name, floors=building.floors)


@admin.register(Building)
class BuildingAdmin(EstateBoundAdmin):
    scoped_queryset = building_list_for
    list_display = ["name", "estate", "floors"]
    list_filter = [("estate", ScopedRelatedFieldListFilter)]
    search_fields = ["name", "estate__name"]
    list_select_related = ["estate"]

    def save_model(self, request, obj, form, change):
        fields = _changes(obj, form.changed_data if change else form.cleaned_data)
        saved = (building_update(actor=request.user, building=obj, **fields) if change
                 else building_create(actor=request.user, **fields))
        _adopt(obj, saved)


@admin.register(Unit)
class UnitAdmin(EstateBoundAdmin):
    scoped_queryset = unit_list_for
    list_display = ["number", "entrance", "building", "floor", "area_sqm"]
    list_filter = [("building__estate", ScopedRelatedFieldListFilter), ("building", ScopedRelatedFieldListFilter)]
    search_fields = ["number", "building__name", "building__estate__name"]
    list_select_related = ["building__estate"]
    autocomplete_fields = ["building"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        fields = _changes(obj, form.changed_data if change else form.cleaned_data)
        saved = unit_update(actor=request.user, unit=obj, **fields) if change else unit_create(actor=request.user, **fields)
        _adopt(obj, saved)


def _occupancy_rows_allowed(user, formset) -> bool:
    """Each home added, changed or removed on a resident's page, as the user's role allows at its
    estate — for a change, both the estate it was in and the one it would be in. The page's rows
    may lie in several estates, so the page as a whole decides nothing."""
    before = Occupancy.objects.select_related("unit__building").in_bulk(
        [row.instance.pk for row in formset.initial_forms if row.instance.pk])
    for row in formset.forms:
        occupancy = row.instance
        deleting = formset.can_delete and row.cleaned_data.get("DELETE")
        if occupancy.pk is None:
            checks = [] if deleting or not row.has_changed() else [("add", occupancy)]
        elif deleting:
            checks = [("delete", before[occupancy.pk])]
        else:
            checks = [("change", before[occupancy.pk]), ("change", occupancy)] if row.has_changed() else []
        if not all(registry_can(user, action, record) for action, record in checks):
            return False
    return True


class OccupancyInline(admin.TabularInline):
    """A resident's homes. Rows of several estates may share the page: each row is checked
    against the user's role at its own estate when saved (ResidentAdmin.save_formset)."""

    model = Occupancy
    extra = 0
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        # A resident who also lives in another estate shows only this side's homes.
        return occupancy_list_for(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = unit_list_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        _writable_choices(formset.form, request.user, Occupancy, ["add", "change"])
        return formset


class ResidentForm(forms.ModelForm):
    actor = None  # the signed-in user; set per request by the admin

    def clean_mobile(self):
        mobile = self.cleaned_data.get("mobile") or None
        try:
            resident_mobile_check(actor=self.actor, mobile=mobile, exclude=self.instance if self.instance.pk else None)
        except ValidationError as exc:
            raise ValidationError(exc.messages)
        return mobile


@admin.register(Resident)
class ResidentAdmin(ScopedAdmin):
    scoped_queryset = resident_list_for
    form = ResidentForm
    list_display = ["name", "mobile", "email", "preferred_channel", "has_account", "created_at"]
    list_filter = ["preferred_channel", "preferred_language", ("user", admin.EmptyFieldListFilter)]
    search_fields = ["name", "mobile", "email"]
    readonly_fields = ["user", "created_at"]
    inlines = [OccupancyInline]
    actions = ["invite"]
    show_full_result_count = False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_change_permission(self, request, obj=None):
        # Someone who also lives in another estate is read-only here (finding E3).
        if obj is not None and not resident_can_edit(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting takes every home with it; Django's bulk delete asks here for each row too.
        if obj is not None and not resident_can_edit(request.user, obj, "delete"):
            return False
        return super().has_delete_permission(request, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is Occupancy and not _occupancy_rows_allowed(request.user, formset):
            raise PermissionDenied
        super().save_formset(request, form, formset, change)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        resident_update(actor=request.user, resident=obj,
                        **{name: form.cleaned_data[name] for name in form.changed_data if name in RESIDENT_EDITABLE_FIELDS})

    @admin.display(boolean=True, description=_("portal account"))
    def has_account(self, obj):
        return obj.user_id is not None

    @admin.action(description=_("Invite the selected residents to the owner portal"), permissions=["invite"])
    def invite(self, request, queryset):
        sent, refused = 0, []
        for resident in queryset:
            if not resident_can_invite(request.user, resident):
                refused.append(_("Your role may not invite %(name)s.") % {"name": resident.name})
                continue
            try:
                resident_invite(resident=resident, invited_by=request.user)
                sent += 1
            except ValidationError as exc:
                refused.append(exc.messages[0])
        if sent:
            self.message_user(request, ngettext("%d invitation sent.", "%d invitations sent.", sent) % sent)
        for reason in refused:
            self.message_user(request, reason, level=messages.WARNING)

    def has_invite_permission(self, request):
        return request.user.has_perm("owners.add_invitation")


@admin.register(Occupancy)
class OccupancyAdmin(ScopedAdmin):
    scoped_queryset = staticmethod(lambda user: occupancy_list_for(user).select_related("resident"))
    list_display = ["resident", "unit", "relation", "start_date", "end_date"]
    list_filter = ["relation", ("unit__building__estate", ScopedRelatedFieldListFilter)]
    search_fields = ["resident__name", "resident__mobile", "unit__number"]
    autocomplete_fields = ["resident", "unit"]


@admin.register(Invitation)
class InvitationAdmin(ScopedAdmin):
    scoped_queryset = invitation_list_for
    list_display = ["resident", "created_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["resident__name", "resident__mobile"]
    readonly_fields = ["resident", "created_by", "created_at", "expires_at", "accepted_at", "revoked_at"]

    def has_add_permission(self, request):
        return False  # invitations are sent from the resident's page or the "invite" action


class MembershipForm(forms.ModelForm):
    """An estate assignment as the signed-in manager may make it.

    Narrowed choices only shape the page; this check (the same the service makes on save) is what
    refuses a forged POST, so a manager cannot grant a company-wide role, another estate or a role
    above their own, nor attach a colleague who also works elsewhere.
    """

    actor = None  # the signed-in user; set per request by the admin

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.actor is None or not self.has_changed():
            return
        try:
            staff_membership_check(actor=self.actor, membership=self.instance)
        except PermissionDenied as exc:
            self.add_error(None, str(exc))


def _estate_choices_for(user):
    managed = managed_estate_ids(user)
    return Estate.objects.all() if managed is ALL else Estate.objects.filter(id__in=managed or [])


def _role_choices_for(user, choices):
    """The roles `user` may hand out, after an empty first choice: a browser submits a select's
    first option, and without the empty one every blank extra row would read as a new "service"
    assignment (company-wide, when a company admin's form leaves the estate empty)."""
    allowed = assignable_roles(user)
    return [*BLANK_CHOICE_DASH, *((v, label) for v, label in choices if v in allowed)]


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    form = MembershipForm
    extra = 1
    fields = ["estate", "role"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"actor": request.user})
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate":
            kwargs["queryset"] = _estate_choices_for(request.user)
            kwargs["required"] = managed_estate_ids(request.user) is not ALL
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = _role_choices_for(request.user, db_field.choices)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("estate")
        scope = staff_estate_ids(request.user)
        return qs if scope is ALL else qs.filter(estate_id__in=scope or [])


@admin.register(User)
class LighthouseUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "kind", "mobile", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["kind", "is_active", "is_staff", "memberships__role", ("memberships__estate", ScopedRelatedFieldListFilter)]
    search_fields = ["username", "first_name", "last_name", "email", "mobile"]
    fieldsets = (
        (None, {"fields": ("username", "password", "kind")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "mobile", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "first_name", "email", "mobile", "password1", "password2")}),)
    inlines = [MembershipInline]
    actions = ["send_password_reset"]

    @admin.display(description=_("name"))
    def display_name(self, obj):
        return obj.get_full_name() or obj.first_name

    @admin.display(description=_("password"))
    def password_hint(self, obj):
        return _("Chosen by the account's owner. To help them, use “Send a password reset link” in the user list.")

    def get_queryset(self, request):
        return user_list_for(request.user)

    def get_search_results(self, request, queryset, search_term):
        # The user field of an estate assignment offers only accounts this manager may assign.
        if request.GET.get("model_name") == "staffmembership" and request.GET.get("field_name") == "user":
            queryset = membership_assignable_users_for(request.user).order_by("username")
        return super().get_search_results(request, queryset, search_term)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or user_password_can_set(request.user, obj):
            return fieldsets
        # Nobody sets another person's password here: no field, no link to the password form.
        return [(name, {**options, "fields": tuple("password_hint" if f == "password" else f for f in options["fields"])})
                for name, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        # Admin access and groups follow estate assignments; only superusers grant superuser.
        readonly = ["is_staff", "groups", "last_login", "date_joined", "kind", "password_hint"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
            if obj is not None and obj.is_resident:
                # Where an owner's reset links go is the owner's (and the company's) business.
                readonly += ["username", "mobile", "email"]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and not user_can_administer(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.pk == request.user.pk or not user_can_administer(request.user, obj)):
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, unquote(id))
        if target is not None and not user_password_can_set(request.user, target):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.action(description=_("Send a password reset link"), permissions=["change"])
    def send_password_reset(self, request, queryset):
        sent = 0
        for user in queryset:
            if not user_can_administer(request.user, user):
                self.message_user(request, _("You may not manage the account of %(name)s; no link was sent.")
                                  % {"name": user.display_name}, level=messages.WARNING)
            elif user_password_reset_request(user=user):
                sent += 1
            else:
                self.message_user(request, _("%(name)s has no mobile number or e-mail address, or the account is "
                                             "disabled; no link was sent.") % {"name": user.display_name},
                                  level=messages.WARNING)
        if sent:
            self.message_user(request, ngettext("%d password reset link sent.", "%d password reset links sent.", sent) % sent)

    def save_formset(self, request, form, formset, change):
        if formset.model is not StaffMembership:
            return super().save_formset(request, form, formset, change)
        # Assignments go through the service, which checks each against what the actor may grant.
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            staff_membership_revoke(actor=request.user, membership=membership)
        for membership in memberships:
            staff_membership_save(actor=request.user, membership=membership)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        staff_roles_sync(form.instance)


@admin.register(StaffMembership)
class StaffMembershipAdmin(ScopedAdmin):
    scoped_queryset = membership_list_for
    form = MembershipForm
    list_display = ["user", "estate", "role", "created_at"]
    list_filter = ["role", ("estate", ScopedRelatedFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__email"]
    autocomplete_fields = ["user"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = _role_choices_for(request.user, db_field.choices)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate":
            kwargs["queryset"] = _estate_choices_for(request.user)
            kwargs["required"] = managed_estate_ids(request.user) is not ALL
        if db_field.name == "user":
            kwargs["queryset"] = membership_assignable_users_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not (membership_can_grant(request.user, obj.estate_id, obj.role)
                                    and membership_can_assign_user(request.user, obj.user)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not membership_can_grant(request.user, obj.estate_id, obj.role):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        staff_membership_save(actor=request.user, membership=obj)

    def delete_model(self, request, obj):
        staff_membership_revoke(actor=request.user, membership=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            staff_membership_revoke(actor=request.user, membership=membership)


@admin.register(MobileReveal)
class MobileRevealAdmin(admin.ModelAdmin):
    """Who opened whose full mobile number, and when (the "show" click in staff lists). A record:
    read only, never edited or deleted; company administrators read it."""

    list_display = ["created_at", "user", "resident"]
    list_select_related = ["user", "resident"]
    search_fields = ["resident__name", "user__username", "user__first_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """Who exported what (complaint queue, deliveries, stakeholders, arrears, monthly reports),
    with which filters and how many rows. A record: read only; company administrators read it."""

    list_display = ["created_at", "user", "kind", "format", "row_count"]
    list_filter = ["kind", "format"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "kind"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
