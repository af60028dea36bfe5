"""/api/disputes/: disputes in scope (parties masked, every read audited), registering, and one
POST per action (start-mediation, hand-over, sessions, conclude, fulfilment, follow-up,
turn-into-case); /api/disputes/figures/ gives the figures for a period."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from areas.models import Area, Department
from core.api.views import RestrictedViewSetMixin
from core.audit import record
from disputes import actions, selectors
from disputes.api.serializers import (
    ConcludeInputSerializer,
    DisputeCreateSerializer,
    DisputeDetailSerializer,
    DisputeListSerializer,
    DisputeUpdateSerializer,
    FiguresSerializer,
    FollowUpInputSerializer,
    FulfilmentInputSerializer,
    MediationInputSerializer,
    NoteInputSerializer,
    SessionInputSerializer,
)
from disputes.models import Dispute, MediationStage


def _department(user, pk):
    if not pk:
        return None
    department = Department.objects.restrict(user).select_related("area").filter(pk=pk).first()
    if department is None:
        raise APIValidationError({"department": [_("Unknown department.")]})
    return department


class DisputeViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Disputes in the user's scope (by area; a department through the stages handed to it)."""

    queryset = Dispute.objects.select_related("grid").order_by("-registered_at", "-id")
    capability = "dispute.view"

    def get_queryset(self):
        qs = super().get_queryset()
        for name in ("state", "kind", "risk"):
            if self.request.query_params.get(name):
                qs = qs.filter(**{name: self.request.query_params[name]})
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return DisputeCreateSerializer
        if self.action == "list":
            return DisputeListSerializer
        return DisputeDetailSerializer

    def _detail(self, dispute):
        dispute = self.get_queryset().prefetch_related(
            "parties__person", Prefetch("stages", queryset=MediationStage.objects.prefetch_related("sessions")),
            "follow_ups", "events").get(pk=dispute.pk)
        actions.audit_view(self.request.user, dispute)
        return DisputeDetailSerializer(dispute).data

    def retrieve(self, request, pk=None):
        return Response(self._detail(self.get_object()))

    def list(self, request):
        response = super().list(request)
        ids = [row["id"] for row in response.data.get("results", [])]
        record(request.user, "dispute.list", object_type="disputes.dispute", object_repr=f"{len(ids)} rows",
               after={"results": ids})
        return response

    @extend_schema(request=DisputeCreateSerializer, responses={201: DisputeDetailSerializer})
    def create(self, request):
        from cases.access import access_case
        from registry.access import access_person

        data = DisputeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        grid = Area.objects.restrict(request.user).filter(code=values["grid"]).first()
        if grid is None:
            raise APIValidationError({"grid": [_("Choose the grid where the dispute arose.")]})
        parties = []
        for party in values["parties"]:
            person = None
            if party.get("person"):
                try:
                    person = access_person(request.user, party["person"])
                except Exception:  # noqa: BLE001 -- Http404 from scope
                    raise APIValidationError({"parties": [_("A party is not a resident of your area.")]}) from None
            parties.append({**party, "person": person})
        from_case = access_case(request.user, values["from_case"]) if values.get("from_case") else None
        dispute = actions.register_dispute(
            request.user, grid=grid, title=values["title"], description=values["description"], kind=values["kind"],
            source=values["source"], risk=values["risk"], place=values.get("place", ""), parties=parties,
            from_case=from_case)
        return Response(self._detail(dispute), status=status.HTTP_201_CREATED)

    @extend_schema(request=DisputeUpdateSerializer, responses={200: DisputeDetailSerializer})
    def partial_update(self, request, pk=None):
        """Correct the record: title, description, place, risk; kind and parties until concluded."""
        dispute = self.get_object()
        data = DisputeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        actions.update_dispute(request.user, dispute, title=values.get("title"),
                               description=values.get("description"), kind=values.get("kind"),
                               risk=values.get("risk"), place=values.get("place"),
                               parties=[dict(p) for p in values.get("parties") or []], version=values.get("version"))
        return Response(self._detail(dispute))

    @extend_schema(responses={200: FiguresSerializer}, parameters=[
        OpenApiParameter("start", dt.date, required=False, description="first local day (default: 1 January)"),
        OpenApiParameter("end", dt.date, required=False, description="the day after the last one"),
        OpenApiParameter("area", str, required=False, description="an area code within scope")])
    @action(detail=False, methods=["get"])
    def figures(self, request):
        """Mediated, settled, settlement rate, major-dispute revisit rate, parties' satisfaction."""
        params = request.query_params
        try:
            for name in ("start", "end"):
                if name in params and not params[name]:  # sent empty: a mistake, not "no limit"
                    raise ValueError(name)
            start = dt.date.fromisoformat(params["start"]) if params.get("start") else \
                dt.date.today().replace(month=1, day=1)
            end = dt.date.fromisoformat(params["end"]) if params.get("end") else None
        except ValueError:
            raise APIValidationError({"start": [_("Enter dates as YYYY-MM-DD.")]}) from None
        qs = Dispute.objects.restrict(request.user)
        if params.get("area"):
            area = Area.objects.restrict(request.user).filter(code=params["area"]).first()
            if area is None:
                raise APIValidationError({"area": [_("Unknown area.")]})
            qs = qs.filter(area_path__startswith=area.path)
        return Response(selectors.figures(qs, start, end).as_dict())

    def _run(self, request, serializer_class, call):
        dispute = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        call(dispute, dict(data.validated_data))
        return Response(self._detail(dispute))

    @extend_schema(request=MediationInputSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"], url_path="start-mediation")
    def start_mediation(self, request, pk=None):
        user = request.user
        return self._run(request, MediationInputSerializer, lambda d, v: actions.start_mediation(
            user, d, kind=v["kind"], mediators=v["mediators"], department=_department(user, v.get("department"))))

    @extend_schema(request=MediationInputSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        """三调联动: hand over to another kind of mediation, with a reason."""
        user = request.user
        return self._run(request, MediationInputSerializer, lambda d, v: actions.hand_over(
            user, d, kind=v["kind"], mediators=v["mediators"], reason=v.get("reason", ""),
            department=_department(user, v.get("department"))))

    @extend_schema(request=SessionInputSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        return self._run(request, SessionInputSerializer,
                         lambda d, v: actions.record_session(request.user, d, **v))

    @extend_schema(request=ConcludeInputSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        return self._run(request, ConcludeInputSerializer, lambda d, v: actions.conclude(request.user, d, **v))

    @extend_schema(request=FulfilmentInputSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"])
    def fulfilment(self, request, pk=None):
        return self._run(request, FulfilmentInputSerializer,
                         lambda d, v: actions.check_fulfilment(request.user, d, **v))

    @extend_schema(request=FollowUpInputSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        return self._run(request, FollowUpInputSerializer, lambda d, v: actions.follow_up(request.user, d, **v))

    @extend_schema(request=NoteInputSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"], url_path="turn-into-case")
    def turn_into_case(self, request, pk=None):
        return self._run(request, NoteInputSerializer,
                         lambda d, v: actions.turn_into_case(request.user, d, **v))
