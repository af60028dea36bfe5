from django.http import Http404

from earlywarning.models import EarlyWarning


def access_warning(user, warning_id) -> EarlyWarning:
    """A warning in the viewer's case.view scope, by id; 404 otherwise."""
    warning = (EarlyWarning.objects.restrict(user, "case.view").select_related("area", "category")
               .filter(pk=warning_id).first())
    if warning is None:
        raise Http404
    return warning
