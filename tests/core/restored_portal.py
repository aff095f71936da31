"""Run in a child process against a restored database and MEDIA_ROOT (tests/core/test_backup.py):
prints, as JSON, what the restore drill checks — row counts, each certificate PDF's SHA-256 as the
restored storage holds it, the public verification of each certificate by number and name and by
uploading its PDF, and whether an account signs in with its password.

    python tests/core/restored_portal.py USERNAME PASSWORD
"""

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot.settings")


def main(username: str, password: str) -> dict:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from certificates.issuance.models import IssuedCertificate
    from core.backup.database import row_counts

    tables = row_counts("default")  # before the checks, which count lookups and open a session
    client = Client()
    certificates = {}
    for issued in IssuedCertificate.objects.order_by("pk"):
        with issued.pdf.open("rb") as handle:
            content = handle.read()
        lookup = client.get(f"/api/v1/verify/{issued.number}", {"name": issued.holder_name}).json()
        upload = SimpleUploadedFile("certificate.pdf", content, content_type="application/pdf")
        pdf = client.post("/api/v1/verify/pdf", {"pdf": upload}).json()
        certificates[issued.number] = {"path": issued.pdf.name, "sha256": hashlib.sha256(content).hexdigest(),
                                       "lookup": lookup["status"] if lookup["found"] else "not found",
                                       "pdf_genuine": pdf["genuine"], "pdf_status": pdf.get("status")}
    signed_in = Client()
    response = signed_in.post("/account/login/", {"username": username, "password": password})
    return {"tables": tables, "certificates": certificates,
            "sign_in": {"status": response.status_code, "user": signed_in.session.get("_auth_user_id")}}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2]), ensure_ascii=False))
