"""The managers' desk. Every list is scoped like the rest of the product; role changes go
through services.staff_roles_sync so groups and admin access always follow assignments."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_filters import ScopedRelatedFieldListFilter
from .models import Building, Estate, Invitation, Occupancy, Resident, StaffMembership, Unit, User
from .permissions import (
    ALL,
    assignable_roles,
    managed_estate_ids,
    membership_can_assign_user,
    membership_can_grant,
    resident_can_edit,
    staff_estate_ids,
    user_can_administer,
    user_password_can_set,
)
from .selectors import (
    building_list_for,
    estate_list_for,
    membership_assignable_users_for,
    membership_list_for,
    occupancy_list_for,
    resident_list_for,
    unit_list_for,
    user_list_for,
)
from .services import (
    resident_invite,
    resident_mobile_check,
    resident_update,
    staff_membership_check,
    staff_membership_revoke,
    staff_membership_save,
    staff_roles_sync,
    user_password_reset_request,
)
from .services.residents import EDITABLE_FIELDS as RESIDENT_EDITABLE_FIELDS


class ScopedAdmin(admin.ModelAdmin):
    """Lists and foreign-key choices limited to the signed-in manager's estates."""

    scoped_queryset = None  # callable(user) -> queryset
    scoped_fields = {"estate": estate_list_for, "building": building_list_for, "unit": unit_list_for,
                     "resident": resident_list_for}

    def get_queryset(self, request):
        return type(self).scoped_queryset(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        chooser = self.scoped_fields.get(db_field.name)
        if chooser is not None:
            kwargs["queryset"] = chooser(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0
    fields = ["name", "floors"]
    show_change_link = True


@admin.register(Estate)
class EstateAdmin(ScopedAdmin):
    scoped_queryset = estate_list_for
    list_display = ["name", "code", "address", "timezone", "phone"]
    search_fields = ["name", "code", "address"]
    inlines = [BuildingInline]


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    scoped_queryset = building_list_for
    list_display = ["name", "estate", "floors"]
    list_filter = [("estate", ScopedRelatedFieldListFilter)]
    search_fields = ["name", "estate__name"]
    list_select_related = ["estate"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    scoped_queryset = unit_list_for
    list_display = ["number", "entrance", "building", "floor", "area_sqm"]
    list_filter = [("building__estate", ScopedRelatedFieldListFilter), ("building", ScopedRelatedFieldListFilter)]
    search_fields = ["number", "building__name", "building__estate__name"]
    list_select_related = ["building__estate"]
    autocomplete_fields = ["building"]
    show_full_result_count = False


class OccupancyInline(admin.TabularInline):
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
        if obj is not None and not resident_can_edit(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

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
    scoped_queryset = staticmethod(lambda user: Invitation.objects.filter(resident__in=resident_list_for(user)).select_related("resident", "created_by"))
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
    allowed = assignable_roles(user)
    return [(v, label) for v, label in choices if v in allowed]


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
