"""One standard at a time per certificate level and province (同一证书在同一省域内标准统一).

Each verified standard gets a row per certificate level it applies to (``FeeStandardLevel``): one for
a standard verified for one level, one per level of the certificate for one verified for all levels
(各等级统一). On PostgreSQL an exclusion constraint refuses two rows of the same certificate, level
and province whose validity ranges overlap.

Existing standards may overlap (an all-levels standard verified on the same date as a level's own
one was accepted before). They are resolved the way amounts due were computed until now, so no
amount due changes: on each date a level's own standard wins over the all-levels one, and among
standards of the same kind the one with the latest effective date wins. An all-levels standard thus
applies to a level only until the day before that level's own standard starts (the own standard is
recorded as superseding it there). A standard left applying to no level at all (every level had its
own standard from the same date or earlier) keeps its rows in ``fees_feestandard`` but gets no
level rows: it never applied, and the lists and amounts due never showed it.
"""

import datetime

import django.db.models.deletion
from django.db import migrations, models

DAY = datetime.timedelta(days=1)

FORWARD_SQL = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE fees_feestandardlevel ADD CONSTRAINT fees_feestandardlevel_one_in_force
    EXCLUDE USING gist (province_id WITH =, certificate_id WITH =, level WITH =,
                        daterange(effective_from, effective_until, '[]') WITH &&);
ALTER TABLE fees_feestandard ADD CONSTRAINT fees_feestandard_id_certificate_province_uniq
    UNIQUE (id, certificate_id, province_id);
ALTER TABLE fees_feestandardlevel ADD CONSTRAINT fees_feestandardlevel_same_certificate_province_fk
    FOREIGN KEY (standard_id, certificate_id, province_id)
    REFERENCES fees_feestandard (id, certificate_id, province_id);
"""
BACKWARD_SQL = """
ALTER TABLE fees_feestandardlevel DROP CONSTRAINT fees_feestandardlevel_same_certificate_province_fk;
ALTER TABLE fees_feestandard DROP CONSTRAINT fees_feestandard_id_certificate_province_uniq;
ALTER TABLE fees_feestandardlevel DROP CONSTRAINT fees_feestandardlevel_one_in_force;
"""


def _applies(standard, day):
    return standard.effective_from <= day and (standard.effective_until is None or standard.effective_until >= day)


def _segments(candidates, level):
    """[(standard, from, until)] for one level: on each date the level's own standard in force wins
    over the all-levels one, and the latest effective date wins among standards of one kind."""
    points = sorted({s.effective_from for s in candidates}
                    | {s.effective_until + DAY for s in candidates if s.effective_until is not None})
    segments = []
    for i, start in enumerate(points):
        end = points[i + 1] - DAY if i + 1 < len(points) else None
        in_force = [s for s in candidates if _applies(s, start)]
        if not in_force:
            continue
        chosen = max(in_force, key=lambda s: (s.level == level, s.effective_from, s.pk))
        if segments and segments[-1][0] is chosen and segments[-1][2] == start - DAY:
            segments[-1] = (chosen, segments[-1][1], end)
        else:
            segments.append((chosen, start, end))
    return segments


def levels_materialize(apps, schema_editor):
    fee_standard = apps.get_model("fees", "FeeStandard")
    fee_standard_level = apps.get_model("fees", "FeeStandardLevel")
    certificate_level = apps.get_model("certificates", "CertificateLevel")
    groups: dict = {}
    for standard in fee_standard.objects.order_by("pk"):
        groups.setdefault((standard.certificate_id, standard.province_id), []).append(standard)
    rows, ends = [], {}
    for (certificate_id, province_id), standards in groups.items():
        levels = set(certificate_level.objects.filter(certificate_id=certificate_id).values_list("level", flat=True))
        levels |= {s.level for s in standards if s.level}
        for level in sorted(levels):
            segments = _segments([s for s in standards if s.level in (level, "")], level)
            for i, (standard, start, end) in enumerate(segments):
                successor = segments[i + 1][0] if i + 1 < len(segments) and end is not None else None
                rows.append(fee_standard_level(standard=standard, certificate_id=certificate_id, province_id=province_id,
                                               level=level, effective_from=start, effective_until=end,
                                               superseded_by=successor))
                ends.setdefault(standard.pk, []).append(end)
    fee_standard_level.objects.bulk_create(rows)
    # A standard ends when it no longer applies to any level.
    for pk, until in ends.items():
        fee_standard.objects.filter(pk=pk).update(effective_until=None if None in until else max(until))


def constraint_add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL)


def constraint_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_provinces"),
        ("certificates", "0004_issuance_pending_index"),
        ("fees", "0004_payments"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeeStandardLevel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.CharField(choices=[("junior", "初级"), ("intermediate", "中级"), ("senior", "高级")],
                                           max_length=16, verbose_name="等级")),
                ("effective_from", models.DateField(verbose_name="生效日期")),
                ("effective_until", models.DateField(blank=True, null=True, verbose_name="失效日期")),
                ("certificate", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                  to="certificates.certificate")),
                ("province", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                               to="accounts.province")),
                ("standard", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="levels",
                                               to="fees.feestandard")),
                ("superseded_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                    related_name="superseded_levels", to="fees.feestandard")),
            ],
            options={
                "ordering": ["province", "certificate", "level", "effective_from"],
                "indexes": [models.Index(fields=["certificate", "province", "level"], name="feestandardlevel_lookup")],
                "constraints": [models.CheckConstraint(
                    condition=models.Q(("effective_until__isnull", True), ("effective_until__gte", models.F("effective_from")),
                                       _connector="OR"), name="feestandardlevel_dates_ordered")],
            },
        ),
        migrations.RunPython(levels_materialize, migrations.RunPython.noop),
        migrations.RunPython(constraint_add, constraint_drop),
    ]
