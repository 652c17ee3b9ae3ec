"""The authorization matrix: every URL pattern and every API operation × ten principals → the answer.

The URL patterns come from walking the project's resolver and the operations from the OpenAPI
schema, so a new page, admin screen or API operation appears here by itself — and fails until
someone writes down, in the tables below, who may open it. Path parameters always name objects
of estate A: estate B's people must get nothing (403/404), and their answers must not carry a
word of estate A's data (the MARKERS in conftest.py), nor estate A's people estate B's.

Writes are tried too: every unsafe API operation, the admin's add/change/delete forms and the
dashboard's and portal's POST actions. A refused write must answer with a refusal *and* leave
the database as it was; an allowed one must get through (so the refusals are not an artefact of
a bad request body). Each cell is one test: `test_url[dashboard:estate_detail-manager_b]`.

Answer classes (the cells of the tables):
  ok       2xx, or a redirect that is not to a sign-in page nor the admin's "no such object" index
  login    redirect to a sign-in page, or 401 from the API
  403 404 405  exactly that status; 404 is asserted where the product promises that a foreign
           id answers 404 (pages and API reads of another estate's or owner's object)
  deny     403 or 404, or (admin) the redirect to the admin index Django gives for an object
           outside the admin's queryset — refused without saying what exists
  index    the redirect to the admin index
Writes add:
  write    the database changed (the allowed write went through)
  allowed  authorisation passed: not 401/403/404/405 and no server error (a domain 400 is fine)
  refused  400, 403 or 404 — e.g. a reference to another estate's object refused as invalid
  kept     nothing changed; any answer but a server error or a sign-in redirect (for views that
           report a refused action as a message on the page they redirect to)
Every refusal class on a write also asserts that no row of the product changed.
"""

import json
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator

from owners.models import Occupancy, StaffMembership
from owners.permissions import managed_estate_ids
from tests.factories import PASSWORD
from tests.security.conftest import MARKERS, PRINCIPALS, SIDE, api_headers, client_for

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------
# Rows. Columns: anon owner_a owner_b service_a service_b spokesperson engineer_a manager_a
# manager_b admin.
# ---------------------------------------------------------------------------------------------
PUBLIC = "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok"
ALL_405 = "405    405    405    405    405    405    405    405    405    405"
PORTAL = "login  ok     ok     403    403    403    403    403    403    403"
PORTAL_A = "login  ok     404    403    403    403    403    403    403    403"  # owner A's own things
PORTAL_POST = "login  405    405    403    403    403    403    403    403    403"
STAFF = "login  403    403    ok     ok     ok     ok     ok     ok     ok"
STAFF_A = "login  403    403    ok     404    ok     ok     ok     404    ok"  # estate A's objects
STAFF_POST = "login  403    403    405    405    405    405    405    405    405"
STAFF_WRITERS = "login  403    403    ok     ok     ok     403    ok     ok     ok"  # not the engineer
STAFF_WRITERS_POST = "login  403    403    405    405    405    403    405    405    405"
MEDIA_DESK = "login  403    403    403    403    ok     403    ok     ok     ok"  # spokesperson, managers
MEDIA_DESK_POST = "login  403    403    403    403    405    403    405    405    405"
ADMIN_DESK = "login  login  login  login  login  login  login  ok     ok     ok"
ADMIN_404 = "login  login  login  login  login  login  login  404    404    404"
API_AUTHED = "login  ok     ok     ok     ok     ok     ok     ok     ok     ok"
API_AUTHED_405 = "login  405    405    405    405    405    405    405    405    405"
API_OWNED_A = "login  ok     404    ok     404    ok     ok     ok     404    ok"  # owner A sees their own
API_STAFF = STAFF
API_STAFF_A = STAFF_A
API_STAFF_405 = STAFF_POST
NOT_ADMIN = "login  login  login  login  login  login  login"  # the seven who never enter the admin
# An item in service A's inbox: only its recipient opens it; anyone else's answer is 404.
INBOX_OWN = "login  403    403    ok     404    404    404    404    404    404"

# Arrears are private: estate A's service staff and managers (and the company admin); not the
# spokesperson or the engineer, whose roles carry no arrears permission.
ARREARS_A = "login  403    403    ok     404    404    404    ok     404    ok"
def _ledger_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("ledger.csv", "楼栋,单元,房号,期间,应缴,已缴\n阳光1号楼,1,101,2025-05,300,0\n".encode())


ARREARS_STAFF = "login  403    403    ok     ok     ok     ok     ok     ok     ok"
ARREARS_STAFF_405 = "login  403    403    405    405    405    405    405    405    405"
# Owner A's relief request: owner A, and estate A's arrears staff.
RELIEF_A = "login  ok     404    ok     404    404    404    ok     404    ok"
# Every page and API URL pattern outside the admin's model screens. Format-suffix variants of an
# API pattern (`….json`) share the entry of their name.
EXPECTED_URLS = {
    # Sign-in, health, language, public press page.
    "home": "login  ok     ok     ok     ok     ok     ok     ok     ok     ok",
    "healthz": PUBLIC,
    "favicon.ico": PUBLIC,
    "login": PUBLIC,
    "logout": ALL_405,  # POST only
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,  # the token is the secret
    "password_reset_complete": PUBLIC,
    "activate": PUBLIC,  # the token is the secret
    "set_language": PUBLIC,
    "javascript-catalog": PUBLIC,
    "press_statement": PUBLIC,  # published statements are public by design
    # Photos: the owner (public photos) and staff of the estate; anonymous gets 404, not a sign-in.
    "complaint_photo": "404    ok     404    ok     404    ok     ok     ok     404    ok",
    # Owner portal.
    "portal:home": PORTAL,
    "portal:complaint_list": PORTAL,
    "portal:complaint_new": PORTAL,
    "portal:complaint_detail": PORTAL_A,
    "portal:complaint_message": PORTAL_POST,
    "portal:complaint_rate": PORTAL_POST,
    "portal:complaint_reopen": PORTAL_POST,
    "portal:complaint_withdraw": PORTAL_POST,
    "portal:notice_list": PORTAL,
    "portal:notice_detail": PORTAL_A,
    "portal:notice_acknowledge": PORTAL_POST,
    "portal:statement_detail": PORTAL_A,  # published statements of owner A's estate
    # Fee arrears: the owner's own fees; staff of the estate whose role works arrears.
    "portal:arrears": PORTAL,
    "portal:arrears_statement": PORTAL_A,
    "portal:arrears_relief": PORTAL_POST,
    "portal:relief_file": PORTAL_A,
    "dashboard:arrears_list": STAFF,
    "dashboard:arrears_report": STAFF,
    **{f"dashboard:{name}": ARREARS_A for name in ("arrears_case", "relief_file")},
    **{f"dashboard:{name}": STAFF_POST for name in (
        "arrears_contact", "arrears_advance", "arrears_approval", "arrears_close", "arrears_reminder", "arrears_letter", "relief_decide")},
    # Staff dashboard.
    "dashboard:home": STAFF,
    "dashboard:inbox": STAFF,
    "dashboard:inbox_read_all": STAFF_POST,
    "dashboard:inbox_open": INBOX_OWN,
    "dashboard:area": STAFF,
    "dashboard:estate_list": STAFF,
    "dashboard:estate_detail": STAFF_A,
    "dashboard:building_detail": STAFF_A,
    "dashboard:unit_detail": STAFF_A,  # the ledger and the arrears panel only to roles that see them (tests/owners/test_views_units.py)
    "dashboard:unit_payment": STAFF_POST,
    "dashboard:resident_list": STAFF,
    "dashboard:resident_detail": STAFF_A,
    "dashboard:resident_invite": "login  403    403    405    405    403    403    405    405    405",
    "dashboard:resident_mobile": STAFF_POST,
    "dashboard:import": STAFF,
    "dashboard:import_template": STAFF,
    "dashboard:complaint_queue": STAFF,
    "dashboard:complaint_new": "login  403    403    ok     ok     403    ok     ok     ok     ok",  # roles that log complaints
    "dashboard:complaint_detail": STAFF_A,
    "dashboard:complaint_transition": STAFF_POST,
    "dashboard:complaint_assign": STAFF_POST,
    "dashboard:complaint_triage": STAFF_POST,
    "dashboard:complaint_reply": STAFF_POST,
    "dashboard:complaint_note": STAFF_POST,
    "dashboard:complaint_visit": STAFF_POST,
    "dashboard:complaint_link": STAFF_POST,
    "dashboard:complaint_follow_up": STAFF_POST,
    "dashboard:announcement_list": STAFF,
    "dashboard:announcement_new": STAFF_WRITERS,
    "dashboard:announcement_detail": STAFF_A,
    "dashboard:announcement_progress": STAFF_A,
    "dashboard:announcement_edit": "login  403    403    ok     404    ok     403    ok     404    ok",  # writers of the estate
    "dashboard:announcement_action": STAFF_WRITERS_POST,
    "dashboard:need_help_handled": STAFF_POST,
    "dashboard:media": STAFF,
    "dashboard:statement_new": MEDIA_DESK,  # GET goes back to the media page
    "dashboard:statement_detail": STAFF_A,
    "dashboard:statement_action": MEDIA_DESK_POST,
    "dashboard:statement_edit": "login  403    403    403    403    ok     403    ok     404    ok",  # in review: back to its page
    "dashboard:inquiry_detail": STAFF_A,
    "dashboard:inquiry_answer": STAFF_POST,
    "dashboard:inquiry_decline": STAFF_POST,
    "dashboard:media_record": MEDIA_DESK,
    # Crisis incidents: estate A's incident and estate A's own plan; any staff role may raise one.
    "portal:incident_detail": PORTAL_A,  # owner A's estate, with a published statement
    "dashboard:incident_list": STAFF,
    "dashboard:incident_new": STAFF,
    "dashboard:incident_knowledge": STAFF,
    "dashboard:incident_escalate": STAFF_POST,
    "dashboard:incident_promote_mention": STAFF_POST,
    "dashboard:incident_plans": STAFF,
    "dashboard:warning_signal_list": STAFF,
    "dashboard:warning_signal_detail": STAFF_A,
    "dashboard:warning_signal_action": STAFF_POST,
    "dashboard:incident_plan": STAFF_A,
    "dashboard:incident_plan_action": STAFF_POST,
    "dashboard:incident_detail": STAFF_A,
    "dashboard:incident_similar": STAFF_A,
    "dashboard:incident_form": STAFF_A,  # the statement draft: every staff role of estate A may log
    "dashboard:incident_certificate_pdf": STAFF_A,
    "dashboard:incident_task_action": STAFF_POST,
    "dashboard:incident_action": STAFF_POST,
    "dashboard:mention_list": STAFF,
    "dashboard:inquiry_list": STAFF,
    "dashboard:stakeholder_list": STAFF,
    "dashboard:stakeholder_detail": STAFF_A,
    "dashboard:stakeholder_contact_add": STAFF_POST,
    # Exports, charts and monthly reports: what each page shows, as a file (estate A's announcement and report).
    "dashboard:export_complaints": STAFF,
    "dashboard:export_stakeholders": STAFF,
    # Each exports only the cases and ledger of their own scope (none without the arrears or ledger role).
    "dashboard:export_arrears_cases": STAFF,
    "dashboard:export_collection_rate": STAFF,
    "dashboard:export_deliveries": STAFF_A,
    "dashboard:chart": STAFF,
    "dashboard:reports": STAFF,
    "dashboard:report_download": STAFF_A,
    "dashboard:report_send": STAFF_POST,
    "report_shared": PUBLIC,  # the signed token is the key
    # The admin outside its model screens (those are in ADMIN_MODELS).
    "admin:index": ADMIN_DESK,
    "admin:login": "ok     ok     ok     ok     ok     ok     ok     index  index  index",
    "admin:logout": "index  index  index  index  index  index  index  405    405    405",
    "admin:password_change": ADMIN_DESK,  # their own password
    "admin:password_change_done": ADMIN_DESK,
    "admin:autocomplete": ADMIN_DESK,  # with ?…field_name=user: lists only users the manager may see
    "admin:jsi18n": ADMIN_DESK,
    "admin:view_on_site": ADMIN_404,  # no model has a public page
    "admin:app_list": ADMIN_DESK,
    "admin/(?P<url>.*)$": ADMIN_404,
    # Staff A's password: nobody sets another person's password but the company admin (superuser).
    "admin:auth_user_password_change": f"{NOT_ADMIN}  403    deny   ok",
    # API outside the router's viewsets.
    "api-root": API_AUTHED,
    "api-token": ALL_405,  # POST only (see the operations table)
    "gateway-receipts": "login  login  login  login  login  login  login  login  login  login",  # gateway key only
    "schema": PUBLIC,
    "api-docs": PUBLIC,
    # API viewsets (GET on each pattern, signed in by session).
    "estate-list": API_AUTHED,
    "estate-detail": API_OWNED_A,
    "estate-import-file": API_AUTHED_405,
    "building-list": API_AUTHED,
    "building-detail": API_OWNED_A,
    "unit-list": API_AUTHED,
    "unit-detail": API_OWNED_A,
    "resident-list": API_AUTHED,
    "resident-detail": API_OWNED_A,
    "resident-invite": API_AUTHED_405,
    # Fee arrears: cases are staff work (owners 403); the ledger and relief requests are the
    # owner's own or the estate's.
    "arrears-case-list": ARREARS_STAFF,
    "arrears-case-summary": ARREARS_STAFF,
    "arrears-case-collection-rate": ARREARS_STAFF,
    "arrears-case-detail": ARREARS_A,
    **{f"arrears-case-{name}": ARREARS_STAFF_405 for name in ("advance", "approval", "close", "contacts")},
    "fee-ledger-list": API_AUTHED,
    "fee-ledger-accounts": API_AUTHED,
    "fee-ledger-import-file": API_AUTHED_405,
    "fee-ledger-payments": API_AUTHED_405,
    "relief-request-list": API_AUTHED,
    "relief-request-detail": RELIEF_A,
    "relief-request-decide": API_AUTHED_405,
    "complaint-list": API_AUTHED,
    "complaint-detail": API_OWNED_A,
    "complaint-assign": API_AUTHED_405,
    "complaint-follow-up": API_AUTHED_405,
    "complaint-messages": API_AUTHED_405,
    "complaint-notes": API_AUTHED_405,
    "complaint-rate": API_AUTHED_405,
    "complaint-replies": API_AUTHED_405,
    "complaint-transition": API_AUTHED_405,
    "complaint-triage": API_AUTHED_405,
    "announcement-list": API_STAFF,
    "announcement-detail": API_STAFF_A,
    "announcement-approve": API_STAFF_405,
    "announcement-return": API_STAFF_405,
    "announcement-events": API_STAFF_A,
    "announcement-cancel": API_STAFF_405,
    "announcement-chase": API_STAFF_405,
    "announcement-deliveries": API_STAFF_A,
    "announcement-progress": API_STAFF_A,
    "announcement-publish": API_STAFF_405,
    "announcement-request-approval": API_STAFF_405,
    "announcement-need-help-handled": API_STAFF_405,
    "statement-list": API_STAFF,
    "statement-detail": API_STAFF_A,
    "statement-new-version": API_STAFF_405,
    "statement-events": API_STAFF_A,
    "statement-publish": API_STAFF_405,
    "statement-review": API_STAFF_405,
    "statement-submit": API_STAFF_405,
    "media-mention-list": API_STAFF,
    "media-mention-detail": API_STAFF_A,
    "media-inquiry-list": API_STAFF,
    "media-inquiry-detail": API_STAFF_A,
    "media-inquiry-answer": API_STAFF_405,
    "media-inquiry-decline": API_STAFF_405,
    "media-inquiry-events": API_STAFF_A,
    "stakeholder-list": API_STAFF,
    "stakeholder-detail": API_STAFF_A,
    "stakeholder-contacts": API_STAFF_A,
    "inbox-list": API_STAFF,
    "inbox-detail": INBOX_OWN,
    # Incidents through the API: staff only; estate A's incident, plan and drill.
    **{f"incident-{name}": API_STAFF_A for name in ("detail", "certificates", "improvements", "review", "statements", "tasks", "timeline")},
    **{f"incident-{name}": API_STAFF_405 for name in (
        "complaints", "log", "notices", "publish", "review-decide", "review-submit", "task-assign", "task-carry-over",
        "task-complete", "team", "transition", "escalate", "promote-mention")},
    "incident-list": API_STAFF,
    "emergency-plan-list": API_STAFF,
    "emergency-plan-detail": API_STAFF_A,
    "drill-list": API_STAFF,
    "drill-detail": API_STAFF_A,
    # Early-warning signals (estate A's, open) and the rules (read only, any staff who see incidents).
    "warning-signal-list": API_STAFF,
    "warning-signal-detail": API_STAFF_A,
    "warning-signal-dismiss": API_STAFF_405,
    "warning-signal-promote": API_STAFF_405,
    "warning-rule-list": API_STAFF,
    "warning-rule-detail": API_STAFF,
    "inbox-read": API_STAFF_405,
    "inbox-read-all": API_STAFF_405,
}

