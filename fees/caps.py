"""The "2357" caps the portal starts with (rule 2 of domain.md)."""

import datetime
import decimal

DEFAULT_CAPS = {"paper": "200.00", "computer": "300.00", "practical_general": "500.00", "practical_special": "700.00"}
DEFAULT_EFFECTIVE = datetime.date(2019, 6, 1)
DEFAULT_BASIS = "关于在院校实施的X证书考核成本上限设置方案的公告"


def caps_ensure(cost_cap_model=None) -> None:
    """Create the default caps if missing (the data migration; tests after a flush; demo)."""
    if cost_cap_model is None:
        # Not at the top: the data migration imports this module and passes its historical model.
        from fees.models import CostCap as cost_cap_model
    for kind, amount in DEFAULT_CAPS.items():
        cost_cap_model.objects.get_or_create(assessment_type=kind, effective_from=DEFAULT_EFFECTIVE, defaults={
            "amount": decimal.Decimal(amount), "basis": DEFAULT_BASIS})
