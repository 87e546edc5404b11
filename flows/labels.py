"""Names of roles and languages, marked for translation."""

from __future__ import annotations

from flows.text import N_, T

ROLES = ("family", "child", "network", "professional", "reflecting_team")

ROLE_NAMES = {
    "family": N_("family member"),
    "child": N_("child or young person"),
    "network": N_("network member"),
    "professional": N_("professional"),
    # Translators: a professional who listens and then reflects aloud (the systemic meeting's reflecting team).
    "reflecting_team": N_("reflecting team member"),
    "coordinator": N_("coordinator"),
}

# Each language is offered in its own name, so nobody needs to read another.
LANGUAGE_NAMES = {"sv": "Svenska", "da": "Dansk", "fi": "Suomi", "en": "English"}

TIMEZONES = ("Europe/Stockholm", "Europe/Helsinki", "Europe/Copenhagen")


def role_name(role: str) -> T:
    return T(ROLE_NAMES[role])
