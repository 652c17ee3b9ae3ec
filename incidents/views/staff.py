"""Staff pages for incidents (the dashboard): the list, raising one, the incident page with every
action on it, the knowledge base, escalation from complaints and media mentions, and the
emergency plans with their drills.

Every change goes through incidents.services; a refused one comes back to the page as a message
(core.messages.error_text), like complaints.views.staff._act.
"""

import re
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communications.models import Statement
from communications.selectors import mention_list_for
from complaints.selectors import complaint_list_for
from core.messages import error_text
from owners.access import staff_required
from owners.models import Occupancy
from owners.permissions import ALL, estate_ids_with_perm
from owners.selectors import estate_list_for

from .. import services as svc
from ..forms import (
    AssigneeForm,
    CertificateForm,
    DrillForm,
    EscalateForm,
    ImprovementForm,
    IncidentForm,
    IncidentUpdateForm,
    LogForm,
    NoticeForm,
    PlanForm,
    PlanStepForm,
    ReviewForm,
    StatementForm,
    TaskForm,
    TeamForm,
)
from ..lifecycle import transitions_from
from ..models import (
    DISCLOSURE_CLOCK_STAGES,
    EmergencyPlan,
    ImprovementAction,
    Incident,
    IncidentCertificate,
    IncidentComplaint,
    IncidentMention,
    IncidentReview,
    Kind,
    Level,
    PlanStep,
    Stage,
    Task,
    TeamMember,
    TeamRole,
    WarningSignal,
)
from ..permissions import (
    RAISE,
    certificate_can_issue,
    drill_can_record,
    incident_can_log,
    incident_can_open,
    incident_can_steer,
    plan_can_manage,
    review_can_approve,
    review_can_write,
)
from ..selectors import (
    TIMELINE_ALL,
    TIMELINE_SHOWN,
    drill_list_for,
    incident_estate_homes,
    incident_filters,
    incident_knowledge,
    incident_list_for,
    incident_notices,
    incident_page,
    incident_places,
    incident_staff,
    incident_statements,
    incident_tasks,
    incident_timeline,
    plan_list_for,
    warning_signal_list_for,
)
from ..services.review import REVIEW_FIELDS
from ..similar import similar_cases
from ..timeline import event_text

PAGE = 50
MAX_PAGE = 2000
NOTICES_SHOWN = 10
LEVEL_BADGES = {Level.RED: "text-bg-danger", Level.ORANGE: "text-bg-warning",
                Level.YELLOW: "bg-warning-subtle text-warning-emphasis border border-warning",
                Level.BLUE: "text-bg-primary"}


def _page_number(value) -> int:
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 6 and int(value) > 0 else 1


def incident_for(user, number) -> Incident:
    """The incident by number among the user's; 404 for another estate's or a made-up number."""
    return get_object_or_404(incident_list_for(user).select_related("estate", "opened_by"), number=str(number).strip().upper())


def _labels(rows):
    stages, kinds, levels = ({k: str(v) for k, v in c.choices} for c in (Stage, Kind, Level))
    detail = reverse("dashboard:incident_detail", args=["NUMBER"])
    for i in rows:
        i.url = detail.replace("NUMBER", i.number)
        i.stage_label, i.kind_label = stages[i.stage], kinds[i.kind]
        i.level_label = levels.get(i.level, "–")
        i.level_badge = LEVEL_BADGES.get(i.level, "text-bg-light border")
    return rows


# --- the list, a new incident, the knowledge base -----------------------------------------------

@staff_required
def incident_list(request):
    page = _page_number(request.GET.get("page"))
    rows, has_more = ([], False) if page > MAX_PAGE else incident_page(request.user, request.GET, offset=(page - 1) * PAGE, limit=PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "incidents/staff/list.html", {
        "rows": _labels(rows), "has_more": has_more, "page": page, "query": query.urlencode(),
        "filters": incident_filters(request.GET), "estates": list(estate_list_for(request.user).order_by("name")[:200]),
        "stages": Stage.choices, "kinds": Kind.choices, "levels": Level.choices,
        "may_open": incident_can_open(request.user),
        "open_signals": warning_signal_list_for(request.user, status=WarningSignal.Status.OPEN).count(),
    })


