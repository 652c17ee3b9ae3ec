"""The arrears desk's filters, parsed once for the page and its export (the arrears side of
filters.py, like arrears_selectors.py beside selectors.py)."""

from .models.arrears import CaseStatus, Cause, Step


def arrears_case_filter(qs, query, user, today) -> tuple:
    """Narrow an already-scoped case queryset by the desk's parameters: status ("open" by default,
    "closed", anything else: every case), show ("mine", "due"), cause and step; unknown values
    are ignored. Returns (queryset, the values applied), the latter for the export's record and
    the page's links."""
    status = query.get("status", CaseStatus.OPEN)
    show, cause, step = query.get("show", ""), query.get("cause", ""), query.get("step", "")
    applied = {}
    if status in CaseStatus.values:
        qs, applied["status"] = qs.filter(status=status), status
    if show == "mine":
        qs, applied["show"] = qs.filter(assignee=user), show
    elif show == "due":
        qs, applied["show"] = qs.filter(step_due_on__lte=today), show
    if cause in Cause.values:
        qs, applied["cause"] = qs.filter(cause=cause), cause
    if step in Step.values:
        qs, applied["step"] = qs.filter(step=step), step
    return qs, applied
