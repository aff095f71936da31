"""On PostgreSQL, tie each proposal's and standard's recorded cap amount to the cap row itself
(a composite foreign key), so that no insert can claim a higher cap than the one in force."""

from django.db import migrations

FORWARD = """
ALTER TABLE fees_costcap ADD CONSTRAINT fees_costcap_id_amount_uniq UNIQUE (id, amount);
ALTER TABLE fees_feeversion ADD CONSTRAINT fees_feeversion_cap_amount_fk
    FOREIGN KEY (cap_id, cap_amount) REFERENCES fees_costcap (id, amount);
ALTER TABLE fees_feestandard ADD CONSTRAINT fees_feestandard_cap_amount_fk
    FOREIGN KEY (cap_id, cap_amount) REFERENCES fees_costcap (id, amount);
"""
BACKWARD = """
ALTER TABLE fees_feestandard DROP CONSTRAINT fees_feestandard_cap_amount_fk;
ALTER TABLE fees_feeversion DROP CONSTRAINT fees_feeversion_cap_amount_fk;
ALTER TABLE fees_costcap DROP CONSTRAINT fees_costcap_id_amount_uniq;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("fees", "0002_caps_2357")]
    operations = [migrations.RunPython(forward, backward)]
