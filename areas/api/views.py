from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from areas import actions, selectors
from areas.access import access_area
from areas.api.serializers import (
    AreaDetailSerializer,
    AreaSerializer,
    AreaUpdateSerializer,
    AreaWriteSerializer,
    DepartmentSerializer,
    EndAssignmentSerializer,
    ResolveSerializer,
    StaffAssignmentSerializer,
)
from areas.choices import Level
from areas.models import Area, Department, StaffAssignment
from areas.resolver import get_index
from core.api.views import RestrictedViewSetMixin


class AreaFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices)
    parent = filters.NumberFilter(field_name="parent_id")
    code = filters.CharFilter(field_name="code")
    q = filters.CharFilter(field_name="name", lookup_expr="icontains")
    within = filters.NumberFilter(method="filter_within", label="within area id")

    class Meta:
        model = Area
        fields = ["level", "parent", "code", "q", "within"]

    def filter_within(self, queryset, name, value):
        root = Area.objects.filter(pk=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(path__startswith=root.path)


class AreaViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The area tree, scoped to the areas the user's roles cover (and everything below them)."""

    queryset = Area.objects.order_by("path")
    filterset_class = AreaFilter

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            qs = qs.defer("boundary")
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AreaDetailSerializer
        return AreaSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        parent_ids = {a.parent_id for a in page if a.parent_id}
        parent_codes = dict(Area.objects.filter(pk__in=parent_ids).values_list("id", "code"))
        serializer = AreaSerializer(page, many=True, context={**self.get_serializer_context(), "parent_codes": parent_codes})
        return self.get_paginated_response(serializer.data)

    @extend_schema(request=AreaWriteSerializer, responses={201: AreaDetailSerializer})
    def create(self, request):
        data = AreaWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent = access_area(request.user, values.pop("parent"))
        area = actions.create_area(request.user, parent=parent, **values)
        return Response(AreaDetailSerializer(area).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AreaUpdateSerializer, responses={200: AreaDetailSerializer})
    def partial_update(self, request, pk=None):
        area = self.get_object()
        data = AreaUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        area = actions.update_area(request.user, area, **data.validated_data)
        return Response(AreaDetailSerializer(area).data)

    def destroy(self, request, pk=None):
        area = self.get_object()
        actions.delete_area(request.user, area)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True),
                    OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True)],
        responses={200: inline_serializer("ResolvedArea", {
            "area": AreaSerializer(), "path": AreaSerializer(many=True)})},
    )
    @action(detail=False, methods=["get"])
    def resolve(self, request):
        """The finest area containing lon/lat, with its chain of ancestors the user may see."""
        params = ResolveSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        area_id = get_index().resolve(params.validated_data["lon"], params.validated_data["lat"])
        visible = self.get_queryset()
        area = visible.filter(pk=area_id).first() if area_id is not None else None
        if area is None:
            raise NotFound(_("This location is not inside any area you can see."))
        chain = list(visible.filter(pk__in=area.ancestor_ids()).order_by("depth"))
        return Response({"area": AreaSerializer(area).data, "path": AreaSerializer(chain, many=True).data})

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The area and everything below it as a GeoJSON FeatureCollection."""
        root = self.get_object()
        areas = self.get_queryset().filter(path__startswith=root.path, boundary__isnull=False).select_related("parent")
        response = Response(actions.export_geojson(areas))
        response["Content-Disposition"] = f'attachment; filename="areas-{root.code}.geojson"'
        return response

    @extend_schema(
        request=inline_serializer("AreaImport", {"root": serializers.IntegerField(required=False),
                                                  "file": serializers.FileField(required=False),
                                                  "geojson": serializers.JSONField(required=False)}),
        responses={200: inline_serializer("AreaImportResult", {"created": serializers.IntegerField(),
                                                                "updated": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[JSONParser, MultiPartParser, FormParser])
    def import_(self, request):
        """Create or update areas from a GeoJSON FeatureCollection (all features or none)."""
        root = access_area(request.user, request.data["root"]) if request.data.get("root") else None
        if "file" in request.FILES:
            payload = request.FILES["file"].read()
        elif "geojson" in request.data:
            payload = request.data["geojson"]
        else:
            payload = request.data
        result = actions.import_geojson(request.user, payload, root=root)
        return Response(result)


class DepartmentViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.select_related("area").order_by("code")
    serializer_class = DepartmentSerializer
    filterset_fields = ["kind", "area", "is_active"]


class StaffAssignmentFilter(filters.FilterSet):
    active = filters.BooleanFilter(method="filter_active")
    within = filters.NumberFilter(method="filter_within", label="within area id")

    class Meta:
        model = StaffAssignment
        fields = ["area", "duty", "user", "active", "within"]

    def filter_active(self, queryset, name, value):
        active_ids = StaffAssignment.objects.active().values("id")
        return queryset.filter(id__in=active_ids) if value else queryset.exclude(id__in=active_ids)

    def filter_within(self, queryset, name, value):
        root = Area.objects.filter(pk=value).only("path").first()
        return queryset.filter(area__path__startswith=root.path) if root else queryset.none()


class StaffAssignmentViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Grid staff assignments (grid chief, grid workers, liaison, sponsoring leader), with history."""

    queryset = StaffAssignment.objects.select_related("user", "area").order_by("area__path", "duty", "starts_on")
    serializer_class = StaffAssignmentSerializer
    filterset_class = StaffAssignmentFilter

    def create(self, request):
        data = StaffAssignmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = access_area(request.user, values["area"].pk)
        assignment = actions.assign_staff(request.user, user=values["user"], area=area, duty=values["duty"],
                                          starts_on=values.get("starts_on"), note=values.get("note", ""))
        return Response(StaffAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndAssignmentSerializer, responses={200: StaffAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        data = EndAssignmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = actions.end_staff_assignment(request.user, assignment, data.validated_data.get("ends_on"))
        return Response(StaffAssignmentSerializer(assignment).data)


class ForceListView(APIView):
    """三级力量清单: people per duty and role for each street, community and grid."""

    @extend_schema(parameters=[OpenApiParameter("area", OpenApiTypes.INT, required=False)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        if request.query_params.get("area"):
            root = access_area(request.user, request.query_params["area"])
        else:
            roots = selectors.visible_roots(request.user)
            if not roots:
                raise Http404
            root = roots[0]
        rows = selectors.force_list(request.user, root)
        return Response({
            "root": root.code,
            "results": [
                {"id": r["area"].id, "code": r["area"].code, "name": r["area"].name, "level": r["area"].level,
                 "direct": r["direct"], "total": r["total"]}
                for r in rows
            ],
        })
