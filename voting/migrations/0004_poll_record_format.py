from django.db import migrations, models


def earlier_polls_keep_format_2(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Polls already opened signed their ballots with the weight inside: their
    records stay in format 2. Drafts will open in format 3."""
    Poll = apps.get_model("voting", "Poll")
    Poll.objects.filter(opened_at__isnull=False).update(record_format=2)


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0003_ballot_nonce_sealed_roll"),
    ]

    operations = [
        migrations.AddField(
            model_name="poll",
            name="record_format",
            field=models.PositiveSmallIntegerField(default=3, editable=False),
        ),
        migrations.RunPython(earlier_polls_keep_format_2, migrations.RunPython.noop),
    ]
