"""/api/residents/, /api/households/, /api/dwellings/, /api/organizations/: the registry through the
API, masked and scoped like the pages.

People (residents, households) need `registry.view`; places (dwellings, organizations) need
`registry.places`, which departments have too. Out of scope is a 404. Every list and detail of
people writes an audit row naming the records shown (never their personal data); a search (`q`)
goes through `registry.search.search_people`, which audits itself; unmasking goes through
`registry.actions.unmask` (its own capability, a stated purpose, audited).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.scope import get_scope
from areas.models import Area
from core.api.views import RestrictedReadOnlyViewSet, RestrictedViewSetMixin
from core.audit import record
from registry import actions
from registry.access import access_dwelling, access_household
from registry.api.serializers import (
    BuildingSerializer,
    DwellingSerializer,
    EstateSerializer,
    HouseholdSerializer,
    OrganizationSerializer,
    PersonSerializer,
    PersonWriteSerializer,
)
from registry.choices import OrganizationKind, ResidenceStatus, SpecialGroup
from registry.models import Building, Dwelling, Estate, Household, Organization, Person, SpecialGroupTag
from registry.search import search_people

# at most this many people come back from one search (`q`), across all pages
SEARCH_LIMIT = 200


def audit_list(user, what: str, ids: list[int], count: int, filters: dict, **extra) -> None:
    """A list of people shown: who, when, which records (ids), with which filters — no personal data."""
    record(user, "registry.list", object_type=f"registry.{what}", object_repr=f"{len(ids)} rows",
           after={"results": ids[:1000], "count": count, "filters": filters, **extra})


class AreaCodeFilterMixin:
    def filter_grid(self, queryset, name, value):
        """An area code: a grid, or a community/street/district (everything below it)."""
        area = Area.objects.filter(code=value.strip()).only("path").first()
        if area is None:
            return queryset.none()
        return queryset.filter(area_path__startswith=area.path)


class PersonFilter(AreaCodeFilterMixin, filters.FilterSet):
    grid = filters.CharFilter(method="filter_grid", label="area code (a grid, or everything below an area)")
    residence_status = filters.ChoiceFilter(choices=ResidenceStatus.choices)
    special_group = filters.ChoiceFilter(choices=SpecialGroup.choices, method="filter_special_group",
                                         label="current special-group tag (needs registry.sensitive)")
    moved_out = filters.BooleanFilter(method="filter_moved_out",
                                      label="true: only people who moved out; default: only current residents")

    class Meta:
        model = Person
        fields = ["grid", "residence_status", "special_group", "moved_out"]

    def filter_special_group(self, queryset, name, value):
        """Only where the user may see tags: people outside their registry.sensitive are left out."""
        user = self.request.user
        if not get_scope(user).can("registry.sensitive"):
            raise PermissionDenied(_("You are not allowed to filter by special group."))
        today = timezone.localdate()
        tagged = (SpecialGroupTag.objects.filter(kind_index=SpecialGroupTag.index_of(value), starts_on__lte=today)
                  .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).values("person_id"))
        sensitive = Person.objects.restrict(user, "registry.sensitive").values("pk")
        return queryset.filter(pk__in=tagged).filter(pk__in=sensitive)

    def filter_moved_out(self, queryset, name, value):
        return queryset.filter(moved_out_on__isnull=not value)


class UnmaskSerializer(serializers.Serializer):
    purpose = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                    help_text="why the full personal data is needed (required, audited)")


UnmaskedSerializer = inline_serializer("Unmasked", {
    "id": serializers.IntegerField(), "name": serializers.CharField(), "id_type": serializers.CharField(),
    "id_number": serializers.CharField(), "phone": serializers.CharField(),
})


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter(
        "q", OpenApiTypes.STR, description="the one search box: name, pinyin or initials, a full id number, a "
                                           "full phone, its last 4 digits, an address fragment (audited)")]),
    retrieve=extend_schema(parameters=[OpenApiParameter(
        "purpose", OpenApiTypes.STR, description="why the resident is viewed (goes into the audit row)")]),
)
class PersonViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Residents in the user's scope, masked. Every list, search and view is audited."""

    capability = "registry.view"
    queryset = Person.objects.select_related("grid").order_by("area_path", "name", "id")
    serializer_class = PersonSerializer
    filterset_class = PersonFilter

    def get_queryset(self):
        qs = super().get_queryset()
        if get_scope(self.request.user).can("registry.sensitive"):
            qs = qs.prefetch_related("tags")
        if self.action == "list" and "moved_out" not in self.request.query_params:
            qs = qs.filter(moved_out_on__isnull=True)
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return PersonWriteSerializer
        if self.action == "unmask":
            return UnmaskSerializer
        return PersonSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        query = request.query_params.get("q", "").strip()
        if query:
            _kind, found = search_people(request.user, query, limit=SEARCH_LIMIT)  # audits the search
            queryset = queryset.filter(pk__in=[p.pk for p in found])
        page = self.paginate_queryset(queryset)
        data = PersonSerializer(page, many=True, context=self.get_serializer_context()).data
        if not query:
            filters_used = {k: request.query_params[k] for k in ("grid", "residence_status", "moved_out", "page")
                            if k in request.query_params}
            if "special_group" in request.query_params:
                filters_used["special_group"] = True  # which group is itself sensitive: not recorded
            audit_list(request.user, "person", [p.pk for p in page], self.paginator.page.paginator.count,
                       filters_used)
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        actions.audit_view(request.user, person, purpose=request.query_params.get("purpose", "")[:500])
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data)

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    def create(self, request):
        """Register a resident in a dwelling or household the user can see (out of scope: 404) and may
        change (403). The id number's check digit is validated; the response is masked."""
        data = PersonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = access_household(request.user, values["household"]) if values.get("household") else None
        dwelling = access_dwelling(request.user, values["dwelling"]) if values.get("dwelling") else None
        if household is not None and dwelling is not None and household.dwelling_id != dwelling.pk:
            raise APIValidationError({"household": _("The household lives in another dwelling.")})
        person = actions.save_person(
            request.user, name=values["name"], id_type=values["id_type"], id_number=values["id_number"],
            phone=values["phone"], residence_status=values["residence_status"], relation=values["relation"],
            dwelling=dwelling, household=household,
        )
        person = self.get_queryset().get(pk=person.pk)
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=UnmaskSerializer, responses={200: UnmaskedSerializer})
    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        """The full name, id number and phone, for a stated purpose: needs registry.unmask, audited."""
        person = self.get_object()
        data = UnmaskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plain = actions.unmask(request.user, person, purpose=data.validated_data["purpose"])
        response = Response({"id": person.pk, "name": person.name, "id_type": person.id_type, **plain})
        response["Cache-Control"] = "no-store, private"
        return response


