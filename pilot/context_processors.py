"""What every page's footer carries: the sponsor, contacts and filing numbers from the settings."""

import re

from django.conf import settings


def site(request):
    psb = settings.SITE_PSB_NUMBER
    digits = "".join(re.findall(r"\d", psb))
    return {"site": {
        "sponsor": settings.SITE_SPONSOR, "tech_support": settings.SITE_TECH_SUPPORT,
        "contact_address": settings.SITE_CONTACT_ADDRESS, "contact_phone": settings.SITE_CONTACT_PHONE,
        "contact_email": settings.SITE_CONTACT_EMAIL,
        "has_contact": bool(settings.SITE_CONTACT_ADDRESS or settings.SITE_CONTACT_PHONE or settings.SITE_CONTACT_EMAIL),
        "identifier": settings.SITE_IDENTIFIER, "icp_number": settings.SITE_ICP_NUMBER, "psb_number": psb,
        # The ministry of public security's registry finds a filing by its number's digits.
        "psb_url": f"https://beian.mps.gov.cn/#/query/webSearch?code={digits}" if digits else "",
    }}
