from django.contrib import admin

from owners.selectors import resident_list_for

from .models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "address", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "channel", "status"]
    search_fields = ["address", "resident__name"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("resident")
        if request.user.is_superuser:
            return qs
        return qs.filter(resident__in=resident_list_for(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
