from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Category, FollowUp, Priority
from .models.complaints import Channel, ComplaintLink


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to PHOTO_MAX_COUNT files; their content is checked by complaints.photos in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > settings.PHOTO_MAX_COUNT:
            raise forms.ValidationError(_("At most %(n)d photos.") % {"n": settings.PHOTO_MAX_COUNT})
        return files


def where_choices(occupancies):
    """The owner's units, then the common areas of their estates, as ("unit:ID" | "estate:ID", label)."""
    choices = [(f"unit:{o.unit_id}", f"{o.unit.building.estate.name} {o.unit.label}") for o in occupancies]
    estates = {o.unit.building.estate_id: o.unit.building.estate.name for o in occupancies}
    return choices + [(f"estate:{pk}", _("Common area of %(estate)s") % {"estate": name}) for pk, name in estates.items()]


class OwnerComplaintForm(forms.Form):
    category = forms.ModelChoiceField(label=_("What is it about?"), queryset=Category.objects.filter(is_active=True))
    where = forms.ChoiceField(label=_("Where?"))
    location = forms.CharField(label=_("Where exactly (for common areas)"), max_length=200, required=False,
                               widget=forms.TextInput(attrs={"placeholder": _("e.g. underground car park, level B1")}))
    description = forms.CharField(label=_("What happened?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos (up to 6)"),  # the hint beside its field, not below the next one
                         help_text=_("Photos: JPEG, PNG or WebP, up to 10 MB each. Location data in photos is removed."))
    preferred_visit = forms.CharField(label=_("When may we come? (optional)"), max_length=100, required=False,
                                      widget=forms.TextInput(attrs={"placeholder": _("e.g. weekdays after 18:00, or Saturday morning")}))

    def __init__(self, *args, occupancies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = where_choices(occupancies)


class StaffComplaintForm(OwnerComplaintForm):
    """What staff fill in when an owner complains by phone or in person."""

    resident = forms.IntegerField(widget=forms.HiddenInput)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    channel = forms.ChoiceField(label=_("Received via"), choices=[c for c in Channel.choices if c[0] != Channel.PORTAL])
    field_order = ["resident", "category", "priority", "channel", "where", "location", "description", "photos", "preferred_visit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label = _("Category")
        self.fields["description"].label = _("What the owner said")


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), required=False)


class OwnerMessageForm(TextForm):
    """The owner's follow-up message on their ticket, with photos if they like."""

    photos = PhotosField(label=_("Photos (up to 6)"))


class VisitForm(forms.Form):
    findings = forms.CharField(label=_("Findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("Photos (up to 6)"))


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class AssignForm(forms.Form):
    assignee = StaffChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class TriageForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class LinkForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=20)
    kind = forms.ChoiceField(label=_("How they relate"), choices=ComplaintLink.Kind.choices)


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUp.Outcome.choices)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How satisfied are you?"), coerce=int,
                                    choices=[(n, "★" * n) for n in range(5, 0, -1)], widget=forms.RadioSelect)
    solved = forms.TypedChoiceField(label=_("Is the problem solved?"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Yes")), ("no", _("No, not solved"))], widget=forms.RadioSelect, initial="yes")
    comment = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
