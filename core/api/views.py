"""Base API classes: every viewset starts from the user's restricted queryset."""

from rest_framework import viewsets


class RestrictedViewSetMixin:
    """`queryset` is restricted to the requesting user's scope; out of scope is a 404."""

    capability = "view"

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, self.capability)


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


def api_not_found(request, exception=None):
    """The 404 of a URL that matches no route: JSON under /api/ (clients parse it), the page elsewhere."""
    from django.http import JsonResponse
    from django.utils.translation import gettext as _
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
