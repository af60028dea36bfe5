"""/api/categories/ and /api/cases/: intake, scoped reads, and every workflow action as
POST /api/cases/{id}/<action>/ (the names of cases/workflow.py's table)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import get_scope
from areas.models import Department
from cases import actions
from cases.access import access_case
from cases.api.serializers import (
    ActionSerializer,
    CaseDetailSerializer,
    CaseListSerializer,
    CategorySerializer,
    IntakeSerializer,
    RateSerializer,
)
from cases.choices import OPEN_STATES, CaseState, Channel
from cases.models import Case, CaseEvent, CasePhoto, CaseTask, Category
from cases.workflow import TRANSITIONS
from core.api.views import RestrictedViewSetMixin


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The coded catalog, major → minor, with each minor category's handling standard."""

    queryset = Category.objects.select_related("parent", "standard").order_by("kind", "code")
    serializer_class = CategorySerializer
    lookup_field = "code"
    pagination_class = None
    filterset_fields = ["kind", "is_active"]


class CaseFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=CaseState.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    category = filters.CharFilter(field_name="category__code")
    grid = filters.CharFilter(field_name="grid__code")
    open = filters.BooleanFilter(method="filter_open")
    overdue = filters.BooleanFilter(method="filter_overdue")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Case
        fields = ["state", "channel", "category", "grid", "open", "overdue"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(state__in=OPEN_STATES) if value else queryset.exclude(state__in=OPEN_STATES)

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.filter(state__in=OPEN_STATES, due_at__lt=timezone.now()).exclude(state=CaseState.SUSPENDED)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


def _departments(user, codes) -> list[Department]:
    codes = [c.strip() for c in codes or [] if c and c.strip()]
    found = list(Department.objects.restrict(user).filter(code__in=codes))
    missing = set(codes) - {d.code for d in found}
    if missing:
        raise ValidationError({"departments": _("Unknown department(s): %(codes)s") % {"codes": ", ".join(sorted(missing))}})
    return found


def _department(user, code):
    return _departments(user, [code])[0] if code else None


def _run(name: str, user, case: Case, data: dict, files):
    """Call the one action function for workflow action `name` with the request's input."""
    version = data.get("version")
    note = data.get("note", "")
    photos = files.getlist("photos") if hasattr(files, "getlist") else data.get("photos", [])
    common = {"expected_version": version}
    if name in ("accept", "file"):
        return getattr(actions, name)(user, case, note=note, **common)
    if name in ("decline", "escalate", "void", "reopen"):
        return getattr(actions, name)(user, case, note=note, **common)
    if name == "resolve":
        return actions.resolve(user, case, note=note, photos=photos, **common)
    if name == "merge":
        if not data.get("into"):
            raise ValidationError({"into": _("Give the case to merge into.")})
        return actions.merge(user, case, into=access_case(user, data["into"]), note=note, **common)
    if name == "dispatch":
        return actions.dispatch(user, case, departments=_departments(user, data.get("departments")), note=note,
                                **common)
    department = _department(user, data.get("department"))
    if name == "accept_task":
        return actions.accept_task(user, case, department=department, note=note, **common)
    if name == "return_task":
        return actions.return_task(user, case, note=note, department=department, **common)
    if name == "report_back":
        return actions.report_back(user, case, note=note, photos=photos, department=department, **common)
    if name == "request_extension":
        return actions.request_extension(user, case, hours=data.get("hours"), note=note, department=department,
                                         **common)
    if name in ("approve_extension", "refuse_extension"):
        task = CaseTask.objects.filter(case=case, pk=data.get("task") or 0).first()
        if task is None:
            task = CaseTask.objects.filter(case=case, extension_requested_hours__isnull=False).first()
        if task is None:
            raise ValidationError({"task": _("There is no extension request waiting on this task.")})
        return actions.decide_extension(user, case, task=task, approve=name == "approve_extension", note=note,
                                        **common)
    if name in ("verify_pass", "verify_fail"):
        return actions.verify(user, case, passed=name == "verify_pass", note=note, photos=photos, **common)
    if name == "suspend":
        if not data.get("review_on"):
            raise ValidationError({"review_on": _("Give a review date in the future.")})
        return actions.suspend(user, case, note=note, review_on=data["review_on"], **common)
    if name == "resume":
        return actions.resume(user, case, note=note, **common)
    if name in ("supervise", "remind"):
        return actions.supervise(user, case, note=note or _("Please speed up."), remind_only=name == "remind",
                                 **common)
    if name == "callback":
        return actions.callback(user, case, note=note, satisfied=data.get("satisfied"), **common)
    raise ValidationError(_("Unknown action."))


ACTION_NAMES = [name for name in TRANSITIONS if name != "rate"]


# Intake is the hot path (many reports a second from the 12345 bridge and the grid workers' phones):
# one bound instance each of the intake and the list serializer serves every request, instead of
# DRF deep-copying their fields for each. Both are used read-only: run_validation() returns the
# validated values (or raises) without keeping them, to_representation() only reads the case.
_INTAKE = IntakeSerializer()
_LISTED = CaseListSerializer()


class CaseViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases in the user's scope (by area; departments through their tasks)."""

    queryset = Case.objects.select_related("category", "grid", "owner_area").order_by("-created_at", "-id")
    filterset_class = CaseFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch("tasks", queryset=CaseTask.objects.select_related("department")),
                Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "department")),
                "photos",
            )
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CaseDetailSerializer
        if self.action == "create":
            return IntakeSerializer
        if self.action and self.action.startswith("act_"):
            return ActionSerializer
        return CaseListSerializer

    @extend_schema(
        request=IntakeSerializer,
        responses={201: CaseListSerializer, 200: CaseListSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="a retried submission with the same key returns the same case")],
    )
    def create(self, request):
        """Report a problem. Channel defaults to grid_worker for grid staff and online otherwise."""
        values = _INTAKE.run_validation(request.data)
        scope = get_scope(request.user)
        channel = values.get("channel") or ("grid_worker" if scope.has_role("grid_worker", "grid_chief") else "online")
        key = request.headers.get("Idempotency-Key", "")  # report_case scopes it to this user and channel
        case, created = actions.report_case(
            request.user, channel=channel, category_code=values["category"], description=values["description"],
            lon=values["lon"], lat=values["lat"], address=values.get("address", ""),
            reporter_name=values.get("reporter_name", ""), reporter_phone=values.get("reporter_phone", ""),
            external_id=values.get("external_id", ""), self_resolved=values.get("self_resolved", False),
            photos=request.FILES.getlist("photos"), after_photos=request.FILES.getlist("after_photos"),
            idempotency_key=key,
        )
        return Response(_LISTED.to_representation(case),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _act(self, request, pk, name):
        case = self.get_object()
        data = ActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _run(name, request.user, case, data.validated_data, request.FILES)
        case = self.get_queryset().prefetch_related(
            Prefetch("tasks", queryset=CaseTask.objects.select_related("department")),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "department")),
            "photos").get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)


    @extend_schema(
        parameters=[OpenApiParameter("photo_id", int, OpenApiParameter.PATH, description="id from the case's `photos`"),
                    OpenApiParameter("thumb", bool, description="true: a small thumbnail")],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]+)", filter_backends=[],
            pagination_class=None)
    def photo(self, request, pk=None, photo_id=None):
        """One photo of the case (JPEG, EXIF removed at upload), for a user who may see the case."""
        from cases.views import _thumbnail

        case = self.get_object()
        photo = CasePhoto.objects.filter(case=case, pk=photo_id).only("id", "image").first()
        if photo is None:
            raise NotFound
        try:
            handle = photo.image.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise NotFound from exc
        thumb = request.query_params.get("thumb")
        if thumb not in (None, "true", "false", "True", "False"):
            handle.close()
            raise DRFValidationError({"thumb": [_("Use true or false.")]})
        if thumb in ("true", "True"):
            response = HttpResponse(_thumbnail(handle), content_type="image/jpeg")
        else:
            response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _make_action(name: str):
    def handler(self, request, pk=None):
        return self._act(request, pk, name)

    handler.__name__ = f"act_{name}"  # "dispatch" would shadow the view's own dispatch()
    handler.__doc__ = f"Workflow action “{name}” ({TRANSITIONS[name].label}); 403 if not yours, 409 if the " \
                      "case is not in a state for it or the version is stale."
    return extend_schema(request=ActionSerializer, responses={200: CaseDetailSerializer})(
        action(detail=True, methods=["post"], url_path=name)(handler))


for _name in ACTION_NAMES:
    setattr(CaseViewSet, f"act_{_name}", _make_action(_name))


class RateView(APIView):
    """谁呼谁评: the reporter rates a closed case with its tracking code (no login)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RateSerializer, responses={200: RateSerializer})
    def post(self, request):
        data = RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = actions.rate(values["tracking_code"], rating=values["rating"], comment=values.get("comment", ""))
        return Response({"tracking_code": values["tracking_code"], "rating": case.rating,
                         "comment": case.rating_comment})
