# Complaints get a random receipt reference (the key of the public status lookup), the time of their
# last status change, and triage notes can be marked internal (hidden from the org).

import secrets

from django.db import migrations, models

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def fill_references(apps, schema_editor):
    Complaint = apps.get_model("organizations", "Complaint")
    for complaint in Complaint.objects.filter(reference=""):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        complaint.reference = f"TS{complaint.created_at:%Y}-{raw[:4]}-{raw[4:]}"
        complaint.save(update_fields=["reference"])


class Migration(migrations.Migration):

    dependencies = [
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="reference",
            field=models.CharField(default="", max_length=20, verbose_name="受理编号"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="complaint",
            name="reference",
            field=models.CharField(max_length=20, unique=True, verbose_name="受理编号"),
        ),
        migrations.AddField(
            model_name="complaint",
            name="status_changed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="状态变更时间"),
        ),
        migrations.AddField(
            model_name="complaintnote",
            name="internal",
            field=models.BooleanField(default=False, verbose_name="仅教育部可见"),
        ),
    ]
