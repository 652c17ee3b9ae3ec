from django.urls import path

from .views import portal, staff

portal_patterns = [
    path("incidents/<str:number>/", portal.detail, name="incident_detail"),
]

dashboard_patterns = [
    path("incidents/<str:number>/", staff.detail, name="incident_detail"),
]
