"""Fetch-or-404 within scope for the registry."""

from django.http import Http404

from registry.models import Dwelling, Household, Organization, Person


def _get(model, user, pk, capability=None, related=()):
    try:
        qs = model.objects.restrict(user, capability) if capability else model.objects.restrict(user)
        return qs.select_related(*related).get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_person(user, pk) -> Person:
    return _get(Person, user, pk, related=("grid", "dwelling", "household"))


def access_household(user, pk) -> Household:
    return _get(Household, user, pk, related=("grid", "dwelling", "head"))


def access_dwelling(user, pk) -> Dwelling:
    return _get(Dwelling, user, pk, related=("grid", "building"))


def access_organization(user, pk) -> Organization:
    return _get(Organization, user, pk, related=("grid",))
