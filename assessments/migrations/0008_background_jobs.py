"""Filing imports and monthly reports become background jobs (core.jobs.models.BackgroundJob).

Every row is kept. A saved import's status "succeeded" becomes the shared "done" (and back on
reversal); an import's progress, computed until now from its row counts, is stored; its request
time is its upload time; a job a worker already took counts one attempt.
"""

from django.db import migrations, models
from django.db.models import F

FILING_FINISHED = ("failed", "done")
VALIDATED_PERCENT = 94


def _filing_percent(record) -> int | None:
    if record.status in FILING_FINISHED:
        return 100
    if record.phase == "saving":
        return 95
    if not record.total_rows:
        return None
    return min(VALIDATED_PERCENT, int(record.processed_rows * VALIDATED_PERCENT / record.total_rows))


def forwards(apps, schema_editor):
    FilingImport = apps.get_model("assessments", "FilingImport")
    MonthlyReport = apps.get_model("assessments", "MonthlyReport")
    FilingImport.objects.filter(status="succeeded").update(status="done")
    FilingImport.objects.update(requested_at=F("uploaded_at"))
    FilingImport.objects.filter(status__in=FILING_FINISHED).update(percent=100)
    for record in FilingImport.objects.exclude(status__in=FILING_FINISHED).iterator():
        FilingImport.objects.filter(pk=record.pk).update(percent=_filing_percent(record))
    for model in (FilingImport, MonthlyReport):
        model.objects.filter(started_at__isnull=False).update(attempts=1)


def backwards(apps, schema_editor):
    FilingImport = apps.get_model("assessments", "FilingImport")
    MonthlyReport = apps.get_model("assessments", "MonthlyReport")
    FilingImport.objects.filter(status="done").update(status="succeeded")
    MonthlyReport.objects.filter(percent__isnull=True).update(percent=0)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0007_merge_pipeline_and_reports'),
    ]

    operations = [
        migrations.AddField(
            model_name='filingimport',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='执行次数'),
        ),
        migrations.AddField(
            model_name='filingimport',
            name='percent',
            field=models.PositiveSmallIntegerField(blank=True, default=0, null=True, verbose_name='进度'),
        ),
        migrations.AddField(
            model_name='filingimport',
            name='requested_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='请求时间'),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='执行次数'),
        ),
        migrations.AlterField(
            model_name='filingimport',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='完成时间'),
        ),
        migrations.AlterField(
            model_name='filingimport',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近心跳'),
        ),
        migrations.AlterField(
            model_name='filingimport',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='开始时间'),
        ),
        migrations.AlterField(
            model_name='filingimport',
            name='status',
            field=models.CharField(choices=[('queued', '排队中'), ('running', '处理中'), ('failed', '未保存（有错误）'), ('done', '已保存')], default='queued', max_length=16, verbose_name='状态'),
        ),
        migrations.AlterField(
            model_name='monthlyreport',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='完成时间'),
        ),
        migrations.AlterField(
            model_name='monthlyreport',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近心跳'),
        ),
        migrations.AlterField(
            model_name='monthlyreport',
            name='percent',
            field=models.PositiveSmallIntegerField(blank=True, default=0, null=True, verbose_name='进度'),
        ),
        migrations.AlterField(
            model_name='monthlyreport',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='开始时间'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
