from django.contrib import admin

from owners.selectors import resident_list_for

from . import selectors
from .models import Announcement, ContactLog, Delivery, DeliveryAttempt, MediaInquiry, MediaMention, SavedAudience, Stakeholder, Statement


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ["at", "error", "permanent"]
    can_delete = False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    inlines = [DeliveryAttemptInline]
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


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """Read-only here: announcements are written, approved and sent from the dashboard."""

    list_display = ["title", "kind", "status", "author", "created_at", "published_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    readonly_fields = [f.name for f in Announcement._meta.fields] + ["estates", "buildings", "units"]

    def get_queryset(self, request):
        return selectors.announcement_list_for(request.user)

    def has_add_permission(self, request):
        return False


class ScopedMediaAdmin(admin.ModelAdmin):
    selector = None

    def get_queryset(self, request):
        return type(self).selector(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate":
            from owners.selectors import estate_list_for

            kwargs["queryset"] = estate_list_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _saved_audiences_for(user):
    from owners.selectors import estate_list_for

    return SavedAudience.objects.filter(estate__in=estate_list_for(user)).select_related("estate")


@admin.register(SavedAudience)
class SavedAudienceAdmin(ScopedMediaAdmin):
    selector = staticmethod(_saved_audiences_for)
    list_display = ["name", "estate", "created_at"]
    list_filter = ["estate"]
    search_fields = ["name"]
    autocomplete_fields = ["residents"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "residents":
            kwargs["queryset"] = resident_list_for(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Statement)
class StatementAdmin(ScopedMediaAdmin):
    """Read-only: statements move through review and publication on the dashboard."""

    selector = staticmethod(selectors.statement_list_for)
    list_display = ["title", "version", "status", "estate", "author", "approved_by", "published_at"]
    list_filter = ["status", "estate"]
    readonly_fields = [f.name for f in Statement._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MediaMention)
class MediaMentionAdmin(ScopedMediaAdmin):

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    selector = staticmethod(selectors.mention_list_for)
    list_display = ["mentioned_at", "source", "sentiment", "reach", "estate", "excerpt"]
    list_filter = ["source", "sentiment", "estate"]
    search_fields = ["excerpt", "url"]
    exclude = ["subject_type", "subject_id", "created_by"]


@admin.register(MediaInquiry)
class MediaInquiryAdmin(ScopedMediaAdmin):
    selector = staticmethod(selectors.inquiry_list_for)
    list_display = ["outlet", "journalist", "deadline", "status", "assigned_to", "estate"]
    list_filter = ["status", "estate"]
    search_fields = ["outlet", "journalist", "question"]
    readonly_fields = ["answered_at"]


class ContactLogInline(admin.TabularInline):
    model = ContactLog
    extra = 0
    readonly_fields = ["by"]


@admin.register(Stakeholder)
class StakeholderAdmin(ScopedMediaAdmin):
    selector = staticmethod(selectors.stakeholder_list_for)
    list_display = ["name", "kind", "organisation", "title", "phone", "estate"]
    list_filter = ["kind", "estate"]
    search_fields = ["name", "organisation", "phone"]
    inlines = [ContactLogInline]

    def save_formset(self, request, form, formset, change):
        for item in formset.save(commit=False):
            if isinstance(item, ContactLog) and not item.by_id:
                item.by = request.user
            item.save()
        formset.save_m2m()
        for obj in formset.deleted_objects:
            obj.delete()
