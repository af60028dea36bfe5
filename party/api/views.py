"""/api/party-organizations/ and /api/party-members/: read-only, scoped by community.view;
members by masked name only, lists and details audited."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from core.api.views import RestrictedReadOnlyViewSet
from core.audit import record
from party.models import PartyMember, PartyOrganization


class PartyOrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyOrganization
        fields = ["id", "name", "kind", "parent", "area", "building", "secretary"]
        read_only_fields = fields


class PartyOrganizationViewSet(RestrictedReadOnlyViewSet):
    queryset = PartyOrganization.objects.all()
    serializer_class = PartyOrganizationSerializer
    capability = "community.view"
    filterset_fields = ["kind", "parent"]


class PartyMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.masked_name", read_only=True)

    class Meta:
        model = PartyMember
        fields = ["id", "name", "kind", "organization", "area", "joined_on", "checked_in_community"]
        read_only_fields = fields


class PartyMemberViewSet(RestrictedReadOnlyViewSet):
    queryset = PartyMember.objects.select_related("person")
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
