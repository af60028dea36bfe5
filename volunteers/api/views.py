"""/api/volunteers/, /api/volunteer-teams/, /api/activities/, /api/store-items/, /api/redemptions/:
scoped by community.view; writes need community.change and go through volunteers.actions (the
checks' order is in volunteers/api/common.py). People appear only by masked name, and every list
or detail of volunteers is audited like the registry's lists. Redeeming (POST /api/redemptions/) goes through
volunteers.actions.redeem: an idempotency key is required, a repeat returns the first redemption."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.views import RestrictedViewSetMixin
from core.audit import record
from registry.access import access_person
from volunteers import actions
from volunteers.api.common import area_to_change, merged, pick, pick_many, require_change
from volunteers.models import (
    Activity,
    PointRule,
    PointsAccount,
    Redemption,
    SignUp,
    StoreItem,
    Team,
    Volunteer,
)


class VolunteerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.masked_name", read_only=True)
    balance = serializers.SerializerMethodField()

    class Meta:
        model = Volunteer
        fields = ["id", "name", "area", "skills", "consent_at", "consent_version", "active", "balance"]
        read_only_fields = fields

    def get_balance(self, obj) -> int | None:
        account = getattr(obj, "account", None)
        return account.balance if account is not None else None


class VolunteerRegisterSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="the resident's number in the registry")
    consent = serializers.BooleanField(help_text="the resident agreed to the consent text (required)")
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VolunteerUpdateSerializer(serializers.Serializer):
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class VolunteerViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    queryset = Volunteer.objects.select_related("person", "account", "area")
    serializer_class = VolunteerSerializer
    capability = "community.view"

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])]
        record(request.user, "volunteers.list", object_type="volunteers.volunteer", object_repr=f"{len(ids)} rows",
               after={"results": ids})
        return response

    def retrieve(self, request, *args, **kwargs):
        volunteer = self.get_object()
        record(request.user, "volunteers.view", volunteer, object_repr=volunteer.person.masked_name)
        return Response(self.get_serializer(volunteer).data)

    @extend_schema(request=VolunteerRegisterSerializer, responses={201: VolunteerSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        require_change(user)
        data = VolunteerRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = access_person(user, data.validated_data["person"])  # 404 outside the registry scope
        require_change(user, person.grid)
        volunteer = actions.register_volunteer(user, person=person, consent=data.validated_data["consent"],
                                               skills=data.validated_data.get("skills") or "")
        volunteer = self.get_queryset().get(pk=volunteer.pk)
        return Response(VolunteerSerializer(volunteer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VolunteerUpdateSerializer, responses={200: VolunteerSerializer})
    def partial_update(self, request, *args, **kwargs):
        volunteer = self.get_object()
        require_change(request.user, volunteer.area)
        data = VolunteerUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = merged(volunteer, data.validated_data, {"skills": "skills", "active": "active"})
        actions.update_volunteer(request.user, volunteer, skills=values["skills"], active=values["active"])
        return Response(VolunteerSerializer(self.get_queryset().get(pk=volunteer.pk)).data)


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "area", "members"]
        read_only_fields = fields


class TeamInputSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="the community")
    name = serializers.CharField(max_length=100)
    members = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                    help_text="volunteers of the community; replaces the membership when given")


class TeamMembersSerializer(serializers.Serializer):
    add = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    remove = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class TeamViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    queryset = Team.objects.prefetch_related("members")
    serializer_class = TeamSerializer
    capability = "community.view"

    def _members(self, user, ids):
        if ids is None:
            return None
        return pick_many(Volunteer.objects.restrict(user), ids, _("volunteer"))

    @extend_schema(request=TeamInputSerializer, responses={201: TeamSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        data = TeamInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = area_to_change(user, values["area"])
        team = actions.save_team(user, area=area, name=values["name"], members=self._members(user, values.get("members")))
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamInputSerializer, responses={200: TeamSerializer})
    def partial_update(self, request, *args, **kwargs):
        user = request.user
        team = self.get_object()
        require_change(user, team.area)
        data = TeamInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = area_to_change(user, values["area"]) if "area" in values else team.area
        team = actions.save_team(user, area=area, name=values.get("name", team.name),
                                 members=self._members(user, values.get("members")), team=team)
        return Response(TeamSerializer(self.get_queryset().get(pk=team.pk)).data)

    @extend_schema(request=TeamMembersSerializer, responses={200: TeamSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Add volunteers of the team's community to the team, or take them off it."""
        user = request.user
        team = self.get_object()
        require_change(user, team.area)
        data = TeamMembersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.change_team_members(user, team, add=self._members(user, data.validated_data.get("add", [])),
                                    remove=self._members(user, data.validated_data.get("remove", [])))
        return Response(TeamSerializer(self.get_queryset().get(pk=team.pk)).data)


