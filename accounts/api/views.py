from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import actions
from accounts.models import RoleAssignment, User
from accounts.scope import get_scope
from areas.access import access_area, access_department
from core.api.views import RestrictedViewSetMixin


class TokenView(ObtainAuthToken):
    """POST username + password → {"token": ...}. Five failures lock the account for 15 minutes."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                   "password": serializers.CharField()}),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.serializer_class(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # django-axes marks the request it saw (DRF's wrapper) when the account is locked
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                return Response({"detail": _("Too many failed logins: this account is locked for 15 minutes.")},
                                status=status.HTTP_403_FORBIDDEN)
            return Response({"detail": _("Wrong username or password.")}, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class RoleSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    area_code = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "username", "role", "role_label", "area", "department", "area_code",
                  "starts_on", "ends_on"]
        read_only_fields = ["id", "username", "role_label", "area_code", "ends_on"]

    def get_area_code(self, obj) -> str:
        return obj.target_code


class MeView(APIView):
    @extend_schema(responses={200: inline_serializer("Me", {
        "username": serializers.CharField(), "full_name": serializers.CharField(),
        "service_account": serializers.BooleanField(help_text="an integration client's account (no password)"),
        "roles": RoleSerializer(many=True)})})
    def get(self, request):
        scope = get_scope(request.user)
        return Response({
            "username": request.user.username,
            "full_name": request.user.full_name,
            "service_account": not request.user.has_usable_password(),
            "roles": RoleSerializer(scope.roles, many=True).data,
        })


class RoleAssignmentViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Roles bound to areas or departments. Granting and revoking needs the role.change capability."""

    queryset = RoleAssignment.objects.select_related("user", "area", "department").order_by("user__username", "role")
    serializer_class = RoleSerializer
    filterset_fields = ["role", "user", "area", "department"]

    def create(self, request):
        data = RoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = access_area(request.user, values["area"].pk) if values.get("area") else None
        department = access_department(request.user, values["department"].pk) if values.get("department") else None
        user = values["user"]
        if not isinstance(user, User):
            raise serializers.ValidationError({"user": _("Unknown user.")})
        assignment = actions.grant_role(request.user, user=user, role=values["role"], area=area,
                                        department=department, starts_on=values.get("starts_on"))
        return Response(RoleSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RoleSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        assignment = actions.revoke_role(request.user, self.get_object())
        return Response(RoleSerializer(assignment).data)
