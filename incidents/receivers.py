"""What incidents hears from communications, in the same transaction as it happens:

- a statement about an incident is published (by the incident page, the statements page or the
  API): the incident records its first statement, the timeline shows it, linked owners are told;
- an owner answers "I need help" to a notice sent from an incident: a task for the on-site lead.

Model signals keep the dependency pointing downwards: communications knows nothing of incidents.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from django.dispatch import receiver

from communications.models import Acknowledgement, Statement

from .models import Incident, IncidentAnnouncement


@receiver(post_save, sender=Statement, dispatch_uid="incidents.statement_saved")
def statement_saved(sender, instance, created, update_fields=None, **kwargs):
    if instance.status != Statement.Status.PUBLISHED or instance.subject_id is None:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    if instance.subject_type_id != ContentType.objects.get_for_model(Incident).pk:
        return
    from .services.disclosure import statement_published_record

    statement_published_record(instance)


@receiver(post_save, sender=Acknowledgement, dispatch_uid="incidents.acknowledgement_saved")
def acknowledgement_saved(sender, instance, created, **kwargs):
    if not created or instance.answer != Acknowledgement.Answer.NEED_HELP:
        return
    link = IncidentAnnouncement.objects.filter(announcement_id=instance.announcement_id).select_related("incident").first()
    if link is None:
        return
    from communications.services.help_requests import resident_home_in

    from .services.tasks_checklist import need_help_task

    home = resident_home_in(instance.announcement, instance.resident)
    need_help_task(link.incident, instance, unit=str(home.unit) if home else "")
