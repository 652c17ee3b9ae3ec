from django.urls import path, register_converter

from . import chart_views, export_views, monthly_views


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

dashboard_patterns = [
    path("exports/complaints.<fmt:fmt>", export_views.complaints_export, name="export_complaints"),
    path("exports/stakeholders.<fmt:fmt>", export_views.stakeholders_export, name="export_stakeholders"),
    path("exports/arrears-cases.<fmt:fmt>", export_views.arrears_cases_export, name="export_arrears_cases"),
    path("exports/collection-rate.<fmt:fmt>", export_views.collection_rate_export, name="export_collection_rate"),
    path("charts/<slug:name>/", chart_views.chart, name="chart"),
    path("reports/", monthly_views.reports, name="reports"),
    path("reports/<int:pk>/<str:month>.<str:fmt>", monthly_views.report_download, name="report_download"),
    path("reports/<int:pk>/<str:month>/send/", monthly_views.report_send, name="report_send"),
    path("exports/announcements/<int:pk>/deliveries.<fmt:fmt>", export_views.deliveries_export, name="export_deliveries"),
]

# Outside the dashboard: the link sent to owners' committee members (the signed token is the key).
public_patterns = [path("reports/shared/<str:token>/", monthly_views.report_shared, name="report_shared")]
