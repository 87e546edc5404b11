"""The one place that answers "may this person do this to this case?".
A case may have several coordinators (the lead and, say, a family group
conference's independent coordinator): each has the same rights to it.
Callback data carries no authority: every action is checked here against the
stored facts the context was loaded from."""

from __future__ import annotations

from flows.context import CaseView, PersonView

COORDINATOR_ACTIONS = frozenset({"create_case", "list_cases"})
CASE_ACTIONS = frozenset({"invite", "revoke_invite", "view_case", "run_meeting", "close_case", "plan_meeting", "manage_tasks",
                          "hand_over"})
# What a coordinator may still read of their case after closing it, until it is erased.
RECORD_ACTIONS = frozenset({"view_feedback", "view_audit"})


def may(person: PersonView | None, action: str, case: CaseView | None = None) -> bool:
    if person is None:
        return False
    if action in COORDINATOR_ACTIONS:
        return person.is_coordinator
    if action in CASE_ACTIONS:
        return (
            person.is_coordinator
            and case is not None
            and person.id in case.coordinator_ids
            and case.status == "open"
        )
    if action in RECORD_ACTIONS:
        return person.is_coordinator and case is not None and person.id in case.coordinator_ids
    raise ValueError(f"unknown action {action!r}")  # a typo must not silently allow or deny
