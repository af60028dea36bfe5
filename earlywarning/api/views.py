"""`/api/warnings/`: the early warnings the caller's case.view scope covers (404 otherwise), and
the acknowledge / close actions."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import RestrictedViewSetMixin
from earlywarning import actions
from earlywarning.api.serializers import NoteSerializer, WarningSerializer
from earlywarning.choices import WarningKind, WarningState
from earlywarning.models import EarlyWarning


class WarningFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=WarningState.choices)
    kind = filters.ChoiceFilter(choices=WarningKind.choices)
    area = filters.CharFilter(method="filter_area", help_text="area code: warnings in that area and below")

    class Meta:
        model = EarlyWarning
        fields = ["state", "kind", "area"]

    def filter_area(self, queryset, name, value):
        from areas.models import Area

        area = Area.objects.restrict(self.request.user, "case.view").filter(code=value).first()
        return queryset.filter(area_path__startswith=area.path) if area else queryset.none()


class WarningViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Early warnings (研判预警) in the caller's scope: clusters, rises over baseline, repeat reporters."""

    capability = "case.view"
    queryset = EarlyWarning.objects.select_related("area", "category").order_by("-updated_at", "-id")
    serializer_class = WarningSerializer
    filterset_class = WarningFilter

    def _act(self, request, fn):
        warning = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fn(request.user, warning.pk, data.validated_data.get("note", ""))
        return Response(WarningSerializer(self.get_queryset().get(pk=warning.pk)).data)

    @extend_schema(request=NoteSerializer, responses={200: WarningSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge an open warning (400 if it is not open)."""
        return self._act(request, actions.acknowledge_warning)

    @extend_schema(request=NoteSerializer, responses={200: WarningSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a warning with a note saying what was found or done (400 without one)."""
        return self._act(request, actions.close_warning)
