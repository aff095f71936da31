"""Beat runs the credit bank's sweep every 10 minutes (django-celery-beat's DatabaseScheduler reads
it from the database), so an issued certificate whose hook receiver failed still becomes an outcome."""

from django.db import migrations

TASK_NAME = "credit_bank-sweep-outcomes"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _created = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(name=TASK_NAME, defaults={
        "task": "credit_bank.sweep_outcomes", "interval": every, "enabled": True,
        "description": "学分银行：为尚无学习成果的电子证书补录成果，跟进撤销与换发"})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("credit_bank", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
