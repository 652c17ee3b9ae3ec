"""Media and public opinion on the dashboard, and the public page a journalist can read."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.messages import error_text
from core.slots import slot_render_each
from owners.access import perm_required, staff_required
from owners.models import Building
from owners.selectors import estate_list_for

from .. import selectors
from ..forms import InquiryForm, MentionForm, StakeholderForm, StatementEditForm
from ..lifecycle import STATEMENT
from ..models import MediaInquiry, MediaMention, SavedAudience, Stakeholder, Statement
from ..permissions import inquiry_can_answer, media_record_can_add, statement_can_approve, statement_can_write
from ..services import media as svc


@staff_required
def media_home(request):
    week = timezone.now() - timezone.timedelta(days=7)
    mentions = selectors.mention_list_for(request.user)
    inquiries = list(selectors.inquiry_list_for(request.user).filter(status=MediaInquiry.Status.OPEN).order_by("deadline")[:20])
    negative = list(mentions.filter(sentiment=MediaMention.Sentiment.NEGATIVE, mentioned_at__gte=week).order_by("-reach")[:10])
    actions = slot_render_each("communications.mention_actions", negative, request)  # e.g. incidents' "raise an incident"
    for m in negative:
        m.actions = actions.get(m.pk, "")
    return render(request, "communications/media/home.html", {
        "negative": negative,
        "inquiries": inquiries,
        "answerable": {q.pk for q in inquiries if inquiry_can_answer(request.user, q.estate_id)},
        "statements": selectors.statement_list_for(request.user).exclude(status=Statement.Status.SUPERSEDED).order_by("-created_at")[:20],
        "stakeholders": selectors.stakeholder_list_for(request.user)[:50],
        # Forms and links only for what the role may submit (communications.permissions), so
        # nobody fills one in to be refused.
        "statement_estates": [e for e in estate_list_for(request.user) if statement_can_write(request.user, e.pk, adding=True)],
        "statement_company_wide": statement_can_write(request.user, None, adding=True),
        "may_record": {kind: media_record_can_add(request.user, model)
                       for kind, model in (("mention", MediaMention), ("inquiry", MediaInquiry), ("stakeholder", Stakeholder))},
        "now": timezone.now(),
    })


@staff_required
def statement_detail(request, pk):
    statement = get_object_or_404(selectors.statement_list_for(request.user), pk=pk)
    versions = Statement.objects.filter(thread=statement.thread).order_by("-version")
    return render(request, "communications/media/statement.html", {
        "s": statement, "versions": versions, "may_approve": statement_can_approve(request.user, statement.estate_id),
        "may_write": statement_can_write(request.user, statement.estate_id),
        "may_edit": any(t.action in ("edit", "edit_approved") for t in STATEMENT.offered(statement, request.user)),
        "events": selectors.statement_history(statement),
        "zone": selectors.history_zone([statement.estate_id] if statement.estate_id else []),
        **_audience_choices(statement),
    })


def _audience_choices(statement) -> dict:
    """What "also send to residents" may be narrowed to: the estate's buildings and saved lists
    (only while the statement waits to be published)."""
    if statement.status != Statement.Status.APPROVED or statement.estate_id is None:
        return {}
    return {"audience_buildings": Building.objects.filter(estate_id=statement.estate_id).order_by("name"),
            "audience_lists": SavedAudience.objects.filter(estate_id=statement.estate_id).order_by("name")}


def _audience_posted(request, statement) -> dict:
    """The audience chosen on the publish form, each choice looked up within the statement's own
    estate (anything else is dropped, and statement_audience then says what to choose)."""
    audience = request.POST.get("audience", "")
    ids = [int(v) for v in request.POST.getlist("buildings") if v.isdigit()]
    saved = request.POST.get("saved_audience", "")
    return {
        "audience": audience,
        "buildings": list(Building.objects.filter(estate_id=statement.estate_id, pk__in=ids)) if audience == "buildings" else [],
        "saved_audience": (SavedAudience.objects.filter(estate_id=statement.estate_id, pk=saved).first()
                           if audience == "list" and saved.isdigit() else None),
    }


def _statement_confirm(request, statement, choice):
    """Before a published statement goes to residents: who it reaches and the SMS as it goes out."""
    from ..forms import CHANNEL_CHOICES

    try:
        STATEMENT.check("publish", statement, request.user)
        preview = svc.statement_announce_preview(statement, **choice)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect("dashboard:statement_detail", pk=statement.pk)
    labels = dict(CHANNEL_CHOICES)
    return render(request, "communications/media/statement_confirm.html", {
        "s": statement, "preview": preview, "choice": choice,
        "rows": [(str(labels.get(channel, channel)), n) for channel, n in preview["counts"].items()],
        "building_ids": [b.pk for b in choice["buildings"]],
    })


@staff_required
def inquiry_detail(request, pk):
    """One inquiry with its history: received, assigned, answered or declined, by whom and when."""
    inquiry = get_object_or_404(selectors.inquiry_list_for(request.user), pk=pk)
    return render(request, "communications/media/inquiry.html", {
        "q": inquiry, "answerable": inquiry.status == MediaInquiry.Status.OPEN and inquiry_can_answer(request.user, inquiry.estate_id),
        "events": selectors.inquiry_history(inquiry),
        "zone": selectors.history_zone([inquiry.estate_id] if inquiry.estate_id else []),
    })


@staff_required
@perm_required("communications.add_statement")
def statement_new(request):
    if request.method == "POST":
        estate = estate_list_for(request.user).filter(pk=request.POST.get("estate") or 0).first()
        try:
            statement = svc.statement_create(author=request.user, title=request.POST.get("title", ""),
                                             body=request.POST.get("body", ""), estate=estate)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            return redirect("dashboard:statement_detail", pk=statement.pk)
    return redirect("dashboard:media")


@staff_required
@perm_required("communications.change_statement")
def statement_edit(request, pk):
    """Change the title and text of a draft (a returned one too) or of an approved statement not
    yet published; an approved one then goes back to review, and the form says so first."""
    statement = get_object_or_404(selectors.statement_list_for(request.user), pk=pk)
    if not statement_can_write(request.user, statement.estate_id):
        raise PermissionDenied
    offered = {t.action for t in STATEMENT.offered(statement, request.user)}
    if not offered & {"edit", "edit_approved"}:
        messages.error(request, _("Only a draft or an approved statement can be edited."))
        return redirect("dashboard:statement_detail", pk=pk)
    form = StatementEditForm(request.POST or None, initial={"title": statement.title, "body": statement.body})
    if request.method == "POST" and form.is_valid():
        try:
            edited = svc.statement_edit(statement, actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            if edited.status == Statement.Status.IN_REVIEW:
                messages.success(request, _("Saved. It was approved before the change, so it waits for the estate manager's review again."))
            else:
                messages.success(request, _("Saved."))
            return redirect("dashboard:statement_detail", pk=pk)
    return render(request, "communications/media/statement_edit.html", {
        "form": form, "s": statement, "needs_reapproval": "edit_approved" in offered,
    }, status=400 if request.method == "POST" else 200)


@staff_required
@perm_required("communications.change_statement")
@require_POST
def statement_action(request, pk, action):
    statement = get_object_or_404(selectors.statement_list_for(request.user), pk=pk)
    announce = action == "publish" and request.POST.get("announce") == "1"
    choice = _audience_posted(request, statement) if announce else {}
    if announce and request.POST.get("confirmed") != "1":
        return _statement_confirm(request, statement, choice)
    actions = {
        "submit": lambda: svc.statement_submit(statement, actor=request.user),
        "approve": lambda: svc.statement_review(statement, actor=request.user, approve=True, note=request.POST.get("note", "")),
        "return": lambda: svc.statement_review(statement, actor=request.user, approve=False, note=request.POST.get("note", "")),
        "publish": lambda: svc.statement_publish(statement, actor=request.user, announce=announce, **choice),
        "new-version": lambda: svc.statement_new_version(statement, actor=request.user, body=request.POST.get("body", "")),
    }
    if action not in actions:
        raise PermissionDenied
    try:
        result = actions[action]()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect("dashboard:statement_detail", pk=pk)
    messages.success(request, {
        "submit": _("Statement submitted for approval."),
        "approve": _("Statement approved; it can now be published."),
        "return": _("Statement returned for changes."),
        "publish": _("Statement published."),
        "new-version": _("A new version has been started; submit it for approval."),
    }[action])
    return redirect("dashboard:statement_detail", pk=result.pk)


def _inquiry_close(request, pk, close, done_message):
    inquiry = get_object_or_404(selectors.inquiry_list_for(request.user), pk=pk)
    try:
        close(inquiry)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done_message)
    if request.POST.get("back") == "inquiry":  # sent from the inquiry's own page: back there, to its history
        return redirect("dashboard:inquiry_detail", pk=pk)
    return redirect("dashboard:media")


@staff_required
@require_POST
def inquiry_answer(request, pk):
    return _inquiry_close(request, pk, lambda q: svc.inquiry_answer(q, actor=request.user, answer=request.POST.get("answer", "")),
                          _("Answer recorded."))


@staff_required
@require_POST
def inquiry_decline(request, pk):
    # The page has one text box per inquiry: for a decline it holds the reason given.
    return _inquiry_close(request, pk, lambda q: svc.inquiry_decline(q, actor=request.user, reason=request.POST.get("answer", "")),
                          _("Inquiry declined."))


def press_statement(request, thread):
    """Public: the published statement of a thread and its earlier published versions."""
    published = Statement.objects.filter(thread=thread).filter(Q(status=Statement.Status.PUBLISHED) | Q(status=Statement.Status.SUPERSEDED),
                                                                 published_at__isnull=False).order_by("-version")
    current = published.filter(status=Statement.Status.PUBLISHED).first()
    if current is None:
        raise Http404
    return render(request, "communications/media/press.html", {"s": current, "history": published.exclude(pk=current.pk)})


# kind in the URL → the model, its form, the service that records it, the page title
_RECORDERS = {
    "mention": (MediaMention, MentionForm, svc.mention_record, gettext_lazy("Record a mention")),
    "inquiry": (MediaInquiry, InquiryForm, svc.inquiry_record, gettext_lazy("Record an inquiry")),
    "stakeholder": (Stakeholder, StakeholderForm, svc.stakeholder_add, gettext_lazy("Add a stakeholder")),
}


@staff_required
def media_record(request, kind):
    """Record a media mention, a journalist's inquiry or a stakeholder from the dashboard."""
    if kind not in _RECORDERS:
        raise Http404
    model, form_class, record, title = _RECORDERS[kind]
    if not media_record_can_add(request.user, model):
        raise PermissionDenied
    form = form_class(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:media")
    return render(request, "communications/media/record.html", {"form": form, "title": title},
                  status=400 if request.method == "POST" else 200)
