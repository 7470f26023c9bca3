from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("putcodes", "0006_canonical_content_hashes"),
    ]

    operations = [
        migrations.AddField(
            model_name="orciditem",
            name="written_fingerprint",
            field=models.CharField(
                blank=True, max_length=32,
                help_text="Fingerprint of the local data last written (skips re-serialising).",
            ),
        ),
    ]
