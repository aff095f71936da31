from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}``: a dictionary lookup with a variable key."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def yuan(value):
    """Money as officials write it: thousands separated, two decimals (1,234.50); blank stays blank."""
    from decimal import Decimal, InvalidOperation

    if value in (None, ""):
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return value


@register.simple_tag
def shown(access, field, value):
    """``{% shown access "id_number" value %}``: a personal field as the actor of ``access`` may see
    it (accounts.personal_data); a dash where the policy hides it."""
    result = access.show(field, value)
    return "—" if result in (None, "") else result