class HouseholdFilter(AreaCodeFilterMixin, filters.FilterSet):
    grid = filters.CharFilter(method="filter_grid", label="area code (a grid, or everything below an area)")

    class Meta:
        model = Household
        fields = ["grid", "dwelling"]


class HouseholdViewSet(RestrictedReadOnlyViewSet):
    """Households in the user's scope with their members (masked). Lists and views are audited."""

    capability = "registry.view"
    queryset = Household.objects.select_related("grid", "dwelling").order_by("area_path", "number", "id")
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter

    def get_queryset(self):
        user = self.request.user
        members = Person.objects.restrict(user, "registry.view").filter(moved_out_on__isnull=True) \
            .select_related("grid").order_by("id")
        if get_scope(user).can("registry.sensitive"):
            members = members.prefetch_related("tags")
        return super().get_queryset().prefetch_related(Prefetch("members", queryset=members, to_attr="visible_members"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = self.get_serializer(page, many=True).data
        filters_used = {k: request.query_params[k] for k in ("grid", "dwelling", "page") if k in request.query_params}
        audit_list(request.user, "household", [h.pk for h in page], self.paginator.page.paginator.count,
                   filters_used, members=[m.pk for h in page for m in h.visible_members])
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        household = self.get_object()
        record(request.user, "registry.household.view", household,
               after={"members": [m.pk for m in household.visible_members]},
               note=request.query_params.get("purpose", "")[:500])
        return Response(self.get_serializer(household).data)


class DwellingFilter(AreaCodeFilterMixin, filters.FilterSet):
    grid = filters.CharFilter(method="filter_grid", label="area code (a grid, or everything below an area)")
    q = filters.CharFilter(field_name="address", lookup_expr="contains", label="address fragment")

    class Meta:
        model = Dwelling
        fields = ["grid", "building", "q"]


class DwellingViewSet(RestrictedReadOnlyViewSet):
    """Dwellings (房屋) in the user's scope; departments see those of their area."""

    capability = "registry.places"
    queryset = Dwelling.objects.select_related("grid", "building__estate").order_by("area_path", "address", "id")
    serializer_class = DwellingSerializer
    filterset_class = DwellingFilter


class OrganizationFilter(AreaCodeFilterMixin, filters.FilterSet):
    grid = filters.CharFilter(method="filter_grid", label="area code (a grid, or everything below an area)")
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices)
    q = filters.CharFilter(field_name="name", lookup_expr="contains", label="name fragment")

    class Meta:
        model = Organization
        fields = ["grid", "kind", "credit_code", "q"]


class OrganizationViewSet(RestrictedReadOnlyViewSet):
    """Organizations, enterprises, shops, construction sites in the user's scope; departments too."""

    capability = "registry.places"
    queryset = Organization.objects.select_related("grid").order_by("area_path", "name", "id")
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter


class EstateFilter(AreaCodeFilterMixin, filters.FilterSet):
    grid = filters.CharFilter(method="filter_grid", label="area code (a grid, or everything below an area)")
    q = filters.CharFilter(field_name="name", lookup_expr="contains", label="name fragment")

    class Meta:
        model = Estate
        fields = ["grid", "q"]


class EstateViewSet(RestrictedReadOnlyViewSet):
    """Residential estates (小区) in the user's scope; departments see those of their area."""

    capability = "registry.places"
    queryset = Estate.objects.select_related("grid").order_by("area_path", "name", "id")
    serializer_class = EstateSerializer
    filterset_class = EstateFilter


class BuildingFilter(AreaCodeFilterMixin, filters.FilterSet):
    grid = filters.CharFilter(method="filter_grid", label="area code (a grid, or everything below an area)")

    class Meta:
        model = Building
        fields = ["grid", "estate"]


class BuildingViewSet(RestrictedReadOnlyViewSet):
    """Buildings (楼栋) in the user's scope; departments see those of their area."""

    capability = "registry.places"
    queryset = Building.objects.select_related("grid", "estate").order_by("area_path", "estate_id", "name", "id")
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter
