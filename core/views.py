"""Base page views: every object page fetches through the user's restricted queryset."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.generic import DetailView, ListView


class RestrictedMixin(LoginRequiredMixin):
    model = None
    capability = "view"

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, self.capability)


class RestrictedListView(RestrictedMixin, ListView):
    paginate_by = 50


class RestrictedDetailView(RestrictedMixin, DetailView):
    pass


def require_capability(user, capability: str, area=None) -> None:
    """Raise 404 when the user has no role with `capability` covering `area` (or any area)."""
    from accounts.scope import get_scope

    scope = get_scope(user)
    if not scope.can(capability, area):
        if area is not None and not scope.can("view", area):
            raise Http404
        raise PermissionDenied
