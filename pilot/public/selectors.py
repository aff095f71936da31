"""Reads of the public home (门户首页): what the ministry publishes and the pilot's public facts, each
asked of the feature that owns it. Everything here is the same for every visitor (the notices as an
anonymous visitor reads them), so the page may be cached."""

from django.db.models import Count

from assessments.sessions.selectors import sessions_open_public
from certificates.catalog.models import Certificate
from certificates.catalog.selectors import certificates_visible
from fees.selectors import standards_public
from organizations.orgs.selectors import org_status_counts_public, orgs_recently_sanctioned
from pilot.models import Notice
from pilot.selectors import notices_visible

SHOWN = 8


def fee_standards_by_province() -> list[dict]:
    """How many verified fee standards each province has in force (the public fee list's own
    reading of "in force"), for the home's summary; the detail is the public fee page's."""
    rows = (standards_public().values("province_id", "province__name").annotate(standards=Count("*"))
            .order_by("province_id"))
    return [{"code": r["province_id"], "name": r["province__name"], "standards": r["standards"]} for r in rows]


def public_home() -> dict:
    published = notices_visible(None)
    certificates = certificates_visible(None).filter(status=Certificate.Status.PUBLISHED)
    sessions = sessions_open_public()
    return {
        "notices": published.exclude(category=Notice.Category.POLICY)[:SHOWN],
        "policies": published.filter(category=Notice.Category.POLICY)[:SHOWN],
        "certificate_count": certificates.count(),
        "certificates": certificates.order_by("-batch__number", "code")[:SHOWN],
        "org_counts": org_status_counts_public(),
        "orgs_sanctioned": orgs_recently_sanctioned(SHOWN),
        "fee_provinces": fee_standards_by_province(),
        "open_sessions": sessions[:5],
        "open_session_count": sessions.count(),
    }