# The admin's model screens: (changelist, add, change/history, delete) for manager A, manager B
# and the company admin; everyone else is sent to the admin sign-in. The object is estate A's
# (ADMIN_OBJECTS); "deny" on its screens means refused without a trace of it (403, 404 or the
# admin's "no such object" redirect: which one depends on whether the right or the row is
# checked first, and neither tells anything).
ADMIN_MODELS = {
    # model                                changelist      add             change/history    delete
    "auth.group":                          ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "authtoken.tokenproxy":                ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "django_celery_beat.periodictask":     ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "django_celery_beat.clockedschedule":  ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "django_celery_beat.crontabschedule":  ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "django_celery_beat.solarschedule":    ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "django_celery_beat.intervalschedule": ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "axes.accessattempt":                  ("403 403 ok",   "403 403 403",  "deny deny ok",   "deny deny ok"),
    "axes.accesslog":                      ("403 403 ok",   "403 403 403",  "deny deny ok",   "deny deny ok"),
    "axes.accessfailurelog":               ("403 403 ok",   "403 403 403",  "deny deny ok",   "deny deny ok"),
    "owners.estate":                       ("ok ok ok",     "403 403 ok",   "ok deny ok",     "deny deny ok"),
    "owners.building":                     ("ok ok ok",     "ok ok ok",     "ok deny ok",     "ok deny ok"),
    "owners.unit":                         ("ok ok ok",     "ok ok ok",     "ok deny ok",     "ok deny ok"),
    "owners.resident":                     ("ok ok ok",     "ok ok ok",     "ok deny ok",     "ok deny ok"),
    "owners.occupancy":                    ("ok ok ok",     "ok ok ok",     "ok deny ok",     "ok deny ok"),
    "owners.invitation":                   ("ok ok ok",     "403 403 403",  "ok deny ok",     "deny deny ok"),
    "owners.user":                         ("ok ok ok",     "ok ok ok",     "ok deny ok",     "deny deny ok"),
    "owners.staffmembership":              ("ok ok ok",     "ok ok ok",     "ok deny ok",     "ok deny ok"),
    "communications.delivery":             ("ok ok ok",     "403 403 403",  "ok deny ok",     "deny deny ok"),
    "communications.announcement":         ("ok ok ok",     "403 403 403",  "ok deny ok",     "deny deny ok"),
    "communications.savedaudience":        ("ok ok ok",     "ok ok ok",     "ok deny ok",     "deny deny ok"),
    "communications.statement":            ("ok ok ok",     "403 403 403",  "ok deny ok",     "deny deny ok"),
    "communications.mediamention":         ("ok ok ok",     "ok ok ok",     "ok deny ok",     "deny deny ok"),
    "communications.mediainquiry":         ("ok ok ok",     "ok ok ok",     "ok deny ok",     "deny deny ok"),
    "communications.stakeholder":          ("ok ok ok",     "ok ok ok",     "ok deny ok",     "deny deny ok"),
    "complaints.category":                 ("ok ok ok",     "ok ok ok",     "ok ok ok",       "ok ok ok"),
    "complaints.slapolicy":                ("ok ok ok",     "ok ok ok",     "ok ok ok",       "ok ok ok"),
    "complaints.complaint":                ("ok ok ok",     "403 403 403",  "ok deny ok",     "deny deny deny"),
    # Plans: each estate's managers their own version (estate A's here); incidents read-only, never deleted.
    "incidents.emergencyplan":             ("ok ok ok",     "ok ok ok",     "ok deny ok",     "ok deny ok"),
    "incidents.disclosurepolicy":          ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
    "incidents.incident":                  ("ok ok ok",     "403 403 403",  "ok deny ok",     "deny deny deny"),
    "incidents.warningrule":               ("403 403 ok",   "403 403 403",  "deny deny ok",   "deny deny 403"),
    "owners.mobilereveal":                 ("403 403 ok",   "403 403 403",  "deny deny ok",   "deny deny 403"),
    "owners.exportrecord":                 ("403 403 ok",   "403 403 403",  "deny deny ok",   "deny deny 403"),
    "complaints.arrearsladderstep":       ("ok ok ok",     "ok ok ok",     "ok ok ok",       "ok ok ok"),
    "complaints.arrearspolicy":           ("ok ok ok",     "ok ok ok",     "ok deny ok",     "ok deny ok"),
    "complaints.cannedreply":              ("403 403 ok",   "403 403 ok",   "deny deny ok",   "deny deny ok"),
}

