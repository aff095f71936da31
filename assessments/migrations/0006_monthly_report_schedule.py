"""The beat schedule of the monthly progress report: the 1st of each month at 01:30 Beijing time,
for the previous month (domain rule 6, 按月调度).

Kept in the database (django-celery-beat's DatabaseScheduler, settings.CELERY_BEAT_SCHEDULER)
rather than in settings.CELERY_BEAT_SCHEDULE, so that operators see and can pause or move it in
the admin without a deployment, and every beat replica reads the same schedule.
"""

from django.db import migrations

TASK_NAME = "每月1日生成上月进展报告"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="1", day_of_month="1", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai")
    PeriodicTask.objects.update_or_create(name=TASK_NAME, defaults={
        "task": "assessments.monthly_report_scheduled", "crontab": crontab, "interval": None, "enabled": True,
        "description": "按月调度：每月1日01:30（北京时间）为上一个月生成计划与实际进展报告（PDF 与 Excel）。"})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0005_monthly_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
