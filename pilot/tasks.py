from celery import shared_task


@shared_task(name="pilot.ping")
def ping() -> str:
    """Answered by a worker: /healthz and the tests use it to see that workers consume tasks."""
    return "pong"


# The indicators' tasks live in their package; importing them here lets autodiscovery find them.
from pilot.indicators.tasks import indicator_run, indicator_run_scheduled  # noqa: E402, F401
