import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot.settings")
application = get_wsgi_application()

from core.jobs import liveness  # noqa: E402  (once the application has set Django up)


def _warm_up() -> None:
    """Load the URLconf with every view module, and the translation catalogs, at start rather than
    in the first request (about a second): a fresh web process answers /healthz, and its first
    visitor, at once. The Celery app's configuration and the broker's client too (no connection yet)."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018  (the property imports them)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("1+X证书制度试点管理平台")
    liveness.broker_redis()


_warm_up()
