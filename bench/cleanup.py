"""What the benchmarks that issue certificates for an org of their own delete afterwards: the same
rows in the same order (audit entries first, then what refers to what), for bench_issuance and
bench_resultday. Runs inside the caller's transaction."""


def audit_delete(object_type: str, ids) -> None:
    """The audit entries of ``ids`` (any iterable of primary keys) of ``object_type``, 5,000 at a time."""
    from accounts.models import AuditEntry

    ids = [str(pk) for pk in ids]
    for start in range(0, len(ids), 5000):
        AuditEntry.objects.filter(object_type=object_type, object_id__in=ids[start:start + 5000]).delete()


def org_issuance_delete(org, *, number_prefix: str) -> None:
    """Everything issuance wrote for ``org``: its certificates (and their stored PDFs and OFDs, audit entries
    and versions), the credit bank's outcomes of them, its requests and the number sequences under
    ``number_prefix``."""
    from certificates.issuance.models import CertificateVersion, IssuanceRequest, IssuedCertificate, NumberSequence
    from credit_bank.models import Outcome, RecognizedOutcome

    issued = IssuedCertificate.objects.filter(org=org)
    for certificate in issued.exclude(pdf="").only("pdf").iterator():
        certificate.pdf.storage.delete(certificate.pdf.name)
    for certificate in issued.exclude(ofd="").only("ofd").iterator():  # OFDs made on download
        certificate.ofd.storage.delete(certificate.ofd.name)
    audit_delete("certificates.issuedcertificate", issued.values_list("pk", flat=True))
    CertificateVersion.objects.filter(issued__org=org).delete()
    outcomes = Outcome.objects.filter(issued__org=org)
    audit_delete("credit_bank.outcome", outcomes.values_list("pk", flat=True))
    outcomes.delete()
    RecognizedOutcome.objects.filter(certificate__org=org).delete()
    issued.delete()
    IssuanceRequest.objects.filter(org=org).delete()
    NumberSequence.objects.filter(prefix__startswith=number_prefix).delete()


def org_delete(org) -> None:
    """The org itself with its certificates, paper-copy offer and seals (their files too); what
    refers to them must be gone already (``org_issuance_delete``, sessions)."""
    from certificates.catalog.models import Certificate, CertificateLevel
    from certificates.issuance.models import OfdSeal
    from certificates.paper_copies.models import PaperCopyOffer
    from organizations.seals.models import OrgSeal

    PaperCopyOffer.objects.filter(org=org).delete()
    CertificateLevel.objects.filter(certificate__org=org).delete()
    Certificate.objects.filter(org=org).delete()
    OfdSeal.objects.filter(seal__org=org).delete()  # the seal versions' kept SES_Seals
    for seal in OrgSeal.objects.filter(org=org):
        seal.file.storage.delete(seal.file.name)
        seal.delete()
    org.delete()


def people_delete(id_prefix: str) -> None:
    """The people whose ID numbers start with ``id_prefix`` and their learning accounts (audited)."""
    from accounts.models import Person
    from credit_bank.models import LearningAccount

    accounts = LearningAccount.objects.filter(person__id_number__startswith=id_prefix)
    audit_delete("credit_bank.learningaccount", accounts.values_list("pk", flat=True))
    accounts.delete()
    Person.objects.filter(id_number__startswith=id_prefix).delete()
