"""/api/volunteers/, /api/activities/, /api/store-items/, /api/redemptions/: scoped by
community.view; people appear only by masked name, and every list or detail of volunteers is
audited like the registry's lists. Redeeming (POST /api/redemptions/) goes through
volunteers.actions.redeem: an idempotency key is required, a repeat returns the first redemption."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.views import RestrictedReadOnlyViewSet, RestrictedViewSetMixin
from core.audit import record
from volunteers import actions
from volunteers.models import Activity, PointsAccount, Redemption, StoreItem, Volunteer


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


class VolunteerViewSet(RestrictedReadOnlyViewSet):
    queryset = Volunteer.objects.select_related("person", "account")
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


class ActivitySerializer(serializers.ModelSerializer):
    signed_up = serializers.IntegerField(source="signups.count", read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "area", "place", "starts_at", "ends_at", "capacity", "state", "signed_up"]
        read_only_fields = fields


class ActivityViewSet(RestrictedReadOnlyViewSet):
    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    capability = "community.view"


class StoreItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = StoreItem
        fields = ["id", "name", "area", "price", "stock", "active"]
        read_only_fields = fields


class StoreItemViewSet(RestrictedReadOnlyViewSet):
    queryset = StoreItem.objects.all()
    serializer_class = StoreItemSerializer
    capability = "community.view"


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
