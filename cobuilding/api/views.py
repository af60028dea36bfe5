"""/api/cobuilding/entries/, /api/cobuilding/matches/, /api/cobuilding/projects/: read-only,
scoped by community.view."""

from __future__ import annotations

from rest_framework import serializers

from cobuilding.models import ListEntry, Match, Project
from core.api.views import RestrictedReadOnlyViewSet


class ListEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ListEntry
        fields = ["id", "kind", "title", "category", "description", "state", "area", "organization", "created_at"]
        read_only_fields = fields


class MatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Match
        fields = ["id", "need", "resource", "state", "note", "area", "created_at"]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "title", "owner", "area", "organization", "need", "starts_on", "ends_on", "state", "outcome"]
        read_only_fields = fields


class ListEntryViewSet(RestrictedReadOnlyViewSet):
    queryset = ListEntry.objects.all()
    serializer_class = ListEntrySerializer
    capability = "community.view"
    filterset_fields = ["kind", "state", "category"]


class MatchViewSet(RestrictedReadOnlyViewSet):
    queryset = Match.objects.all()
    serializer_class = MatchSerializer
    capability = "community.view"
    filterset_fields = ["state"]


class ProjectViewSet(RestrictedReadOnlyViewSet):
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    capability = "community.view"
    filterset_fields = ["state"]
