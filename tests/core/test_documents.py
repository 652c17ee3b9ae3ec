"""core/documents.py: one helper renders every printed document, Chinese included."""

import datetime
import re
import shutil
import subprocess

import pytest

from core.documents import Heading, KeyValues, Paragraph, Signature, Spacing, Table, pdf_response, render_pdf
from tests.pdftext import pdf_text as _text_of

CHINESE_TITLE = "催缴通知书"


def _document(**overrides):
    kwargs = {
        "title": CHINESE_TITLE,
        "number": "AR-2026-0007",
        "issued_on": datetime.date(2026, 3, 5),
        "issuer": "海景物业服务中心",
        "blocks": [
            Heading("欠费明细"),
            Paragraph("尊敬的业主：您的物业费已逾期三个月，请于十五日内缴清。\n第二行 (a) \\ <b>不是标记</b> & 符号"),
            KeyValues([("房号", "1栋2单元301"), ("欠费合计", "¥1,200.00")]),
            Table(header=("期间", "应缴", "已缴"), rows=[("2026-01", "400.00", "0.00")], total=("合计", "400.00", "0.00")),
            Spacing(4),
            Signature("物业服务中心（盖章）"),
        ],
    }
    kwargs.update(overrides)
    return render_pdf(**kwargs)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\n", pdf))


def test_a_chinese_document_renders_as_a_pdf_in_the_cjk_font():
    pdf = _document()

    assert pdf.startswith(b"%PDF-")
    assert b"/BaseFont /STSong-Light" in pdf
    assert b"/Encoding /UniGB-UCS2-H" in pdf
    assert _pages(pdf) == 1
    text = _text_of(pdf)
    for expected in (
        CHINESE_TITLE,
        "AR-2026-0007",
        "2026-03-05",
        "海景物业服务中心",
        "欠费明细",
        "1栋2单元301",
        "¥1,200.00",
        "合计",
        "物业服务中心（盖章）",
    ):
        assert expected in text, expected


def test_user_text_is_printed_as_typed_never_read_as_markup():
    text = _text_of(_document())

    assert "<b>不是标记</b>" in text
    assert "& 符号" in text
    assert "(a) \\" in text


def test_a_long_document_flows_onto_numbered_pages():
    pdf = _document(blocks=[Paragraph("物业费按月缴纳。" * 40) for _ in range(30)])

    pages = _pages(pdf)
    assert pages > 1
    text = _text_of(pdf)
    assert f"AR-2026-0007 ・ Page {pages}" in text or f"AR-2026-0007 ・ 第 {pages} 页" in text


def test_the_same_document_renders_to_the_same_bytes():
    assert _document() == _document()


def test_number_date_and_issuer_are_optional():
    pdf = render_pdf(title="Certificate", blocks=[Paragraph("Plain text only.")])

    assert _pages(pdf) == 1
    assert "Plain text only." in _text_of(pdf)


def test_an_unknown_block_is_a_programming_error():
    with pytest.raises(TypeError):
        render_pdf(title="x", blocks=["not a block"])


def test_the_response_shows_the_pdf_under_a_chinese_file_name():
    response = pdf_response(b"%PDF-1.4", filename="催缴通知书.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "filename*=utf-8''%E5%82%AC" in response["Content-Disposition"]
    assert pdf_response(b"", filename="a.pdf", inline=False)["Content-Disposition"].startswith("attachment;")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed: the PDF is not rasterised, only parsed")
def test_a_pdf_reader_draws_the_page_and_reads_the_chinese(tmp_path):
    pdf_path = tmp_path / "doc.pdf"
    pdf_path.write_bytes(_document())

    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "page")], check=True, capture_output=True)
    images = list(tmp_path.glob("page*.png"))
    assert len(images) == 1
    assert images[0].read_bytes().startswith(b"\x89PNG")
    from PIL import Image

    with Image.open(images[0]) as image:
        assert image.width > 100 and image.height > 100
        # Something is drawn: the page is not blank white.
        assert image.convert("L").getextrema()[0] < 128

    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf_path), "-"], check=True, capture_output=True).stdout.decode()
        assert CHINESE_TITLE in text
        assert "1栋2单元301" in text


def test_the_middle_dot_is_printed_with_a_glyph_the_chinese_font_has():
    """STSong-Light has no U+00B7 (it drew a box in the tour's report footer); U+30FB looks the same."""
    text = _text_of(_document(blocks=[Paragraph("1号楼 · 101室")]))
    assert "1号楼 ・ 101室" in text and "·" not in text
