"""Request parsing and response shapes for the speakers' list. No rules here."""

from __future__ import annotations

from rest_framework import serializers

from speakers.models import Speech


class SpeakerSettingsSerializer(serializers.Serializer):
    speaking_time = serializers.IntegerField(help_text="Seconds per speech; 0: no limit.")
    max_speeches = serializers.IntegerField(help_text="Per member per item; 0: no limit.")
    first_time_first = serializers.BooleanField()


class SpeakerSettingsUpdateSerializer(serializers.Serializer):
    speaking_time = serializers.IntegerField(required=False, allow_null=True)
    max_speeches = serializers.IntegerField(required=False, allow_null=True)
    first_time_first = serializers.BooleanField(required=False, allow_null=True)


class SpeechSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Speech.Kind.choices)
    state = serializers.ChoiceField(choices=Speech.State.choices)
    number = serializers.IntegerField(help_text="1: the member's first speech on the item.")
    time_limit = serializers.IntegerField(help_text="Seconds; 0: no limit.")
    requested_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    elapsed_ms = serializers.IntegerField(help_text="Time spoken before the current run.")
    running_since = serializers.DateTimeField(allow_null=True)


class SpeakerListSerializer(serializers.Serializer):
    agenda_item_id = serializers.IntegerField()
    closed = serializers.BooleanField()
    speaking_time = serializers.IntegerField(allow_null=True, help_text="null: as the meeting.")
    max_speeches = serializers.IntegerField(allow_null=True, help_text="null: as the meeting.")
    first_time_first = serializers.BooleanField(allow_null=True, help_text="null: as the meeting.")
    current = SpeechSerializer(allow_null=True)
    waiting = SpeechSerializer(many=True, help_text="In the order they will speak.")
    done = SpeechSerializer(many=True, help_text="The history.")


class SpeakersSerializer(serializers.Serializer):
    settings = SpeakerSettingsSerializer()
    lists = serializers.DictField(child=SpeakerListSerializer(), help_text="Per agenda item id.")


class SpeechRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Speech.Kind.choices, default=Speech.Kind.SPEAK)
    agenda_item_id = serializers.IntegerField(required=False, allow_null=True)
    participant_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Chair or clerk: on this member's behalf."
    )


class SpeakersReorderSerializer(serializers.Serializer):
    speech_ids = serializers.ListField(child=serializers.IntegerField())
    agenda_item_id = serializers.IntegerField(required=False, allow_null=True)


class SpeakerCallSerializer(serializers.Serializer):
    speech_id = serializers.IntegerField(required=False, allow_null=True)
    agenda_item_id = serializers.IntegerField(required=False, allow_null=True)


class SpeakerTimerSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["start", "pause", "stop"])
    agenda_item_id = serializers.IntegerField(required=False, allow_null=True)


class SpeakersCloseSerializer(serializers.Serializer):
    closed = serializers.BooleanField()
    agenda_item_id = serializers.IntegerField(required=False, allow_null=True)
