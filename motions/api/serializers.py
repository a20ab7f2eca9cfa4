"""Request parsing and response shapes for motions. No rules here: the
services check them. Response serializers describe the payloads that
motions.selectors builds (for the OpenAPI schema)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from motions.models import Amendment
from voting.models import BASE_CHOICES, MAJORITY_CHOICES, TIE_CHOICES, Poll


class MotionSubmitSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    text = serializers.CharField(
        max_length=20000, help_text=_("Paragraphs separated by a blank line.")
    )
    reasons = serializers.CharField(max_length=20000, allow_blank=True, default="")


class SupportSerializer(serializers.Serializer):
    support = serializers.BooleanField(default=True, help_text=_("false takes the support back."))


class AdmitSerializer(serializers.Serializer):
    agenda_item_id = serializers.IntegerField()


class ReferSerializer(serializers.Serializer):
    referred_to = serializers.CharField(max_length=300)


class VoteSerializer(serializers.Serializer):
    quorum_override_reason = serializers.CharField(allow_blank=True, default="")


class AmendmentSubmitSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Amendment.Action.choices)
    paragraph = serializers.IntegerField(
        min_value=0,
        help_text=_("Replace/delete: the paragraph (from 1). Insert: after this one (0: first)."),
    )
    text = serializers.CharField(max_length=20000, allow_blank=True, default="")
    reasons = serializers.CharField(max_length=20000, allow_blank=True, default="")


class MotionSettingsSerializer(serializers.Serializer):
    min_supporters = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    majority = serializers.ChoiceField(choices=MAJORITY_CHOICES, required=False)
    base = serializers.ChoiceField(choices=BASE_CHOICES, required=False)
    tie_rule = serializers.ChoiceField(choices=TIE_CHOICES, required=False)
    secrecy = serializers.ChoiceField(choices=Poll.Secrecy.choices, required=False)


class ProjectionSerializer(serializers.Serializer):
    motion_id = serializers.IntegerField(allow_null=True)
    amendment_id = serializers.IntegerField(allow_null=True, default=None)


class ResolutionComposeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)


# --- responses ---------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    action = serializers.CharField(help_text=_("replace, insert or delete"))
    paragraph = serializers.IntegerField()
    before = serializers.CharField(allow_null=True, help_text=_("The paragraph struck."))
    after = serializers.CharField(allow_null=True, help_text=_("The text added."))


class AmendmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    motion_id = serializers.IntegerField()
    proposer = serializers.CharField()
    proposer_id = serializers.IntegerField()
    reasons = serializers.CharField()
    state = serializers.CharField()
    change = ChangeSerializer()
    poll_id = serializers.IntegerField(allow_null=True)


class SupporterSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    name = serializers.CharField()


class FinalTextSerializer(serializers.Serializer):
    text = serializers.CharField()
    sha256 = serializers.CharField()


class MotionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    paragraphs = serializers.ListField(child=serializers.CharField())
    current_text = serializers.CharField(help_text=_("With the carried amendments applied."))
    reasons = serializers.CharField()
    submitter = serializers.CharField()
    submitter_id = serializers.IntegerField()
    supporters = SupporterSerializer(many=True)
    admissible = serializers.BooleanField()
    agenda_item_id = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    referred_to = serializers.CharField()
    poll_id = serializers.IntegerField(allow_null=True)
    final = FinalTextSerializer(allow_null=True)
    amendments = AmendmentSerializer(many=True)


class MotionSettingsResponseSerializer(serializers.Serializer):
    min_supporters = serializers.IntegerField()
    majority = serializers.CharField()
    base = serializers.CharField()
    tie_rule = serializers.CharField()
    secrecy = serializers.CharField()


class ResolutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    sha256 = serializers.CharField()
    motion_ids = serializers.ListField(child=serializers.IntegerField())
    state = serializers.CharField()
    poll_id = serializers.IntegerField(allow_null=True)
