"""/api/party-organizations/, /api/party-members/, /api/party-offices/, /api/party-services/:
scoped by community.view; writes need community.change and go through party.actions. Members
appear by masked name only (the resident's personal data stays in the registry); their lists and
details are audited."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import RestrictedReadOnlyViewSet, RestrictedViewSetMixin
from core.audit import record
from party import actions
from party.choices import MemberKind, OrgKind
from party.models import OfficeOrganization, PartyMember, PartyOrganization, ServiceLog
from registry.access import access_person
from registry.models import Building
from volunteers.api.common import area_to_change, merged, pick, require_change


class PartyOrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyOrganization
        fields = ["id", "name", "kind", "parent", "area", "building", "secretary"]
        read_only_fields = fields


class PartyOrganizationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    area = serializers.IntegerField(help_text="a street, community or grid, by the level the kind maps to")
    parent = serializers.IntegerField(required=False, allow_null=True)
    building = serializers.IntegerField(required=False, allow_null=True)
    secretary = serializers.CharField(max_length=50, required=False, allow_blank=True)


class PartyOrganizationViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                               viewsets.GenericViewSet):
    queryset = PartyOrganization.objects.all()
    serializer_class = PartyOrganizationSerializer
    capability = "community.view"
    filterset_fields = ["kind", "parent"]

    def _save(self, request, values, organization=None):
        user = request.user
        area = area_to_change(user, values["area"], levels=("street", "community", "grid"))
        parents = PartyOrganization.objects.restrict(user).select_related("parent")
        parent = pick(parents, values.get("parent"), _("party organization"))
        building = pick(Building.objects.restrict(user), values.get("building"), _("building"))
        return actions.save_organization(user, name=values["name"], kind=values["kind"], area=area, parent=parent,
                                         building=building, secretary=values.get("secretary") or "",
                                         organization=organization)

    @extend_schema(request=PartyOrganizationInputSerializer, responses={201: PartyOrganizationSerializer})
    def create(self, request, *args, **kwargs):
        data = PartyOrganizationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = self._save(request, data.validated_data)
        return Response(PartyOrganizationSerializer(org).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PartyOrganizationInputSerializer, responses={200: PartyOrganizationSerializer})
    def partial_update(self, request, *args, **kwargs):
        org = self.get_object()
        require_change(request.user, org.area)
        data = PartyOrganizationInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = merged(org, data.validated_data, {"name": "name", "kind": "kind", "area": "area_id",
                                                   "parent": "parent_id", "building": "building_id",
                                                   "secretary": "secretary"})
        org = self._save(request, values, organization=org)
        return Response(PartyOrganizationSerializer(org).data)


class PartyMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.masked_name", read_only=True)

    class Meta:
        model = PartyMember
        fields = ["id", "name", "kind", "organization", "area", "joined_on", "workplace", "checked_in_community",
                  "checked_in_at"]
        read_only_fields = fields


class PartyMemberInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="the resident's number in the registry (only on creation)")
    organization = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MemberKind.choices)
    joined_on = serializers.DateField(required=False, allow_null=True)
    workplace = serializers.CharField(max_length=120, required=False, allow_blank=True)


class PartyMemberUpdateSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=MemberKind.choices, required=False)
    joined_on = serializers.DateField(required=False, allow_null=True)
    workplace = serializers.CharField(max_length=120, required=False, allow_blank=True)


class PartyMemberViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    queryset = PartyMember.objects.select_related("person", "area")
    serializer_class = PartyMemberSerializer
    capability = "community.view"
    filterset_fields = ["kind", "organization"]

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])]
        record(request.user, "party.member.list", object_type="party.partymember", object_repr=f"{len(ids)} rows",
               after={"results": ids})
        return response

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        record(request.user, "party.member.view", member, object_repr=member.person.masked_name)
        return Response(self.get_serializer(member).data)

    def _organization(self, user, pk):
        return pick(PartyOrganization.objects.restrict(user).select_related("area"), pk, _("party organization"))

    @extend_schema(request=PartyMemberInputSerializer, responses={201: PartyMemberSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        require_change(user)
        data = PartyMemberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        organization = self._organization(user, values["organization"])
        require_change(user, organization.area)
        person = access_person(user, values["person"])  # 404 outside the user's registry scope
        member = actions.add_member(user, person=person, organization=organization, kind=values["kind"],
                                    joined_on=values.get("joined_on"), workplace=values.get("workplace") or "")
        return Response(PartyMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PartyMemberUpdateSerializer, responses={200: PartyMemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        user = request.user
        member = self.get_object()
        require_change(user, member.area)
        data = PartyMemberUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = merged(member, data.validated_data, {"organization": "organization_id", "kind": "kind",
                                                      "joined_on": "joined_on", "workplace": "workplace"})
        member = actions.update_member(user, member, organization=self._organization(user, values["organization"]),
                                       kind=values["kind"], joined_on=values["joined_on"],
                                       workplace=values["workplace"])
        return Response(PartyMemberSerializer(member).data)

    @extend_schema(request=None, responses={200: PartyMemberSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """Dual check-in: an in-service member registers with the community where they live."""
        member = self.get_object()
        require_change(request.user, member.area)
        member = actions.member_check_in(request.user, member)
        return Response(PartyMemberSerializer(member).data)


class OfficeOrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfficeOrganization
        fields = ["id", "name", "area", "department", "contact", "registered_at"]
        read_only_fields = fields


class OfficeRegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    community = serializers.IntegerField()
    contact = serializers.CharField(max_length=50, required=False, allow_blank=True)


class OfficeOrganizationViewSet(RestrictedReadOnlyViewSet):
    """Office party organizations registered with a community (dual check-in)."""

    queryset = OfficeOrganization.objects.all()
    serializer_class = OfficeOrganizationSerializer
    capability = "community.view"

    @extend_schema(request=OfficeRegisterSerializer, responses={201: OfficeOrganizationSerializer})
    def create(self, request, *args, **kwargs):
        data = OfficeRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        community = area_to_change(request.user, values["community"])
        office = actions.register_office(request.user, name=values["name"], community=community,
                                         contact=values.get("contact") or "")
        return Response(OfficeOrganizationSerializer(office).data, status=status.HTTP_201_CREATED)


class ServiceLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceLog
        fields = ["id", "area", "member", "office", "served_on", "hours", "description", "state", "confirmed_at"]
        read_only_fields = fields


class ServiceLogInputSerializer(serializers.Serializer):
    community = serializers.IntegerField()
    served_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    description = serializers.CharField(max_length=300)
    member = serializers.IntegerField(required=False, allow_null=True)
    office = serializers.IntegerField(required=False, allow_null=True)


class ServiceDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(default=True)


class ServiceLogViewSet(RestrictedReadOnlyViewSet):
    """Services given to a community by checked-in members and office organizations."""

    queryset = ServiceLog.objects.all()
    serializer_class = ServiceLogSerializer
    capability = "community.view"
    filterset_fields = ["state", "member", "office"]

    @extend_schema(request=ServiceLogInputSerializer, responses={201: ServiceLogSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        data = ServiceLogInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        community = area_to_change(user, values["community"])
        member = pick(PartyMember.objects.restrict(user), values.get("member"), _("party member"))
        office = pick(OfficeOrganization.objects.restrict(user), values.get("office"), _("office party organization"))
        log = actions.log_service(user, community=community, served_on=values["served_on"], hours=values["hours"],
                                  description=values["description"], member=member, office=office)
        return Response(ServiceLogSerializer(log).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ServiceDecisionSerializer, responses={200: ServiceLogSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm (approve=true, the default) or reject a logged service; a confirmed member's
        service pays the party_service_hour points once."""
        log = self.get_object()
        require_change(request.user, log.area)
        data = ServiceDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        log = actions.confirm_service(request.user, log, approve=data.validated_data["approve"])
        return Response(ServiceLogSerializer(log).data)
