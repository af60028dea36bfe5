"""The case workflow as one explicit table: every action, the states it starts from, the state it
leads to, and who may take it. cases/actions.py has one function per row and refuses anything the
table does not allow; the pages and the API show only the actions `allowed_actions` returns.

Who ("actor kinds"):
- owner:       holds the owning role (grid chief / community officer / street officer / district
               command) at the case's owning area or at an area above it (a higher level may take a
               case over; the case's owning level then moves up to it)
- dispatcher:  an owner at street or district level (街道吹哨、部门报到: streets and the district summon
               departments)
- department:  a department handler of a department with an open sub-task on the case
- grid_staff:  a grid worker or grid chief of the case's grid (verification on site)
- superior:    a role above the owning level (or a district leader): supervise / remind
- reporter:    whoever holds the tracking code (rating)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cases.choices import CaseState as S
from cases.choices import TaskState as T


@dataclass(frozen=True)
class Transition:
    label: str
    from_states: frozenset
    to_state: str | None  # None: decided by the action (e.g. the last department reporting back)
    who: str
    needs_reason: bool = False
    task_from: frozenset = field(default_factory=frozenset)  # task-level actions: the task's states
    danger: bool = False  # asks for confirmation in the pages


OPEN = frozenset({S.REPORTED, S.ACCEPTED, S.FILED, S.DISPATCHED, S.HANDLING, S.VERIFYING, S.SUSPENDED})

TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(_("Accept"), frozenset({S.REPORTED}), S.ACCEPTED, "owner"),
    "decline": Transition(_("Decline"), frozenset({S.REPORTED, S.ACCEPTED}), S.DECLINED, "owner",
                          needs_reason=True, danger=True),
    "file": Transition(_("File"), frozenset({S.ACCEPTED}), S.FILED, "owner"),
    "resolve": Transition(_("Resolve at this level"), frozenset({S.ACCEPTED, S.FILED}), S.CLOSED, "owner",
                          needs_reason=True),
    "escalate": Transition(_("Escalate"), frozenset({S.REPORTED, S.ACCEPTED, S.FILED}), None, "owner",
                           needs_reason=True),
    "merge": Transition(_("Merge into another case"), frozenset({S.REPORTED, S.ACCEPTED}), S.MERGED, "owner",
                        danger=True),
    "dispatch": Transition(_("Dispatch"), frozenset({S.FILED}), S.DISPATCHED, "dispatcher"),
    "accept_task": Transition(_("Take the task"), frozenset({S.DISPATCHED, S.HANDLING}), S.HANDLING, "department",
                              task_from=frozenset({T.DISPATCHED})),
    "return_task": Transition(_("Return (misrouted)"), frozenset({S.DISPATCHED, S.HANDLING}), None, "department",
                              needs_reason=True, task_from=frozenset({T.DISPATCHED, T.HANDLING}), danger=True),
    "report_back": Transition(_("Report back"), frozenset({S.HANDLING}), None, "department", needs_reason=True,
                              task_from=frozenset({T.HANDLING})),
    "request_extension": Transition(_("Ask for more time"), frozenset({S.DISPATCHED, S.HANDLING}), None,
                                    "department", needs_reason=True,
                                    task_from=frozenset({T.DISPATCHED, T.HANDLING})),
    "approve_extension": Transition(_("Approve extension"), frozenset({S.DISPATCHED, S.HANDLING}), None,
                                    "dispatcher"),
    "refuse_extension": Transition(_("Refuse extension"), frozenset({S.DISPATCHED, S.HANDLING}), None,
                                   "dispatcher", needs_reason=True),
    "verify_pass": Transition(_("Verified: close"), frozenset({S.VERIFYING}), S.CLOSED, "grid_staff"),
    "verify_fail": Transition(_("Not solved: rework"), frozenset({S.VERIFYING}), S.HANDLING, "grid_staff",
                              needs_reason=True),
    "suspend": Transition(_("Suspend"), frozenset({S.FILED, S.DISPATCHED, S.HANDLING}), S.SUSPENDED, "owner",
                          needs_reason=True),
    "resume": Transition(_("Resume"), frozenset({S.SUSPENDED}), None, "owner"),
    "supervise": Transition(_("Supervise"), OPEN - {S.SUSPENDED}, None, "superior", needs_reason=True),
    "remind": Transition(_("Remind"), OPEN - {S.SUSPENDED}, None, "superior"),
    "void": Transition(_("Void"), OPEN, S.VOIDED, "dispatcher", needs_reason=True, danger=True),
    "reopen": Transition(_("Reopen"), frozenset({S.CLOSED}), S.FILED, "owner", needs_reason=True),
    "callback": Transition(_("Record callback"), frozenset({S.CLOSED}), None, "dispatcher", needs_reason=True),
    "rate": Transition(_("Rate"), frozenset({S.CLOSED}), None, "reporter"),
}

# Owning roles per level, and the levels from which departments may be summoned.
OWNER_ROLES = {
    "grid": {"grid_chief"},
    "community": {"community_officer"},
    "street": {"street_officer"},
    "district": {"district_command"},
}
DISPATCH_LEVELS = {"street", "district"}
GRID_STAFF_ROLES = {"grid_worker", "grid_chief"}
