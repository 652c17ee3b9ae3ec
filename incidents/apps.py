from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _perms(actions, models):
    return [f"incidents.{a}_{m}" for a in actions for m in models]


_VIEW = _perms(["view"], ["incident", "task", "emergencyplan", "planstep", "drill", "incidentcertificate", "incidentreview"])
# Anyone on an estate's staff may raise a warning and write on the log: crises are noticed by
# whoever is there. Steering (stages, team, level, tasks) is the managers' and the commander's.
_RAISE = _VIEW + ["incidents.add_incident"]
_MANAGE = _RAISE + ["incidents.change_incident", "incidents.change_task", "incidents.add_task",
                    "incidents.approve_incidentreview", "incidents.issue_certificate",
                    "incidents.add_drill", "incidents.change_drill"] + _perms(["add", "change", "delete"], ["emergencyplan", "planstep"])


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Crisis incidents")

    # Read by owners.roles.role_groups_sync: what each role may do with incidents.
    role_permissions = {
        "service": _RAISE,
        "engineer": _RAISE,
        "spokesperson": _RAISE,
        "estate_manager": _MANAGE,
        "company_admin": _MANAGE + _perms(["view", "add", "change"], ["disclosurepolicy"]) + _perms(["view", "change"], ["warningrule"]),
    }

    def ready(self):
        from core.slots import slot_register

        from . import (
            receivers,  # noqa: F401  (statements published, "I need help" answers)
            slots,
        )

        # Escalation buttons on complaints' and communications' pages, which never import incidents.
        slot_register("complaints.ticket_actions", "incidents.escalate", slots.complaint_ticket_actions)
        slot_register("complaints.queue_bulk_actions", "incidents.escalate", slots.complaint_queue_bulk)
        slot_register("communications.mention_actions", "incidents.promote", slots.mention_actions)
