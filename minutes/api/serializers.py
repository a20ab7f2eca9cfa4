"""Shapes of the minutes API."""

from __future__ import annotations

from rest_framework import serializers


class MinutesNoteSerializer(serializers.Serializer):
    agenda_item_id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class MinutesNotesSerializer(serializers.Serializer):
    finalised = serializers.BooleanField()
    notes = MinutesNoteSerializer(many=True)


class MinutesNoteUpdateSerializer(serializers.Serializer):
    # Bounded in the service (minutes.services.NOTE_MAX_CHARS), with a sentence.
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class SavedMinutesNoteSerializer(serializers.Serializer):
    agenda_item_id = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()


class MinutesLogHeadSerializer(serializers.Serializer):
    number = serializers.IntegerField(allow_null=True)
    hash = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)


class MinutesStatusSerializer(serializers.Serializer):
    finalised = serializers.BooleanField()
    sha256 = serializers.CharField(required=False, help_text="SHA-256 of the finalised PDF.")
    language = serializers.CharField(required=False)
    document_id = serializers.IntegerField(required=False)
    version = serializers.IntegerField(required=False)
    finalised_at = serializers.DateTimeField(required=False)
    finalised_by = serializers.CharField(required=False, allow_null=True)
    log_head = MinutesLogHeadSerializer(
        required=False, help_text="The meeting log's head printed in the PDF."
    )
