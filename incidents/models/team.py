"""The crisis team and the incident's tasks (a plan's checklist, need-help calls, ad-hoc work)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TeamRole(models.TextChoices):
    COMMANDER = "commander", _("Commander")
    SPOKESPERSON = "spokesperson", _("Spokesperson")
    ONSITE_LEAD = "onsite_lead", _("On-site lead")
    LIAISON_GOVERNMENT = "liaison_gov", _("Liaison: government")
    LIAISON_COMMITTEE = "liaison_committee", _("Liaison: owners' committee")
    LIAISON_RESIDENTS = "liaison_residents", _("Liaison: residents' committee")
    SCRIBE = "scribe", _("Scribe")


class TeamMember(models.Model):
    """One role on an incident's crisis team; one person per role (a person may hold several)."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="team")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("crisis team member")
        verbose_name_plural = _("crisis team")
        constraints = [models.UniqueConstraint(fields=["incident", "role"], name="incident_one_person_per_role")]
        ordering = ["incident", "role"]


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CARRIED_OVER = "carried_over", _("Carried over")

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    role = models.CharField(_("team role"), max_length=20, choices=TeamRole.choices, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("assigned to"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(_("notes"), blank=True)
    # What the task is about when it was made for someone: an owner who asked for help.
    resident = models.ForeignKey("owners.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("owner"))
    # Where it came from ("plan-step:12", "need-help:345"); unique per incident so a retry makes none twice.
    source_key = models.CharField(max_length=64, blank=True)
    sort = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        ordering = ["sort", "due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "source_key"], condition=~Q(source_key=""),
                                               name="incident_task_once_per_source")]
        indexes = [models.Index(fields=["due_at"], name="incident_task_open_due_idx", condition=Q(status="open"))]
