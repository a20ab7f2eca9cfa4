"""Polls get a position in their meeting's list, numbered in the order they
were created, so that drafts prepared ahead can be put in the order of the day."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def number_polls(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Poll = apps.get_model("voting", "Poll")
    numbered = []
    meeting_id, position = None, 0
    for poll in Poll.objects.order_by("meeting_id", "created_at", "id").only("id", "meeting_id"):
        if poll.meeting_id != meeting_id:
            meeting_id, position = poll.meeting_id, 0
        position += 1
        poll.position = position
        numbered.append(poll)
    Poll.objects.bulk_update(numbered, ["position"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0004_poll_record_format"),
    ]

    operations = [
        migrations.AddField(
            model_name="poll",
            name="position",
            field=models.PositiveIntegerField(default=0, verbose_name="position"),
        ),
        migrations.RunPython(number_polls, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="poll",
            options={
                "ordering": ["meeting", "position", "id"],
                "verbose_name": "poll",
                "verbose_name_plural": "polls",
            },
        ),
    ]