class ActivitySerializer(serializers.ModelSerializer):
    signed_up = serializers.IntegerField(source="signups.count", read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "area", "place", "starts_at", "ends_at", "capacity", "team", "rule", "state",
                  "signed_up"]
        read_only_fields = fields


class ActivityInputSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="the community (only on creation)")
    title = serializers.CharField(max_length=120)
    place = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    team = serializers.IntegerField(required=False, allow_null=True)
    rule = serializers.IntegerField(required=False, allow_null=True)


class ActivityCancelSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class SignUpInputSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField()


class SignUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignUp
        fields = ["id", "activity", "volunteer", "state", "checked_in_at", "checked_out_at", "hours"]
        read_only_fields = fields


class SignUpResultSerializer(SignUpSerializer):
    points = serializers.IntegerField(read_only=True, help_text="the volunteer's balance after the change")

    class Meta(SignUpSerializer.Meta):
        fields = [*SignUpSerializer.Meta.fields, "points"]
        read_only_fields = fields


class ActivityViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    queryset = Activity.objects.select_related("area")
    serializer_class = ActivitySerializer
    capability = "community.view"

    def _refs(self, user, values):
        team = pick(Team.objects.restrict(user), values.get("team"), _("team"))
        rule = pick(PointRule.objects.all(), values.get("rule"), _("point rule"))
        return team, rule

    @extend_schema(request=ActivityInputSerializer, responses={201: ActivitySerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        data = ActivityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = area_to_change(user, values["area"])
        team, rule = self._refs(user, values)
        activity = actions.publish_activity(user, area=area, title=values["title"], place=values["place"],
                                            starts_at=values["starts_at"], ends_at=values["ends_at"],
                                            capacity=values["capacity"], team=team, rule=rule)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActivityInputSerializer, responses={200: ActivitySerializer})
    def partial_update(self, request, *args, **kwargs):
        user = request.user
        activity = self.get_object()
        require_change(user, activity.area)
        data = ActivityInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "area" in data.validated_data and data.validated_data["area"] != activity.area_id:
            raise serializers.ValidationError({"area": [_("An activity cannot move to another community.")]})
        values = merged(activity, data.validated_data, {
            "title": "title", "place": "place", "starts_at": "starts_at", "ends_at": "ends_at",
            "capacity": "capacity", "team": "team_id", "rule": "rule_id"})
        team, rule = self._refs(user, values)
        activity = actions.update_activity(user, activity, title=values["title"], place=values["place"],
                                           starts_at=values["starts_at"], ends_at=values["ends_at"],
                                           capacity=values["capacity"], team=team, rule=rule)
        return Response(ActivitySerializer(activity).data)

    @extend_schema(request=ActivityCancelSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        require_change(request.user, activity.area)
        data = ActivityCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = actions.cancel_activity(request.user, activity, note=data.validated_data.get("note") or "")
        return Response(ActivitySerializer(activity).data)

    def _signup_step(self, request, step):
        user = request.user
        activity = self.get_object()
        require_change(user, activity.area)
        data = SignUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = pick(Volunteer.objects.restrict(user), data.validated_data["volunteer"], _("volunteer"))
        if step == "sign-up":
            signup = actions.sign_up(user, activity, volunteer)
            code = status.HTTP_201_CREATED
        else:
            signup = SignUp.objects.select_related("activity__area").filter(activity=activity,
                                                                               volunteer=volunteer).first()
            if signup is None:
                raise serializers.ValidationError({"volunteer": [_("This volunteer has not signed up.")]})
            signup = (actions.check_in if step == "check-in" else actions.check_out)(user, signup)
            code = status.HTTP_200_OK
        signup.points = PointsAccount.objects.filter(volunteer=volunteer).values_list("balance", flat=True).first()
        return Response(SignUpResultSerializer(signup).data, status=code)

    @extend_schema(request=SignUpInputSerializer, responses={201: SignUpResultSerializer})
    @action(detail=True, methods=["post"], url_path="sign-up")
    def sign_up(self, request, pk=None):
        """Sign a volunteer up (refused when full, cancelled, over or already signed up)."""
        return self._signup_step(request, "sign-up")

    @extend_schema(request=SignUpInputSerializer, responses={200: SignUpResultSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """Check a signed-up volunteer in (from two hours before the start to the end)."""
        return self._signup_step(request, "check-in")

    @extend_schema(request=SignUpInputSerializer, responses={200: SignUpResultSerializer})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        """Check a volunteer out: service hours and points are recorded once."""
        return self._signup_step(request, "check-out")


class StoreItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = StoreItem
        fields = ["id", "name", "area", "price", "stock", "active"]
        read_only_fields = fields


class StoreItemInputSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="the community (only on creation)")
    name = serializers.CharField(max_length=100)
    price = serializers.IntegerField(help_text="points, at least 1")
    stock = serializers.IntegerField(help_text="at least 0")
    active = serializers.BooleanField(required=False, default=True, help_text="on sale")


class StoreItemViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    queryset = StoreItem.objects.select_related("area")
    serializer_class = StoreItemSerializer
    capability = "community.view"

    @extend_schema(request=StoreItemInputSerializer, responses={201: StoreItemSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        data = StoreItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = area_to_change(user, values["area"])
        item = actions.save_item(user, area=area, name=values["name"], price=values["price"], stock=values["stock"],
                                 active=values["active"])
        return Response(StoreItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StoreItemInputSerializer, responses={200: StoreItemSerializer})
    def partial_update(self, request, *args, **kwargs):
        user = request.user
        item = self.get_object()
        require_change(user, item.area)
        data = StoreItemInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "area" in data.validated_data and data.validated_data["area"] != item.area_id:
            raise serializers.ValidationError({"area": [_("An item cannot move to another community's store.")]})
        values = merged(item, {k: v for k, v in data.validated_data.items() if k in request.data},
                        {"name": "name", "price": "price", "stock": "stock", "active": "active"})
        item = actions.save_item(user, area=item.area, name=values["name"], price=values["price"],
                                 stock=values["stock"], active=values["active"], item=item)
        return Response(StoreItemSerializer(item).data)

    @extend_schema(request=None, responses={200: StoreItemSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take the item off sale."""
        item = self.get_object()
        require_change(request.user, item.area)
        return Response(StoreItemSerializer(actions.withdraw_item(request.user, item)).data)


class RedemptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Redemption
        fields = ["id", "item", "account", "points", "area", "created_at"]
        read_only_fields = fields


class RedeemSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    account = serializers.IntegerField()
    idempotency_key = serializers.CharField(max_length=80)


class RedemptionViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Redemption.objects.all()
    serializer_class = RedemptionSerializer
    capability = "community.view"

    @extend_schema(request=RedeemSerializer, responses={201: RedemptionSerializer, 200: RedemptionSerializer})
    def create(self, request, *args, **kwargs):
        data = RedeemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        item = StoreItem.objects.restrict(user).filter(pk=data.validated_data["item"]).first()
        account = PointsAccount.objects.restrict(user).filter(pk=data.validated_data["account"]).first()
        if item is None or account is None:
            raise NotFound
        try:
            redemption, created = actions.redeem(user, account=account, item=item,
                                                 key=data.validated_data["idempotency_key"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) \
                from exc
        return Response(RedemptionSerializer(redemption).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
