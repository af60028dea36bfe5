"""/api/cobuilding/entries/, /api/cobuilding/matches/, /api/cobuilding/projects/: scoped by
community.view; writes need community.change and go through cobuilding.actions (the checks'
order is in volunteers/api/common.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cobuilding import actions
from cobuilding.choices import Category, EntryKind, MatchState, ProjectState
from cobuilding.models import ListEntry, Match, Project
from core.api.views import RestrictedViewSetMixin
from registry.models import Organization
from volunteers.api.common import area_to_change, merged, pick, require_change


class ListEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ListEntry
        fields = ["id", "kind", "title", "category", "description", "state", "area", "organization", "created_at"]
        read_only_fields = fields


class ListEntryInputSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="the community")
    kind = serializers.ChoiceField(choices=EntryKind.choices, help_text="need or resource (only on creation)")
    title = serializers.CharField(max_length=120)
    category = serializers.ChoiceField(choices=Category.choices, required=False, default=Category.OTHER)
    description = serializers.CharField(required=False, allow_blank=True)
    organization = serializers.IntegerField(required=False, allow_null=True,
                                            help_text="a resident organization of the registry, in the community")


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


def _organization(user, pk):
    return pick(Organization.objects.restrict(user), pk, _("organization"))


class ListEntryViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    queryset = ListEntry.objects.select_related("area")
    serializer_class = ListEntrySerializer
    capability = "community.view"
    filterset_fields = ["kind", "state", "category"]

    @extend_schema(request=ListEntryInputSerializer, responses={201: ListEntrySerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        data = ListEntryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = area_to_change(user, values["area"])
        entry = actions.save_entry(user, area=area, kind=values["kind"], title=values["title"],
                                   category=values["category"], description=values.get("description") or "",
                                   organization=_organization(user, values.get("organization")))
        return Response(ListEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ListEntryInputSerializer, responses={200: ListEntrySerializer})
    def partial_update(self, request, *args, **kwargs):
        user = request.user
        entry = self.get_object()
        require_change(user, entry.area)
        data = ListEntryInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("kind", entry.kind) != entry.kind:
            raise serializers.ValidationError({"kind": [_("An entry stays on its list.")]})
        values = merged(entry, data.validated_data, {"title": "title", "category": "category",
                                                     "description": "description",
                                                     "organization": "organization_id"})
        area = area_to_change(user, values["area"]) if "area" in values else entry.area
        entry = actions.save_entry(user, area=area, kind=entry.kind, title=values["title"],
                                   category=values["category"], description=values["description"],
                                   organization=_organization(user, values["organization"]), entry=entry)
        return Response(ListEntrySerializer(entry).data)

    @extend_schema(request=CloseSerializer, responses={200: ListEntrySerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the entry; its matches under way are cancelled."""
        entry = self.get_object()
        require_change(request.user, entry.area)
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = actions.close_entry(request.user, entry, note=data.validated_data.get("note") or "")
        return Response(ListEntrySerializer(entry).data)


class MatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Match
        fields = ["id", "need", "resource", "state", "note", "area", "created_at"]
        read_only_fields = fields


class MatchInputSerializer(serializers.Serializer):
    need = serializers.IntegerField()
    resource = serializers.IntegerField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class MatchMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=[(s, s.label) for s in MatchState if s != MatchState.PROPOSED])
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class MatchViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    queryset = Match.objects.select_related("area")
    serializer_class = MatchSerializer
    capability = "community.view"
    filterset_fields = ["state"]

    @extend_schema(request=MatchInputSerializer, responses={201: MatchSerializer})
    def create(self, request, *args, **kwargs):
        """Match a need to a resource (one live match per pair)."""
        user = request.user
        require_change(user)
        data = MatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entries = ListEntry.objects.restrict(user).select_related("area")
        need = pick(entries, values["need"], _("need"))
        resource = pick(entries, values["resource"], _("resource"))
        require_change(user, need.area)
        match = actions.propose_match(user, need=need, resource=resource, note=values.get("note") or "")
        return Response(MatchSerializer(match).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MatchMoveSerializer, responses={200: MatchSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """proposed → agreed → done, or → cancelled; a done match closes the need."""
        match = self.get_object()
        require_change(request.user, match.area)
        data = MatchMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = actions.move_match(request.user, match, to=data.validated_data["to"],
                                   note=data.validated_data.get("note") or "")
        return Response(MatchSerializer(match).data)


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "title", "owner", "area", "organization", "need", "starts_on", "ends_on", "state", "outcome"]
        read_only_fields = fields


class ProjectInputSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="the community")
    title = serializers.CharField(max_length=120)
    owner = serializers.CharField(max_length=60)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    state = serializers.ChoiceField(choices=ProjectState.choices, required=False, default=ProjectState.PLANNED)
    outcome = serializers.CharField(required=False, allow_blank=True)
    organization = serializers.IntegerField(required=False, allow_null=True)
    need = serializers.IntegerField(required=False, allow_null=True)


class ProjectFinishSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="today when not given")


class ProjectViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    queryset = Project.objects.select_related("area")
    serializer_class = ProjectSerializer
    capability = "community.view"
    filterset_fields = ["state"]

    def _save(self, user, area, values, project=None):
        need = pick(ListEntry.objects.restrict(user).filter(kind=EntryKind.NEED), values.get("need"), _("need"))
        return actions.save_project(user, area=area, title=values["title"], owner=values["owner"],
                                    starts_on=values["starts_on"], ends_on=values.get("ends_on"),
                                    state=values["state"], outcome=values.get("outcome") or "",
                                    organization=_organization(user, values.get("organization")), need=need,
                                    project=project)

    @extend_schema(request=ProjectInputSerializer, responses={201: ProjectSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        data = ProjectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = area_to_change(user, data.validated_data["area"])
        project = self._save(user, area, data.validated_data)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProjectInputSerializer, responses={200: ProjectSerializer})
    def partial_update(self, request, *args, **kwargs):
        user = request.user
        project = self.get_object()
        require_change(user, project.area)
        data = ProjectInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = merged(project, data.validated_data, {
            "title": "title", "owner": "owner", "starts_on": "starts_on", "ends_on": "ends_on", "state": "state",
            "outcome": "outcome", "organization": "organization_id", "need": "need_id"})
        area = area_to_change(user, values["area"]) if "area" in values else project.area
        project = self._save(user, area, values, project=project)
        return Response(ProjectSerializer(project).data)

    @extend_schema(request=ProjectFinishSerializer, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        """Finish the project with its outcome."""
        project = self.get_object()
        require_change(request.user, project.area)
        data = ProjectFinishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = actions.finish_project(request.user, project, outcome=data.validated_data["outcome"],
                                         ends_on=data.validated_data.get("ends_on"))
        return Response(ProjectSerializer(project).data)
