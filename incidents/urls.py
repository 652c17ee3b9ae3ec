from django.urls import path

from .views import documents, portal, staff, warnings

portal_patterns = [
    path("incidents/<str:number>/", portal.detail, name="incident_detail"),
]

# The fixed paths come before "incidents/<number>/": "plans" or "new" is no incident number.
dashboard_patterns = [
    path("incidents/", staff.incident_list, name="incident_list"),
    path("incidents/new/", staff.incident_new, name="incident_new"),
    path("incidents/knowledge/", staff.incident_knowledge_base, name="incident_knowledge"),
    path("incidents/escalate/", staff.escalate, name="incident_escalate"),
    path("incidents/from-mention/<int:pk>/", staff.promote_mention, name="incident_promote_mention"),
    path("incidents/signals/", warnings.signal_list, name="warning_signal_list"),
    path("incidents/signals/<int:pk>/", warnings.signal_detail, name="warning_signal_detail"),
    path("incidents/signals/<int:pk>/<slug:action>/", warnings.signal_action, name="warning_signal_action"),
    path("incidents/plans/", staff.plan_list, name="incident_plans"),
    path("incidents/plans/<int:pk>/", staff.plan_detail, name="incident_plan"),
    path("incidents/plans/<int:pk>/<slug:action>/", staff.plan_action, name="incident_plan_action"),
    path("incidents/<str:number>/", staff.detail, name="incident_detail"),
    path("incidents/<str:number>/similar/", staff.similar, name="incident_similar"),
    path("incidents/<str:number>/forms/<slug:name>/", staff.incident_form, name="incident_form"),
    path("incidents/<str:number>/certificates/<int:pk>/pdf/", documents.certificate_download, name="incident_certificate_pdf"),
    path("incidents/<str:number>/tasks/<int:pk>/<slug:action>/", staff.task_action, name="incident_task_action"),
    path("incidents/<str:number>/<slug:action>/", staff.incident_action, name="incident_action"),
]
