from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from disputes.choices import DisputeKind, MediationKind, PartyRole, Risk, Satisfaction, Source
from disputes.models import Dispute, DisputeEvent, DisputeParty, FollowUp, MediationSession, MediationStage


class PartySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="masked_name", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = DisputeParty
        fields = ["id", "role", "person", "name", "phone"]


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationSession
        fields = ["id", "held_at", "place", "summary"]


class StageSerializer(serializers.ModelSerializer):
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta:
        model = MediationStage
        fields = ["id", "kind", "mediators", "department", "started_at", "ended_at", "end_reason", "sessions"]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "visited_at", "satisfaction", "note"]


class DisputeEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeEvent
        fields = ["action", "from_state", "to_state", "actor", "note", "created_at"]


class DisputeListSerializer(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True)

    class Meta:
        model = Dispute
        fields = ["id", "number", "title", "kind", "source", "risk", "state", "grid", "grid_code", "place",
                  "registered_at", "concluded_at", "from_case", "to_case"]


class DisputeDetailSerializer(DisputeListSerializer):
    parties = PartySerializer(many=True, read_only=True)
    stages = StageSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    events = DisputeEventSerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField(help_text="send it back with a PATCH to refuse a stale change")

    class Meta(DisputeListSerializer.Meta):
        fields = [*DisputeListSerializer.Meta.fields, "description", "outcome_note", "agreement_text",
                  "fulfilment", "fulfilment_note", "parties", "stages", "follow_ups", "events", "version"]

    def get_version(self, obj) -> str:
        from disputes.actions import dispute_version

        return dispute_version(obj)


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.APPLICANT)
    person = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)


class DisputeCreateSerializer(serializers.Serializer):
    grid = serializers.CharField(help_text="the grid's code")
    title = serializers.CharField(max_length=100)
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=DisputeKind.choices)
    source = serializers.ChoiceField(choices=Source.choices)
    risk = serializers.ChoiceField(choices=Risk.choices, default=Risk.LOW)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    from_case = serializers.IntegerField(required=False, min_value=1)
    parties = PartyInputSerializer(many=True)


class PartyUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, help_text="an existing party of the dispute")
    role = serializers.ChoiceField(choices=PartyRole.choices, required=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=50,
                                 help_text="free-text parties only; blank keeps it; stored encrypted")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                  help_text="free-text parties only; blank keeps it; stored encrypted")


class DisputeUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=DisputeKind.choices, required=False,
                                   help_text="only until the mediation is concluded")
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    parties = PartyUpdateSerializer(many=True, required=False, help_text="only until the mediation is concluded")
    version = serializers.CharField(required=False, allow_blank=True)


class MediationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MediationKind.choices)
    mediators = serializers.CharField(max_length=200)
    department = serializers.IntegerField(required=False, min_value=1, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, help_text=_("hand-over only"))


class SessionInputSerializer(serializers.Serializer):
    summary = serializers.CharField()
    held_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ConcludeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[("settled", "settled"), ("not_settled", "not_settled"),
                                               ("referred", "referred")])
    agreement_text = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class FulfilmentInputSerializer(serializers.Serializer):
    fulfilled = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)


class FollowUpInputSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class FiguresSerializer(serializers.Serializer):
    mediated = serializers.IntegerField()
    settled = serializers.IntegerField()
    settlement_rate = serializers.FloatField(allow_null=True)
    major = serializers.IntegerField()
    major_revisited = serializers.IntegerField()
    major_revisit_rate = serializers.FloatField(allow_null=True)
    follow_ups = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True)
