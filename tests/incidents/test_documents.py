"""The incident certificate (事故证明): a numbered PDF in Chinese, for staff of the estate only."""

import shutil
import subprocess

import pytest

from incidents.models import TeamRole
from incidents.services import certificate_issue, incident_open, incident_team_assign, incident_transition
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(owner, manager, estate):
    incident = incident_open(actor=manager, estate=estate, kind="falling_object", level="yellow", title="3号楼阳台坠落石块",
                             description="14:20 3号楼北侧阳台外墙石块脱落，砸中楼下停放的车辆，无人员受伤。",
                             location="3号楼北侧停车位")
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    incident = incident_transition(incident, "respond", actor=manager)
    return certificate_issue(incident, actor=manager, resident=owner.resident,
                             particulars="业主停放于3号楼北侧的车辆（沪A12345）前挡风玻璃被砸破。",
                             office_actions="14:25 设立警戒区；14:40 报警并保存监控录像；次日排查同一立面外墙。")


def _url(certificate):
    return f"/dashboard/incidents/{certificate.incident.number}/certificates/{certificate.pk}/pdf/"


def test_staff_of_the_estate_download_the_certificate_in_chinese(client, manager, certificate):
    client.force_login(manager)
    response = client.get(_url(certificate))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("事故证明", certificate.number, certificate.resident.name, "沪A12345", "3号楼北侧停车位", "报警并保存监控录像"):
        assert expected in text, expected


def test_staff_of_another_estate_and_owners_get_nothing(client, outsider, owner, certificate):
    client.force_login(outsider)
    assert client.get(_url(certificate)).status_code == 404
    client.force_login(owner)  # a staff page: owners are refused outright
    assert client.get(_url(certificate)).status_code == 403


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed: the PDF is only parsed")
def test_a_pdf_reader_draws_the_certificate(client, manager, certificate, tmp_path):
    client.force_login(manager)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(client.get(_url(certificate)).content)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True, capture_output=True)
    from PIL import Image

    with Image.open(next(tmp_path.glob("page*.png"))) as image:
        assert image.convert("L").getextrema()[0] < 128  # something is drawn
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True).stdout.decode()
        assert "事故证明" in text and "沪A12345" in text
