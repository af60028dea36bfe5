"""Pages: endpoints (list, new, edit, enable/disable), the delivery log per endpoint, per delivery
and per event, redelivery. Everything through integrations.access / restricted querysets (out of
scope: 404) and one action of integrations.actions per change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from areas.models import Area
from core.views import require_capability
from integrations import actions
from integrations.access import CAPABILITY, access_delivery, access_endpoint, access_event
from integrations.choices import DeliveryState, EndpointKind
from integrations.forms import EndpointForm
from integrations.models import Delivery, WebhookEndpoint
from web.utils import add_action_errors, paginate, pretty_json


def _districts(user):
    return list(Area.objects.restrict(user, CAPABILITY).filter(level="district").order_by("code"))


@login_required
def endpoint_list(request):
    require_capability(request.user, CAPABILITY)
    endpoints = (WebhookEndpoint.objects.restrict(request.user, CAPABILITY)
                 .annotate(pending=Count("deliveries", filter=Q(deliveries__state__in=["pending", "in_flight"])),
                           failed=Count("deliveries", filter=Q(deliveries__state="failed")))
                 .order_by("district_code", "kind", "name", "id"))
    return render(request, "integrations/endpoints.html", {"page_obj": paginate(request, endpoints)})


@login_required
def endpoint_new(request):
    require_capability(request.user, CAPABILITY)
    districts = _districts(request.user)
    if request.method == "POST":
        form = EndpointForm(request.POST, districts=districts)
        if form.is_valid():
            data = form.cleaned_data
            area = next(d for d in districts if str(d.pk) == data["district"])
            try:
                endpoint, generated = actions.create_endpoint(
                    request.user, area=area, name=data["name"], url=data["url"], kind=data["kind"],
                    event_types=data["event_types"], operator=data.get("operator"), secret=data["secret"],
                    inbound_secret=data["inbound_secret"])
            except ValidationError as exc:
                add_action_errors(form, exc, {"area": "district"})
            else:
                messages.success(request, _("The endpoint %(name)s was created.") % {"name": endpoint.name})
                if generated:
                    # shown this once; only the encrypted secret is kept
                    request.session["integrations_secrets"] = {"endpoint": endpoint.pk, **generated}
                return redirect(endpoint)
    else:
        form = EndpointForm(districts=districts)
    return render(request, "integrations/endpoint_form.html", {"form": form, "endpoint": None})


@login_required
def endpoint_edit(request, pk):
    endpoint = access_endpoint(request.user, pk)
    if request.method == "POST":
        form = EndpointForm(request.POST, endpoint=endpoint)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_endpoint(
                    request.user, endpoint, name=data["name"], url=data["url"],
                    event_types=data.get("event_types", endpoint.event_types), operator=data.get("operator"),
                    secret=data["secret"], inbound_secret=data.get("inbound_secret", ""))
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("The endpoint %(name)s was saved.") % {"name": data["name"]})
                return redirect(endpoint)
    else:
        form = EndpointForm(endpoint=endpoint, initial={
            "name": endpoint.name, "url": endpoint.url, "event_types": endpoint.event_types,
            "operator": endpoint.operator.username if endpoint.operator_id else ""})
    return render(request, "integrations/endpoint_form.html", {"form": form, "endpoint": endpoint})


@login_required
def endpoint_toggle(request, pk):
    """Disable or enable, after a confirmation page."""
    endpoint = access_endpoint(request.user, pk)
    if request.method == "POST":
        endpoint = actions.set_endpoint_active(request.user, endpoint, not endpoint.is_active)
        messages.success(request, (_("The endpoint %(name)s is active again.") if endpoint.is_active
                                   else _("The endpoint %(name)s was disabled.")) % {"name": endpoint.name})
        return redirect(endpoint)
    return render(request, "integrations/endpoint_toggle.html", {"endpoint": endpoint})


@login_required
def endpoint_detail(request, pk):
    endpoint = access_endpoint(request.user, pk)
    state = request.GET.get("state", "")
    deliveries = (Delivery.objects.filter(endpoint=endpoint).select_related("event", "event__case")
                  .order_by("-created_at", "-id"))
    if state in DeliveryState.values:
        deliveries = deliveries.filter(state=state)
    secrets = request.session.pop("integrations_secrets", None)
    if secrets and secrets.get("endpoint") != endpoint.pk:
        secrets = None
    counts = dict(Delivery.objects.filter(endpoint=endpoint).values_list("state").annotate(n=Count("id")))
    return render(request, "integrations/endpoint.html", {
        "endpoint": endpoint, "page_obj": paginate(request, deliveries), "state": state,
        "states": DeliveryState.choices, "counts": counts, "secrets": secrets,
        "is_hotline": endpoint.kind == EndpointKind.HOTLINE,
    })


@login_required
def delivery_detail(request, pk):
    delivery = access_delivery(request.user, pk)
    return render(request, "integrations/delivery.html", {
        "delivery": delivery, "attempts": delivery.attempt_log.order_by("number"),
        "payload_json": pretty_json(delivery.event.payload),
    })


@login_required
def delivery_redeliver(request, pk):
    """Send a failed delivery again, after a confirmation page."""
    delivery = access_delivery(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            actions.redeliver(request.user, delivery)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The delivery will be sent again shortly."))
            return redirect(delivery)
    return render(request, "integrations/redeliver.html", {"delivery": delivery, "errors": errors})


@login_required
def event_detail(request, pk):
    event, deliveries = access_event(request.user, pk)
    return render(request, "integrations/event.html", {"event": event, "deliveries": deliveries,
                                                        "payload_json": pretty_json(event.payload)})
