"""Request parsing and response shapes for documents. No rules here."""

from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import MAX_INT


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="The PDF.")
    title = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="Default: the file name."
    )
    agenda_item_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="The agenda item the document belongs to."
    )
    public = serializers.BooleanField(
        required=False, default=False, help_text="Anyone with the link may read it."
    )


class VersionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="The new version's PDF.")


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text="Random; used in every file URL of the version.")
    number = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    page_count = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting_id = serializers.IntegerField()
    title = serializers.CharField()
    agenda_item_id = serializers.IntegerField(allow_null=True)
    public = serializers.BooleanField()
    current_version = VersionSerializer(allow_null=True)
    versions = VersionSerializer(many=True, help_text="Newest first.")


class PageTextSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    page_count = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)


class NoteSerializer(serializers.Serializer):
    page = serializers.IntegerField(read_only=True)
    text = serializers.CharField(allow_blank=True, max_length=10_000, trim_whitespace=False)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class PresentSerializer(serializers.Serializer):
    document_id = serializers.IntegerField()
    page = serializers.IntegerField(min_value=1, max_value=MAX_INT)


class PresentationImagesSerializer(serializers.Serializer):
    phone = serializers.CharField()
    projector = serializers.CharField()


class PresentationSerializer(serializers.Serializer):
    document_id = serializers.IntegerField()
    version_id = serializers.IntegerField()
    version_key = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    page = serializers.IntegerField()
    page_count = serializers.IntegerField()
    alt = serializers.CharField(allow_blank=True)
    images = PresentationImagesSerializer()
    text_url = serializers.CharField()


class PresenterSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    name = serializers.CharField()


class PresentationStateSerializer(serializers.Serializer):
    presentation = PresentationSerializer(allow_null=True)
    presenter = PresenterSerializer(allow_null=True)


class PresenterAssignSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField(allow_null=True)
