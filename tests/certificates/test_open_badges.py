"""Open Badges 3.0 export: a VC-JWT verified with an independent JOSE library (jwcrypto) against the
key the portal serves; contexts bundled, no ID number inside."""

import json

import pytest
from jwcrypto import jwk, jws, jwt

from certificates.issuance import open_badges
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(org_a, hubei, student_user):
    seal_for(org_a)
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a, name="物流管理"), province=hubei,
                          people=[student_user.person])
    return issued


def test_the_holder_exports_a_vc_jwt_that_jwcrypto_verifies_with_the_served_key(as_user, client, student_user, issued):
    exported = as_user(student_user).get(f"/api/v1/certificates/{issued.number}/credential").json()
    jwks = client.get("/api/v1/issuer/jwks").json()
    key = jwk.JWK(**jwks["keys"][0])
    token = jwt.JWT(jwt=exported["jwt"], key=key, algs=["ES256"], expected_type="JWS")
    claims = json.loads(token.claims)
    header = json.loads(token.header)
    assert header["alg"] == "ES256" and header["kid"] == jwks["keys"][0]["kid"]
    assert claims["iss"] == client.get("/api/v1/issuer").json()["id"]
    vc = claims["vc"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["credentialSubject"]["achievement"]["humanCode"] == issued.number
    assert "物流管理" in vc["name"]
    assert issued.id_number not in exported["jwt"] and issued.id_number not in json.dumps(vc, ensure_ascii=False)


def test_a_changed_credential_fails_verification(client, issued):
    token, _body = open_badges.credential_jwt(issued)
    header, payload, signature = token.split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["name"] = "伪造的证书"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    key = jwk.JWK(**client.get("/api/v1/issuer/jwks").json()["keys"][0])
    with pytest.raises(jws.InvalidJWSSignature):
        jwt.JWT(jwt=f"{header}.{forged_payload}.{signature}", key=key, algs=["ES256"])


def test_every_term_is_defined_by_the_bundled_contexts_without_network(issued):
    body = open_badges.credential(issued)
    defined = set()
    for url in body["@context"]:
        defined |= set(open_badges.document_loader(url)["@context"])
    with pytest.raises(LookupError):
        open_badges.document_loader("https://example.org/other-context")

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if not key.startswith("@"):
                    yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    assert set(keys(body)) <= defined, set(keys(body)) - defined


def test_only_those_who_may_download_may_export(as_user, issued, org_b_user, hubei_user, org_a_user):
    url = f"/api/v1/certificates/{issued.number}/credential"
    assert as_user(org_b_user).get(url).status_code == 404
    assert as_user(hubei_user).get(url).status_code == 404
    assert as_user(org_a_user).get(url).status_code == 200
