"""The chart endpoints: JSON for scripts and the API-minded, or (for htmx) the chart's card with
its canvas, its data and the same numbers as a table."""

from django.http import Http404, JsonResponse
from django.shortcuts import render

from owners.access import staff_required

from .charts import CHARTS, chart_data, chart_filters


def _cell(value, unit):
    if value is None:
        return "–"
    return f"{value}{'%' if unit == '%' else ''}"


def chart_table(chart) -> list[dict]:
    """The chart's numbers as rows (one per label), each cell with its link where it has one."""
    rows = []
    for i, label in enumerate(chart["labels"]):
        cells = []
        for d in chart["datasets"]:
            links = d.get("links")
            unit = "%" if d.get("axis") != "y2" and chart["unit"] == "%" else ""
            if "(%)" in d["label"]:
                unit = "%"
            cells.append({"value": _cell(d["data"][i], unit), "link": links[i] if links else ""})
        rows.append({"label": label, "cells": cells})
    return rows


@staff_required
def chart(request, name):
    """One chart of the user's estates (?estate=, ?period=30|90, ?month=YYYY-MM): one aggregate query."""
    if name not in CHARTS:
        raise Http404
    data = chart_data(name, request.user, chart_filters(request.user, request.GET))
    data["name"] = name
    if request.headers.get("HX-Request"):
        has_data = any(v for d in data["datasets"] for v in d["data"])
        return render(request, "dashboard/chart.html", {"chart": data, "table": chart_table(data), "has_data": has_data,
                                                        "json_id": f"chart-data-{name}"})
    return JsonResponse(data)