def _raise_estates(user):
    scope = estate_ids_with_perm(user, RAISE)
    estates = estate_list_for(user).order_by("name")
    return estates if scope is ALL else estates.filter(pk__in=scope)


@staff_required
def incident_new(request):
    if not incident_can_open(request.user):
        raise PermissionDenied(_("Your role may not raise incidents."))
    estates = _raise_estates(request.user)
    only = list(estates[:2])
    form = IncidentForm(request.POST or None, estates=estates, initial={"estate": only[0].pk} if len(only) == 1 else None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = svc.incident_open(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Incident %(number)s raised as a warning.") % {"number": incident.number})
            return redirect("dashboard:incident_detail", number=incident.number)
    return render(request, "incidents/staff/new.html", {"form": form}, status=400 if request.method == "POST" else 200)


@staff_required
def incident_knowledge_base(request):
    rows = incident_knowledge(request.user, request.GET)
    return render(request, "incidents/staff/knowledge.html", {
        "rows": _labels(rows), "kinds": Kind.choices, "levels": Level.choices,
        "q": request.GET.get("q", "")[:100], "kind": request.GET.get("kind", ""), "level": request.GET.get("level", ""),
    })


# --- the incident page ------------------------------------------------------------------------------

def _transitions(incident, may_steer):
    """The moves from this stage, each with its guard in words; a button is never hidden because
    its guard fails: pressing it says why (the service refuses with the guard's message)."""
    if not may_steer:
        return []
    return [{"action": t.action, "label": t.label, "guard_text": t.guard_text, "needs_text": t.needs_text,
             "blocked": bool(t.guard and t.guard(incident))} for t in transitions_from(incident.stage)]


def _certificate_pdf_url(incident, certificate) -> str:
    """The certificate's PDF (incidents' documents view), if that page exists in this build."""
    for args in ([incident.number, certificate.pk], [certificate.pk]):
        try:
            return reverse("dashboard:incident_certificate_pdf", args=args)
        except NoReverseMatch:
            continue
    return ""


@staff_required
def detail(request, number):
    incident = incident_for(request.user, number)
    user = request.user
    may_steer, may_log = incident_can_steer(user, incident), incident_can_log(user, incident)
    staff = incident_staff(incident)
    team = {m.role: m for m in TeamMember.objects.filter(incident=incident).select_related("user")}
    now = timezone.now()
    tasks = incident_tasks(incident)
    for t in tasks:
        t.overdue = t.status == Task.Status.OPEN and t.due_at is not None and t.due_at < now
        t.may_complete = t.status == Task.Status.OPEN and (may_steer or t.assignee_id == user.pk)
    whole_timeline = request.GET.get("timeline") == "all"
    events, older = incident_timeline(incident, limit=TIMELINE_ALL if whole_timeline else TIMELINE_SHOWN)
    for e in events:
        e.text = event_text(e)
    review = IncidentReview.objects.filter(incident=incident).select_related("written_by", "approved_by").first()
    improvements = list(ImprovementAction.objects.filter(incident=incident).select_related("owner"))
    may_certify = _may_certify(user, incident)
    certificates = list(IncidentCertificate.objects.filter(incident=incident).select_related("resident", "unit__building", "issued_by"))
    for c in certificates:
        c.pdf_url = _certificate_pdf_url(incident, c)
    clock = incident.stage in DISCLOSURE_CLOCK_STAGES and incident.first_statement_at is None and incident.disclosure_due_at
    in_review = incident.stage == Stage.REVIEW
    statements = list(incident_statements(incident).exclude(status=Statement.Status.SUPERSEDED))
    return render(request, "incidents/staff/detail.html", {
        "incident": incident, "level_badge": LEVEL_BADGES.get(incident.level, "text-bg-light border"),
        "may_steer": may_steer, "may_log": may_log, "is_open": incident.is_open,
        "transitions": _transitions(incident, may_steer),
        "clock_due": incident.disclosure_due_at if clock else None, "clock_overdue": bool(clock and incident.disclosure_due_at < now),
        "team": [{"role": value, "label": label, "member": team.get(value)} for value, label in TeamRole.choices],
        "staff": staff,
        "tasks": tasks,
        "events": events, "older_events": older, "whole_timeline": whole_timeline,
        "complaints": IncidentComplaint.objects.filter(incident=incident).select_related("complaint__category", "complaint__resident"),
        "mentions": IncidentMention.objects.filter(incident=incident).select_related("mention"),
        "statements": statements,
        "notices": incident_notices(incident, limit=NOTICES_SHOWN),
        "in_review": in_review, "review": review, "improvements": improvements,
        "may_review": review_can_write(user, incident), "may_approve": review_can_approve(user, incident),
        # Drawn only in review (the template's condition): not built on every other view of the page.
        "review_form": ReviewForm(initial={f: getattr(review, f) for f in REVIEW_FIELDS} if review else None,
                                  auto_id="review_%s") if in_review else None,
        "improvement_form": ImprovementForm(staff=staff, auto_id="improvement_%s") if in_review else None,
        "certificates": certificates, "may_certify": may_certify,
        "places": incident_places(incident),
        "public_url": reverse("portal:incident_detail", args=[incident.number]),
    })


def _may_certify(user, incident) -> bool:
    return certificate_can_issue(user, incident) and incident.stage not in (Stage.WARNING, Stage.DISMISSED)


def _form_for(name, incident, user):
    """(title, form) of one of the incident page's folded forms, or PermissionDenied when the
    page would not offer it to this user. Unknown names are a 404."""
    steer = incident_can_steer(user, incident) and incident.is_open
    log = incident_can_log(user, incident) and incident.is_open
    forms = {
        "task": (steer, _("Add a task"), lambda: TaskForm(staff=incident_staff(incident), auto_id="task_%s")),
        "statement": (log, _("Draft a statement"), lambda: StatementForm(auto_id="statement_%s")),
        "notice": (log, _("Send an emergency notice"),
                   lambda: NoticeForm(initial={"sms": True, "ack_required": True}, auto_id="notice_%s")),
        "certificate": (_may_certify(user, incident), _("Issue a certificate"),
                        lambda: CertificateForm(homes=incident_estate_homes(incident), auto_id="certificate_%s")),
        "update": (steer, _("Change the details"), lambda: IncidentUpdateForm(
            initial={f: getattr(incident, f) for f in ("kind", "level", "title", "location", "description", "owner_guidance")},
            auto_id="update_%s")),
    }
    if name not in forms:
        raise Http404
    allowed, title, make = forms[name]
    if not allowed:
        raise PermissionDenied(_("This form is not for your role or for this incident's stage."))
    return title, make()


@staff_required
def incident_form(request, number, name):
    """One of the incident page's folded forms (a task, a statement draft, a notice, a certificate,
    the details), drawn only when its fold is opened: htmx gets the form alone, a browser without
    JavaScript a page with it. The page itself draws none of them (crispy forms and the estate's
    homes were a third of its time). Scoped like the page: another estate's incident is a 404."""
    incident = incident_for(request.user, number)
    title, form = _form_for(name, incident, request.user)
    return _card(request, incident, f"incidents/staff/forms/{name}.html", title, {"form": form, "heading": True})


def _card(request, incident, template, title, context):
    """A card the incident page loads on demand: the card alone for htmx, else on a page of its own."""
    context = {**context, "incident": incident, "title": title, "template": template}
    response = render(request, template if request.headers.get("HX-Request") else "incidents/staff/card_page.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_required
def similar(request, number):
    """The similar-past-cases card of an incident: the card alone for htmx (the incident page loads
    it when it scrolls into view, so the page does not wait for the scoring), a page of its own for
    a browser without JavaScript. Scoped like the incident page: another estate's incident is a 404."""
    incident = incident_for(request.user, number)
    return _card(request, incident, "incidents/staff/_similar.html", _("Similar past cases"),
                 {"similar": similar_cases(request.user, incident=incident)})


def _act(request, number, do):
    """Run one action on an incident and come back to its page with the outcome as a message."""
    incident = incident_for(request.user, number)
    try:
        done = do(incident)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    anchor = request.POST.get("anchor", "")
    anchor = anchor if re.fullmatch(r"#[a-z-]{1,30}", anchor) else ""  # back to the card the form was on, nothing else
    return redirect(reverse("dashboard:incident_detail", args=[incident.number]) + anchor)


def _valid(form):
    if not form.is_valid():
        raise ValidationError([f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
                               for name, errs in form.errors.items()])
    return form.cleaned_data


def _transition(request, incident):
    action = request.POST.get("move", "")
    svc.incident_transition(incident, action, actor=request.user, reason=request.POST.get("reason", ""))
    incident.refresh_from_db()
    return _("Incident %(number)s is now in: %(stage)s.") % {"number": incident.number, "stage": incident.get_stage_display()}


def _update(request, incident):
    data = _valid(IncidentUpdateForm(request.POST))
    svc.incident_update(incident, actor=request.user, **data)
    return _("Details saved.")


def _team(request, incident):
    data = _valid(TeamForm(request.POST, staff=incident_staff(incident)))
    svc.incident_team_assign(incident, actor=request.user, role=data["role"], user=data["user"])
    return _("Crisis team updated.")


def _task_add(request, incident):
    data = _valid(TaskForm(request.POST, staff=incident_staff(incident)))
    svc.incident_task_add(incident, actor=request.user, title=data["title"], role=data["role"], assignee=data["assignee"],
                          due_at=data["due_at"])
    return _("Task added.")


def _log(request, incident):
    data = _valid(LogForm(request.POST))
    svc.incident_log(incident, actor=request.user, body=data["body"], at=data["at"])
    return _("Log entry added.")


def _link_complaint(request, incident):
    number = request.POST.get("complaint", "").strip().upper()[:30]
    complaint = complaint_list_for(request.user).filter(number=number).first() if number else None
    if complaint is None:
        raise ValidationError(_("No complaint %(number)s in your estates.") % {"number": number or "—"})
    svc.incident_complaint_link(incident, complaint, actor=request.user)
    return _("Complaint %(number)s linked.") % {"number": complaint.number}


def _statement_draft(request, incident):
    data = _valid(StatementForm(request.POST))
    statement = svc.incident_statement_draft(incident, actor=request.user, title=data["title"], body=data["body"])
    return _("Statement draft saved; submit it for approval from its page (%(title)s).") % {"title": statement.title}


def _statement_publish(request, incident):
    statement = incident_statements(incident).filter(pk=_int(request.POST.get("statement"))).first()
    if statement is None:
        raise ValidationError(_("Choose a statement about this incident."))
    svc.incident_publish_statement(incident, statement, actor=request.user, announce=request.POST.get("announce") == "1")
    return _("Statement published on the owners' incident page.")


def _notice(request, incident):
    data = _valid(NoticeForm(request.POST))
    announcement = svc.incident_notice_send(incident, actor=request.user, title=data["title"], body=data["body"],
                                            channels=["portal", "sms"] if data["sms"] else ["portal"],
                                            ack_required=data["ack_required"])
    return _("Emergency notice “%(title)s” created; it goes out once approved.") % {"title": announcement.title}


def _review_save(request, incident):
    data = _valid(ReviewForm(request.POST))
    svc.incident_review_save(incident, actor=request.user, **data)
    if request.POST.get("submit") == "1":
        svc.incident_review_submit(incident, actor=request.user)
        return _("Review submitted for approval.")
    return _("Review saved.")


def _review_decide(request, incident):
    approve = request.POST.get("decision") == "approve"
    svc.incident_review_decide(incident, actor=request.user, approve=approve, note=request.POST.get("note", ""))
    return _("Review approved.") if approve else _("Review returned for changes.")


def _improvement_add(request, incident):
    data = _valid(ImprovementForm(request.POST, staff=incident_staff(incident)))
    svc.improvement_add(actor=request.user, incident=incident, **data)
    return _("Improvement action added.")


def _improvement_done(request, incident):
    action = get_object_or_404(ImprovementAction, pk=_int(request.POST.get("improvement")) or 0, incident=incident)
    svc.improvement_done(action, actor=request.user, note=request.POST.get("note", ""))
    return _("Improvement action done.")


def _certificate(request, incident):
    form = CertificateForm(request.POST, homes=incident_estate_homes(incident))
    data = _valid(form)
    resident_id, unit_id = (int(x) for x in data["resident"].split(":"))
    home = Occupancy.objects.select_related("resident", "unit").get(resident_id=resident_id, unit_id=unit_id, end_date__isnull=True)
    certificate = svc.certificate_issue(incident, actor=request.user, resident=home.resident, unit=home.unit,
                                        purpose=data["purpose"], particulars=data["particulars"],
                                        office_actions=data["office_actions"])
    return _("Certificate %(number)s issued to %(name)s.") % {"number": certificate.number, "name": home.resident.name}


def _int(value):
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


ACTIONS = {
    "move": _transition, "update": _update, "team": _team, "task": _task_add, "log": _log, "link-complaint": _link_complaint,
    "statement": _statement_draft, "publish": _statement_publish, "notice": _notice, "review": _review_save,
    "review-decide": _review_decide, "improvement": _improvement_add, "improvement-done": _improvement_done,
    "certificate": _certificate,
}


@staff_required
@require_POST
def incident_action(request, number, action):
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    return _act(request, number, lambda incident: handler(request, incident))


@staff_required
@require_POST
def task_action(request, number, pk, action):
    def do(incident):
        task = get_object_or_404(Task, pk=pk, incident=incident)
        if action == "complete":
            svc.incident_task_complete(task, actor=request.user, note=request.POST.get("note", ""))
            return _("Task done: %(title)s") % {"title": task.title}
        if action == "carry-over":
            svc.incident_task_carry_over(task, actor=request.user, note=request.POST.get("note", ""))
            return _("Task carried over: %(title)s") % {"title": task.title}
        if action == "assign":
            data = _valid(AssigneeForm(request.POST, staff=incident_staff(incident)))
            svc.incident_task_assign(task, actor=request.user, assignee=data["assignee"])
            return _("Task assigned to %(name)s.") % {"name": data["assignee"].display_name}
        raise Http404

    return _act(request, number, do)


# --- escalation from complaints and media mentions (the slots in complaints and communications) ----

@staff_required
@require_POST
def escalate(request):
    """One or more complaints (by number) become one incident, or join the one they belong to."""
    numbers = [n.strip().upper()[:30] for n in request.POST.getlist("complaint") if n.strip()][:100]
    back = request.POST.get("back", "")
    back = back if back.startswith("/dashboard/") else reverse("dashboard:complaint_queue")
    complaints = list(complaint_list_for(request.user).filter(number__in=numbers))
    form = EscalateForm(request.POST)
    try:
        if not numbers or len(complaints) != len(set(numbers)):
            raise ValidationError(_("Choose complaints of your estates to escalate."))
        data = _valid(form)
        incident, created = svc.incident_escalate_from_complaints(complaints, actor=request.user, kind=data["kind"], level=data["level"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    messages.success(request, (_("Incident %(number)s raised from the complaints.") if created
                               else _("The complaints were added to incident %(number)s.")) % {"number": incident.number})
    return redirect("dashboard:incident_detail", number=incident.number)


@staff_required
@require_POST
def promote_mention(request, pk):
    mention = get_object_or_404(mention_list_for(request.user), pk=pk)
    try:
        data = _valid(EscalateForm(request.POST))
        incident, created = svc.incident_promote_mention(mention, actor=request.user, kind=data["kind"], level=data["level"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect("dashboard:media")
    messages.success(request, (_("Incident %(number)s raised from the media mention.") if created
                               else _("This mention already belongs to incident %(number)s.")) % {"number": incident.number})
    return redirect("dashboard:incident_detail", number=incident.number)


# --- emergency plans and drills --------------------------------------------------------------------

@staff_required
def plan_list(request):
    plans = list(plan_list_for(request.user).order_by("kind", "estate__name", "id"))
    kinds = dict(Kind.choices)
    groups = {}
    for p in plans:
        groups.setdefault(p.kind, {"kind": p.kind, "label": kinds.get(p.kind, p.kind), "plans": []})["plans"].append(p)
    return render(request, "incidents/staff/plans.html", {"groups": list(groups.values())})


def _plan_for(user, pk) -> EmergencyPlan:
    return get_object_or_404(plan_list_for(user), pk=pk)


@staff_required
def plan_detail(request, pk):
    plan = _plan_for(request.user, pk)
    may_manage = plan_can_manage(request.user, plan.estate_id)
    steps = list(PlanStep.objects.filter(plan=plan).order_by("sort", "id"))
    for s in steps:
        s.minutes = int(s.within.total_seconds() // 60)
    estates = estate_list_for(request.user).order_by("name")
    if plan.estate_id:
        estates = estates.filter(pk=plan.estate_id)
    drill_estates = [e for e in estates if drill_can_record(request.user, e.pk)]
    copy_estates = ([e for e in estates if plan_can_manage(request.user, e.pk)
                     and not EmergencyPlan.objects.filter(kind=plan.kind, estate=e).exists()] if plan.estate_id is None else [])
    return render(request, "incidents/staff/plan.html", {
        "plan": plan, "steps": steps, "may_manage": may_manage,
        "plan_form": PlanForm(initial={"title": plan.title, "summary": plan.summary, "is_active": plan.is_active}),
        "step_form": PlanStepForm(), "roles": TeamRole.choices,
        "drills": drill_list_for(request.user).filter(plan=plan)[:50],
        "drill_form": DrillForm(estates=estate_list_for(request.user).filter(pk__in=[e.pk for e in drill_estates]),
                                initial={"held_on": timezone.localdate()}) if drill_estates else None,
        "copy_estates": copy_estates,
    })


@staff_required
@require_POST
def plan_action(request, pk, action):
    plan = _plan_for(request.user, pk)
    target = plan
    try:
        if action == "save":
            data = _valid(PlanForm(request.POST))
            svc.plan_update(plan, actor=request.user, **data)
            done = _("Plan saved.")
        elif action == "step-add":
            data = _valid(PlanStepForm(request.POST))
            svc.plan_step_add(plan, actor=request.user, title=data["title"], role=data["role"],
                              within=timedelta(minutes=data["minutes"]), sort=data["sort"])
            done = _("Step added.")
        elif action in ("step-save", "step-delete"):
            step = get_object_or_404(PlanStep, pk=_int(request.POST.get("step")) or 0, plan=plan)
            if action == "step-delete":
                svc.plan_step_delete(step, actor=request.user)
                done = _("Step removed.")
            else:
                data = _valid(PlanStepForm(request.POST))
                svc.plan_step_update(step, actor=request.user, title=data["title"], role=data["role"],
                                     within=timedelta(minutes=data["minutes"]), sort=data["sort"])
                done = _("Step saved.")
        elif action == "copy":
            estate = get_object_or_404(estate_list_for(request.user), pk=_int(request.POST.get("estate")) or 0)
            target = svc.plan_copy_for_estate(plan, actor=request.user, estate=estate)
            done = _("The estate's own version of the plan was made; adapt it here.")
        elif action == "drill":
            data = _valid(DrillForm(request.POST, estates=estate_list_for(request.user)))
            svc.drill_record(actor=request.user, plan=plan, **data)
            done = _("Drill recorded.")
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("dashboard:incident_plan", pk=target.pk)
