from django.db import migrations


def seed_caps(apps, schema_editor):
    from fees.caps import caps_ensure

    caps_ensure(apps.get_model("fees", "CostCap"))


class Migration(migrations.Migration):
    dependencies = [("fees", "0001_initial")]
    operations = [migrations.RunPython(seed_caps, migrations.RunPython.noop)]
