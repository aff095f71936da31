"""Paper copies: ordered by the holder at the org's price (at most 40 yuan with shipping), printed and
mailed by the org with a tracking number; the holder sees the status."""

import decimal
import io

import pytest
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Notification
from accounts.scoping import actor_for
from certificates.paper_copies import services as paper_copies
from certificates.paper_copies.models import PaperCopyOffer, PaperCopyOrder
from core.errors import AppError
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = pytest.mark.django_db

ADDRESS = {"recipient": "李小明", "phone": "13800138000", "address": "湖北省武汉市洪山区珞喻路 100 号", "postcode": "430074"}


@pytest.fixture
def issued(org_a, hubei, student_user):
    seal_for(org_a)
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a), province=hubei, people=[student_user.person])
    return issued


@pytest.fixture
def offer(org_a):
    return PaperCopyOffer.objects.create(org=org_a, price=decimal.Decimal("35.00"))


def test_the_org_sets_a_price_up_to_40_yuan_and_no_more(org_a, org_a_user, org_b_user, as_user):
    client = as_user(org_a_user)
    response = client.post(reverse("issued:paper_queue"), {"price": "40.01"})
    assert response.status_code == 200 and "不得超过 40.00 元" in response.content.decode()
    assert not PaperCopyOffer.objects.exists()
    assert client.post(reverse("issued:paper_queue"), {"price": "38.50"}).status_code == 302
    assert PaperCopyOffer.objects.get(org=org_a).price == decimal.Decimal("38.50")
    with pytest.raises(AppError):
        paper_copies.paper_offer_set(actor=actor_for(org_b_user), org=org_a, price="10")


def test_the_database_refuses_a_price_over_the_cap_too(org_a):
    with pytest.raises(IntegrityError):
        PaperCopyOffer.objects.create(org=org_a, price=decimal.Decimal("41"))


def test_the_holder_orders_and_follows_it_to_the_mailbox(as_user, student_user, org_a_user, issued, offer):
    client = as_user(student_user)
    page = client.get(reverse("issued:paper_order", args=[issued.number]))
    assert page.status_code == 200 and "35.00" in page.content.decode()
    assert client.post(reverse("issued:paper_order", args=[issued.number]), ADDRESS).status_code == 302
    order = PaperCopyOrder.objects.get()
    assert order.price == decimal.Decimal("35.00") and order.status == "ordered"
    assert any(issued.number in n.title_text for n in Notification.objects.filter(user=org_a_user))

    org = as_user(org_a_user)
    assert ADDRESS["address"] in org.get(reverse("issued:paper_queue")).content.decode()
    advance = reverse("issued:paper_advance", args=[order.pk])
    org.post(advance)
    order.refresh_from_db()
    assert order.status == "printed"
    org.post(advance, {"carrier": "中国邮政 EMS", "tracking_number": ""})
    order.refresh_from_db()
    assert order.status == "printed"  # no tracking number, no mailing
    org.post(advance, {"carrier": "中国邮政 EMS", "tracking_number": "1180123456789"})
    order.refresh_from_db()
    assert order.status == "mailed" and order.tracking_number == "1180123456789"
    html = as_user(student_user).get(reverse("issued:mine")).content.decode()
    assert "已邮寄" in html and "1180123456789" in html


def test_orders_are_refused_without_a_price_for_others_and_twice(as_user, student_user, social_learner_user, issued,
                                                                 offer, org_a_user):
    offer.delete()
    with pytest.raises(AppError, match="尚未公布"):
        paper_copies.paper_order_create(actor=actor_for(student_user), issued=issued, **ADDRESS)
    PaperCopyOffer.objects.create(org_id=issued.org_id, price=decimal.Decimal("20"))
    paper_copies.paper_order_create(actor=actor_for(student_user), issued=issued, **ADDRESS)
    with pytest.raises(AppError, match="在办"):
        paper_copies.paper_order_create(actor=actor_for(student_user), issued=issued, **ADDRESS)
    assert as_user(social_learner_user).get(reverse("issued:paper_order", args=[issued.number])).status_code == 404
    assert as_user(org_a_user).get(reverse("issued:paper_order", args=[issued.number])).status_code == 403
    PaperCopyOrder.objects.update(status="cancelled")  # the copy is free again: the address is checked
    with pytest.raises(AppError, match="邮寄地址"):
        paper_copies.paper_order_create(actor=actor_for(student_user), issued=issued, **{**ADDRESS, "address": "武汉"})


def test_the_print_queue_is_the_orgs_own(as_user, student_user, org_b_user, hubei_institution_user, issued, offer):
    order = paper_copies.paper_order_create(actor=actor_for(student_user), issued=issued, **ADDRESS)
    assert ADDRESS["address"] not in as_user(org_b_user).get(reverse("issued:paper_queue")).content.decode()
    assert as_user(org_b_user).post(reverse("issued:paper_advance", args=[order.pk])).status_code == 404
    assert as_user(student_user).post(reverse("issued:paper_advance", args=[order.pk])).status_code == 403
    assert as_user(hubei_institution_user).get(reverse("issued:paper_queue")).status_code == 403


