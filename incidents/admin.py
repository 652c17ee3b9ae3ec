"""Managers keep the emergency plans here (company-wide plans: company-wide roles; an estate's
own version: its managers) and company administrators the disclosure deadlines. Incidents are
worked on the dashboard; here they are read-only, and never deleted."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from owners.admin_filters import ScopedRelatedFieldListFilter
from owners.permissions import ALL, estate_ids_with_perm, staff_estate_ids

from .models import DisclosurePolicy, EmergencyPlan, Incident, PlanStep, WarningRule
from .permissions import plan_can_manage

PLAN_PERM = "incidents.change_emergencyplan"


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    extra = 1
    fields = ["sort", "title", "role", "within"]

    def _may(self, request, obj):
        return obj is None or plan_can_manage(request.user, obj.estate_id)

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj) and super().has_delete_permission(request, obj)


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "estate", "is_active", "updated_at"]
    list_filter = ["kind", "is_active", ("estate", ScopedRelatedFieldListFilter)]
    search_fields = ["title"]
    inlines = [PlanStepInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("estate")
        scope = staff_estate_ids(request.user)
        return qs if scope is ALL else qs.filter(Q(estate__isnull=True) | Q(estate_id__in=scope or []))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate":
            scope = estate_ids_with_perm(request.user, PLAN_PERM)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            if scope is not ALL:
                field.queryset = field.queryset.filter(pk__in=scope or [])
                field.required = True  # a company-wide plan is the company-wide roles' to write
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not plan_can_manage(request.user, obj.estate_id):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not plan_can_manage(request.user, obj.estate_id):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not plan_can_manage(request.user, obj.estate_id):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


@admin.register(DisclosurePolicy)
class DisclosurePolicyAdmin(admin.ModelAdmin):
    list_display = ["level", "first_statement_within"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only: stages, teams and tasks change on the dashboard, through the services."""

    list_display = ["number", "estate", "kind", "level", "stage", "title", "opened_at", "first_statement_at"]
    list_filter = ["stage", "kind", "level", ("estate", ScopedRelatedFieldListFilter)]
    search_fields = ["number", "title"]
    list_select_related = ["estate"]
    readonly_fields = [f.name for f in Incident._meta.fields] + ["buildings", "units"]
    show_full_result_count = False

    def get_queryset(self, request):
        scope = estate_ids_with_perm(request.user, "incidents.view_incident")
        qs = super().get_queryset(request)
        return qs if scope is ALL else qs.filter(estate_id__in=scope or [])

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # incidents are never deleted


@admin.register(WarningRule)
class WarningRuleAdmin(admin.ModelAdmin):
    """Company administrators tune the early-warning rules: switch one off, change its
    thresholds or its escalation words. The rules themselves are fixed (one row each)."""

    list_display = ["rule", "enabled", "min_count", "window_hours", "ratio", "reach_threshold", "updated_at"]
    readonly_fields = ["rule"]
    fields = ["rule", "enabled", "min_count", "window_hours", "baseline_days", "ratio", "reach_threshold", "keywords"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
