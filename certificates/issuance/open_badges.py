"""Open Badges 3.0 / W3C Verifiable Credential export of an issued certificate, signed as a VC-JWT
(ES256) with the platform's issuing key.

The issuer's public key is served at /api/v1/issuer/jwks and its profile at /api/v1/issuer. The
JSON-LD contexts the credential names are bundled in certificates/jsonld/ and resolved by
``document_loader`` from those files, never from the network: they define every term the portal's
credentials use (the portal's own rendering of the terms, under the standard context addresses).
The holder's ID number never appears: it is present only as a salted SHA-256 hash.
"""

import datetime
import functools
import hashlib
import json
import secrets
from pathlib import Path

from django.conf import settings

from certificates.catalog.models import Level
from certificates.issuance import signing
from certificates.issuance.models import IssuedCertificate
from core.base_url import public_base_url

CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0.jsonld",
}
_CONTEXT_DIR = Path(__file__).resolve().parent.parent / "jsonld"
ISSUER_NAME = "1+X证书制度试点管理平台"


def document_loader(url: str) -> dict:
    """The bundled JSON-LD context for ``url``; anything else is refused (no network)."""
    if url not in CONTEXTS:
        raise LookupError(f"context {url} is not bundled")
    return _context(CONTEXTS[url])


@functools.cache
def _context(name: str) -> dict:
    return json.loads((_CONTEXT_DIR / name).read_text(encoding="utf-8"))


def issuer_id() -> str:
    return f"{public_base_url()}/api/v1/issuer"


def key_id() -> str:
    return f"{issuer_id()}#key-1"


def issuer_jwk() -> dict:
    """The issuing key's public half as a JWK (P-256)."""
    import base64

    numbers = signing.issuing_private_key().public_key().public_numbers()

    def b64(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

    return {"kty": "EC", "crv": "P-256", "x": b64(numbers.x), "y": b64(numbers.y), "use": "sig", "alg": "ES256",
            "kid": key_id()}


def issuer_profile() -> dict:
    return {"@context": list(CONTEXTS), "id": issuer_id(), "type": ["Profile"], "name": ISSUER_NAME,
            "url": public_base_url()}


def _issued_at(issued: IssuedCertificate) -> datetime.datetime:
    """Midnight of the issue date where it was issued (China time)."""
    from zoneinfo import ZoneInfo

    return datetime.datetime.combine(issued.issued_on, datetime.time(), ZoneInfo(settings.TIME_ZONE))


def credential(issued: IssuedCertificate) -> dict:
    """The OpenBadgeCredential of ``issued`` (unsigned)."""
    base = public_base_url()
    level = str(Level(issued.level).label)
    valid_from = _issued_at(issued).isoformat()
    salt = secrets.token_hex(8)
    id_hash = "sha256$" + hashlib.sha256(f"{issued.id_number}{salt}".encode()).hexdigest()
    return {
        "@context": list(CONTEXTS),
        "id": f"urn:x-1plusx:certificate:{issued.number}:v{issued.version}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {k: v for k, v in issuer_profile().items() if k != "@context"},
        "validFrom": valid_from,
        "name": f"职业技能等级证书：{issued.certificate.name}（{level}）",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": issued.holder_name},
                {"type": "IdentityObject", "identityType": "identifier", "hashed": True, "identityHash": id_hash,
                 "salt": salt},
            ],
            "achievement": {
                "id": f"{base}/catalog/achievements/{issued.certificate.code}/{issued.level}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": f"{issued.certificate.name}（{level}）",
                "description": f"1+X 职业技能等级证书（{level}），证书编号 {issued.number}",
                "humanCode": issued.number,
                "fieldOfStudy": issued.certificate.field,
                "inLanguage": "zh-CN",
                "criteria": {"narrative": "通过培训评价组织组织的职业技能等级考核，成绩达到该等级合格标准。"},
                "creator": {"id": f"{base}/orgs/{issued.org_id}", "type": ["Profile"], "name": issued.org.name},
            },
        },
        "credentialStatus": {"id": f"{base}/verify/t/{issued.token}", "type": "1PlusXVerificationPage"},
    }


def credential_jwt(issued: IssuedCertificate) -> tuple[str, dict]:
    """The VC-JWT (ES256) and the credential it carries."""
    import jwt

    body = credential(issued)
    valid_from = _issued_at(issued)
    claims = {"iss": issuer_id(), "jti": body["id"], "sub": body["id"] + "#subject",
              "nbf": int(valid_from.timestamp()), "iat": int(datetime.datetime.now(datetime.UTC).timestamp()),
              "vc": body}
    token = jwt.encode(claims, signing.issuing_private_key(), algorithm="ES256",
                       headers={"kid": key_id(), "typ": "JWT"})
    return token, body
