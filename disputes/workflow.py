"""The dispute state machine, in one place: action → (states it may start from, state it leads to).

    registered ──start_mediation──▶ mediating ──conclude──▶ settled | not_settled | referred
                                     │   ▲
                                     └───┘ hand_over (the current stage closes with a reason,
                                                      a stage of another kind opens)
Sessions are recorded while mediating; the fulfilment check needs a settled dispute; follow-up
visits (回访) need a concluded one. Anything else is refused and changes nothing.
"""

from disputes.choices import CONCLUDED_STATES, DisputeState

TRANSITIONS = {
    "register": ((), DisputeState.REGISTERED),
    "start_mediation": ((DisputeState.REGISTERED,), DisputeState.MEDIATING),
    "record_session": ((DisputeState.MEDIATING,), None),
    "hand_over": ((DisputeState.MEDIATING,), None),
    "conclude": ((DisputeState.MEDIATING,), None),  # to the outcome's state
    "check_fulfilment": ((DisputeState.SETTLED,), None),
    "follow_up": (tuple(CONCLUDED_STATES), None),
    "turn_into_case": ((DisputeState.REGISTERED, DisputeState.MEDIATING, DisputeState.NOT_SETTLED), None),
}

# Corrections (disputes.actions.update_dispute) do not change the state. The title, description,
# place and risk level can be corrected in every state; the kind and the parties only until the
# mediation is concluded (the agreement or the referral names them).
EDITABLE_ALWAYS = ("title", "description", "place", "risk")
EDITABLE_UNTIL_CONCLUDED = ("kind", "parties")
OPEN_STATES = (DisputeState.REGISTERED, DisputeState.MEDIATING)


def editable(field: str, state: str) -> bool:
    return field in EDITABLE_ALWAYS or (field in EDITABLE_UNTIL_CONCLUDED and state in OPEN_STATES)


def allowed(action: str, state: str) -> bool:
    return state in TRANSITIONS[action][0]
