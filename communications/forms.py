from zoneinfo import ZoneInfo

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from owners.selectors import estate_list_for

from .models import Announcement, MediaInquiry, MediaMention, SavedAudience, Stakeholder, Statement
from .permissions import inquiry_assignee_valid, inquiry_assignees_for, media_record_can_write
from .selectors import history_zone
from .services.rendering import announcement_sms_text

# Friendly names of the zones estates are in; any other zone is shown by its name alone.
ZONE_NAMES = {"Asia/Shanghai": _("Beijing time"), "Asia/Hong_Kong": _("Hong Kong time"), "Asia/Taipei": _("Taipei time"),
              "Asia/Urumqi": _("Xinjiang time")}


def zone_label(zone: str) -> str:
    """"北京时间 (Asia/Shanghai)": how a form and a page say which clock a time is on."""
    name = ZONE_NAMES.get(zone)
    return f"{name} ({zone})" if name else zone


CHANNEL_CHOICES = [("portal", _("Portal notice board")), ("sms", _("SMS")), ("email", _("E-mail")), ("push", _("App push"))]


class AnnouncementForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple,
                                         initial=["portal"])

    class Meta:
        model = Announcement
        fields = ["kind", "title", "body", "sms_text", "audience", "estates", "buildings", "saved_audience", "channels",
                  "scheduled_at", "ack_required"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "sms_text": forms.Textarea(attrs={"rows": 2, "data-sms-counter": "1"}),
            "scheduled_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "estates": forms.CheckboxSelectMultiple,
        }
    def __init__(self, *args, estates, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved_audience"].queryset = SavedAudience.objects.filter(estate__in=estates)
        self.fields["estates"].queryset = estates
        self.fields["buildings"].queryset = buildings
        self.fields["buildings"].required = False
        self.fields["estates"].required = False
        # The clock the send time is typed on: the estates' zone (the writer's estates before a
        # choice is made; the chosen ones when it is read), the company's when they differ.
        instance = kwargs.get("instance")
        self.zone = history_zone(self._reach_ids(instance) if instance and instance.pk else [e.pk for e in estates])
        # The live SMS counter adds the link every SMS carries (" https://…/portal/notices/1234/").
        self.fields["sms_text"].widget.attrs["data-sms-extra"] = len(announcement_sms_text(instance.pk if instance and instance.pk
                                                                                          else 1000, ""))
        field = self.fields["scheduled_at"]
        field.label = _("Send at, %(zone)s") % {"zone": zone_label(self.zone)}
        field.help_text = _("Leave empty to send as soon as it is published. Times are in the estates' time zone; "
                            "for estates in different zones, or the whole company, in the company's (%(zone)s).") % {
                                "zone": zone_label(history_zone([]))}
        if instance and instance.pk and instance.scheduled_at:
            self.initial["scheduled_at"] = timezone.localtime(instance.scheduled_at, ZoneInfo(self.zone)).replace(tzinfo=None)

    @staticmethod
    def _reach_ids(instance):
        from .reach import announcement_reach

        return announcement_reach(instance) or []

    def _chosen_estate_ids(self, data):
        audience = data.get("audience")
        if audience == Announcement.Audience.ESTATES:
            return [e.pk for e in data.get("estates") or []]
        if audience == Announcement.Audience.BUILDINGS:
            return sorted({b.estate_id for b in data.get("buildings") or []})
        if audience == Announcement.Audience.LIST and data.get("saved_audience"):
            return [data["saved_audience"].estate_id]
        return []

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        if audience == Announcement.Audience.ESTATES and not data.get("estates"):
            self.add_error("estates", _("Choose at least one estate."))
        if audience == Announcement.Audience.BUILDINGS and not data.get("buildings"):
            self.add_error("buildings", _("Choose at least one building."))
        if audience == Announcement.Audience.LIST and not data.get("saved_audience"):
            self.add_error("saved_audience", _("Choose a saved list."))
        if audience == Announcement.Audience.UNITS:
            self.add_error("audience", _("Choose units through the API or the admin; the form offers estates and buildings."))
        if data.get("scheduled_at"):
            # Typed on the chosen estates' clock, whatever the browser's or the server's zone.
            self.zone = history_zone(self._chosen_estate_ids(data))
            typed = timezone.make_naive(data["scheduled_at"])
            data["scheduled_at"] = timezone.make_aware(typed, ZoneInfo(self.zone))
        return data



class _EstateForm(forms.ModelForm):
    """A media record form for `actor`: the estate is one of theirs (empty: company-wide, which
    the service allows only company-wide staff)."""

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["estate"].queryset = estate_list_for(actor)
        if not media_record_can_write(actor, self._meta.model, None, adding=True):
            # Company-wide is not offered to whom the service would refuse it: they choose an estate.
            self.fields["estate"].required = True
            self.fields["estate"].empty_label = None


class MentionForm(_EstateForm):
    url = forms.URLField(label=_("link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = MediaMention
        fields = ["source", "url", "excerpt", "sentiment", "reach", "estate", "mentioned_at"]
        widgets = {"mentioned_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "excerpt": forms.Textarea(attrs={"rows": 3})}


class InquiryAssigneeMixin:
    """Offers as assignee only people who may answer inquiries for the actor's estates, and
    checks the one chosen may answer for the estate chosen (the page form and the admin)."""

    def _limit_assignees(self, actor):
        field = self.fields["assigned_to"]
        field.queryset = inquiry_assignees_for(actor)
        field.label_from_instance = lambda user: user.display_name

    def clean(self):
        data = super().clean()
        assignee = data.get("assigned_to")
        if assignee is not None and "estate" in data and not inquiry_assignee_valid(assignee, getattr(data["estate"], "pk", None)):
            self.add_error("assigned_to", _("Assign the inquiry to a spokesperson or manager who may answer for its estate."))
        return data


class InquiryForm(InquiryAssigneeMixin, _EstateForm):
    class Meta:
        model = MediaInquiry
        fields = ["journalist", "outlet", "contact", "question", "deadline", "estate", "assigned_to"]
        widgets = {"deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "question": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self._limit_assignees(actor)


class InquiryAdminForm(InquiryAssigneeMixin, forms.ModelForm):
    """The admin's inquiry form: its assignee list comes from MediaInquiryAdmin.formfield_for_foreignkey."""


class InquiryDeclineActionForm(ActionForm):
    """The admin's action bar for inquiries, with the reason a decline needs."""

    reason = forms.CharField(label=_("Reason (for declining)"), required=False, max_length=5000)


class StakeholderForm(_EstateForm):
    class Meta:
        model = Stakeholder
        fields = ["kind", "name", "organisation", "title", "phone", "email", "estate", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class StatementEditForm(forms.ModelForm):
    """A statement's title and text, for a draft, a returned or an approved one."""

    class Meta:
        model = Statement
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}
