"""Foundation figures: how long the scope helper and the workbench take for a provincial user."""

import statistics
import time

from django.test import Client


def _timed(fn, repeat=30) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def run():
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from pilot.demo import seed_demo

    seed_demo(None)
    user = User.objects.get(username="hubei_edu")
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    workbench = _timed(lambda: client.get("/"))
    login_page = _timed(lambda: Client().get("/account/login/"))
    return [("workbench_ms", workbench, "ms"), ("login_page_ms", login_page, "ms")]