def test_the_paper_copy_api(as_user, student_user, org_a_user, social_learner_user, issued, offer):
    url = f"/api/v1/certificates/{issued.number}/paper-copies"
    assert as_user(social_learner_user).post(url, ADDRESS).status_code == 404
    created = as_user(student_user).post(url, ADDRESS)
    assert created.status_code == 201 and created.json()["price"] == "35.00"
    mine = as_user(student_user).get("/api/v1/paper-copies").json()
    assert [o["number"] for o in mine] == [issued.number]
    advance = f"/api/v1/paper-copies/{created.json()['id']}/advance"
    assert as_user(student_user).post(advance).status_code == 403
    assert as_user(org_a_user).post(advance).json()["status"] == "printed"
    refused = as_user(org_a_user).post(advance, {"carrier": "EMS"})
    assert refused.status_code == 400 and "快递单号" in refused.json()["detail"]


def test_the_ministry_reads_the_queue_without_the_mailing_address_and_changes_nothing(as_user, student_user,
                                                                                     ministry_user, org_a_user,
                                                                                     issued, offer):
    order = paper_copies.paper_order_create(actor=actor_for(student_user), issued=issued, **ADDRESS)
    client = as_user(ministry_user)
    html = client.get(reverse("issued:paper_queue")).content.decode()
    assert issued.number in html and ADDRESS["address"] not in html and ADDRESS["phone"] not in html
    assert "标记已打印" not in html
    (row,) = client.get("/api/v1/paper-copies").json()
    assert row["number"] == issued.number and row["address"] is None and row["phone"] is None
    export = load_workbook(io.BytesIO(client.get(reverse("issued:paper_queue") + "?export=xlsx").content))
    assert ADDRESS["address"] not in str(list(export.active.values))
    # Read-only: the HTML form and the API endpoint refuse the same write.
    assert client.post(reverse("issued:paper_advance", args=[order.pk])).status_code == 403
    assert client.post(f"/api/v1/paper-copies/{order.pk}/advance").status_code == 403
    assert client.post(reverse("issued:paper_queue"), {"price": "10"}).status_code == 403
    assert PaperCopyOrder.objects.get(pk=order.pk).status == "ordered"
    org = as_user(org_a_user)
    assert ADDRESS["address"] in str(org.get("/api/v1/paper-copies").json())
    assert ADDRESS["phone"] in org.get(reverse("issued:paper_queue")).content.decode()


def test_only_the_holder_orders_a_copy_on_the_page_and_over_the_api(as_user, issued, offer, org_a_user):
    client = as_user(org_a_user)  # sees the certificate, may not order its paper copy
    assert client.get(reverse("issued:paper_order", args=[issued.number])).status_code == 403
    assert client.post(reverse("issued:paper_order", args=[issued.number]), ADDRESS).status_code == 403
    assert client.post(f"/api/v1/certificates/{issued.number}/paper-copies", ADDRESS).status_code == 403
    assert not PaperCopyOrder.objects.exists()


def test_once_the_copy_is_mailed_it_is_no_longer_offered_and_ordering_again_says_why(as_user, student_user,
                                                                                     org_a_user, issued, offer):
    from certificates.issuance.selectors import issued_certificate_access

    holder = actor_for(student_user)
    assert issued_certificate_access(actor=holder, number=issued.number).may.order_paper_copy
    order = paper_copies.paper_order_create(actor=holder, issued=issued, **ADDRESS)
    assert not issued_certificate_access(actor=holder, number=issued.number).may.order_paper_copy
    for data in ({}, {"carrier": "中国邮政 EMS", "tracking_number": "1180123456789"}):
        paper_copies.paper_order_advance(actor=actor_for(org_a_user), order=order, **data)
    order.refresh_from_db()
    assert order.status == "mailed"
    assert not issued_certificate_access(actor=holder, number=issued.number).may.order_paper_copy
    client = as_user(student_user)
    mine = client.get(reverse("issued:mine")).content.decode()
    assert "已邮寄" in mine and "申请纸质证书" not in mine
    assert reverse("issued:paper_order", args=[issued.number]) not in mine
    page = client.get(reverse("issued:paper_order", args=[issued.number]))
    assert page.status_code == 403 and "已于" in page.content.decode() and "1180123456789" in page.content.decode()
    refused = client.post(f"/api/v1/certificates/{issued.number}/paper-copies", ADDRESS)
    assert refused.status_code == 403 and "只邮寄一份纸质证书" in refused.json()["detail"]
    with pytest.raises(AppError, match="只邮寄一份纸质证书"):
        paper_copies.paper_order_create(actor=holder, issued=issued, **ADDRESS)
    assert PaperCopyOrder.objects.count() == 1
    # A cancelled order frees the certificate's paper copy again.
    PaperCopyOrder.objects.filter(pk=order.pk).update(status="cancelled")
    assert issued_certificate_access(actor=holder, number=issued.number).may.order_paper_copy
    assert "申请纸质证书" in client.get(reverse("issued:mine")).content.decode()