# The object each admin model's screens are opened on (estate A's where the model has an estate).
ADMIN_OBJECTS = {
    "auth.group": lambda w: w.group.pk,
    "authtoken.tokenproxy": lambda w: w.users["owner_a"].pk,  # the token admin maps user ids to tokens
    "django_celery_beat.periodictask": lambda w: w.periodic_task.pk,
    "django_celery_beat.clockedschedule": lambda w: w.clocked.pk,
    "django_celery_beat.crontabschedule": lambda w: w.crontab.pk,
    "django_celery_beat.solarschedule": lambda w: w.solar.pk,
    "django_celery_beat.intervalschedule": lambda w: w.interval.pk,
    "axes.accessattempt": lambda w: w.access_attempt.pk,
    "axes.accesslog": lambda w: w.access_log.pk,
    "axes.accessfailurelog": lambda w: w.access_failure.pk,
    "owners.estate": lambda w: w.estate_a.pk,
    "owners.building": lambda w: w.building_a.pk,
    "owners.unit": lambda w: w.unit_a.pk,
    "owners.resident": lambda w: w.resident_a.pk,
    "owners.occupancy": lambda w: w.occupancy_a.pk,
    "owners.invitation": lambda w: w.invitation.pk,
    "owners.user": lambda w: w.users["service_a"].pk,
    "owners.staffmembership": lambda w: w.membership_service_a.pk,
    "communications.delivery": lambda w: w.delivery_a.pk,
    "communications.announcement": lambda w: w.notice_a.pk,
    "communications.savedaudience": lambda w: w.audience_a.pk,
    "communications.statement": lambda w: w.statement_a.pk,
    "communications.mediamention": lambda w: w.mention_a.pk,
    "communications.mediainquiry": lambda w: w.inquiry_a.pk,
    "communications.stakeholder": lambda w: w.stakeholder_a.pk,
    "complaints.category": lambda w: w.category.pk,
    "complaints.slapolicy": lambda w: w.sla_policy.pk,
    "complaints.complaint": lambda w: w.complaint_a.pk,
    "incidents.emergencyplan": lambda w: w.plan_a.pk,
    "incidents.disclosurepolicy": lambda w: w.disclosure_policy.pk,
    "incidents.incident": lambda w: w.incident_a.pk,
    "incidents.warningrule": lambda w: w.warning_rule.pk,
    "owners.mobilereveal": lambda w: w.mobile_reveal.pk,
    "owners.exportrecord": lambda w: w.export_record.pk,
    "complaints.arrearsladderstep": lambda w: w.ladder_step.pk,
    "complaints.arrearspolicy": lambda w: w.arrears_policy_a.pk,
    "complaints.cannedreply": lambda w: w.canned_reply.pk,
}

def _this_month() -> str:
    from django.utils import timezone

    return timezone.localdate().strftime("%Y-%m")


def _report_token(w) -> str:
    from django.core import signing

    from config.reports.monthly_views import SHARE_SALT

    return signing.dumps({"e": w.estate_a.pk, "m": _this_month(), "s": w.stakeholder_a.pk, "c": False}, salt=SHARE_SALT)


# Path parameters of pages, by URL name: always estate A's objects.
PAGE_PARAMS = {
    "password_reset_confirm": lambda w: {"uidb64": w.reset_uid, "token": w.reset_token},
    "activate": lambda w: {"token": w.activation_token},
    "press_statement": lambda w: {"thread": w.statement_public.thread},
    "complaint_photo": lambda w: {"pk": w.photo_a.pk},
    "portal:complaint_detail": lambda w: {"number": w.complaint_a.number},
    "portal:complaint_message": lambda w: {"number": w.complaint_a.number},
    "portal:complaint_rate": lambda w: {"number": w.complaint_a.number},
    "portal:complaint_reopen": lambda w: {"number": w.complaint_a.number},
    "portal:complaint_withdraw": lambda w: {"number": w.complaint_a.number},
    "portal:notice_detail": lambda w: {"pk": w.notice_a.pk},
    "portal:notice_acknowledge": lambda w: {"pk": w.notice_a.pk},
    "portal:statement_detail": lambda w: {"thread": w.statement_public.thread},
    "portal:arrears_statement": lambda w: {"unit_id": w.unit_a.pk},
    "portal:arrears_relief": lambda w: {"unit_id": w.unit_a.pk},
    "portal:relief_file": lambda w: {"pk": w.relief_file_a.pk},
    **{f"dashboard:arrears_{action}": (lambda w: {"pk": w.arrears_case_a.pk}) for action in
       ("case", "contact", "advance", "close", "reminder", "letter")},
    "dashboard:arrears_approval": lambda w: {"pk": w.arrears_case_a.pk, "approval_pk": w.arrears_approval_a.pk},
    "dashboard:relief_decide": lambda w: {"pk": w.relief_a.pk},
    "dashboard:relief_file": lambda w: {"pk": w.relief_file_a.pk},
    "dashboard:area": lambda w: {"slug": "incidents"},
    "dashboard:inbox_open": lambda w: {"pk": w.inbox_a.pk},
    "dashboard:estate_detail": lambda w: {"pk": w.estate_a.pk},
    "dashboard:building_detail": lambda w: {"pk": w.building_a.pk},
    **{f"dashboard:unit_{name}": (lambda w: {"pk": w.unit_a.pk}) for name in ("detail", "payment")},
    "dashboard:resident_detail": lambda w: {"pk": w.resident_a.pk},
    "dashboard:resident_invite": lambda w: {"pk": w.resident_a.pk},
    "dashboard:import_template": lambda w: {"kind": "residents"},
    **{f"dashboard:complaint_{action}": (lambda w: {"number": w.complaint_a.number}) for action in
       ("detail", "transition", "assign", "triage", "reply", "note", "visit", "link", "follow_up")},
    "dashboard:announcement_detail": lambda w: {"pk": w.notice_a.pk},
    "dashboard:announcement_progress": lambda w: {"pk": w.notice_a.pk},
    "dashboard:announcement_edit": lambda w: {"pk": w.draft_a.pk},
    "dashboard:announcement_action": lambda w: {"pk": w.notice_a.pk, "action": "cancel"},
    "dashboard:need_help_handled": lambda w: {"pk": w.draft_a.pk, "answer": w.help_a.pk},
    "dashboard:statement_detail": lambda w: {"pk": w.statement_a.pk},
    "dashboard:statement_action": lambda w: {"pk": w.statement_a.pk, "action": "approve"},
    "dashboard:statement_edit": lambda w: {"pk": w.statement_a.pk},
    "dashboard:resident_mobile": lambda w: {"pk": w.resident_a.pk},
    "dashboard:inquiry_detail": lambda w: {"pk": w.inquiry_a.pk},
    "dashboard:inquiry_answer": lambda w: {"pk": w.inquiry_a.pk},
    "dashboard:inquiry_decline": lambda w: {"pk": w.inquiry_a.pk},
    "dashboard:media_record": lambda w: {"kind": "mention"},
    "portal:incident_detail": lambda w: {"number": w.incident_a.number},
    "dashboard:incident_detail": lambda w: {"number": w.incident_a.number},
    "dashboard:incident_similar": lambda w: {"number": w.incident_a.number},
    "dashboard:incident_form": lambda w: {"number": w.incident_a.number, "name": "statement"},
    "dashboard:warning_signal_detail": lambda w: {"pk": w.signal_a.pk},
    "dashboard:warning_signal_action": lambda w: {"pk": w.signal_a.pk, "action": "dismiss"},
    "dashboard:incident_certificate_pdf": lambda w: {"number": w.incident_a.number, "pk": w.certificate_a.pk},
    "dashboard:incident_action": lambda w: {"number": w.incident_a.number, "action": "log"},
    "dashboard:incident_task_action": lambda w: {"number": w.incident_a.number, "pk": w.task_a.pk, "action": "complete"},
    "dashboard:incident_promote_mention": lambda w: {"pk": w.mention_a.pk},
    "dashboard:incident_plan": lambda w: {"pk": w.plan_a.pk},
    "dashboard:incident_plan_action": lambda w: {"pk": w.plan_a.pk, "action": "save"},
    "dashboard:stakeholder_detail": lambda w: {"pk": w.stakeholder_a.pk},
    "dashboard:stakeholder_contact_add": lambda w: {"pk": w.stakeholder_a.pk},
    "dashboard:export_complaints": lambda w: {"fmt": "csv"},
    "dashboard:export_stakeholders": lambda w: {"fmt": "xlsx"},
    "dashboard:export_arrears_cases": lambda w: {"fmt": "csv"},
    "dashboard:export_collection_rate": lambda w: {"fmt": "xlsx"},
    "dashboard:export_deliveries": lambda w: {"pk": w.notice_a.pk, "fmt": "csv"},
    "dashboard:chart": lambda w: {"name": "complaints-per-day"},
    "dashboard:report_download": lambda w: {"pk": w.estate_a.pk, "month": _this_month(), "fmt": "pdf"},
    "dashboard:report_send": lambda w: {"pk": w.estate_a.pk, "month": _this_month()},
    "report_shared": lambda w: {"token": _report_token(w)},
    "admin:auth_user_password_change": lambda w: {"id": w.users["service_a"].pk},
    "admin:app_list": lambda w: {"app_label": "owners"},
    "admin:view_on_site": lambda w: {"content_type_id": ContentType.objects.get_for_model(w.estate_a).pk,
                                     "object_id": w.estate_a.pk},
    "admin/(?P<url>.*)$": lambda w: {"url": "no-such-screen/"},
}

# Query strings some patterns need to do anything at all.
QUERY = {"admin:autocomplete": "?app_label=owners&model_name=staffmembership&field_name=user&term="}

# API objects by router prefix: estate A's.
API_OBJECTS = {
    "estates": lambda w: w.estate_a.pk,
    "buildings": lambda w: w.building_a.pk,
    "units": lambda w: w.unit_a.pk,
    "residents": lambda w: w.resident_a.pk,
    "complaints": lambda w: w.complaint_a.number,
    "arrears-cases": lambda w: w.arrears_case_a.pk,
    "relief-requests": lambda w: w.relief_a.pk,
    "announcements": lambda w: w.draft_a.pk,
    "statements": lambda w: w.statement_a.pk,
    "media-mentions": lambda w: w.mention_a.pk,
    "media-inquiries": lambda w: w.inquiry_a.pk,
    "stakeholders": lambda w: w.stakeholder_a.pk,
    "inbox": lambda w: w.inbox_a.pk,
    "incidents": lambda w: w.incident_a.number,
    "emergency-plans": lambda w: w.plan_a.pk,
    "drills": lambda w: w.drill_a.pk,
    "warning-signals": lambda w: w.signal_a.pk,
    "warning-rules": lambda w: w.warning_rule.pk,
}
# Path parameters that name something inside the object (an incident's task).
API_SUB_OBJECTS = {"task_id": lambda w: w.task_a.pk}
API_NUMBERED = {"complaints", "incidents"}  # looked up by number, not by pk
# On the URL walk the announcement pages are opened on the sent notice (it has deliveries).
API_URL_OBJECTS = {**API_OBJECTS, "announcements": lambda w: w.notice_a.pk}

# Pages whose content is public, or belongs to whoever holds the link's secret token, so the
# estate-marker check is moot there.
MARKER_EXEMPT = {"press_statement", "activate", "password_reset_confirm", "report_shared"}


# ---------------------------------------------------------------------------------------------
# API operations (method + path from the OpenAPI schema), each with the body it is tried with.
# ---------------------------------------------------------------------------------------------
def _complaint_body(w, principal):
    body = {"category": w.category.pk, "description": "matrix: 门口路灯不亮", "unit": w.unit_a.pk}
    if principal not in ("owner_a", "owner_b", "anon"):
        body["resident"] = w.resident_a.pk
    return body


