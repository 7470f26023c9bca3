"""Canonical content hashes (issue 17, item 3): each ledger hash that is its object's legacy hash
becomes the canonical one, so the upgrade writes nothing to ORCID (putcodes/hash_upgrade.py
says why this rule and not another).

It runs the application's serialisers (a hash is what they produce), so it reads the real
models: only when the ledger has rows, i.e. on an upgrade where the models are those of this
release. A fresh database skips it."""

from django.db import migrations


def upgrade(apps, schema_editor):
    historical = apps.get_model("putcodes", "OrcidItem")
    if not historical.objects.exclude(content_hash="", attempted_hash="").exists():
        return
    from putcodes.hash_upgrade import ledger_hashes_upgrade

    ledger_hashes_upgrade()


class Migration(migrations.Migration):
    dependencies = [("putcodes", "0005_ledger_in_flight_run_liveness")]

    operations = [migrations.RunPython(upgrade, migrations.RunPython.noop, elidable=True)]
