"""core.documents' Chart block: bar, horizontal bar and line charts as vector drawings, labelled
in the CJK font, next to the tables they summarise."""

import pytest

from core.documents import Chart, Heading, Table, render_pdf
from tests.pdftext import pdf_text


@pytest.mark.parametrize("kind", ["bar", "hbar", "line"])
def test_a_chart_draws_with_chinese_labels(kind):
    pdf = render_pdf(title="物业服务月报", blocks=[
        Heading("每日投诉量"),
        Chart(title="十月", kind=kind, categories=["一号楼", "二号楼", "三号楼"], series=[("投诉", [3, 0, 12]), ("已解决", [2, 0, 9])]),
        Table(header=("楼栋", "投诉"), rows=[("一号楼", "3")]),
    ])
    text = pdf_text(pdf)
    assert "十月" in text and "二号楼" in text and "已解决" in text  # title, category axis, legend
    assert text.count("一号楼") == 2  # the chart's label and the table's cell


def test_a_percent_chart_reads_to_100_and_many_categories_fit():
    days = [f"10-{d:02d}" for d in range(1, 32)]
    pdf = render_pdf(title="x", blocks=[Chart(title="", categories=days, series=[("收缴率", [50 + d for d in range(31)])], percent=True)])
    text = pdf_text(pdf)
    assert "100%" in text and "10-31" in text
