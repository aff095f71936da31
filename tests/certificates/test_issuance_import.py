"""Import of certificates issued before the portal: numbers kept, all or nothing, verifiable."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AuditEntry
from certificates.issuance import tasks
from certificates.issuance.imports import COLUMNS
from certificates.issuance.models import IssuedCertificate
from tests.accounts.factories import valid_id_number
from tests.certificates.factories import certificate_with_levels

pytestmark = pytest.mark.django_db


def xlsx(rows, header=COLUMNS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("证书导出.xlsx", buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def certificate(org_a):
    return certificate_with_levels(org=org_a, code="WEB-01", name="Web前端开发")


def good_rows(n=3):
    return [[f"S2020{i:08d}", f"老学员{i}", "居民身份证", valid_id_number(), "WEB-01", "初级", "42",
             datetime.date(2020, 9, 1), ""] for i in range(n)]


def test_the_org_imports_its_certificates_keeping_numbers_and_they_verify(as_user, org_a_user, certificate, client,
                                                                         monkeypatch):
    rows = good_rows()
    response = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx(rows)})
    assert response.status_code == 302
    imported = IssuedCertificate.objects.order_by("number")
    assert [c.number for c in imported] == [r[0] for r in rows]
    assert all(c.origin == "imported" and c.issued_on == datetime.date(2020, 9, 1) for c in imported)
    assert AuditEntry.objects.get(action="certificate.imported").changes["count"] == 3
    data = client.get(f"/api/v1/verify/{rows[0][0]}", {"name": "老学员0"}).json()
    assert data["found"] and data["status"] == "valid" and data["masked_name"] == "老**0"
    queued = []
    monkeypatch.setattr(tasks.render, "delay", queued.append)
    first = as_user(org_a_user).get(reverse("issued:pdf", args=[rows[0][0]]))  # queued on first download
    assert first.status_code == 202 and "正在生成" in first.content.decode()
    (pk,) = queued
    tasks.render(pk)  # what the worker then runs
    pdf = as_user(org_a_user).get(reverse("issued:pdf", args=[rows[0][0]]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_one_bad_row_saves_nothing_and_each_problem_is_named(as_user, org_a_user, certificate):
    rows = good_rows()
    rows[1][3] = "420106200001011234"  # wrong check character
    rows[2][4] = "NOPE"
    rows.append(list(rows[0]))  # the same number twice
    response = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx(rows)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "第 3 行" in html and "校验位" in html and "第 4 行" in html and "证书代码不存在" in html
    assert "第 5 行" in html and "重复" in html
    assert not IssuedCertificate.objects.exists()


def test_an_org_cannot_import_another_orgs_certificates(as_user, org_b_user, certificate, ministry_user):
    response = as_user(org_b_user).post(reverse("issued:import"), {"xlsx": xlsx(good_rows(1))})
    assert response.status_code == 400 and "不是本组织的证书" in response.content.decode()
    assert as_user(ministry_user).post(reverse("issued:import"), {"xlsx": xlsx(good_rows(1))}).status_code == 302


def test_students_and_institutions_may_not_import(as_user, student_user, hubei_institution_user):
    assert as_user(student_user).get(reverse("issued:import")).status_code == 403
    assert as_user(hubei_institution_user).get(reverse("issued:import")).status_code == 403


def test_a_missing_column_and_existing_numbers_are_refused(as_user, org_a_user, certificate):
    response = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx(good_rows(1), header=COLUMNS[:5])})
    assert response.status_code == 400 and "表头缺少列" in response.content.decode()
    rows = good_rows(1)
    as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx(rows)})
    again = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx(rows)})
    assert again.status_code == 400 and "已存在" in again.content.decode()
    assert IssuedCertificate.objects.count() == 1


def test_a_phone_in_the_file_lets_the_holder_claim_their_record_by_signing_up(as_user, org_a_user, certificate, client):
    from accounts.models import Person, User
    from accounts.signup import services as signup_services
    from core import sms

    rows = good_rows(2)
    rows[0].append("139-0000-1111")
    rows[1].append("")
    kept = Person.objects.create(id_type="resident_id", id_number=rows[1][3], name="老学员1", phone="13900002222")
    assert as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx(rows)}).status_code == 302
    holder = Person.objects.get(id_number=rows[0][3])
    assert holder.phone == "13900001111"
    kept.refresh_from_db()
    assert kept.phone == "13900002222"  # a phone on file is never overwritten by a file
    client.logout()
    sms.outbox.clear()
    token = signup_services.signup_start(name="老学员0", id_type="resident_id", id_number=rows[0][3].lower(),
                                         phone="13900001111", password="Xuexi-2026-pilot", consent=True,
                                         ip_address="10.0.0.9")
    code = sms.outbox[-1].text.split("验证码为 ")[1][:6]
    signup_services.signup_verify(token=token, code=code)
    user = User.objects.get(username="13900001111")
    assert user.is_active and user.person == holder and Person.objects.filter(id_number=rows[0][3]).count() == 1
    assert IssuedCertificate.objects.get(number=rows[0][0]).person == user.person


def test_a_phone_of_the_wrong_shape_in_the_file_is_named_and_nothing_saved(as_user, org_a_user, certificate):
    rows = good_rows(1)
    rows[0].append("0271234567")
    response = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx(rows)})
    assert response.status_code == 400 and "手机号码应为 11 位中国大陆手机号码" in response.content.decode()
    assert not IssuedCertificate.objects.exists()


def test_a_text_file_named_xlsx_is_refused_as_not_an_excel_workbook(as_user, org_a_user, certificate):
    """Issue 16, input: the import of earlier certificates names a text file called .xlsx as not an
    Excel workbook, on the field, and imports nothing."""
    upload = SimpleUploadedFile("证书导出.xlsx", ",".join(COLUMNS).encode() + b"\nS1,a\n")
    page = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": upload}).content.decode()
    assert "文件“证书导出.xlsx”不是 Excel 工作簿" in page
    assert not IssuedCertificate.objects.exists()
