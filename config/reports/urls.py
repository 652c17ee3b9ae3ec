from django.urls import path, register_converter

from . import chart_views, export_views


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
    path("charts/<slug:name>/", chart_views.chart, name="chart"),
    path("exports/announcements/<int:pk>/deliveries.<fmt:fmt>", export_views.deliveries_export, name="export_deliveries"),
]
