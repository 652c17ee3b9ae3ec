"""Forms of the media desk's lists (mentions, inquiries) and of the stakeholder contact log.

The list filters are read the way the complaint queue reads its own: a value that does not parse
or names an estate outside the user's scope is ignored, as if it had not been given.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from owners.selectors import estate_list_for

from .models import ContactLog, MediaInquiry, MediaMention

SEARCH_MAX = 100


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class _ListFilter(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=SEARCH_MAX, required=False)
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=None, required=False, empty_label=_("All estates"))

    def __init__(self, data=None, *, actor):
        super().__init__(data)
        self.fields["estate"].queryset = estate_list_for(actor)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"

    def values(self) -> dict:
        """The values that parsed; the rest are dropped."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class MentionFilter(_ListFilter):
    source = forms.ChoiceField(label=_("Source"), choices=[("", _("All sources")), *MediaMention.Source.choices], required=False)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=[("", _("Any sentiment")), *MediaMention.Sentiment.choices],
                                  required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["q", "source", "sentiment", "estate", "since", "until"]

    def apply(self, mentions):
        """`mentions` (already scoped) narrowed to what was asked; dates are whole days, both included."""
        v = self.values()
        if "q" in v:
            mentions = mentions.filter(Q(excerpt__icontains=v["q"]) | Q(url__icontains=v["q"]))
        for name in ("source", "sentiment", "estate"):
            if name in v:
                mentions = mentions.filter(**{name: v[name]})
        if "since" in v:
            mentions = mentions.filter(mentioned_at__gte=_day_start(v["since"]))
        if "until" in v:
            mentions = mentions.filter(mentioned_at__lt=_day_start(v["until"] + timedelta(days=1)))
        return mentions


class InquiryFilter(_ListFilter):
    OPEN, CLOSED = "open", "closed"
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), (OPEN, _("Waiting for an answer")), (CLOSED, _("Answered or declined")),
        (MediaInquiry.Status.ANSWERED, _("Answered")), (MediaInquiry.Status.DECLINED, _("Declined")),
    ])
    field_order = ["q", "status", "estate"]

    def apply(self, inquiries):
        """Open ones by deadline; answered and declined ones newest answer first; all: newest first."""
        v = self.values()
        if "q" in v:
            q = v["q"]
            inquiries = inquiries.filter(Q(journalist__icontains=q) | Q(outlet__icontains=q) | Q(question__icontains=q)
                                         | Q(answer__icontains=q))
        if "estate" in v:
            inquiries = inquiries.filter(estate=v["estate"])
        status = v.get("status")
        if status == self.OPEN:
            return inquiries.filter(status=MediaInquiry.Status.OPEN).order_by("deadline", "id")
        if status == self.CLOSED:
            inquiries = inquiries.exclude(status=MediaInquiry.Status.OPEN)
        elif status:
            inquiries = inquiries.filter(status=status)
        else:
            return inquiries.order_by("-created_at", "-id")
        return inquiries.order_by("-answered_at", "-id")


class ContactLogForm(forms.ModelForm):
    """One conversation with a stakeholder, logged now (contact_log_add)."""

    class Meta:
        model = ContactLog
        fields = ["channel", "summary", "agreed"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
                   "agreed": forms.Textarea(attrs={"rows": 2, "maxlength": 5000})}
