"""Revocation (with a reason, audited) and reissue under the same number as a new version."""

import pytest

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from certificates import hooks
from certificates.issuance.models import CertificateVersion, IssuedCertificate
from certificates.issuance.revocation import certificate_reissue, certificate_revoke
from core.errors import AppError, Forbidden, NotInScope
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(org_a, hubei):
    seal_for(org_a)
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a), province=hubei,
                          people=[PersonFactory(name="王五")])
    return issued


def test_a_revocation_needs_a_reason_and_changes_nothing_without_one(issued, org_a_user):
    with pytest.raises(AppError, match="原因"):
        certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="  ")
    assert IssuedCertificate.objects.get(pk=issued.pk).status == "valid"
    assert not AuditEntry.objects.filter(action="certificate.revoked").exists()


def test_the_ministry_revokes_audited_and_the_hook_fires(issued, ministry_user, django_capture_on_commit_callbacks):
    seen = []
    hooks.certificate_revoked.connect(lambda sender, certificate, reason, **kw: seen.append((certificate.number, reason)),
                                      dispatch_uid="test-revoked", weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            certificate_revoke(actor=actor_for(ministry_user), issued=issued, reason="证书信息造假")
    finally:
        hooks.certificate_revoked.disconnect(dispatch_uid="test-revoked")
    entry = AuditEntry.objects.get(action="certificate.revoked")
    assert entry.object_repr == issued.number and entry.note == "证书信息造假" and entry.actor == ministry_user
    assert seen == [(issued.number, "证书信息造假")]
    with pytest.raises(AppError, match="已被撤销"):
        certificate_revoke(actor=actor_for(ministry_user), issued=issued, reason="again")


def test_students_and_institutions_cannot_revoke(org_a, hubei, hubei_institution, student_user, hubei_institution_user,
                                                hubei_alliance_user, org_b_user):
    seal_for(org_a)
    (own,) = issue_now(certificate=certificate_with_levels(org=org_a), province=hubei, people=[student_user.person],
                       institution=hubei_institution)
    for user in (student_user, hubei_institution_user, hubei_alliance_user):  # they see it, may not change it
        with pytest.raises(Forbidden):
            certificate_revoke(actor=actor_for(user), issued=own, reason="x")
        with pytest.raises(Forbidden):
            certificate_reissue(actor=actor_for(user), issued=own, holder_name="李晓明", reason="x")
    with pytest.raises(NotInScope):  # another org's certificate: not even seen
        certificate_revoke(actor=actor_for(org_b_user), issued=own, reason="x")
    assert IssuedCertificate.objects.get(pk=own.pk).status == "valid"


def test_a_name_correction_keeps_the_number_and_supersedes_the_old_version(issued, org_a_user):
    old_pdf = issued.pdf.name
    current = certificate_reissue(actor=actor_for(org_a_user), issued=issued, holder_name="王伍", reason="户籍姓名更正")
    assert current.number == issued.number and current.version == 2 and current.holder_name == "王伍"
    assert current.pdf and current.pdf.name != old_pdf
    old = CertificateVersion.objects.get(issued=current)
    assert (old.version, old.holder_name, old.pdf.name, old.token) == (1, "王五", old_pdf, issued.token)
    assert AuditEntry.objects.get(action="certificate.reissued").changes["holder_name"] == ["王五", "王伍"]
    with pytest.raises(AppError, match="相同"):
        certificate_reissue(actor=actor_for(org_a_user), issued=current, holder_name="王伍", reason="x")
    with pytest.raises(AppError, match="U\\+2A6A5"):
        certificate_reissue(actor=actor_for(org_a_user), issued=current, holder_name="王𪚥", reason="x")


def test_revoking_frees_the_level_for_a_new_certificate(issued, org_a_user, hubei):
    certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="误发")
    (again,) = issue_now(certificate=issued.certificate, province=hubei, people=[issued.person])
    assert again.number != issued.number and again.status == "valid"


def test_delisting_the_org_leaves_issued_certificates_valid(issued, ministry_user, client):
    from organizations.orgs.models import Org

    Org.objects.filter(pk=issued.org_id).update(status=Org.Status.DELISTED)
    issued.certificate.status = "withdrawn"
    issued.certificate.save()
    data = client.get(f"/api/v1/verify/{issued.number}", {"name": "王五"}).json()
    assert data["status"] == "valid"


def test_the_revoke_and_reissue_api(as_user, issued, org_a_user, org_b_user, hubei_user):
    url = f"/api/v1/certificates/{issued.number}/revoke"
    assert as_user(org_b_user).post(url, {"reason": "x"}).status_code == 404
    assert as_user(hubei_user).post(url, {"reason": "x"}).status_code == 403  # sees it, may not change it
    assert as_user(hubei_user).post(f"/api/v1/certificates/{issued.number}/reissue",
                                    {"holder_name": "王伍", "reason": "x"}).status_code == 403
    refused = as_user(org_a_user).post(url, {"reason": ""})
    assert refused.status_code == 400 and "原因" in refused.json()["detail"]
    reissued = as_user(org_a_user).post(f"/api/v1/certificates/{issued.number}/reissue",
                                        {"holder_name": "王伍", "reason": "户籍姓名更正"})
    assert reissued.status_code == 200 and reissued.json()["version"] == 2
    assert as_user(org_a_user).post(url, {"reason": "误发"}).json()["status"] == "revoked"
