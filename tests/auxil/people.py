"""Acting as people in the emulator and waiting for the bot's answers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.coordinators import create_coordinator_invite

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LINK = re.compile(r"https://t\.me/\S+\?start=[A-Za-z0-9_-]+")


async def act(user, action, *, contains: str | None = None, timeout: float = 10.0):
    """Do something as `user` and wait for the bot's (last) answer to it."""
    before = len(user.messages)
    await action
    predicate = (lambda m: contains in m.text or contains in (m.caption or "")) if contains else None
    return await user.wait_for(predicate, after=before, timeout=timeout)


async def make_coordinator(emulator, runtime, user, *, name_button: str = "“"):
    link = await create_coordinator_invite(
        runtime.settings, username=emulator.bot_username, ttl=timedelta(hours=1), sessionmaker=runtime.sessionmaker
    )
    await act(user, user.open_link(link))
    await act(user, user.press(_button_starting(user, "I agree")))
    await act(user, user.press(_button_starting(user, "Use")), contains="coordinator")
    return user


def _button_starting(user, prefix: str) -> str:
    for message in reversed(user.bot_messages):
        for row in message.buttons:
            for button in row:
                if button.text.startswith(prefix):
                    return button.text
    raise AssertionError(f"no button starting with {prefix!r} in:\n{user.messages}")


button = _button_starting


async def create_case(user, *, pseudonym="Family A", model_button="Systemic meeting", date="2099-12-03",
                      time="14:30", place="Town hall"):
    await act(user, user.send_command("new"))
    await act(user, user.send_text(pseudonym))
    await act(user, user.press(model_button))
    await act(user, user.send_text(date))
    await act(user, user.send_text(time))
    await act(user, user.send_text(place), contains="check")
    return await act(user, user.press("Create the case"), contains="is ready")


async def invite_links(user) -> dict[str, str]:
    """Runs /invite and returns {role label: link} from the photo captions."""
    before = len(user.messages)
    await user.send_command("invite")
    await user.wait_for(lambda m: m.photo is not None and "professional" in (m.caption or ""), after=before, timeout=15)
    links = {}
    for message in user.messages[before:]:
        if message.photo is not None:
            label = message.caption.split("\n", 1)[0].removeprefix("Link for: ")
            links[label] = LINK.search(message.caption).group(0)
    return links


async def join(user, link: str, *, name: str | None = None):
    await act(user, user.open_link(link), contains="agree")
    await act(user, user.press(button(user, "I agree")))
    if name is None:
        await act(user, user.press(button(user, "Use")))
    else:
        await act(user, user.send_text(name))
    return await act(user, user.press(button(user, "Yes")), contains="Welcome")


def tomorrow() -> str:
    return (datetime.now(STOCKHOLM) + timedelta(days=1)).date().isoformat()


async def case_with_people(emulator, runtime, people, *, model_button="Systemic meeting", date=None):
    """Cia as coordinator, a case whose meeting is tomorrow (so preparation is
    open) unless `date` says otherwise, and one joined person per (name, role
    label); returns (coordinator, [people])."""
    cia = await make_coordinator(emulator, runtime, emulator.user(1, "Cia"))
    await create_case(cia, model_button=model_button, date=date or tomorrow())
    links = await invite_links(cia)
    joined = []
    for n, (name, role) in enumerate(people, start=2):
        person = emulator.user(n, name)
        await join(person, links[role])
        joined.append(person)
    return cia, joined
