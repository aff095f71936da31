from organizations.orgs.models import Org
from organizations.supervision.models import OrgAction


def org_latest_action(org: Org) -> OrgAction | None:
    """The supervision action behind the org's current status, for the warning banner."""
    return org.actions.filter(status_after=org.status).order_by("-at", "-pk").first()
