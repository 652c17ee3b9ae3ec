"""Forms of the incident pages. They parse and offer choices; the services decide and refuse."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import IncidentCertificate, Kind, Level, TeamRole

LEVEL_CHOICES = [("", _("Not set yet"))] + list(Level.choices)
ROLE_CHOICES = [("", _("No team role"))] + list(TeamRole.choices)
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# No type is chosen for the person: a pre-selected first entry ("Fire") was taken for an answer.
KIND_CHOICES = [("", _("— choose a type —")), *Kind.choices]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class IncidentForm(forms.Form):
    """Raise an incident by hand (it starts as a warning)."""

    estate = forms.ModelChoiceField(label=_("Estate"), queryset=None)
    kind = forms.ChoiceField(label=_("Type"), choices=KIND_CHOICES)
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    description = forms.CharField(label=_("What is happening"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates


class IncidentUpdateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices)
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    description = forms.CharField(label=_("What is happening"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner_guidance = forms.CharField(label=_("What owners should do (shown to owners)"), max_length=5000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(forms.Form):
    """Escalate one or more complaints, or a media mention: the type and level of the incident."""

    kind = forms.ChoiceField(label=_("Type"), choices=KIND_CHOICES)
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES, required=False)


class TeamForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    user = StaffChoiceField(label=_("Staff member"), queryset=None, required=False, empty_label=_("— nobody —"))

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    role = forms.ChoiceField(label=_("Team role"), choices=ROLE_CHOICES, required=False)
    assignee = StaffChoiceField(label=_("Assigned to"), queryset=None, required=False, empty_label=_("— the role's holder —"))
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class AssigneeForm(forms.Form):
    assignee = StaffChoiceField(label=_("Assigned to"), queryset=None)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class LogForm(forms.Form):
    body = forms.CharField(label=_("Log entry"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    at = forms.DateTimeField(label=_("When (leave empty for now)"), required=False, widget=DATETIME)


class StatementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    sms = forms.BooleanField(label=_("Also by SMS"), required=False, initial=True)
    ack_required = forms.BooleanField(label=_("Ask “I am safe / I need help”"), required=False, initial=True)


class ReviewForm(forms.Form):
    cause = forms.CharField(label=_("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    went_well = forms.CharField(label=_("What went well"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    went_badly = forms.CharField(label=_("What went badly"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    aftercare = forms.CharField(label=_("Aftercare and compensation"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lessons = forms.CharField(label=_("Lessons"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ImprovementForm(forms.Form):
    title = forms.CharField(label=_("Improvement action"), max_length=200)
    owner = StaffChoiceField(label=_("Responsible"), queryset=None)
    due_on = forms.DateField(label=_("Due"), widget=DATE)
    updates_plan = forms.BooleanField(label=_("Updates the emergency plan"), required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class PlainSelect(forms.Select):
    """A select rendered in Python: an estate's hundreds of homes cost microseconds each here,
    against a template render each through the widget machinery (150–270 ms for 500 homes)."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        options = format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (choice, mark_safe(" selected") if str(choice) in selected else "", label) for choice, label in self.choices))
        return format_html("<select name=\"{}\"{}>{}</select>", name, flatatt(self.build_attrs(self.attrs, attrs)), options)


class CertificateForm(forms.Form):
    resident = forms.ChoiceField(label=_("Issued to (owner, unit)"), widget=PlainSelect)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=IncidentCertificate.Purpose.choices)
    particulars = forms.CharField(label=_("What happened to the owner"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    office_actions = forms.CharField(label=_("What the management office did"), max_length=5000,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, homes, **kwargs):
        """`homes`: the estate's current homes as ("resident:unit", label) choices (incident_estate_homes)."""
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = homes


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("In force"), required=False)


class PlanStepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200)
    role = forms.ChoiceField(label=_("Default role"), choices=TeamRole.choices)
    minutes = forms.IntegerField(label=_("Due within (minutes from the start of the response)"), min_value=0, max_value=60 * 24 * 30)
    sort = forms.IntegerField(label=_("Order"), min_value=0, max_value=10000, required=False)


class DrillForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=None)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    scenario = forms.CharField(label=_("Scenario"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    participants = forms.CharField(label=_("Participants"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    findings = forms.CharField(label=_("Findings and follow-up"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates
