"""Indicator runs and dashboard refreshes become background jobs (core.jobs.models.BackgroundJob).

Every row is kept. A refresh gains a phase, a percent and a heartbeat (its last sign of life: when
it finished, or started); a job a worker already took counts one attempt.
"""

from django.db import migrations, models
from django.db.models.functions import Coalesce, Now

FINISHED = ("done", "failed")


def forwards(apps, schema_editor):
    IndicatorRun = apps.get_model("pilot", "IndicatorRun")
    RollupRefresh = apps.get_model("pilot", "RollupRefresh")
    RollupRefresh.objects.update(heartbeat_at=Coalesce("finished_at", "started_at"))
    RollupRefresh.objects.filter(status__in=FINISHED).update(phase="done", percent=100)
    for model in (IndicatorRun, RollupRefresh):
        model.objects.filter(started_at__isnull=False).update(attempts=1)


def backwards(apps, schema_editor):
    IndicatorRun = apps.get_model("pilot", "IndicatorRun")
    RollupRefresh = apps.get_model("pilot", "RollupRefresh")
    IndicatorRun.objects.filter(percent__isnull=True).update(percent=0)
    RollupRefresh.objects.filter(requested_at__isnull=True).update(
        requested_at=Coalesce("started_at", "finished_at", Now()))


class Migration(migrations.Migration):

    dependencies = [
        ('pilot', '0003_dashboard_rollups'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicatorrun',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='执行次数'),
        ),
        migrations.AddField(
            model_name='rolluprefresh',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='执行次数'),
        ),
        migrations.AddField(
            model_name='rolluprefresh',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近心跳'),
        ),
        migrations.AddField(
            model_name='rolluprefresh',
            name='percent',
            field=models.PositiveSmallIntegerField(blank=True, default=0, null=True, verbose_name='进度'),
        ),
        migrations.AddField(
            model_name='rolluprefresh',
            name='phase',
            field=models.CharField(choices=[('waiting', '等待处理'), ('pilot', '汇总试点各环节'), ('institutions', '汇总各院校'), ('waiting_issuance', '汇总待发证'), ('fees', '汇总收费'), ('saving', '保存统计数据'), ('done', '完成')], default='waiting', max_length=16, verbose_name='阶段'),
        ),
        migrations.AlterField(
            model_name='indicatorrun',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='完成时间'),
        ),
        migrations.AlterField(
            model_name='indicatorrun',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近心跳'),
        ),
        migrations.AlterField(
            model_name='indicatorrun',
            name='percent',
            field=models.PositiveSmallIntegerField(blank=True, default=0, null=True, verbose_name='进度'),
        ),
        migrations.AlterField(
            model_name='indicatorrun',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='开始时间'),
        ),
        migrations.AlterField(
            model_name='rolluprefresh',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='完成时间'),
        ),
        migrations.AlterField(
            model_name='rolluprefresh',
            name='message',
            field=models.TextField(blank=True, verbose_name='说明'),
        ),
        migrations.AlterField(
            model_name='rolluprefresh',
            name='requested_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='请求时间'),
        ),
        migrations.AlterField(
            model_name='rolluprefresh',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='开始时间'),
        ),
        migrations.AlterField(
            model_name='rolluprefresh',
            name='status',
            field=models.CharField(choices=[('queued', '排队中'), ('running', '更新中'), ('done', '已更新'), ('failed', '更新失败')], default='queued', max_length=16, verbose_name='状态'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
