"""Fewer indexes on the ledger (issue 17): every sync writes its rows, and each index is written
with them. The researcher's and the unit's rows are found through the composite indexes that
start with them, so their single-column indexes go; `orcid` and `state` keep a plain index
without the second one PostgreSQL's `db_index` adds for LIKE queries. Only indexes are dropped
(the state says the same with `db_index=False`): Django's own AlterField would also drop and
validate again the foreign keys, a scan of the whole ledger."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the indexes of db_index (the same on every database it made them on).
_DROPPED = {
    "putcodes_orciditem_orcid_144ff6ea": "orcid",
    "putcodes_orciditem_researcher_id_7a9e9e53": "researcher_id",
    "putcodes_orciditem_state_bad6f321": "state",
    "putcodes_orciditem_unit_id_e4802796": "unit_id",
}
_LIKE = ["putcodes_orciditem_orcid_144ff6ea_like", "putcodes_orciditem_state_bad6f321_like"]


class Migration(migrations.Migration):

    dependencies = [
        ("putcodes", "0007_orciditem_written_fingerprint"),
        ("units", "0004_import_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="orciditem",
                    name="orcid",
                    field=models.CharField(help_text="The ORCID iD of the record the item is on.", max_length=19),
                ),
                migrations.AlterField(
                    model_name="orciditem",
                    name="researcher",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="orcid_items", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="orciditem",
                    name="state",
                    field=models.CharField(choices=[
                        ("pending", "Waiting to be written"), ("on_orcid", "On ORCID"),
                        ("deleted_on_orcid", "Deleted by the researcher on ORCID"),
                        ("withdrawn", "Withdrawn from ORCID by the institution"), ("error", "ORCID refused it"),
                        ("outcome_unknown", "Sent, answer lost: to reconcile"),
                    ], default="pending", max_length=20),
                ),
                migrations.AlterField(
                    model_name="orciditem",
                    name="unit",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="orcid_items", to="units.unit"),
                ),
            ],
            database_operations=[
                *(
                    migrations.RunSQL(
                        f'DROP INDEX IF EXISTS "{name}"',
                        reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "putcodes_orciditem" ("{column}")',
                    )
                    for name, column in _DROPPED.items()
                ),
                *(migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', reverse_sql=migrations.RunSQL.noop)
                  for name in _LIKE),
            ],
        ),
        migrations.AddIndex(
            model_name="orciditem",
            index=models.Index(fields=["orcid"], name="orciditem_orcid"),
        ),
        migrations.AddIndex(
            model_name="orciditem",
            index=models.Index(fields=["state"], name="orciditem_state"),
        ),
    ]
