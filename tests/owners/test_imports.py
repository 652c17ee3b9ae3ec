"""Imports: UTF-8, UTF-8 with BOM, GBK and XLSX; all-or-nothing with every bad row reported."""

import io
import re
import tracemalloc
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Font
from rest_framework.test import APIClient

from owners.models import Occupancy, Resident, Role, Unit
from owners.services import ImportRejected, estate_residents_import, estate_units_import
from tests.factories import BuildingFactory, EstateFactory, ResidentFactory, staff_member

pytestmark = pytest.mark.django_db

UNITS_CSV = "楼栋,单元,房号,楼层,面积\n1号楼,1,101,1,89.5\n1号楼,1单元,102,1,\n2号楼,,201,2,120\n"
RESIDENTS_CSV = (
    "楼栋,单元,房号,姓名,手机,邮箱,身份,入住日期\n"
    "1号楼,1,101,张伟,13800138000,zw@example.com,业主,2020-05-01\n"
    "1号楼,1,101,李娜,138 0013 8001,,租户,\n"
    "2号楼,,201,张伟,+86 13800138000,,业主,2021/06/15\n"
)


@pytest.fixture
def estate():
    estate = EstateFactory(name="幸福里")
    BuildingFactory(estate=estate, name="1号楼")
    BuildingFactory(estate=estate, name="2号楼")
    return estate


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_units_and_residents_import_in_every_excel_encoding(estate, encoding):
    units = estate_units_import(estate=estate, data=UNITS_CSV.encode(encoding), actor=None)
    assert units.units_created == 3
    assert set(Unit.objects.filter(building__estate=estate).values_list("entrance", "number")) == {
        ("1", "101"), ("1", "102"), ("", "201")
    }
    residents = estate_residents_import(estate=estate, data=RESIDENTS_CSV.encode(encoding), actor=None)
    assert residents.residents_created == 2 and residents.occupancies_created == 3
    zhang = Resident.objects.get(mobile="13800138000")
    assert zhang.name == "张伟" and zhang.email == "zw@example.com"
    assert sorted(zhang.occupancies.values_list("unit__number", flat=True)) == ["101", "201"]
    li = Resident.objects.get(mobile="13800138001")
    assert li.occupancies.get().relation == Occupancy.Relation.TENANT


def test_xlsx_import(estate):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["楼栋", "单元", "房号", "楼层", "面积"])
    sheet.append(["1号楼", 1, 301, 3, 96])
    sheet.append(["2号楼", None, "302", 3, 96.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = estate_units_import(estate=estate, data=buffer.getvalue(), actor=None)
    assert result.units_created == 2
    assert Unit.objects.get(number="301").entrance == "1"
    assert Unit.objects.get(number="302").area_sqm == pytest.approx(96.5)


def test_bad_file_writes_nothing_and_reports_every_bad_row(estate):
    estate_units_import(estate=estate, data=UNITS_CSV.encode(), actor=None)
    ResidentFactory(name="王五", mobile="13900000000")
    bad = (
        "楼栋,单元,房号,姓名,手机,身份\n"
        "1号楼,1,101,好人,13800000001,业主\n"  # fine on its own
        "9号楼,1,101,甲,13800000002,业主\n"  # unknown building
        "1号楼,1,101,乙,12345,业主\n"  # malformed mobile
        "1号楼,1,999,丙,13800000003,业主\n"  # unknown unit
        "1号楼,1,101,丁,13900000000,业主\n"  # mobile belongs to someone else on file
        "1号楼,1,101,好人,13800000001,业主\n"  # duplicate of line 2
        "1号楼,1,101,戊,13800000004,房东\n"  # unknown relation
    )
    with pytest.raises(ImportRejected) as caught:
        estate_residents_import(estate=estate, data=bad.encode("gbk"), actor=None)
    lines = [e.line for e in caught.value.errors]
    assert lines == [3, 4, 5, 6, 7, 8]
    assert "9号楼" in caught.value.errors[0].message
    assert Resident.objects.count() == 1 and Occupancy.objects.count() == 0


def test_duplicate_units_in_file_or_on_file_are_refused(estate):
    estate_units_import(estate=estate, data="楼栋,单元,房号\n1号楼,1,101\n".encode(), actor=None)
    with pytest.raises(ImportRejected) as caught:
        estate_units_import(estate=estate, data="楼栋,单元,房号\n1号楼,1,102\n1号楼,1单元,102\n1号楼,1,101\n".encode(), actor=None)
    assert [(e.line, "line 2" in e.message or "第 2 行" in e.message) for e in caught.value.errors][0] == (3, True)
    assert [e.line for e in caught.value.errors] == [3, 4]
    assert Unit.objects.count() == 1


def test_missing_column_is_a_clear_error(estate):
    with pytest.raises(ImportRejected) as caught:
        estate_residents_import(estate=estate, data="楼栋,房号,姓名\n1号楼,101,张三\n".encode(), actor=None)
    assert caught.value.errors == []
    assert "Mobile" in caught.value.message or "手机" in caught.value.message


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", ("empty", "空")),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", ("PDF",)),
        (b"PK\x03\x04not really a zip", ("XLSX",)),
        ("楼栋,房号\n1号楼,101\n".encode("utf-16"), ("UTF-8", "GBK")),
        ("楼栋,单元,房号\n".encode(), ("no rows", "没有")),
    ],
)
def test_unreadable_files_are_refused(estate, data, words):
    with pytest.raises(ImportRejected) as caught:
        estate_units_import(estate=estate, data=data, actor=None)
    assert any(w in caught.value.message for w in words), caught.value.message
    assert Unit.objects.count() == 0


