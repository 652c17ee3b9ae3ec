from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.messages import error_text
from owners.permissions import ALL, staff_estate_ids
from owners.selectors import estate_list_for, resident_list_for

from . import selectors
from .forms import InquiryAdminForm, InquiryDeclineActionForm
from .models import Announcement, ContactLog, Delivery, DeliveryAttempt, MediaInquiry, MediaMention, SavedAudience, Stakeholder, Statement
from .permissions import ANSWER_INQUIRY, inquiry_assignees_for, media_record_can_write
from .services import media as svc

# Lists only the estates of the rows the user can see, never every estate of the company.
ESTATE_FILTER = ("estate", admin.RelatedOnlyFieldListFilter)


class OutOfScopeNotFound:
    """Another estate's row is not found (404), as in pages and API, rather than the admin's
    "does not exist" redirect."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ["at", "error", "permanent"]
    can_delete = False


@admin.register(Delivery)
class DeliveryAdmin(OutOfScopeNotFound, admin.ModelAdmin):
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


def history_table(events) -> str:
    """A record's history, newest first, as a read-only table on its change page. A field rather
    than an inline: an inline would make every save of an editable record post a formset for rows
    nobody may change."""
    if not events:
        return _("Nothing recorded yet.")
    rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
        (date_format(localtime(e.at), "Y-m-d H:i"), e.get_kind_display(), e.actor.display_name if e.actor_id else _("automatically"),
         e.note) for e in events))
    return format_html('<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>',
                       _("at"), _("kind"), _("by"), _("note"), rows)


@admin.register(Announcement)
class AnnouncementAdmin(OutOfScopeNotFound, admin.ModelAdmin):
    """Read-only here: announcements are written, approved and sent from the dashboard."""

    list_display = ["title", "kind", "status", "author", "created_at", "published_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    readonly_fields = [f.name for f in Announcement._meta.fields] + ["estates", "buildings", "units", "history"]

    @admin.display(description=_("History"))
    def history(self, obj):
        return history_table(selectors.announcement_history(obj))

    def get_queryset(self, request):
        return selectors.announcement_list_for(request.user)

    def has_add_permission(self, request):
        return False


class ScopedMediaAdmin(OutOfScopeNotFound, admin.ModelAdmin):
    selector = None

    def get_queryset(self, request):
        return type(self).selector(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate":
            kwargs["queryset"] = estate_list_for(request.user)
            # Company-wide rows (no estate) are for company-wide staff: others must pick an estate.
            kwargs["required"] = staff_estate_ids(request.user) is not ALL
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MediaRecordAdmin(ScopedMediaAdmin):
    """Mentions, inquiries and stakeholders: saved through their services, so the admin keeps the
    pages' and the API's scope rule. Rows the user may read but not write open read-only."""

    create_with = update_with = None  # the services, set by each subclass

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or media_record_can_write(request.user, self.model, obj.estate_id))

    def save_model(self, request, obj, form, change):
        writable = svc.record_fields(self.model)
        if change:
            saved = type(self).update_with(obj, actor=request.user,
                                           **{name: form.cleaned_data[name] for name in form.changed_data if name in writable})
        else:
            saved = type(self).create_with(actor=request.user,
                                           **{name: value for name, value in form.cleaned_data.items() if name in writable})
        # The admin goes on with `obj` (its log entry, redirect and inlines): make it the saved row.
        for field in self.model._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db


def _saved_audiences_for(user):
    return SavedAudience.objects.filter(estate__in=estate_list_for(user)).select_related("estate")


@admin.register(SavedAudience)
class SavedAudienceAdmin(ScopedMediaAdmin):
    selector = staticmethod(_saved_audiences_for)
    list_display = ["name", "estate", "created_at"]
    list_filter = [ESTATE_FILTER]
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
    list_filter = ["status", ESTATE_FILTER]
    readonly_fields = [f.name for f in Statement._meta.fields] + ["history"]

    @admin.display(description=_("History"))
    def history(self, obj):
        # This version's own entries: the admin opens one version at a time (the dashboard shows the thread).
        return history_table(obj.events.select_related("actor").order_by("-at", "-id")[:selectors.HISTORY_MAX])

    def has_add_permission(self, request):
        return False


@admin.register(MediaMention)
class MediaMentionAdmin(MediaRecordAdmin):
    create_with, update_with = staticmethod(svc.mention_record), staticmethod(svc.mention_update)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    selector = staticmethod(selectors.mention_list_for)
    list_display = ["mentioned_at", "source", "sentiment", "reach", "estate", "excerpt"]
    list_filter = ["source", "sentiment", ESTATE_FILTER]
    search_fields = ["excerpt", "url"]
    exclude = ["subject_type", "subject_id", "created_by"]


@admin.register(MediaInquiry)
class MediaInquiryAdmin(MediaRecordAdmin):
    create_with, update_with = staticmethod(svc.inquiry_record), staticmethod(svc.inquiry_update)
    form = InquiryAdminForm
    action_form = InquiryDeclineActionForm
    actions = ["decline"]
    selector = staticmethod(selectors.inquiry_list_for)
    list_display = ["outlet", "journalist", "deadline", "status", "assigned_to", "estate"]
    list_filter = ["status", ESTATE_FILTER]
    search_fields = ["outlet", "journalist", "question"]
    # Answered or declined only through inquiry_answer / inquiry_decline (the action below).
    readonly_fields = ["status", "answer", "answered_at", "history"]

    @admin.display(description=_("History"))
    def history(self, obj):
        return history_table(selectors.inquiry_history(obj)) if obj.pk else "–"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = inquiry_assignees_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_answer_permission(self, request):
        return request.user.has_perm(ANSWER_INQUIRY)

    @admin.action(description=_("Decline the selected inquiries, with the reason given"), permissions=["answer"])
    def decline(self, request, queryset):
        reason, declined = request.POST.get("reason", ""), 0
        for inquiry in queryset:
            try:
                svc.inquiry_decline(inquiry, actor=request.user, reason=reason)
            except (ValidationError, PermissionDenied) as exc:
                problem = error_text(exc)
                self.message_user(request, f"{inquiry}: {problem}", level=messages.ERROR)
            else:
                declined += 1
        if declined:
            self.message_user(request, ngettext("%(count)d inquiry declined.", "%(count)d inquiries declined.", declined)
                              % {"count": declined}, level=messages.SUCCESS)


class ContactLogInline(admin.TabularInline):
    """The log only grows: earlier entries are shown read-only, new ones go through contact_log_add."""

    model = ContactLog
    extra = 0
    fields = ["at", "by", "channel", "summary", "agreed"]
    readonly_fields = ["by"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Stakeholder)
class StakeholderAdmin(MediaRecordAdmin):
    create_with, update_with = staticmethod(svc.stakeholder_add), staticmethod(svc.stakeholder_update)
    selector = staticmethod(selectors.stakeholder_list_for)
    list_display = ["name", "kind", "organisation", "title", "phone", "estate"]
    list_filter = ["kind", ESTATE_FILTER]
    search_fields = ["name", "organisation", "phone"]
    inlines = [ContactLogInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not ContactLog:
            return super().save_formset(request, form, formset, change)
        for entry in formset.save(commit=False):  # only new entries: earlier ones are read-only
            saved = svc.contact_log_add(stakeholder=form.instance, actor=request.user, summary=entry.summary,
                                        channel=entry.channel, agreed=entry.agreed, at=entry.at)
            entry.pk, entry.by = saved.pk, saved.by
