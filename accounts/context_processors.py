from django.conf import settings

from core.navigation import SIDE_MENU_FROM, navigation_for, navigation_groups


def portal(request):
    actor = getattr(request, "actor", None)
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    # django-otp's is_verified is set on the session's user; a user that an API token authenticated
    # (DRF replaces request.user) has none. Such a request renders only an error page.
    is_verified = getattr(user, "is_verified", None)
    # Until ministry and provincial staff pass the second factor they see no navigation.
    if authenticated and not (is_verified and is_verified()) and user.role_bindings.filter(
            role__in=settings.TWO_FACTOR_ROLES).exists():
        authenticated = False
    nav_items = navigation_for(actor, request.path) if authenticated else []
    return {
        "actor": actor if authenticated else None,
        "nav_items": nav_items,
        # Roles with many entries get them grouped by area in a side menu; the others one top bar.
        "nav_groups": navigation_groups(nav_items) if len(nav_items) >= SIDE_MENU_FROM else [],
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count() if authenticated else 0,
        "other_bindings": [b for b in user.role_bindings.all() if actor and b.pk != getattr(actor.binding, "pk", None)]
        if authenticated else [],
        "demo_mode": settings.DEMO_MODE,
    }
