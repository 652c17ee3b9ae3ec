"""The arrears pages (dashboard and portal), included by config/urls.py beside complaints/urls.py."""

from django.urls import path

from .views import arrears

portal_patterns = [
    path("fees/", arrears.portal_arrears, name="arrears"),
    path("fees/<int:unit_id>/statement/", arrears.portal_statement, name="arrears_statement"),
    path("fees/<int:unit_id>/relief/", arrears.portal_relief, name="arrears_relief"),
    path("fees/files/<int:pk>/", arrears.relief_file_owner, name="relief_file"),
]

dashboard_patterns = [
    path("arrears/", arrears.arrears_list, name="arrears_list"),
    path("arrears/report/", arrears.arrears_report, name="arrears_report"),
    path("arrears/<int:pk>/", arrears.arrears_case, name="arrears_case"),
    path("arrears/<int:pk>/contact/", arrears.arrears_contact, name="arrears_contact"),
    path("arrears/<int:pk>/advance/", arrears.arrears_advance, name="arrears_advance"),
    path("arrears/<int:pk>/approvals/<int:approval_pk>/", arrears.arrears_approval, name="arrears_approval"),
    path("arrears/<int:pk>/close/", arrears.arrears_close, name="arrears_close"),
    path("arrears/<int:pk>/reminder/", arrears.arrears_reminder, name="arrears_reminder"),
    path("arrears/<int:pk>/letter/", arrears.arrears_letter, name="arrears_letter"),
    path("arrears/relief/<int:pk>/decide/", arrears.relief_decide, name="relief_decide"),
    path("arrears/relief/files/<int:pk>/", arrears.relief_file_staff, name="relief_file"),
]
