from django.urls import path

from .views import documents, portal, staff

portal_patterns = [
    path("incidents/<str:number>/", portal.detail, name="incident_detail"),
]

dashboard_patterns = [
    path("incidents/<str:number>/", staff.detail, name="incident_detail"),
    path("incidents/<str:number>/certificates/<int:pk>/pdf/", documents.certificate_download, name="incident_certificate_pdf"),
]
