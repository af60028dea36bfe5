"""/api/patrols/ and /api/home-visits/: patrols scoped by patrol.view; starting, posting points
and ending need patrol.do and go through patrols.actions. Home visits never carry the note."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from accounts.scope import get_scope
from core.api.views import RestrictedReadOnlyViewSet, RestrictedViewSetMixin
from patrols import actions
from patrols.choices import Finding
from patrols.models import HomeVisit, Patrol


class PatrolSerializer(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True)
    worker = serializers.CharField(source="worker.display_name", read_only=True)
    cases = serializers.SerializerMethodField()

    class Meta:
        model = Patrol
        fields = ["id", "grid", "grid_code", "worker", "state", "started_at", "ended_at", "distance_m", "coverage",
                  "point_count", "rejected_points", "cases"]
        read_only_fields = fields

    def get_cases(self, obj) -> list[int]:
        return [link.case_id for link in obj.case_links.all()]


class StartSerializer(serializers.Serializer):
    grid = serializers.IntegerField(required=False, help_text="the grid to patrol (default: your first grid)")


class PointSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    accuracy = serializers.FloatField(required=False, allow_null=True)
    at = serializers.DateTimeField()


class PointsSerializer(serializers.Serializer):
    points = PointSerializer(many=True)


PointsResult = inline_serializer("PatrolPointsResult", {
    "accepted": serializers.IntegerField(), "rejected": serializers.IntegerField(),
    "reasons": serializers.DictField(child=serializers.IntegerField()),
    "distance_m": serializers.FloatField(), "points": serializers.IntegerField()})


def _raise(exc: DjangoValidationError):
    # the error body is always an object: field errors by name, anything else under "detail"
    raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class PatrolViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Patrol.objects.select_related("grid", "worker").defer("grid__boundary").prefetch_related("case_links")
    serializer_class = PatrolSerializer
    capability = "patrol.view"
    filterset_fields = ["grid", "state"]

    def _mine(self) -> Patrol:
        patrol = self.get_object()
        if patrol.worker_id != self.request.user.pk:
            raise NotFound
        return patrol

    @extend_schema(request=StartSerializer, responses={201: PatrolSerializer})
    def create(self, request, *args, **kwargs):
        if not get_scope(request.user).can("patrol.do"):
            raise PermissionDenied
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grid = None
        if data.validated_data.get("grid"):
            grid = actions.patrol_grids(request.user).filter(pk=data.validated_data["grid"]).first()
            if grid is None:
                raise NotFound
        try:
            patrol = actions.start_patrol(request.user, grid=grid)
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(PatrolSerializer(patrol).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PointsSerializer, responses={200: PointsResult})
    @action(detail=True, methods=["post"])
    def points(self, request, pk=None):
        patrol = self._mine()
        data = PointsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = actions.add_points(request.user, patrol, [dict(p) for p in data.validated_data["points"]])
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(result)

    @extend_schema(request=None, responses={200: PatrolSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        patrol = self._mine()
        try:
            patrol = actions.end_patrol(request.user, patrol)
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(PatrolSerializer(patrol).data)


class HomeVisitSerializer(serializers.ModelSerializer):
    worker = serializers.CharField(source="worker.display_name", read_only=True)
    version = serializers.SerializerMethodField(help_text="send it back with a PATCH to refuse a stale change")

    class Meta:
        model = HomeVisit
        fields = ["id", "household", "grid", "patrol", "worker", "visited_at", "finding", "version"]
        read_only_fields = ["id", "household", "grid", "patrol", "worker", "visited_at", "finding"]

    def get_version(self, obj) -> str:
        return actions.visit_version(obj)


class VisitUpdateSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=Finding.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="write-only: stored encrypted, never returned")
    version = serializers.CharField(required=False, allow_blank=True)


class HomeVisitViewSet(RestrictedReadOnlyViewSet):
    queryset = HomeVisit.objects.select_related("worker", "grid")
    serializer_class = HomeVisitSerializer
    capability = "patrol.view"

    @extend_schema(request=VisitUpdateSerializer, responses={200: HomeVisitSerializer})
    def partial_update(self, request, pk=None):
        """The visiting worker corrects the finding or the note within a few days of the visit."""
        visit = self.get_object()
        data = VisitUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        visit = actions.update_visit(request.user, visit, finding=values.get("finding"), note=values.get("note"),
                                     version=values.get("version"))
        return Response(HomeVisitSerializer(visit).data)
