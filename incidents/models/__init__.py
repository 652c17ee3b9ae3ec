from .incidents import (
    DISCLOSURE_CLOCK_STAGES,
    OPEN_STAGES,
    ImprovementAction,
    Incident,
    IncidentAnnouncement,
    IncidentCertificate,
    IncidentComplaint,
    IncidentMention,
    IncidentReview,
    Kind,
    Level,
    Stage,
)
from .numbers import NumberCounter
from .plans import DisclosurePolicy, Drill, EmergencyPlan, PlanStep
from .team import Task, TeamMember, TeamRole
from .timeline import IncidentAlert, IncidentEvent
from .warnings import Rule, WarningRule, WarningSignal

__all__ = [
    "DISCLOSURE_CLOCK_STAGES", "OPEN_STAGES", "DisclosurePolicy", "Drill", "EmergencyPlan", "ImprovementAction", "Incident",
    "IncidentAlert", "IncidentAnnouncement", "IncidentCertificate", "IncidentComplaint", "IncidentEvent", "IncidentMention",
    "IncidentReview", "Kind", "Level", "NumberCounter", "PlanStep", "Rule", "Stage", "Task", "TeamMember", "TeamRole",
    "WarningRule", "WarningSignal",
]