def test_oversized_file_is_refused(estate, settings):
    settings.IMPORT_MAX_BYTES = 1024
    with pytest.raises(ImportRejected):
        estate_units_import(estate=estate, data=(UNITS_CSV + "1号楼,1,1,1,1\n" * 200).encode(), actor=None)
    assert Unit.objects.count() == 0


def test_import_page_shows_row_errors_and_changes_nothing(client, estate):
    client.force_login(staff_member(estate, role=Role.ESTATE_MANAGER))
    upload = SimpleUploadedFile("units.csv", "楼栋,单元,房号\n1号楼,1,101\n8号楼,1,102\n".encode("gbk"))
    response = client.post(reverse("dashboard:import"), {"estate": estate.pk, "kind": "units", "file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "8号楼" in page and "<td>3</td>" in page
    assert Unit.objects.count() == 0
    upload = SimpleUploadedFile("units.csv", "楼栋,单元,房号\n1号楼,1,101\n".encode("gbk"))
    response = client.post(reverse("dashboard:import"), {"estate": estate.pk, "kind": "units", "file": upload})
    assert response.status_code == 200 and Unit.objects.count() == 1


def test_import_page_refuses_another_estate(client, estate):
    other = EstateFactory()
    BuildingFactory(estate=other, name="1号楼")
    client.force_login(staff_member(estate, role=Role.ESTATE_MANAGER))
    upload = SimpleUploadedFile("units.csv", "楼栋,单元,房号\n1号楼,1,101\n".encode())
    response = client.post(reverse("dashboard:import"), {"estate": other.pk, "kind": "units", "file": upload})
    assert response.status_code == 400
    assert Unit.objects.count() == 0


def test_service_staff_may_import_residents_but_not_units(client, estate):
    client.force_login(staff_member(estate, role=Role.SERVICE))
    upload = SimpleUploadedFile("units.csv", "楼栋,单元,房号\n1号楼,1,101\n".encode())
    response = client.post(reverse("dashboard:import"), {"estate": estate.pk, "kind": "units", "file": upload})
    assert response.status_code == 403 and Unit.objects.count() == 0


def test_api_import_reports_rows_and_imports_good_files(estate):
    api = APIClient()
    api.force_authenticate(staff_member(estate, role=Role.ESTATE_MANAGER))
    url = f"/api/v1/estates/{estate.pk}/import/"
    bad = SimpleUploadedFile("u.csv", "楼栋,单元,房号,楼层\n1号楼,1,101,一楼\n".encode())
    response = api.post(url, {"kind": "units", "file": bad}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected" and body["rows"][0]["line"] == 2
    good = SimpleUploadedFile("u.csv", UNITS_CSV.encode("utf-8-sig"))
    response = api.post(url, {"kind": "units", "file": good}, format="multipart")
    assert response.status_code == 201 and response.json()["units_created"] == 3
    foreign = EstateFactory()
    response = api.post(f"/api/v1/estates/{foreign.pk}/import/", {"kind": "units", "file": SimpleUploadedFile("u.csv", UNITS_CSV.encode())}, format="multipart")
    assert response.status_code == 404


def test_downloaded_template_imports_cleanly_once_filled(client, estate):
    client.force_login(staff_member(estate, role=Role.ESTATE_MANAGER))
    template = client.get(reverse("dashboard:import_template", args=["units"])).content
    assert template.startswith("\ufeff".encode())
    filled = template + "1号楼,2,1201,12,96\r\n".encode()
    result = estate_units_import(estate=estate, data=filled, actor=None)
    assert result.units_created == 1 and Unit.objects.get().number == "1201"


# --- Hostile workbooks (security probe findings 5 and 14): refused before openpyxl parses them ---

SHEET_OPEN = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_CLOSE = b"</sheetData></worksheet>"
SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
SST_OPEN = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _repeat(piece: bytes, total: int):
    """`piece` repeated to about `total` bytes, in chunks of about 1 MB."""
    chunk = piece * max(1, (1 << 20) // len(piece))
    for _ in range(max(1, total // len(chunk))):
        yield chunk


def _workbook_with(**parts) -> bytes:
    """A real workbook (from openpyxl) whose sheet or shared strings are replaced by streamed
    content, deflated as Excel would: `sheet=[chunks]`, `strings=[chunks]`."""
    workbook = Workbook()
    workbook.active.append(["楼栋", "单元", "房号"])
    source = io.BytesIO()
    workbook.save(source)
    names = {"sheet": "xl/worksheets/sheet1.xml", "strings": "xl/sharedStrings.xml"}
    replaced = {names[k]: v for k, v in parts.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source.getvalue())) as original, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for name in [i.filename for i in original.infolist()] + sorted(set(replaced) - set(original.namelist())):
            if name in replaced:
                with target.open(name, "w", force_zip64=True) as stream:
                    for chunk in replaced[name]:
                        stream.write(chunk)
            elif name == "[Content_Types].xml" and names["strings"] in replaced:
                # openpyxl finds the shared strings through their content type.
                target.writestr(name, original.read(name).replace(b"</Types>", SST_TYPE + b"</Types>"))
            else:
                target.writestr(name, original.read(name))
    return out.getvalue()


def _api_import(estate, data):
    """POST the file to the API import, returning (response, peak Python memory in MB during it)."""
    api = APIClient()
    api.force_authenticate(staff_member(estate, role=Role.ESTATE_MANAGER))
    upload = SimpleUploadedFile("bomb.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    tracemalloc.start()
    try:
        response = api.post(f"/api/v1/estates/{estate.pk}/import/", {"kind": "units", "file": upload}, format="multipart")
        peak = tracemalloc.get_traced_memory()[1] / (1 << 20)
    finally:
        tracemalloc.stop()
    return response, peak


def test_xlsx_that_unpacks_to_a_gigabyte_is_refused_before_parsing(estate):
    bomb = _workbook_with(sheet=[SHEET_OPEN, *_repeat(b"<row/>", 1 << 30), SHEET_CLOSE])
    assert len(bomb) < 10 * 1024 * 1024  # within IMPORT_MAX_BYTES: only the unpacked size gives it away
    response, peak_mb = _api_import(estate, bomb)
    assert response.status_code == 400 and response.json()["code"] == "import_rejected"
    assert "MB" in response.json()["detail"]
    # A sanity bound, not a benchmark: the probe saw +9.3 GB; the upload itself is ~5 MB.
    assert peak_mb < 64, peak_mb
    assert Unit.objects.count() == 0


def test_xlsx_with_a_300_mb_shared_string_is_refused_before_loading_it(estate):
    bomb = _workbook_with(strings=[SST_OPEN, b'<si><t>', *_repeat(b"a", 300 << 20), b"</t></si></sst>"])
    response, peak_mb = _api_import(estate, bomb)
    assert response.status_code == 400 and response.json()["code"] == "import_rejected"
    assert peak_mb < 64, peak_mb


def test_xlsx_with_one_row_of_millions_of_cells_is_refused(estate):
    # 8 MB unpacked, within the size limit: openpyxl would hold the whole row (~700 MB).
    wide = _workbook_with(sheet=[SHEET_OPEN, b"<row>", *_repeat(b"<c/>", 8 << 20), b"</row>", SHEET_CLOSE])
    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected) as caught:
            estate_units_import(estate=estate, data=wide, actor=None)
        peak_mb = tracemalloc.get_traced_memory()[1] / (1 << 20)
    finally:
        tracemalloc.stop()
    assert "XLSX" in caught.value.message and peak_mb < 64, (caught.value.message, peak_mb)


def test_xlsx_with_more_shared_strings_than_rows_need_is_refused(estate, settings):
    settings.IMPORT_MAX_ROWS = 100
    many = _workbook_with(strings=[SST_OPEN, b"<si><t>x</t></si>" * 1000, b"</sst>"])
    with pytest.raises(ImportRejected) as caught:
        estate_units_import(estate=estate, data=many, actor=None)
    assert "sharedStrings" in caught.value.message


def test_xlsx_row_numbered_past_the_limit_is_refused_without_padding(estate, settings):
    settings.IMPORT_MAX_ROWS = 1000
    far = _workbook_with(sheet=[
        SHEET_OPEN,
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe6\xa5\xbc\xe6\xa0\x8b</t></is></c><c r="B1" t="inlineStr"><is><t>\xe6\x88\xbf\xe5\x8f\xb7</t></is></c></row>',
        b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>1\xe5\x8f\xb7\xe6\xa5\xbc</t></is></c><c r="B1048576"><v>101</v></c></row>',
        SHEET_CLOSE,
    ])
    with pytest.raises(ImportRejected) as caught:
        estate_units_import(estate=estate, data=far, actor=None)
    assert "1000" in caught.value.message
    assert Unit.objects.count() == 0


def test_xlsx_with_a_doctype_is_refused(estate):
    body = SHEET_OPEN.split(b"?>", 1)[1]
    entity = _workbook_with(sheet=[b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaa">]>', body, SHEET_CLOSE])
    with pytest.raises(ImportRejected) as caught:
        estate_units_import(estate=estate, data=entity, actor=None)
    assert "DOCTYPE" in caught.value.message


def test_xlsx_workbook_far_wider_than_its_columns_still_imports(estate):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["楼栋", "单元", "房号"])
    sheet.append(["1号楼", 1, 301])
    sheet.cell(row=2, column=5000).font = Font(bold=True)  # a stray formatted cell far to the right
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert estate_units_import(estate=estate, data=buffer.getvalue(), actor=None).units_created == 1


# --- Many bad rows (security probe finding 15): the first errors, a count and a download ---

def _bad_units_csv(rows: int) -> bytes:
    return ("楼栋,单元,房号\n" + "".join(f"9号楼,1,{100 + i}\n" for i in range(rows))).encode()


def test_import_page_lists_the_first_errors_and_offers_all_of_them_as_a_download(client, estate):
    manager = staff_member(estate, role=Role.ESTATE_MANAGER)
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload = SimpleUploadedFile("units.csv", _bad_units_csv(120))
    response = client.post(reverse("dashboard:import"), {"estate": estate.pk, "kind": "units", "file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("<td>9号楼") + page.count("9号楼</td>") <= 50 and len(response.context["row_errors"]) == 50
    assert "The first 50 of 120 problems" in page
    link = re.search(r'href="(\?errors=[^"]+)"', page).group(1)
    download = client.get(reverse("dashboard:import") + link)
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    lines = download.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 121 and lines[1].startswith("2,") and lines[-1].startswith("121,")
    # The list is the importer's alone.
    client.force_login(staff_member(estate, role=Role.ESTATE_MANAGER))
    assert client.get(reverse("dashboard:import") + link).status_code == 404
    assert client.get(reverse("dashboard:import") + "?errors=made-up").status_code == 404
    assert Unit.objects.count() == 0


def test_a_100000_line_bad_csv_answers_a_small_page_and_a_small_api_body(client, estate):
    data = _bad_units_csv(100_000)
    client.force_login(staff_member(estate, role=Role.ESTATE_MANAGER))
    page = client.post(reverse("dashboard:import"), {"estate": estate.pk, "kind": "units", "file": SimpleUploadedFile("u.csv", data)})
    assert page.status_code == 400 and len(page.content) < 100_000  # it was 8.9 MB
    api = APIClient()
    api.force_authenticate(staff_member(estate, role=Role.ESTATE_MANAGER))
    response = api.post(f"/api/v1/estates/{estate.pk}/import/", {"kind": "units", "file": SimpleUploadedFile("u.csv", data)}, format="multipart")
    body = response.json()
    assert response.status_code == 400 and len(response.content) < 100_000
    assert len(body["rows"]) == 50 and body["total_errors"] == 100_000 and body["rows"][0]["line"] == 2


def test_error_download_cells_never_start_a_formula():
    from owners.services.import_reports import import_errors_csv
    from owners.services.imports import RowError

    text = import_errors_csv([RowError(2, "=cmd", "=HYPERLINK(\"http://x\")"), RowError(3, "Room", "@SUM(1)")]).decode("utf-8-sig")
    cells = [cell for line in text.splitlines()[1:] for cell in line.split(",", 2)[1:]]
    assert all(not cell.lstrip('"').startswith(("=", "@", "+", "-")) for cell in cells), cells


def test_api_import_refuses_an_oversized_file_without_reading_it(estate, monkeypatch):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    read = []
    monkeypatch.setattr(TemporaryUploadedFile, "read", lambda self, *a: read.append(self.name) or b"", raising=False)
    api = APIClient()
    api.force_authenticate(staff_member(estate, role=Role.ESTATE_MANAGER))
    big = SimpleUploadedFile("big.csv", b"x" * (12 * 1024 * 1024))  # past IMPORT_MAX_BYTES and the in-memory upload size
    response = api.post(f"/api/v1/estates/{estate.pk}/import/", {"kind": "units", "file": big}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert read == []
