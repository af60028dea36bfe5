"""/api/meetings/ (convene, minutes, decisions) and /api/meeting-decisions/ (?state=, ?overdue=1;
mark done)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from areas.models import Area, Department
from core.api.views import RestrictedViewSetMixin
from meetings import actions
from meetings.models import Decision, Meeting, MeetingAttendee


class AttendeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingAttendee
        fields = ["department", "user"]


class DecisionSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "meeting", "text", "owner_department", "due_at", "state", "overdue", "cases", "done_at",
                  "done_note"]


class MeetingSerializer(serializers.ModelSerializer):
    convener_area_code = serializers.CharField(source="convener_area.code", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "title", "convener_area", "convener_area_code", "agenda", "held_at", "place", "minutes",
                  "cases", "cancelled_at", "cancel_reason"]


class MeetingDetailSerializer(MeetingSerializer):
    attendees = AttendeeSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField(help_text="send it back with a PATCH to refuse a stale change")

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "attendees", "decisions", "version"]

    def get_version(self, obj) -> str:
        return actions.meeting_version(obj)


class MeetingUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100, required=False)
    agenda = serializers.CharField(required=False, help_text="only before the minutes are recorded")
    held_at = serializers.DateTimeField(required=False, help_text="only before the minutes are recorded")
    place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    departments = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                        help_text="the departments invited (replaces the list)")
    users = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                  help_text="other attendees (replaces the list)")
    version = serializers.CharField(required=False, allow_blank=True)


class MeetingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    version = serializers.CharField(required=False, allow_blank=True)


class ConveneSerializer(serializers.Serializer):
    area = serializers.CharField(help_text="the convening street's or community's code")
    title = serializers.CharField(max_length=100)
    agenda = serializers.CharField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    departments = serializers.ListField(child=serializers.IntegerField(min_value=1))
    users = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class MinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField()


class DecisionInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    owner_department = serializers.IntegerField(min_value=1)
    working_days = serializers.IntegerField(min_value=1, max_value=actions.MAX_DECISION_DAYS)
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class DoneSerializer(serializers.Serializer):
    note = serializers.CharField()


def _departments(user, ids):
    found = list(Department.objects.restrict(user).select_related("area").filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise APIValidationError({"departments": [_("Unknown department.")]})
    return found


def _cases(user, ids):
    from cases.models import Case

    found = list(Case.objects.restrict(user).filter(pk__in=ids or []))
    if len(found) != len(set(ids or [])):
        raise APIValidationError({"cases": [_("Unknown case.")]})
    return found


class MeetingViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Joint meetings convened in the user's areas (a department: those it attends or owns decisions of)."""

    queryset = Meeting.objects.select_related("convener_area").prefetch_related("cases").order_by("-held_at", "-id")
    capability = "meeting.view"

    def get_serializer_class(self):
        if self.action == "create":
            return ConveneSerializer
        return MeetingDetailSerializer if self.action != "list" else MeetingSerializer

    def _detail(self, meeting):
        meeting = self.get_queryset().prefetch_related("attendees", "decisions__cases").get(pk=meeting.pk)
        return MeetingDetailSerializer(meeting).data

    @extend_schema(request=ConveneSerializer, responses={201: MeetingDetailSerializer})
    def create(self, request):
        data = ConveneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        area = Area.objects.restrict(user, "meeting.change").filter(code=values["area"]).first()
        if area is None:
            raise APIValidationError({"area": [_("Unknown area.")]})
        users = list(get_user_model().objects.filter(pk__in=values.get("users") or [], is_active=True))
        if len(users) != len(set(values.get("users") or [])):
            raise APIValidationError({"users": [_("Unknown or inactive user.")]})
        meeting = actions.convene_meeting(user, area=area, title=values["title"], agenda=values["agenda"],
                                          held_at=values["held_at"], place=values.get("place", ""),
                                          departments=_departments(user, values["departments"]), users=users,
                                          cases=_cases(user, values.get("cases")))
        return Response(self._detail(meeting), status=status.HTTP_201_CREATED)

    @extend_schema(request=MeetingUpdateSerializer, responses={200: MeetingDetailSerializer})
    def partial_update(self, request, pk=None):
        """Correct a meeting: topic and place until cancelled; agenda, time and attendees until the minutes."""
        meeting = self.get_object()
        data = MeetingUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        users = None
        if "users" in values:
            users = list(get_user_model().objects.filter(pk__in=values["users"], is_active=True))
            if len(users) != len(set(values["users"])):
                raise APIValidationError({"users": [_("Unknown or inactive user.")]})
        departments = _departments(user, values["departments"]) if "departments" in values else None
        actions.update_meeting(user, meeting, title=values.get("title"), agenda=values.get("agenda"),
                               held_at=values.get("held_at"), place=values.get("place"), departments=departments,
                               users=users, version=values.get("version"))
        return Response(self._detail(meeting))

    @extend_schema(request=MeetingCancelSerializer, responses={200: MeetingDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Call off a meeting that will not take place (before minutes or decisions)."""
        meeting = self.get_object()
        data = MeetingCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.cancel_meeting(request.user, meeting, reason=data.validated_data["reason"],
                               version=data.validated_data.get("version"))
        return Response(self._detail(meeting))

    @extend_schema(request=MinutesSerializer, responses={200: MeetingDetailSerializer})
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        meeting = self.get_object()
        data = MinutesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.record_minutes(request.user, meeting, minutes=data.validated_data["minutes"])
        return Response(self._detail(meeting))

    @extend_schema(request=DecisionInputSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"])
    def decisions(self, request, pk=None):
        meeting = self.get_object()
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        department = _departments(request.user, [values["owner_department"]])[0]
        decision = actions.add_decision(request.user, meeting, text=values["text"], owner_department=department,
                                        working_days=values["working_days"],
                                        cases=_cases(request.user, values.get("cases")))
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("state", str, required=False, enum=["open", "done"]),
                           OpenApiParameter("overdue", bool, required=False)])
class DecisionViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Meeting decisions in scope; a department handler sees those its department owns."""

    queryset = Decision.objects.prefetch_related("cases").order_by("due_at", "id")
    serializer_class = DecisionSerializer
    capability = "meeting.view"

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("state") in ("open", "done"):
            qs = qs.filter(state=self.request.query_params["state"])
        if self.request.query_params.get("overdue") in ("1", "true"):
            qs = qs.overdue()
        return qs

    @extend_schema(request=DoneSerializer, responses={200: DecisionSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        decision = self.get_object()
        data = DoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = actions.complete_decision(request.user, decision, note=data.validated_data["note"])
        return Response(DecisionSerializer(decision).data)
