from django.db import migrations


def load_provinces(apps, schema_editor):
    from accounts.provinces import provinces_ensure

    provinces_ensure(apps.get_model("accounts", "Province"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load_provinces, migrations.RunPython.noop)]
