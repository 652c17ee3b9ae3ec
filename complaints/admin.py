"""Managers configure categories and SLA policies here; tickets are worked in the dashboard,
and any change the admin makes to a ticket goes through the same services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from owners.admin_filters import ScopedRelatedFieldListFilter

from .lifecycle import TRANSITIONS
from .models import Category, Complaint, SlaPolicy
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
