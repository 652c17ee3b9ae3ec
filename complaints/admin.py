"""Managers configure categories and SLA policies here; tickets are worked in the dashboard,
and any change the admin makes to a ticket goes through the same services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from owners.admin_filters import ScopedRelatedFieldListFilter
from owners.models import Estate
from owners.permissions import ALL, estate_ids_with_perm, has_perm_at

from .lifecycle import TRANSITIONS
from .models import ArrearsLadderStep, ArrearsPolicy, Category, Complaint, SlaPolicy
from .models.replies import CannedReply
from .selectors import complaint_list_for
from .services import complaint_transition


class SlaPolicyInline(admin.TabularInline):
    model = SlaPolicy
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "follow_up_days", "sort", "is_active"]
    list_editable = ["sort", "is_active"]
    search_fields = ["name", "name_en", "code"]
    inlines = [SlaPolicyInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["category", "priority", "first_response", "resolution"]
    list_filter = ["priority", "category"]


def _transition_action(name):
    transition = TRANSITIONS[name]

    @admin.action(description=transition.label, permissions=["change"])
    def action(modeladmin, request, queryset):
        for complaint in queryset:
            try:
                complaint_transition(complaint, name, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                modeladmin.message_user(request, f"{complaint.number}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR)
    action.__name__ = f"transition_{name}"
    return action


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: the status never changes by editing a field, only through lifecycle actions."""

    list_display = ["number", "estate", "category", "status", "priority", "assignee", "created_at", "resolution_due_at", "flagged"]
    list_filter = ["status", "priority", "category", "flagged", ("estate", ScopedRelatedFieldListFilter)]
    search_fields = ["number"]
    list_select_related = ["estate", "category", "assignee"]
    readonly_fields = [f.name for f in Complaint._meta.fields]
    actions = [_transition_action(name) for name in ("acknowledge", "start", "close", "reopen")]
    show_full_result_count = False
    date_hierarchy = None

    def get_queryset(self, request):
        return complaint_list_for(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---- Arrears configuration: the ladder per cause (company-wide) and the thresholds (per estate).
# Cases are worked on the arrears pages, through the services; they have no admin.

@admin.register(ArrearsLadderStep)
class ArrearsLadderStepAdmin(admin.ModelAdmin):
    """The recommended ladder of each cause: which steps, in which order, with how many days."""

    list_display = ["cause", "position", "step", "due_days"]
    list_display_links = ["step"]
    list_editable = ["position", "due_days"]
    list_filter = ["cause"]
    ordering = ["cause", "position"]


@admin.register(ArrearsPolicy)
class ArrearsPolicyAdmin(admin.ModelAdmin):
    """When the daily pass opens a case. An estate manager sets their own estates' thresholds;
    the company default (no estate) is for company-wide roles only."""

    list_display = ["__str__", "min_amount", "min_months"]

    def _scope(self, request):
        return estate_ids_with_perm(request.user, "complaints.change_arrearspolicy")

    def get_queryset(self, request):
        scope = self._scope(request)
        qs = super().get_queryset(request).select_related("estate")
        return qs if scope is ALL else qs.filter(estate_id__in=scope or [])

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate":
            scope = self._scope(request)
            kwargs["queryset"] = Estate.objects.all() if scope is ALL else Estate.objects.filter(pk__in=scope or [])
            kwargs["required"] = scope is not ALL
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return has_perm_at(request.user, "complaints.change_arrearspolicy", obj.estate_id)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return has_perm_at(request.user, "complaints.delete_arrearspolicy", obj.estate_id)


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """常用回复: the company's reply texts, offered on every ticket's reply form (company administrators keep them)."""

    list_display = ["title", "active", "order"]
    list_editable = ["active", "order"]
    list_filter = ["active"]
    search_fields = ["title", "body"]
