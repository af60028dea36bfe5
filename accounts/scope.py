"""What a user's roles cover. Computed once per request and cached on the user object."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from accounts.choices import ROLE_CAPABILITIES


@dataclass
class Scope:
    is_superuser: bool = False
    # capability -> area paths covered (an area and everything below it)
    paths: dict[str, set[str]] = field(default_factory=dict)
    # capability -> department ids the user is bound to
    departments: dict[str, set[int]] = field(default_factory=dict)
    roles: list = field(default_factory=list)

    def paths_for(self, capability: str) -> list[str]:
        return sorted(self.paths.get(capability, ()))

    def departments_for(self, capability: str) -> list[int]:
        return sorted(self.departments.get(capability, ()))

    @property
    def role_codes(self) -> list[str]:
        return sorted({a.role for a in self.roles})

    def covers(self, capability: str, area) -> bool:
        if self.is_superuser:
            return True
        return any(area.path.startswith(p) for p in self.paths.get(capability, ()))

    def can(self, capability: str, area=None) -> bool:
        if self.is_superuser:
            return True
        if area is None:
            return bool(self.paths.get(capability)) or bool(self.departments.get(capability))
        return self.covers(capability, area)

    def has_role(self, *roles: str) -> bool:
        return any(a.role in roles for a in self.roles)


SCOPE_COUNTER = "role_scopes"  # bumped on every change of a role assignment, area or department


def _scopes():
    global _SCOPES
    if _SCOPES is None:
        from core.counters import StampedCache

        _SCOPES = StampedCache(SCOPE_COUNTER, daily=True)  # user id → the roles' scope
    return _SCOPES


_SCOPES = None


def _load_scope(user) -> Scope:
    from accounts.models import RoleAssignment

    scope = Scope()
    assignments = list(
        RoleAssignment.objects.active().filter(user=user).select_related("area", "department__area")
        .defer("area__boundary", "department__area__boundary")
    )
    scope.roles = assignments
    for assignment in assignments:
        area = assignment.department.area if assignment.department_id else assignment.area
        for capability in ROLE_CAPABILITIES.get(assignment.role, ()):
            scope.paths.setdefault(capability, set()).add(area.path)
            if assignment.department_id:
                scope.departments.setdefault(capability, set()).add(assignment.department_id)
    return scope


def get_scope(user) -> Scope:
    """The user's scope: once per request on the user object, and per process between requests
    until a role assignment, area or department changes (a core.Counter stamp) or the day turns."""
    cached = getattr(user, "_gridgov_scope", None)
    if cached is not None:
        return cached
    is_superuser = bool(getattr(user, "is_superuser", False))
    if user is None or not user.is_authenticated:
        scope = Scope(is_superuser=is_superuser)
    else:
        roles = _scopes().get(user.pk, lambda: _load_scope(user))
        scope = replace(roles, is_superuser=is_superuser)
    user._gridgov_scope = scope
    return scope


def forget_scope(user) -> None:
    if hasattr(user, "_gridgov_scope"):
        del user._gridgov_scope
