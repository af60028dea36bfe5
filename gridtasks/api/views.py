"""/api/grid-tasks/ (send, list, progress) and /api/grid-task-items/ (a grid worker's open items,
complete one)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from areas.models import Area
from core.api.views import RestrictedViewSetMixin
from gridtasks import actions, selectors
from gridtasks.choices import ItemState, TaskKind
from gridtasks.models import GridTask, GridTaskItem, GridTaskPart


class PartSerializer(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)

    class Meta:
        model = GridTaskPart
        fields = ["id", "grid", "grid_code", "grid_name", "due_at", "total", "done", "completed_at"]


class GridTaskSerializer(serializers.ModelSerializer):
    sender_area_code = serializers.CharField(source="sender_area.code", read_only=True)

    class Meta:
        model = GridTask
        fields = ["id", "title", "instructions", "kind", "sender_area", "sender_area_code", "due_at", "created_at",
                  "total", "cancelled_at", "cancel_reason", "version"]

    version = serializers.SerializerMethodField(help_text="send it back with a PATCH to refuse a stale change")

    def get_version(self, obj) -> str:
        return actions.task_version(obj)


class GridTaskUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100, required=False)
    instructions = serializers.CharField(required=False, allow_blank=True)
    due_at = serializers.DateTimeField(required=False, help_text="only later than the current deadline")
    version = serializers.CharField(required=False, allow_blank=True)


class GridTaskCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    version = serializers.CharField(required=False, allow_blank=True)


class GridTaskSendSerializer(serializers.Serializer):
    sender_area = serializers.CharField(help_text="the sending district, street or community's code")
    title = serializers.CharField(max_length=100)
    instructions = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=TaskKind.choices, default=TaskKind.ITEMS)
    due_at = serializers.DateTimeField()
    grids = serializers.ListField(child=serializers.CharField(), required=False, help_text="grid codes")
    items = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    special_group = serializers.CharField(required=False, allow_blank=True)
    person = serializers.IntegerField(required=False, min_value=1)


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    percent = serializers.IntegerField()
    parts = PartSerializer(many=True)


class ItemSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="display_label", read_only=True)
    task = serializers.IntegerField(source="part.task_id", read_only=True)
    task_title = serializers.CharField(source="part.task.title", read_only=True)
    grid_code = serializers.CharField(source="part.grid.code", read_only=True)

    class Meta:
        model = GridTaskItem
        fields = ["id", "task", "task_title", "grid_code", "label", "household", "person", "state", "note",
                  "completed_at"]


class CompleteSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[(ItemState.DONE, "done"), (ItemState.NOT_FOUND, "not_found")])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class GridTaskViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Tasks sent from the areas where the user may send tasks ("gridtask.send")."""

    queryset = GridTask.objects.select_related("sender_area").order_by("-created_at", "-id")
    capability = "gridtask.send"

    def get_serializer_class(self):
        return GridTaskSendSerializer if self.action == "create" else GridTaskSerializer

    @extend_schema(request=GridTaskSendSerializer, responses={201: GridTaskSerializer})
    def create(self, request):
        from registry.access import access_person

        data = GridTaskSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        visible = Area.objects.restrict(request.user, "gridtask.send")
        sender = visible.filter(code=values["sender_area"]).first()
        if sender is None:
            raise APIValidationError({"sender_area": [_("Unknown area.")]})
        codes = values.get("grids") or []
        grids = list(visible.filter(code__in=codes))
        if len(grids) != len(set(codes)):
            raise APIValidationError({"grids": [_("Unknown area.")]})
        person = access_person(request.user, values["person"]) if values.get("person") else None
        task = actions.send_task(request.user, sender_area=sender, title=values["title"],
                                 instructions=values.get("instructions", ""), kind=values["kind"],
                                 due_at=values["due_at"], grids=grids, items=values.get("items") or [],
                                 special_group=values.get("special_group", ""), person=person)
        return Response(GridTaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GridTaskUpdateSerializer, responses={200: GridTaskSerializer})
    def partial_update(self, request, pk=None):
        """Correct the title or instructions, extend the deadline (never shorten it)."""
        task = self.get_object()
        data = GridTaskUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        task = actions.update_task(request.user, task, title=values.get("title"),
                                   instructions=values.get("instructions"), due_at=values.get("due_at"),
                                   version=values.get("version"))
        return Response(GridTaskSerializer(task).data)

    @extend_schema(request=GridTaskCancelSerializer, responses={200: GridTaskSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Withdraw the task with a reason: done items stay done, open ones can no longer be completed."""
        task = self.get_object()
        data = GridTaskCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = actions.cancel_task(request.user, task, reason=data.validated_data["reason"],
                                   version=data.validated_data.get("version"))
        return Response(GridTaskSerializer(task).data)

    @extend_schema(responses={200: ProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Items done per grid."""
        return Response(ProgressSerializer(selectors.progress(self.get_object())).data)


class GridTaskItemViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Items of the tasks sent to the user's grids ("gridtask.work"); `?state=open` for what is left."""

    queryset = GridTaskItem.objects.select_related("part__task", "part__grid", "person").order_by("part_id", "id")
    serializer_class = ItemSerializer
    capability = "gridtask.work"

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("state"):
            qs = qs.filter(state=self.request.query_params["state"])
            if self.request.query_params["state"] == ItemState.OPEN:
                qs = qs.filter(part__task__cancelled_at__isnull=True)
        return qs

    @extend_schema(request=CompleteSerializer, responses={200: ItemSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        item = self.get_object()
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = actions.complete_item(request.user, item, result=data.validated_data["result"],
                                     note=data.validated_data.get("note", ""))
        return Response(ItemSerializer(self.get_queryset().get(pk=item.pk)).data)
