"""/api/notifications/ (the inbox), /api/audit-log/ and /api/work-calendar/.

- Notifications are the user's own: anyone else's id is a 404.
- The audit log needs `audit.view` and shows the districts where the user's roles carry it, like
  the /audit/ page; without it the list is empty and every entry a 404.
- The work calendar is the same for everyone: every day of a range with whether it is a working day
  (the national calendar with the local overrides), and the overrides themselves.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import get_scope
from core.models import AuditLog, Notification, WorkdayOverride
from core.notify import mark_read


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "url", "object_type", "object_id", "created_at", "read_at", "read"]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="only unread (true) or read")
    kind = filters.CharFilter()
    object_type = filters.CharFilter()
    object_id = filters.CharFilter()

    class Meta:
        model = Notification
        fields = ["unread", "kind", "object_type", "object_id"]


MarkedSerializer = inline_serializer("Marked", {"marked": serializers.IntegerField()})


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The user's inbox, newest first. Reading is marking read: one message or all of them."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()  # for the schema; get_queryset is the user's own

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = self.get_object()
        mark_read(request.user, [note.pk])
        note.refresh_from_db()
        return Response(NotificationSerializer(note).data)

    @extend_schema(request=None, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": mark_read(request.user)})


class AuditLogSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = AuditLog
        fields = ["id", "created_at", "actor", "actor_repr", "action", "object_type", "object_id", "object_repr",
                  "district_code", "before", "after", "note"]
        read_only_fields = fields


class AuditLogFilter(filters.FilterSet):
    action = filters.CharFilter()
    actor = filters.CharFilter(field_name="actor_repr", lookup_expr="icontains", label="actor name contains")
    object_type = filters.CharFilter()
    object_id = filters.CharFilter()
    after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["action", "actor", "object_type", "object_id", "after", "before"]


class AuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log of the districts where the user's roles carry audit.view (read-only, append-only).
    The IP address is not exposed."""

    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilter
    queryset = AuditLog.objects.none()

    def get_queryset(self):
        from web.views import audit_districts

        scope = get_scope(self.request.user)
        entries = AuditLog.objects.select_related("actor").order_by("-created_at", "-id")
        if scope.is_superuser:
            return entries
        if not scope.can("audit.view"):
            return entries.none()
        return entries.filter(district_code__in=audit_districts(scope))


class OverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkdayOverride
        fields = ["date", "is_workday", "note"]


class WorkDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    is_workday = serializers.BooleanField()
    override = serializers.CharField(allow_null=True, help_text="the local override's note, if the day has one")


MAX_CALENDAR_DAYS = 400


class WorkCalendarView(APIView):
    """Working days (national holidays and make-up days plus the local overrides) between two dates;
    deadlines are counted in these days (docs/case-loop.md)."""

    @extend_schema(
        parameters=[OpenApiParameter("start", dt.date, description="first day (default: today)"),
                    OpenApiParameter("end", dt.date, description="last day (default: start + 30 days; at most "
                                                                 "400 days)")],
        responses={200: inline_serializer("WorkCalendar", {
            "start": serializers.DateField(), "end": serializers.DateField(),
            "workdays": serializers.IntegerField(), "days": WorkDaySerializer(many=True),
            "overrides": OverrideSerializer(many=True)})},
    )
    def get(self, request):
        from django.utils import timezone

        from core.workcalendar import get_calendar

        start = self._date(request, "start") or timezone.localdate()
        end = self._date(request, "end") or start + dt.timedelta(days=30)
        if end < start or (end - start).days >= MAX_CALENDAR_DAYS:
            raise ValidationError({"end": [_("Give an end on or after the start, at most 400 days later.")]})
        calendar = get_calendar()
        overrides = {o.date: o for o in WorkdayOverride.objects.filter(date__gte=start, date__lte=end)}
        days = []
        for offset in range((end - start).days + 1):
            day = start + dt.timedelta(days=offset)
            days.append({"date": day, "is_workday": calendar.is_workday(day),
                         "override": overrides[day].note if day in overrides else None})
        return Response({
            "start": start, "end": end, "workdays": sum(d["is_workday"] for d in days),
            "days": WorkDaySerializer(days, many=True).data,
            "overrides": OverrideSerializer(list(overrides.values()), many=True).data,
        })

    @staticmethod
    def _date(request, name):
        value = request.query_params.get(name)
        if value is None:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({name: [_("Give a date as YYYY-MM-DD.")]}) from None
        if day.year < 2000 or day.year > 2100:
            raise ValidationError({name: [_("Give a date as YYYY-MM-DD.")]})
        return day
