from django.db import migrations


def load_provinces(apps, schema_editor):
    from accounts.provinces import PROVINCES, XPCC

    Province = apps.get_model("accounts", "Province")
    for order, (code, name, short) in enumerate(PROVINCES, start=1):
        Province.objects.update_or_create(code=code, defaults={"name": name, "short_name": short,
                                                                "is_gbt2260": True, "sort_order": order})
    code, name, short = XPCC
    Province.objects.update_or_create(code=code, defaults={"name": name, "short_name": short, "is_gbt2260": False,
                                                            "sort_order": len(PROVINCES) + 1})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load_provinces, migrations.RunPython.noop)]