def _csv_upload(rows, name="residents.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "楼栋,单元,房号,姓名,手机\r\n" + "".join(",".join(r) + "\r\n" for r in rows)
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _inquiry_body(w, principal):
    return {"journalist": "matrix 记者", "outlet": "matrix 日报", "question": "?", "deadline": "2031-01-01T10:00:00+08:00",
            "estate": w.estate_a.pk}


OPS = {
    # id: (row, body) — body a dict, a callable (world, principal) → dict, or ("multipart", callable).
    "v1_auth_token_create": (PUBLIC, lambda w, p: {"username": "13800000001", "password": PASSWORD}),
    "v1_gateway_receipts_create": ("login  login  login  login  login  login  login  login  login  login",
                                   {"message_id": "x", "status": "delivered"}),
    # Estates: only the company admin creates them; managers edit their own.
    "v1_estates_list": (API_AUTHED, None),
    "v1_estates_create": ("login  403    403    403    403    403    403    403    403    ok", {"name": "新小区", "code": "fresh"}),
    "v1_estates_retrieve": (API_OWNED_A, None),
    "v1_estates_update": ("login  403    403    403    403    403    403    ok     404    ok",
                          lambda w, p: {"name": "阳光花园", "code": "sunny", "address": "改", "timezone": "Asia/Shanghai",
                                        "phone": "021-1"}),
    "v1_estates_partial_update": ("login  403    403    403    403    403    403    ok     404    ok", {"phone": "021-2"}),
    "v1_estates_import_create": ("login  403    404    ok     404    403    403    ok     404    ok",
                                 ("multipart", lambda w, p: {"kind": "residents", "file": _csv_upload(
                                     [("阳光1号楼", "1", "101", "matrix 新住户", "13900000011")])})),
    # Buildings and units: managers of the estate.
    "v1_buildings_list": (API_AUTHED, None),
    "v1_buildings_create": ("login  403    403    403    403    403    403    ok     refused ok",
                            lambda w, p: {"estate": w.estate_a.pk, "name": "阳光9号楼"}),
    "v1_buildings_retrieve": (API_OWNED_A, None),
    "v1_buildings_update": ("login  403    403    403    403    403    403    ok     404    ok",
                            lambda w, p: {"estate": w.estate_a.pk, "name": "阳光1号楼", "floors": 30}),
    "v1_buildings_partial_update": ("login  403    403    403    403    403    403    ok     404    ok", {"floors": 31}),
    "v1_units_list": (API_AUTHED, None),
    "v1_units_create": ("login  403    403    403    403    403    403    ok     refused ok",
                        lambda w, p: {"building": w.building_a.pk, "entrance": "1", "number": "909"}),
    "v1_units_retrieve": (API_OWNED_A, None),
    "v1_units_update": ("login  403    403    403    403    403    403    ok     404    ok",
                        lambda w, p: {"building": w.building_a.pk, "entrance": "1", "number": "101", "floor": 1}),
    "v1_units_partial_update": ("login  403    403    403    403    403    403    ok     404    ok", {"floor": 2}),
    # Residents: service staff and managers of the estate.
    "v1_residents_list": (API_AUTHED, None),
    "v1_residents_create": ("login  403    403    ok     refused 403    403    ok     refused ok",
                            lambda w, p: {"name": "matrix 新住户", "mobile": "13900000012", "unit": w.unit_a.pk}),
    "v1_residents_retrieve": (API_OWNED_A, None),
    "v1_residents_update": ("login  403    403    ok     404    403    403    ok     404    ok",
                            {"name": "周建国", "mobile": "13800000001", "email": "zhou@example.com"}),
    "v1_residents_partial_update": ("login  403    403    ok     404    403    403    ok     404    ok", {"email": "z@example.com"}),
    "v1_residents_invite_create": ("login  403    404    allowed 404   403    403    allowed 404    allowed", None),
    # Fee arrears. Estate A's case has a lawyer letter waiting for approval; owner A's relief request is pending.
    "v1_arrears_cases_list": (ARREARS_STAFF, None),
    "v1_arrears_cases_summary_retrieve": (ARREARS_STAFF, None),
    "v1_arrears_cases_collection_rate_list": (ARREARS_STAFF, None),
    "v1_arrears_cases_retrieve": (ARREARS_A, None),
    "v1_arrears_cases_create": ("login  403    403    allowed 404    403    403    allowed 404    allowed",
                                lambda w, p: {"unit": w.unit_a.pk}),  # unit A has an open case: a domain 400
    "v1_arrears_cases_contacts_create": ("login  403    403    write  404    404    404    write  404    write",
                                         {"kind": "phone_call", "outcome": "matrix 电话"}),
    "v1_arrears_cases_advance_create": ("login  403    403    write  404    404    404    write  404    write",
                                        {"to_step": "phone_call", "note": "matrix 改打电话"}),
    "v1_arrears_cases_approval_create": ("login  403    403    403    404    404    404    write  404    write",
                                         {"approve": False, "reason": "matrix 再沟通"}),
    "v1_arrears_cases_close_create": ("login  403    403    write  404    404    404    write  404    write",
                                      {"outcome": "other", "note": "matrix 结案"}),
    "v1_fee_ledger_list": (API_AUTHED, None),
    "v1_fee_ledger_accounts_list": (API_AUTHED, None),
    "v1_fee_ledger_import_create": ("login  403    404    403    404    403    403    write  404    write",
                                    ("multipart", lambda w, p: {"estate": w.estate_a.pk, "file": _ledger_upload()})),
    "v1_fee_ledger_payments_create": ("login  403    403    write  404    403    403    write  404    write",
                                      lambda w, p: {"unit": w.unit_a.pk, "amount": "10.00", "paid_on": "2025-06-01"}),
    "v1_relief_requests_list": (API_AUTHED, None),
    "v1_relief_requests_retrieve": (RELIEF_A, None),
    "v1_relief_requests_create": ("login  allowed 404    403    403    403    403    403    403    403",
                                  ("multipart", lambda w, p: {"unit": w.unit_a.pk, "kind": "relief", "reason": "matrix 困难"})),
    "v1_relief_requests_decide_create": ("login  403    403    403    404    404    404    write  404    write",
                                         {"approve": False, "reason": "matrix 不符合"}),
    # Complaints: owners their own; staff who work tickets of the estate.
    "v1_complaints_list": (API_AUTHED, None),
    "v1_complaints_create": ("login  ok     refused ok     404    403    ok     ok     404    ok", _complaint_body),
    "v1_complaints_retrieve": (API_OWNED_A, None),
    "v1_complaints_assign_create": ("login  403    404    ok     404    403    ok     ok     404    ok",
                                    lambda w, p: {"assignee": w.users["service_a"].pk}),
    "v1_complaints_follow_up_create": ("login  403    404    allowed 404   403    allowed allowed 404   allowed",
                                       {"outcome": "satisfied"}),
    "v1_complaints_messages_create": ("login  ok     404    403    404    403    403    403    404    403", {"text": "还在吵"}),
    "v1_complaints_notes_create": ("login  403    404    ok     404    403    ok     ok     404    ok", {"text": "内部备注"}),
    "v1_complaints_rate_create": ("login  allowed 404   403    404    403    403    403    404    403",
                                  {"rating": 5, "solved": True}),
    "v1_complaints_replies_create": ("login  403    404    ok     404    403    ok     ok     404    ok", {"text": "已安排"}),
    "v1_complaints_transition_create": ("login  403    404    ok     404    403    ok     ok     404    ok",
                                        {"action": "acknowledge"}),
    "v1_complaints_triage_create": ("login  403    404    ok     404    403    ok     ok     404    ok", {"priority": "high"}),
    # Announcements (estate A's draft): writers of the estate; approval by its manager.
    "v1_announcements_list": (API_STAFF, None),
    "v1_announcements_create": ("login  403    403    ok     refused ok     403    ok     refused ok",
                                lambda w, p: {"kind": "general", "title": "matrix 通知", "body": "正文", "audience": "estates",
                                              "estates": [w.estate_a.pk], "channels": ["portal"]}),
    "v1_announcements_retrieve": (API_STAFF_A, None),
    "v1_announcements_request_approval_create": ("login  403    403    ok     404    ok     403    ok     404    ok", None),
    "v1_announcements_approve_create": ("login  403    403    403    404    403    403    ok     404    ok", None),
    # Sending back for changes: approvers only; the draft is not waiting for approval, so a 400 for them.
    "v1_announcements_return_create": ("login  403    403    403    404    403    403    allowed 404   allowed",
                                       {"note": "请补充停水时间"}),
    "v1_announcements_events_list": (API_STAFF_A, None),
    "v1_announcements_publish_create": ("login  403    403    ok     404    ok     403    ok     404    ok", None),
    "v1_announcements_cancel_create": ("login  403    403    ok     404    ok     403    ok     404    ok", None),
    "v1_announcements_chase_create": ("login  403    403    allowed 404   allowed 403    allowed 404   allowed", None),
    "v1_announcements_progress_retrieve": (API_STAFF_A, None),
    "v1_announcements_deliveries_list": (API_STAFF_A, None),
    # Marking estate A's "I need help" answer handled: staff whose role may at estate A (not the engineer).
    "v1_announcements_need_help_handled_create": ("login  403    403    ok     404    ok     403    ok     404    ok",
                                                  lambda w, p: {"answer": w.help_a.pk, "note": "已电话联系"}),
    # Statements (estate A's, in review): the media desk (spokesperson, managers); approval by the estate's manager.
    "v1_statements_list": (API_STAFF, None),
    "v1_statements_create": ("login  403    403    403    403    ok     403    ok     refused ok",
                             lambda w, p: {"title": "matrix 声明", "body": "正文", "estate": w.estate_a.pk}),
    "v1_statements_retrieve": (API_STAFF_A, None),
    "v1_statements_events_list": (API_STAFF_A, None),
    "v1_statements_submit_create": ("login  403    403    403    403    allowed 403    allowed 404   allowed", None),
    "v1_statements_review_create": ("login  403    403    403    403    403    403    ok     404    ok", {"approve": True}),
    "v1_statements_publish_create": ("login  403    403    403    403    allowed 403    allowed 404   allowed", {}),
    "v1_statements_new_version_create": ("login  403    403    403    403    allowed 403    allowed 404   allowed",
                                         {"body": "更新"}),
    # Media records of estate A: the media desk of the estate; service staff and engineers only read.
    "v1_media_mentions_list": (API_STAFF, None),
    "v1_media_mentions_create": ("login  403    403    403    403    ok     403    ok     refused ok",
                                 lambda w, p: {"source": "weibo", "excerpt": "matrix 提及", "estate": w.estate_a.pk}),
    "v1_media_mentions_retrieve": (API_STAFF_A, None),
    "v1_media_mentions_update": ("login  403    403    403    403    ok     403    ok     404    ok",
                                 lambda w, p: {"source": "weibo", "excerpt": "阳光电梯困人二十分钟", "reach": 6000,
                                               "estate": w.estate_a.pk}),
    "v1_media_mentions_partial_update": ("login  403    403    403    403    ok     403    ok     404    ok", {"reach": 7000}),
    "v1_media_inquiries_list": (API_STAFF, None),
    "v1_media_inquiries_create": ("login  403    403    403    403    ok     403    ok     refused ok", _inquiry_body),
    "v1_media_inquiries_retrieve": (API_STAFF_A, None),
    "v1_media_inquiries_events_list": (API_STAFF_A, None),
    "v1_media_inquiries_update": ("login  403    403    403    403    ok     403    ok     404    ok", _inquiry_body),
    "v1_media_inquiries_partial_update": ("login  403    403    403    403    ok     403    ok     404    ok", {"question": "??"}),
    "v1_media_inquiries_answer_create": ("login  403    403    403    403    ok     403    ok     404    ok", {"answer": "每半月维保"}),
    "v1_media_inquiries_decline_create": ("login  403    403    403    403    ok     403    ok     404    ok", {"reason": "不便回应"}),
    "v1_stakeholders_list": (API_STAFF, None),
    "v1_stakeholders_create": ("login  403    403    403    403    ok     403    ok     refused ok",
                               lambda w, p: {"kind": "mediator", "name": "matrix 调解人", "estate": w.estate_a.pk}),
    "v1_stakeholders_retrieve": (API_STAFF_A, None),
    "v1_stakeholders_update": ("login  403    403    403    403    ok     403    ok     404    ok",
                               lambda w, p: {"kind": "street_office", "name": "阳光街道王主任", "phone": "021-55550002",
                                             "estate": w.estate_a.pk}),
    "v1_stakeholders_partial_update": ("login  403    403    403    403    ok     403    ok     404    ok", {"phone": "021-55550003"}),
    "v1_stakeholders_contacts_list": (API_STAFF_A, None),
    # The staff inbox: each person their own items (service A holds the one tried).
    "v1_inbox_list": (API_STAFF, None),
    "v1_inbox_retrieve": (INBOX_OWN, None),
    "v1_inbox_read_create": (INBOX_OWN, None),
    "v1_inbox_read_all_create": ("login  403    403    ok     ok     ok     ok     ok     ok     ok", None),
    # Incidents (estate A's, in response, its statement published): any staff of the estate raises and logs;
    # the estate's managers (and the commander) steer; the media desk drafts statements.
    "v1_incidents_list": (API_STAFF, None),
    "v1_incidents_create": ("login  403    403    ok     403    ok     ok     ok     403    ok",
                            lambda w, p: {"estate": w.estate_a.pk, "kind": "fire", "title": "matrix 起火"}),
    "v1_incidents_retrieve": (API_STAFF_A, None),
    "v1_incidents_partial_update": ("login  403    403    403    404    403    403    ok     404    ok", {"owner_guidance": "请勿使用明火"}),
    "v1_incidents_escalate_create": ("login  403    403    ok     refused ok     ok     ok     refused ok",
                                     lambda w, p: {"complaints": [w.complaint_a.number], "kind": "gas"}),
    "v1_incidents_promote_mention_create": ("login  403    403    ok     refused ok     ok     ok     refused ok",
                                            lambda w, p: {"mention": w.mention_a.pk}),
    "v1_incidents_transition_create": ("login  403    403    403    404    403    403    ok     404    ok", {"action": "disclose"}),
    "v1_incidents_team_create": ("login  403    403    403    404    403    403    ok     404    ok", lambda w, p: {"role": "scribe", "user": w.users["service_a"].pk}),
    "v1_incidents_tasks_list": (API_STAFF_A, None),
    "v1_incidents_tasks_create": ("login  403    403    403    404    403    403    ok     404    ok", {"title": "matrix 任务"}),
    "v1_incidents_tasks_complete_create": ("login  403    403    403    404    403    403    ok     404    ok", {"note": "已完成"}),
    "v1_incidents_tasks_carry_over_create": ("login  403    403    403    404    403    403    ok     404    ok", {"note": "转日常"}),
    "v1_incidents_tasks_assign_create": ("login  403    403    403    404    403    403    ok     404    ok", lambda w, p: {"assignee": w.users["service_a"].pk}),
    "v1_incidents_timeline_list": (API_STAFF_A, None),
    "v1_incidents_log_create": ("login  403    403    ok     404    ok     ok     ok     404    ok", {"body": "matrix 记录"}),
    "v1_incidents_complaints_create": ("login  403    403    ok     404    ok     ok     ok     404    ok", lambda w, p: {"complaint": w.complaint_a.number}),
    "v1_incidents_statements_retrieve": (API_STAFF_A, None),
    "v1_incidents_statements_create": ("login  403    403    403    404    ok     403    ok     404    ok",
                                       {"title": "matrix 说明", "body": "正文"}),
    # Publishing the already-published statement: a 400 for those who may publish.
    "v1_incidents_publish_create": ("login  403    403    403    404    403    403    allowed 404   allowed", lambda w, p: {"statement": w.incident_statement_a.pk}),
    "v1_incidents_notices_create": ("login  403    403    ok     404    ok     403    ok     404    ok",
                                    {"title": "matrix 紧急通知", "body": "请注意安全"}),
    # The review is written in the review stage: the incident is in response, so a 400 for its writers.
    "v1_incidents_review_retrieve": (API_STAFF_A, None),
    "v1_incidents_review_update": ("login  403    403    403    404    403    403    allowed 404   allowed", {"cause": "matrix"}),
    "v1_incidents_review_submit_create": ("login  403    403    403    404    403    403    allowed 404   allowed", None),
    "v1_incidents_review_decide_create": ("login  403    403    403    404    403    403    allowed 404   allowed", {"approve": True}),
    "v1_incidents_improvements_list": (API_STAFF_A, None),
    "v1_incidents_improvements_create": ("login  403    403    403    404    403    403    allowed 404   allowed",
                                         lambda w, p: {"title": "matrix", "owner": w.users["manager_a"].pk, "due_on": "2031-01-01"}),
    "v1_incidents_certificates_list": (API_STAFF_A, None),
    "v1_incidents_certificates_create": ("login  403    403    403    404    403    403    ok     404    ok", lambda w, p: {"resident": w.resident_a.pk, "particulars": "车辆受损",
                                                                  "office_actions": "设立警戒区"}),
    "v1_emergency_plans_list": (API_STAFF, None),
    "v1_emergency_plans_retrieve": (API_STAFF_A, None),
    "v1_drills_list": (API_STAFF, None),
    "v1_drills_retrieve": (API_STAFF_A, None),
    "v1_drills_create": ("login  403    403    403    refused 403    403    ok     refused ok",
                         lambda w, p: {"plan": w.plan_a.pk, "estate": w.estate_a.pk, "held_on": "2026-01-05",
                                       "scenario": "matrix 演练", "participants": "工程部"}),
    # Early-warning signals (estate A's, open): any staff of the estate who may raise an incident decides.
    "v1_warning_signals_list": (API_STAFF, None),
    "v1_warning_signals_retrieve": (API_STAFF_A, None),
    "v1_warning_signals_dismiss_create": ("login  403    403    ok     404    ok     ok     ok     404    ok", {"reason": "matrix 已核实"}),
    "v1_warning_signals_promote_create": ("login  403    403    ok     404    ok     ok     ok     404    ok", {"level": "yellow"}),
    "v1_warning_rules_list": (API_STAFF, None),
    "v1_warning_rules_retrieve": (API_STAFF, None),
    "v1_stakeholders_contacts_create": ("login  403    403    403    403    ok     403    ok     404    ok", {"summary": "电话沟通"}),
}


# ---------------------------------------------------------------------------------------------
# Form writes: admin add/change/delete and the dashboard's and portal's POST actions.
# ---------------------------------------------------------------------------------------------
def _admin_row(triple: str, allowed_as: str = "write") -> str:
    cells = triple.split()
    return " ".join(["login"] * 7 + [{"ok": allowed_as}.get(c, c) for c in cells])


# Models whose change form the admin may save, with the field a change alters.
ADMIN_CHANGES = {
    "owners.estate": {"phone": "021-99999999"},
    "owners.building": {"floors": "30"},
    "owners.unit": {"floor": "9"},
    "owners.resident": {"email": "changed@example.com"},
    "owners.occupancy": {"relation": "tenant"},
    "owners.user": {"first_name": "改名"},
    "owners.staffmembership": {"role": "engineer"},
    "communications.savedaudience": {"name": "改名单"},
    "communications.mediamention": {"reach": "4242"},
    "communications.mediainquiry": {"question": "改问题"},
    "communications.stakeholder": {"phone": "021-00000000"},
    "complaints.category": {"follow_up_days": "9"},
}
# Models whose add form is tried with a copy of estate A's object (manager B must be refused).
ADMIN_ADDS = {
    "owners.building": {"name": "阳光3号楼"},
    "owners.unit": {"number": "303"},
    "communications.savedaudience": {"name": "阳光新名单"},
    "communications.mediamention": {"excerpt": "matrix 复制的提及"},
    "communications.mediainquiry": {"journalist": "matrix 复制"},
    "communications.stakeholder": {"name": "matrix 复制的人"},
}
ADMIN_DELETES = [label for label in ADMIN_MODELS if label.split(".")[0] in ("owners", "communications", "complaints")]


def _form(**fields):
    return lambda w: fields


FORM_WRITES = {
    # key: (path(w), data(w), row)
    # Each staff member marks their own inbox read (service A has an unread item; others may not).
    "dashboard:inbox_read_all": (lambda w: reverse("dashboard:inbox_read_all"), _form(),
                                 "login  403    403    write  allowed allowed allowed allowed allowed allowed"),
    # Owner portal.
    "portal:complaint_new": (lambda w: reverse("portal:complaint_new"),
                             lambda w: {"category": w.category.pk, "where": f"unit:{w.unit_a.pk}", "description": "matrix 新投诉"},
                             "login  write  kept   403    403    403    403    403    403    403"),
    "portal:complaint_message": (lambda w: reverse("portal:complaint_message", args=[w.complaint_a.number]), _form(text="还在吵"),
                                 "login  write  404    403    403    403    403    403    403    403"),
    "portal:complaint_rate": (lambda w: reverse("portal:complaint_rate", args=[w.complaint_a.number]),
                              _form(rating="5", solved="yes"),
                              "login  kept   404    403    403    403    403    403    403    403"),
    "portal:complaint_reopen": (lambda w: reverse("portal:complaint_reopen", args=[w.complaint_a.number]), _form(text="又漏了"),
                                "login  kept   404    403    403    403    403    403    403    403"),  # A's is not closed
    "portal:notice_acknowledge": (lambda w: reverse("portal:notice_acknowledge", args=[w.notice_a.pk]), _form(answer="received"),
                                  "login  write  404    403    403    403    403    403    403    403"),
    # Fee arrears: a contact logged on estate A's case; a relief decision needs a manager.
    "dashboard:arrears_contact": (lambda w: reverse("dashboard:arrears_contact", args=[w.arrears_case_a.pk]),
                                  _form(kind="phone_call", outcome="matrix 电话沟通"),
                                  "login  403    403    write  404    404    404    write  404    write"),
    "dashboard:relief_decide": (lambda w: reverse("dashboard:relief_decide", args=[w.relief_a.pk]),
                                _form(decision="decline", reason="matrix 不符合政策"),
                                "login  403    403    kept   404    404    404    write  404    write"),
    # A payment received for unit A (which owes four months): staff whose role records payments.
    "dashboard:unit_payment": (lambda w: reverse("dashboard:unit_payment", args=[w.unit_a.pk]),
                               lambda w: {"amount": "100.00", "paid_on": "2025-06-01", "note": "matrix 现金"},
                               "login  403    403    write  404    403    403    write  404    write"),
    # The monthly report to estate A's owners' committee: its managers (and the company admin) only.
    "dashboard:report_send": (lambda w: reverse("dashboard:report_send", args=[w.estate_a.pk, _this_month()]), _form(),
                              "login  403    403    403    404    403    403    allowed 404    allowed"),
    # Registry.
    "dashboard:resident_invite": (lambda w: reverse("dashboard:resident_invite", args=[w.invitee.pk]), _form(),
                                  "login  403    403    write  404    403    403    write  404    write"),
    "dashboard:import": (lambda w: reverse("dashboard:import"),
                         lambda w: {"estate": w.estate_a.pk, "kind": "residents",
                                    "file": _csv_upload([("阳光1号楼", "1", "101", "matrix 导入", "13900000013")])},
                         "login  403    403    write  kept   403    403    write  kept   write"),
    # Complaints, on the staff side.
    "dashboard:complaint_new": (lambda w: reverse("dashboard:complaint_new") + f"?resident={w.resident_a.pk}",
                                lambda w: {"resident": w.resident_a.pk, "category": w.category.pk, "priority": "normal",
                                           "channel": "phone", "where": f"unit:{w.unit_a.pk}", "description": "matrix 电话投诉"},
                                "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_transition": (lambda w: reverse("dashboard:complaint_transition", args=[w.complaint_a.number]),
                                       _form(action="acknowledge"),
                                       "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_assign": (lambda w: reverse("dashboard:complaint_assign", args=[w.complaint_a.number]),
                                   lambda w: {"assignee": w.users["engineer_a"].pk},
                                   "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_triage": (lambda w: reverse("dashboard:complaint_triage", args=[w.complaint_a.number]),
                                   lambda w: {"category": w.category.pk, "priority": "high"},
                                   "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_reply": (lambda w: reverse("dashboard:complaint_reply", args=[w.complaint_a.number]), _form(text="已安排"),
                                  "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_note": (lambda w: reverse("dashboard:complaint_note", args=[w.complaint_a.number]), _form(text="备注"),
                                 "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_visit": (lambda w: reverse("dashboard:complaint_visit", args=[w.complaint_a.number]),
                                  _form(findings="现场查看"),
                                  "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_link": (lambda w: reverse("dashboard:complaint_link", args=[w.complaint_a.number]),
                                 lambda w: {"number": w.complaint_a2.number, "kind": "related"},
                                 "login  403    403    write  404    kept   write  write  404    write"),
    "dashboard:complaint_follow_up": (lambda w: reverse("dashboard:complaint_follow_up", args=[w.complaint_a.number]),
                                      _form(outcome="satisfied"),
                                      "login  403    403    kept   404    kept   kept   kept   404    kept"),
    # Announcements: estate A's draft.
    **{f"dashboard:announcement_action:{action}": (
        (lambda a: lambda w: reverse("dashboard:announcement_action", args=[w.draft_a.pk, a]))(action), _form(confirmed="1"), row)
       for action, row in {
           "request-approval": "login  403    403    write  404    write  403    write  404    write",
           "approve": "login  403    403    kept   404    kept   403    write  404    write",
           "publish": "login  403    403    write  404    write  403    write  404    write",
           "cancel": "login  403    403    write  404    write  403    write  404    write",
           "chase": "login  403    403    kept   404    kept   403    kept   404    kept",
       }.items()},
    "dashboard:need_help_handled": (lambda w: reverse("dashboard:need_help_handled", args=[w.draft_a.pk, w.help_a.pk]),
                                    _form(note="已电话联系"),
                                    "login  403    403    write  404    write  kept   write  404    write"),
    "dashboard:announcement_edit": (lambda w: reverse("dashboard:announcement_edit", args=[w.draft_a.pk]),
                                    lambda w: {"kind": "general", "title": "matrix 改过的通知", "body": "正文", "audience": "estates",
                                               "estates": [w.estate_a.pk], "channels": ["portal"]},
                                    "login  403    403    write  404    write  403    write  404    write"),
    "dashboard:announcement_new": (lambda w: reverse("dashboard:announcement_new"),
                                   lambda w: {"kind": "general", "title": "matrix 表单通知", "body": "正文", "audience": "estates",
                                              "estates": [w.estate_a.pk], "channels": ["portal"]},
                                   "login  403    403    write  kept   write  403    write  kept   write"),
    # Statements: estate A's, in review.
    "dashboard:statement_new": (lambda w: reverse("dashboard:statement_new"),
                                lambda w: {"title": "matrix 表单声明", "body": "正文", "estate": w.estate_a.pk},
                                "login  403    403    403    403    write  403    write  kept   write"),
    **{f"dashboard:statement_action:{action}": (
        (lambda a: lambda w: reverse("dashboard:statement_action", args=[w.statement_a.pk, a]))(action),
        _form(note="ok", body="更新"), row)
       for action, row in {
           "submit": "login  403    403    403    403    kept   403    kept   404    kept",
           "approve": "login  403    403    403    403    kept   403    write  404    write",
           "return": "login  403    403    403    403    kept   403    write  404    write",
           "publish": "login  403    403    403    403    kept   403    kept   404    kept",
           "new-version": "login  403    403    403    403    kept   403    kept   404    kept",
       }.items()},
    # Editing estate A's statement while it is in review: refused for its writers, nothing changes.
    "dashboard:statement_edit": (lambda w: reverse("dashboard:statement_edit", args=[w.statement_a.pk]),
                                 _form(title="matrix 改过的声明", body="正文"),
                                 "login  403    403    403    403    kept   403    kept   404    kept"),
    # The full mobile number, one recorded click away (a MobileReveal row per click).
    "dashboard:resident_mobile": (lambda w: reverse("dashboard:resident_mobile", args=[w.resident_a.pk]), _form(),
                                  "login  403    403    write  404    write  write  write  404    write"),
    # Media: answer estate A's inquiry; record a mention for estate A, and a company-wide one.
    "dashboard:inquiry_answer": (lambda w: reverse("dashboard:inquiry_answer", args=[w.inquiry_a.pk]), _form(answer="每半月维保"),
                                 "login  403    403    kept   404    write  kept   write  404    write"),
    "dashboard:inquiry_decline": (lambda w: reverse("dashboard:inquiry_decline", args=[w.inquiry_a.pk]), _form(answer="不便回应"),
                                  "login  403    403    kept   404    write  kept   write  404    write"),
    "dashboard:media_record:estate": (lambda w: reverse("dashboard:media_record", args=["mention"]),
                                      lambda w: {"source": "weibo", "excerpt": "matrix 表单提及", "sentiment": "neutral", "reach": "1",
                                                 "estate": w.estate_a.pk, "mentioned_at": "2030-01-01T10:00"},
                                      "login  403    403    403    403    write  403    write  kept   write"),
    # Incidents: log on estate A's (its staff), move it (its managers and commander), escalate A's complaint.
    "dashboard:incident_action:log": (lambda w: reverse("dashboard:incident_action", args=[w.incident_a.number, "log"]),
                                      _form(body="matrix 现场记录"),
                                      "login  403    403    write  404    write  write  write  404    write"),
    "dashboard:incident_action:move": (lambda w: reverse("dashboard:incident_action", args=[w.incident_a.number, "move"]),
                                       _form(move="disclose"),
                                       "login  403    403    kept   404    kept   kept   write  404    write"),
    "dashboard:incident_escalate": (lambda w: reverse("dashboard:incident_escalate"),
                                    lambda w: {"complaint": w.complaint_a2.number, "kind": "other", "level": ""},
                                    "login  403    403    write  kept   write  write  write  kept   write"),
    "dashboard:incident_plan_action:step-add": (
        lambda w: reverse("dashboard:incident_plan_action", args=[w.plan_a.pk, "step-add"]),
        _form(title="matrix 步骤", role="scribe", minutes="5"),
        "login  403    403    kept   404    kept   kept   write  404    write"),
    "dashboard:media_record:company-wide": (lambda w: reverse("dashboard:media_record", args=["mention"]),
                                            lambda w: {"source": "weibo", "excerpt": "matrix 全公司提及", "sentiment": "neutral",
                                                       "reach": "1", "estate": "", "mentioned_at": "2030-01-01T10:00"},
                                            "login  403    403    403    403    write  403    kept   kept   write"),
    # Log a contact with estate A's stakeholder: the media desk and managers of A (service staff read only).
    "dashboard:stakeholder_contact_add": (lambda w: reverse("dashboard:stakeholder_contact_add", args=[w.stakeholder_a.pk]),
                                          _form(channel="phone", summary="matrix 沟通"),
                                          "login  403    403    403    404    write  403    write  404    write"),
}


# ---------------------------------------------------------------------------------------------
# Enumeration.
# ---------------------------------------------------------------------------------------------
def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def _url_key(route, name):
    if name and "format" in route:  # DRF's format-suffix twin of a pattern
        return f"{name}.json"
    return name or route


URLS = {_url_key(route, name): route for route, name in _walk(get_resolver())}
ADMIN_MODEL_ROUTE = re.compile(r"^admin/(\w+)/(\w+)/(add/|<path:object_id>/(?:history/|delete/|change/)?)?$")


def _schema_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {op["operationId"]: (method.upper(), path) for path, item in schema["paths"].items()
            for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")}


OPERATIONS = _schema_operations()


def row(spec: str) -> dict[str, str]:
    cells = spec.split()
    assert len(cells) == len(PRINCIPALS), f"a row needs {len(PRINCIPALS)} cells: {spec!r}"
    return dict(zip(PRINCIPALS, cells, strict=False))


def url_expectation(key: str, route: str) -> dict[str, str] | None:
    base = key.removesuffix(".json")
    if base in EXPECTED_URLS:
        return row(EXPECTED_URLS[base])
    match = ADMIN_MODEL_ROUTE.match(route)
    if match and f"{match[1]}.{match[2]}" in ADMIN_MODELS:
        changelist, add, change, delete = ADMIN_MODELS[f"{match[1]}.{match[2]}"]
        screen = match[3] or ""
        if screen == "<path:object_id>/":  # the bare object URL only redirects to its change page
            triple = "ok ok ok"
        else:
            triple = {"": changelist, "add/": add, "<path:object_id>/delete/": delete}.get(screen, change)
        return row(f"{NOT_ADMIN} {triple}")
    return None


def fill(route: str, params: dict) -> str:
    """The concrete path of a route (Django route syntax or a router's regex) for these params."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(params[m[1]]), route)

    def converter(m):
        return f".{params[m[2]]}" if m[1] == "drf_format_suffix" else str(params[m[2]])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", converter, path)
    return "/" + path.replace("^", "").replace("$", "").replace("/?", "").replace("\\.", ".")


def url_params(w, key: str, route: str) -> dict:
    base = key.removesuffix(".json")
    params = {"format": "json"} if "format" in route else {}
    match = ADMIN_MODEL_ROUTE.match(route)
    if match and "object_id" in route:
        params["object_id"] = ADMIN_OBJECTS[f"{match[1]}.{match[2]}"](w)
    elif route.startswith("api/v1/^"):
        prefix = re.match(r"api/v1/\^([\w-]+)", route)[1]
        if "(?P<pk>" in route or "(?P<number>" in route:
            params["number" if prefix in API_NUMBERED else "pk"] = API_URL_OBJECTS[prefix](w)
        for name, value in API_SUB_OBJECTS.items():
            if f"(?P<{name}>" in route:
                params[name] = value(w)
    elif base in PAGE_PARAMS:
        params.update(PAGE_PARAMS[base](w))
    return params


URL_CELLS = [pytest.param(key, route, principal, id=f"{key}-{principal}") for key, route in URLS.items() for principal in PRINCIPALS]
OP_CELLS = [pytest.param(op_id, principal, id=f"{op_id}-{principal}") for op_id in OPERATIONS for principal in PRINCIPALS]


# ---------------------------------------------------------------------------------------------
# Observing answers and the database.
# ---------------------------------------------------------------------------------------------
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def observe(response) -> str:
    code = response.status_code
    if code == 401:
        return "login"
    if code in (301, 302, 303, 307, 308):
        where = urlsplit(response["Location"]).path
        if where in LOGIN_PATHS:
            return "login"
        if where == "/admin/":
            return "index"
        return "ok"
    if 200 <= code < 300:
        return "ok"
    if code >= 500:
        return "5xx"
    return str(code)


ACCEPT = {
    "ok": {"ok"}, "login": {"login"}, "index": {"index"}, "deny": {"403", "404", "index"},
    "403": {"403"}, "404": {"404"}, "405": {"405"}, "refused": {"400", "403", "404"},
}


def body_text(response) -> str:
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        return json.dumps(response.json(), ensure_ascii=False)
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", "replace")


def leaked_markers(principal, response) -> list[str]:
    side = SIDE.get(principal)
    if side is None or observe(response) != "ok":
        return []
    text = body_text(response)
    return [m for m in MARKERS["b" if side == "a" else "a"] if m in text]


SNAPSHOT_APPS = {"owners", "complaints", "communications", "incidents", "auth", "authtoken", "django_celery_beat"}


def _snapshot_tables() -> list[str]:
    models = apps.get_models(include_auto_created=True)
    return sorted({m._meta.db_table for m in models if m._meta.app_label in SNAPSHOT_APPS and not m._meta.proxy
                   and m._meta.managed and m._meta.model_name not in ("permission", "contenttype")})


_SNAPSHOT_SQL = {}


def _snapshot_sql(connection) -> tuple[list[str], str]:
    """One SELECT giving, per table, all its rows as one string (sorted), so a snapshot of every
    table costs one round trip."""
    if connection.vendor not in _SNAPSHOT_SQL:
        tables, parts, quote = _snapshot_tables(), [], connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in tables:
                if connection.vendor == "postgresql":
                    parts.append(f"(SELECT string_agg(t::text, '|' ORDER BY t::text) FROM {quote(table)} t)")
                else:
                    columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
                    row = " || ',' || ".join(f"quote({quote(c)})" for c in columns)
                    parts.append(f"(SELECT group_concat(r, '|') FROM (SELECT {row} AS r FROM {quote(table)} ORDER BY 1))")
        _SNAPSHOT_SQL[connection.vendor] = (tables, "SELECT " + ", ".join(parts))
    return _SNAPSHOT_SQL[connection.vendor]


def db_snapshot() -> dict:
    """Every row of the product's tables (and auth's), to compare before and after a write."""
    from django.db import connection

    tables, sql = _snapshot_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=False))


def changes(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def judge_write(expected: str, response, before: dict, after: dict) -> str | None:
    """None when the write's answer and its effect on the database match `expected`; else why not."""
    seen, changed = observe(response), changes(before, after)
    if seen == "5xx":
        return f"server error {response.status_code}"
    if expected == "write":
        if seen in ("login", "403", "404", "405", "index") or not changed:
            return f"expected the write to go through; answer {response.status_code} ({seen}), changed {changed or 'nothing'}"
        return None
    if expected in ("ok", "allowed"):
        if expected == "allowed" and seen == "index" and changed:
            return None  # the admin goes to its index after deleting a row it shows read-only
        if expected == "ok" and seen != "ok":
            return f"expected 2xx, got {response.status_code}"
        if seen in ("login", "403", "404", "405", "index"):
            return f"expected to be let through, got {response.status_code} ({seen})"
        return None
    if changed:
        return f"refused write changed {changed} (answer {response.status_code})"
    if expected == "kept":
        return f"expected no sign-in redirect, got {response.status_code}" if seen == "login" else None
    if seen not in ACCEPT[expected]:
        return f"expected {expected}, got {response.status_code} ({seen})"
    return None


# ---------------------------------------------------------------------------------------------
# The matrix.
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def _schema_generated_once():
    """All ten principals open /api/schema/: generate its content once (a second or two each).
    Who may open it is what the matrix tests, not the generator."""
    original, generated = SchemaGenerator.get_schema, {}

    def get_schema(self, request=None, public=False):
        if public not in generated:
            generated[public] = original(self, request=request, public=public)
        return generated[public]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SchemaGenerator, "get_schema", get_schema)
        yield


@pytest.mark.parametrize("key,route,principal", URL_CELLS)
def test_url(world, key, route, principal):
    expectation = url_expectation(key, route)
    assert expectation, f"{key} ({route}) has no entry in EXPECTED_URLS/ADMIN_MODELS: decide who may open it"
    params = url_params(world, key, route)
    path = fill(route, params)
    assert resolve(path).route == re.sub(r"(^|/)\^", r"\1", route), f"{path} does not resolve to {route}"
    response = client_for(world, principal).get(path + QUERY.get(key, ""))
    expected, seen = expectation[principal], observe(response)
    assert seen in ACCEPT[expected], f"GET {path} as {principal}: expected {expected}, got {response.status_code} ({seen})"
    if key not in MARKER_EXEMPT:
        leaked = leaked_markers(principal, response)
        assert not leaked, f"GET {path} as {principal} shows the other estate's {leaked}"


@pytest.mark.parametrize("op_id,principal", OP_CELLS)
def test_operation(world, op_id, principal):
    assert op_id in OPS, f"API operation {op_id} {OPERATIONS[op_id]} has no entry in OPS: decide who may call it"
    expected = row(OPS[op_id][0])[principal]
    method, path = OPERATIONS[op_id]
    prefix = path.split("/")[3]
    for name, value in API_SUB_OBJECTS.items():
        path = path.replace("{" + name + "}", str(value(world)))
    if "{" in path:
        path = re.sub(r"\{\w+\}", str(API_OBJECTS[prefix](world)), path)
    spec = OPS[op_id][1]
    client, headers = client_for(world, "anon"), api_headers(world, principal)
    before = db_snapshot() if method != "GET" else None
    if method == "GET":
        response = client.get(path, **headers)
    elif isinstance(spec, tuple):
        response = client.post(path, spec[1](world, principal), **headers)
    else:
        data = spec(world, principal) if callable(spec) else (spec or {})
        response = getattr(client, method.lower())(path, json.dumps(data), content_type="application/json", **headers)
    if method == "GET":
        seen = observe(response)
        assert seen in ACCEPT[expected], f"{method} {path} as {principal}: expected {expected}, got {response.status_code} ({seen})"
    else:
        problem = judge_write(expected, response, before, db_snapshot())
        assert problem is None, f"{method} {path} as {principal}: {problem}: {response.content[:300]!r}"
    leaked = leaked_markers(principal, response)
    assert not leaked, f"{method} {path} as {principal} shows the other estate's {leaked}"


class _FormFields(HTMLParser):
    """The fields a browser would submit from the admin's change form (not the logout form)."""

    def __init__(self):
        super().__init__()
        self.data, self._form, self._select, self._options, self._textarea = {}, None, None, [], None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = a.get("id", "")
        if self._form in (None, "logout-form", "changelist-search"):
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
                return
            self._add(a["name"], a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select, self._options = (a["name"], "multiple" in a), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.data.setdefault(name, []).extend(chosen)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea[0], unescape("".join(self._textarea[1])).lstrip("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)


@pytest.fixture(scope="module")
def admin_forms(world):
    """The change form of each admin model's estate-A object as the company admin sees it, parsed."""
    cache = {}

    def form_of(label):
        if label not in cache:
            app, model = label.split(".")
            response = client_for(world, "admin").get(reverse(f"admin:{app}_{model}_change", args=[ADMIN_OBJECTS[label](world)]))
            assert response.status_code == 200, f"the admin cannot open {label}: {response.status_code}"
            parser = _FormFields()
            parser.feed(response.content.decode())
            cache[label] = parser.data
        return {k: list(v) for k, v in cache[label].items()}

    return form_of


def _form_cells():
    cells = []
    for label, triple in ADMIN_MODELS.items():
        change, delete = triple[2], triple[3]
        if label in ADMIN_CHANGES:
            cells += [(f"admin_change:{label}", _admin_row(change))]
        if label in ADMIN_ADDS:
            cells += [(f"admin_add:{label}", _admin_row(triple[1]).replace("ok", "write"))]
        if label in ADMIN_DELETES:
            cells += [(f"admin_delete:{label}", _admin_row(delete, allowed_as="allowed"))]
    cells += [(key, spec[2]) for key, spec in FORM_WRITES.items()]
    return {key: spec for key, spec in cells}


FORM_CELLS = _form_cells()
# Manager B may add buildings and the like, but not into estate A: the add form must refuse.
for _label in ADMIN_ADDS:
    _cells = row(FORM_CELLS[f"admin_add:{_label}"])
    _cells["manager_b"] = "kept"
    FORM_CELLS[f"admin_add:{_label}"] = " ".join(_cells[p] for p in PRINCIPALS)


def _form_request(world, admin_forms, key, principal):
    client = client_for(world, principal)
    kind, _sep, label = key.partition(":")
    if kind in ("admin_change", "admin_add", "admin_delete"):
        app, model = label.split(".")
        obj = ADMIN_OBJECTS[label](world)
        if kind == "admin_delete":
            return client.post(reverse(f"admin:{app}_{model}_delete", args=[obj]), {"post": "yes"})
        data = admin_forms(label)
        for name, value in (ADMIN_CHANGES if kind == "admin_change" else ADMIN_ADDS)[label].items():
            data[name] = [value]
        data["_save"] = ["Save"]
        url = reverse(f"admin:{app}_{model}_change", args=[obj]) if kind == "admin_change" else reverse(f"admin:{app}_{model}_add")
        return client.post(url, data)
    path, data, _row = FORM_WRITES[key]
    return client.post(path(world), data(world))


@pytest.mark.parametrize("key,principal", [pytest.param(k, p, id=f"{k}-{p}") for k in FORM_CELLS for p in PRINCIPALS])
def test_form_write(world, admin_forms, key, principal):
    expected = row(FORM_CELLS[key])[principal]
    before = db_snapshot()
    response = _form_request(world, admin_forms, key, principal)
    problem = judge_write(expected, response, before, db_snapshot())
    assert problem is None, f"POST {key} as {principal}: {problem}"


# ---------------------------------------------------------------------------------------------
# The table itself.
# ---------------------------------------------------------------------------------------------
def test_every_url_pattern_and_operation_has_an_expectation():
    missing = [key for key, route in URLS.items() if url_expectation(key, route) is None]
    missing += [op for op in OPERATIONS if op not in OPS]
    assert not missing, f"no expectation for {missing}: add them to the tables of this module"


def test_the_tables_name_nothing_that_does_not_exist():
    keys = {key.removesuffix(".json") for key in URLS}
    stale = [key for key in EXPECTED_URLS if key not in keys]
    stale += [label for label in ADMIN_MODELS if not any(r.startswith(f"admin/{label.replace('.', '/')}/") for r in URLS.values())]
    stale += [op for op in OPS if op not in OPERATIONS]
    assert not stale, f"the tables name URLs or operations the project no longer has: {stale}"


# ---------------------------------------------------------------------------------------------
# The probe's reproductions (security-probe.md findings 1, 3, 4, 10, 11, 16), one by one.
# ---------------------------------------------------------------------------------------------
def _refused_unchanged(response, before, what):
    problem = judge_write("deny" if response.status_code != 400 else "refused", response, before, db_snapshot())
    if problem and observe(response) == "ok" and not changes(before, db_snapshot()):
        problem = None  # a form shown again with its errors: refused, nothing written
    assert problem is None, f"{what}: {problem}"


def test_manager_b_cannot_make_themself_company_wide(world):
    """Finding 1 (E1): an estate-scoped manager adds a company-wide assignment for themself."""
    manager_b = world.users["manager_b"]
    before = db_snapshot()
    response = client_for(world, "manager_b").post(reverse("admin:owners_staffmembership_add"), {
        "user": manager_b.pk, "estate": "", "role": "estate_manager", "_save": "Save"})
    _refused_unchanged(response, before, "company-wide assignment by manager B")
    assert managed_estate_ids(type(manager_b).objects.get(pk=manager_b.pk)) == {world.estate_b.pk}


@pytest.mark.parametrize("role", ["service", "estate_manager"])
def test_manager_b_cannot_attach_staff_of_estate_a(world, role):
    """Finding 3 (E2), first step: manager B gives estate A's service staff a membership of estate B."""
    before = db_snapshot()
    response = client_for(world, "manager_b").post(reverse("admin:owners_staffmembership_add"), {
        "user": world.users["service_a"].pk, "estate": world.estate_b.pk, "role": role, "_save": "Save"})
    _refused_unchanged(response, before, "assignment of service A by manager B")
    assert not StaffMembership.objects.filter(user=world.users["service_a"], estate=world.estate_b).exists()


@pytest.mark.parametrize("principal,target", [
    ("manager_b", "service_a"),  # finding 3 (E2): a colleague of another estate
    ("manager_b", "owner_a"),  # finding 4 (E3): an owner of another estate
    ("manager_a", "owner_a"),  # owner accounts' passwords are never set by staff
    ("admin", "owner_a"),
])
def test_staff_cannot_set_someone_elses_password(world, principal, target):
    user = world.users[target]
    before = db_snapshot()
    response = client_for(world, principal).post(reverse("admin:auth_user_password_change", args=[user.pk]), {
        "password1": "Another-Secret-987", "password2": "Another-Secret-987", "usable_password": "true"})
    assert observe(response) in ACCEPT["deny"], f"{principal} setting {target}'s password: {response.status_code}"
    assert not changes(before, db_snapshot())
    assert type(user).objects.get(pk=user.pk).check_password(PASSWORD)


@pytest.mark.parametrize("principal,record,body", [
    ("service_a", "mention_company", {"reach": 4242}),  # finding 10: estate staff edit a company-wide mention
    ("manager_b", "mention_company", {"reach": 4242}),
    ("manager_b", "mention_company", {"estate": "estate_b"}),  # … and take it into their estate
    ("service_a", "stakeholder_company", {"phone": "021-66666666"}),
    ("manager_b", "stakeholder_company", {"estate": "estate_b"}),
])
def test_estate_staff_cannot_change_company_wide_media_records(world, principal, record, body):
    obj = getattr(world, record)
    data = {k: getattr(world, v).pk if isinstance(v, str) and v.startswith("estate_") else v for k, v in body.items()}
    prefix = "media-mentions" if record.startswith("mention") else "stakeholders"
    before = db_snapshot()
    response = client_for(world, "anon").patch(f"/api/v1/{prefix}/{obj.pk}/", json.dumps(data), content_type="application/json",
                                               **api_headers(world, principal))
    problem = judge_write("refused", response, before, db_snapshot())
    assert problem is None, f"PATCH {prefix}/{obj.pk} {data} as {principal}: {problem}"


def test_company_wide_staff_may_change_company_wide_media_records(world):
    """The other side of finding 10: the spokesperson (company-wide) keeps the right."""
    response = client_for(world, "anon").patch(f"/api/v1/media-mentions/{world.mention_company.pk}/", json.dumps({"reach": 4242}),
                                               content_type="application/json", **api_headers(world, "spokesperson"))
    assert response.status_code == 200, response.content
    world.mention_company.refresh_from_db()
    assert world.mention_company.reach == 4242


@pytest.mark.parametrize("principal", ["service_a", "manager_a", "manager_b"])
def test_estate_staff_cannot_record_company_wide_media_records_through_the_api(world, principal):
    """Creating a company-wide row is for company-wide staff; the API must not be a way round."""
    before = db_snapshot()
    response = client_for(world, "anon").post("/api/v1/media-mentions/", json.dumps({"source": "weibo", "excerpt": "无小区的提及"}),
                                              content_type="application/json", **api_headers(world, principal))
    problem = judge_write("refused", response, before, db_snapshot())
    assert problem is None, f"company-wide mention by {principal}: {problem}"


@pytest.mark.parametrize("principal", ["manager_a", "manager_b"])
def test_estate_managers_cannot_change_company_wide_media_records_in_the_admin(world, principal):
    """Finding 10 in the admin (/admin/communications/mediamention/<company-wide>/change/)."""
    for record, field, value in (("mention_company", "reach", "4242"), ("stakeholder_company", "phone", "021-1")):
        obj = getattr(world, record)
        url = reverse(f"admin:communications_{obj._meta.model_name}_change", args=[obj.pk])
        parser = _FormFields()
        parser.feed(client_for(world, "admin").get(url).content.decode())
        data = {**parser.data, field: [value], "_save": ["Save"]}
        before = db_snapshot()
        response = client_for(world, principal).post(url, data)
        assert not changes(before, db_snapshot()), f"{principal} changed the company-wide {record} in the admin"
        assert observe(response) != "5xx"


@pytest.mark.parametrize("assignee", ["owner_a", "owner_b", "service_a", "manager_a"])
def test_inquiry_assignee_must_be_someone_who_may_answer_it(world, assignee):
    """Finding 11: manager B assigns estate B's inquiry to an owner's account or to another estate's staff."""
    before = db_snapshot()
    response = client_for(world, "anon").patch(
        f"/api/v1/media-inquiries/{world.inquiry_b.pk}/", json.dumps({"assigned_to": world.users[assignee].pk}),
        content_type="application/json", **api_headers(world, "manager_b"))
    problem = judge_write("refused", response, before, db_snapshot())
    assert problem is None, f"inquiry of estate B assigned to {assignee}: {problem}"


def test_inquiry_may_be_assigned_within_its_estate(world):
    response = client_for(world, "anon").patch(
        f"/api/v1/media-inquiries/{world.inquiry_b.pk}/", json.dumps({"assigned_to": world.users["manager_b"].pk}),
        content_type="application/json", **api_headers(world, "manager_b"))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("principal", ["manager_b", "service_b"])
def test_import_neither_reveals_nor_claims_another_estates_resident(world, principal):
    """Finding 4 (E3): a residents file for estate B naming owner A's mobile, first with a made-up
    name (the error must not give the real one), then with the real name (must not attach them)."""
    url = f"/api/v1/estates/{world.estate_b.pk}/import/"
    client, headers = client_for(world, "anon"), api_headers(world, principal)
    before = db_snapshot()
    for name in ("某某", "周建国"):
        upload = _csv_upload([("翠湖1号楼", "1", "101", name, "13800000001")])
        response = client.post(url, {"kind": "residents", "file": upload}, **headers)
        assert "周建国" not in body_text(response) or name == "周建国", f"the import names estate A's resident: {body_text(response)[:300]}"
        assert observe(response) != "5xx"
    assert not Occupancy.objects.filter(resident=world.resident_a, unit__building__estate=world.estate_b).exists(), \
        "estate A's owner was attached to estate B by an import"
    assert not [label for label in changes(before, db_snapshot()) if label in ("owners.Resident",)], "owner A's record changed"


def test_dashboard_import_neither_reveals_nor_claims_another_estates_resident(world):
    client = client_for(world, "manager_b")
    for name in ("某某", "周建国"):
        response = client.post(reverse("dashboard:import"), {
            "estate": world.estate_b.pk, "kind": "residents", "file": _csv_upload([("翠湖1号楼", "1", "101", name, "13800000001")])})
        assert name == "周建国" or "周建国" not in body_text(response), "the import error names estate A's resident"
    assert not Occupancy.objects.filter(resident=world.resident_a, unit__building__estate=world.estate_b).exists()


def test_queue_filtered_by_another_estate_shows_none_of_its_staff(world):
    """Finding 16: ?estate=<A> on manager B's queue listed estate A's staff in the assignee filter."""
    response = client_for(world, "manager_b").get(reverse("dashboard:complaint_queue") + f"?estate={world.estate_a.pk}")
    assert response.status_code == 200
    leaked = [m for m in MARKERS["a"] if m in body_text(response)]
    assert not leaked, f"manager B's queue with ?estate=A shows {leaked}"


def test_home_narrowed_to_another_estate_shows_none_of_it(world):
    """Issue 14: the home's ?estate=<A> for manager B is ignored (B's own home), never A's data."""
    response = client_for(world, "manager_b").get(reverse("dashboard:home") + f"?estate={world.estate_a.pk}")
    assert response.status_code == 200
    leaked = [m for m in MARKERS["a"] if m in body_text(response)]
    assert not leaked, f"manager B's home with ?estate=A shows {leaked}"


@pytest.mark.parametrize("page", ["dashboard:resident_list", "dashboard:complaint_new"])
def test_search_finds_no_resident_of_another_estate(world, page):
    """Issue 7: manager B found estate A's resident by mobile through the search boxes."""
    response = client_for(world, "manager_b").get(reverse(page) + "?q=13800000001")
    assert response.status_code == 200
    assert "周建国" not in body_text(response)


@pytest.mark.parametrize("key", sorted(key for key in URLS if key.endswith("-list")))
@pytest.mark.parametrize("principal", ["owner_b", "manager_b"])
def test_browsable_api_shows_nothing_of_another_estate(world, key, principal):
    """Finding 11: the browsable API's forms offered every account of the company. Its pages
    (the API in a browser) carry forms and filter choices the JSON answers do not."""
    response = client_for(world, principal).get(reverse(key), HTTP_ACCEPT="text/html")
    if response.status_code != 200:
        return  # refused: nothing shown (the matrix checks who may open it)
    leaked = [m for m in MARKERS["a"] if m in body_text(response)]
    assert not leaked, f"{principal}'s browsable {reverse(key)} shows {leaked}"


@pytest.mark.parametrize("principal", ["admin", "manager_a"])
def test_saving_an_account_unchanged_grants_nothing(world, principal):
    """Opening engineer A's account in the admin and pressing Save, as a browser submits the page
    (the empty extra assignment row included), must not add or change an estate assignment."""
    engineer = world.users["engineer_a"]
    url = reverse("admin:owners_user_change", args=[engineer.pk])
    parser = _FormFields()
    parser.feed(client_for(world, principal).get(url).content.decode())
    before = list(StaffMembership.objects.filter(user=engineer).values_list("estate_id", "role"))
    response = client_for(world, principal).post(url, {**parser.data, "_save": ["Save"]})
    assert list(StaffMembership.objects.filter(user=engineer).values_list("estate_id", "role")) == before
    assert response.status_code == 302, "the unchanged form was not accepted"
