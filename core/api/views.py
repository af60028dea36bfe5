"""Base API classes: every viewset starts from the user's restricted queryset."""

from rest_framework import viewsets


class RestrictedViewSetMixin:
    """`queryset` is restricted to the requesting user's scope; out of scope is a 404."""

    capability = "view"

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, self.capability)


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
