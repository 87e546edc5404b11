"""The one place that answers "may this person do this to this case?".
Callback data carries no authority: every action is checked here against the
stored facts the context was loaded from."""

from __future__ import annotations

from flows.context import CaseView, PersonView

COORDINATOR_ACTIONS = frozenset({"create_case", "list_cases"})
CASE_ACTIONS = frozenset({"invite", "revoke_invite", "view_case", "run_meeting", "close_case", "plan_meeting", "manage_tasks"})
# What a coordinator may still read of their case after closing it, until it is erased.
RECORD_ACTIONS = frozenset({"view_feedback"})


def may(person: PersonView | None, action: str, case: CaseView | None = None) -> bool:
    if person is None:
        return False
    if action in COORDINATOR_ACTIONS:
        return person.is_coordinator
    if action in CASE_ACTIONS:
        return (
            person.is_coordinator
            and case is not None
            and case.coordinator_id == person.id
            and case.status == "open"
        )
    if action in RECORD_ACTIONS:
        return person.is_coordinator and case is not None and case.coordinator_id == person.id
    raise ValueError(f"unknown action {action!r}")  # a typo must not silently allow or deny
