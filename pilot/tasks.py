from celery import shared_task


@shared_task(name="pilot.ping")
def ping() -> str:
    """Answered by a worker: /healthz and the tests use it to see that workers consume tasks."""
    return "pong"
