"""`meetbot demo`: the real bot against the built-in Bot API emulator, offline.

An operator makes a coordinator; the coordinator creates a case and invite
links; three participants join in different languages (one tries a made-up
link first, one sends a sticker); two of them prepare (a family member with
a network map and a note for herself, a network member who finishes), and
the coordinator looks at who has prepared and what was shared; she runs the
meeting step by step, writes down a task that Anna takes on, a goal in the
family's words and Anna's own view, and ends it with a plan that everyone
gets with its PDF: Anna agrees to it, Lars confirms he has read it, and the
coordinator's /plan shows who has agreed. The PDF is written next to the
database so that a person can open it. A second case is a family group conference with
private family time. At the end Anna and Mette tell how their meetings felt,
the coordinator reads the feedback (a chart and the numbers), announces the
next meeting of the first case, which each person reads in their own language
with a calendar file, and sees their answers. A third case is the Danish
series for a placed child: a status meeting and a talk with the child both
ahead, and the series overview saying which cadence rule is due or overdue.
Then each person's chat is printed as their phone would show it."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.config import Settings
from bot.coordinators import create_coordinator_invite
from bot.db.migrate import upgrade_async
from bot.emulator import BotApiEmulator
from bot.emulator.transcript import render_chat

LINK = re.compile(r"https://t\.me/\S+\?start=[A-Za-z0-9_-]+")
TIMEOUT = 15.0


async def _act(user, action, contains: str | None = None):
    """Act, and wait until the bot has said all it will say about it, as a
    person reads to the end before pressing the next button."""
    before = len(user.messages)
    await action
    predicate = (lambda m: contains in (m.text or "") or contains in (m.caption or "")) if contains else None
    reply = await user.wait_for(predicate, after=before, timeout=TIMEOUT)
    await user.wait_until_answered(timeout=TIMEOUT, quiet=0.15)
    return reply


def _button(user, position: tuple[int, int] = (0, 0)) -> str:
    """The label of a button on the newest message with buttons: the demo
    presses by position, so it works in every language."""
    message = next(m for m in reversed(user.bot_messages) if m.buttons)
    row, column = position
    return message.buttons[row][column].text


async def _join(user, link: str, *, typed_name: str | None = None) -> None:
    await _act(user, user.open_link(link))
    await _act(user, user.press(_button(user, (0, 0))))  # I agree
    if typed_name:
        await _act(user, user.send_text(typed_name))
    else:
        await _act(user, user.press(_button(user, (0, 0))))  # use my Telegram name
    await _act(user, user.press(_button(user, (0, 0))))  # yes, that's my role


async def play(emulator: BotApiEmulator, runtime: Runtime) -> list:
    link = await create_coordinator_invite(runtime.settings, username=emulator.bot_username,
                                           ttl=timedelta(hours=1), sessionmaker=runtime.sessionmaker)
    cia = emulator.user(1001, "Cia", last_name="Lindqvist", language_code="sv")
    await _act(cia, cia.open_link(link))
    await _act(cia, cia.press(_button(cia, (0, 0))))
    await _act(cia, cia.press(_button(cia, (0, 0))))

    meeting_day = (datetime.now(timezone.utc) + timedelta(days=5)).date()  # preparation is open
    await _act(cia, cia.send_command("new"))
    await _act(cia, cia.send_text("Familjen A <Sjöberg & co>"))
    await _act(cia, cia.press(_button(cia, (0, 0))))  # the systemic meeting
    await _act(cia, cia.send_text(meeting_day.strftime("%d.%m.%Y")))
    await _act(cia, cia.send_text("14.30"))
    await _act(cia, cia.send_text("Familjecentralen, rum 3"))
    await _act(cia, cia.press(_button(cia, (0, 0))))  # create

    before = len(cia.messages)
    await cia.send_command("invite")
    await cia.wait_for(lambda m: m.photo is not None and len([x for x in cia.messages[before:] if x.photo]) >= 5,
                       after=before, timeout=TIMEOUT)
    links = [LINK.search(m.caption).group(0) for m in cia.messages[before:] if m.photo is not None]
    family, _child, network, professional, _reflecting_team = links

    anna = emulator.user(1002, "Anna", last_name="Sjöberg", language_code="da")
    await _act(anna, anna.send_command("start", "this-link-is-made-up-1234"))
    await _join(anna, family)

    lars = emulator.user(1003, "Lars", language_code="sv")
    await _join(lars, network, typed_name="Morfar Lars")
    await _act(lars, lars.send_sticker())

    aino = emulator.user(1004, "Aino", last_name="Virtanen", language_code="fi")
    await _join(aino, professional)

    await _act(cia, cia.send_command("meetings"))
    await _prepare_family(anna)
    await _prepare_network(lars)
    await _act(cia, cia.send_command("prep"))
    await _act(cia, cia.press(_button(cia, (0, 0))))  # shared answers by question
    await _run_meeting(cia, anna, lars)
    mette, jukka = await _family_group_conference(emulator, cia)
    await _feedback(anna, (8, 9, 7, 8), "Det var rart, at mormor måtte være med.")
    await _feedback(mette, (4, 3, 6, 4), "Det var svært at tale, mens alle så på.")  # low: the coordinator is alerted
    await _act(cia, cia.send_command("feedback"))
    await _press(cia, "fbres:case:", cia.bot_messages[-1])  # Familjen A: a chart and the numbers
    await _next_meeting(cia, anna, lars, aino)
    oliver = await _danish_series(emulator, cia)
    await asyncio.sleep(0.5)  # let the last notices arrive
    return [cia, anna, lars, aino, mette, jukka, oliver]


async def _feedback(user, scores: tuple[int, ...], words: str) -> None:
    """The notice from the end of the meeting: four numbers, a few words, send."""
    await _press(user, "fb:go:")
    for score in scores:
        await _press(user, f"feedback:s:{score}")
    await _act(user, user.send_text(words))
    await _press(user, "feedback:send")


async def _next_meeting(cia, anna, lars, aino) -> None:
    """Cia announces the next meeting of Familjen A on the date the model
    suggests; Anna is coming, Lars cannot, and Aino would like another time."""
    choice = await _act(cia, cia.send_command("next"))
    await _press(cia, "next:case:", choice)  # Familjen A
    await _press(cia, "next:send")
    for user in (anna, lars, aino):
        await user.wait_for(lambda m: m.document is not None, after=0, timeout=TIMEOUT)
    await _press(anna, "rsvp:yes:")
    await _press(lars, "rsvp:no:")
    await _press(aino, "rsvp:other:")
    await _act(aino, aino.send_text("Torstaisin kello 15 jälkeen sopisi paremmin."))
    await _act(cia, cia.send_command("next"))
    await _press(cia, "next:case:", cia.bot_messages[-1])  # who answered what


async def _new_case(cia, name: str, choices: list[str], *, days_ahead: int, at: str) -> list[str]:
    """Cia sets up a further case (its model and meeting type by button) and
    asks for its invite links; returns them, one for each role, in order."""
    day = (datetime.now(timezone.utc) + timedelta(days=days_ahead)).date()
    await _act(cia, cia.send_command("new"))
    await _act(cia, cia.send_text(name))
    for choice in choices:
        await _press(cia, choice)
    await _act(cia, cia.send_text(day.strftime("%d.%m.%Y")))
    await _act(cia, cia.send_text(at))
    await _press(cia, "setup:place:none")
    await _press(cia, "setup:create")
    before = len(cia.messages)
    choice = await _act(cia, cia.send_command("invite"))
    await _act(cia, cia.press(choice.buttons[-1][0].text, message=choice))  # the newest case comes last
    await cia.wait_for(lambda m: m.photo is not None and len([x for x in cia.messages[before:] if x.photo]) >= 4,
                       after=before, timeout=TIMEOUT)
    return [LINK.search(m.caption).group(0) for m in cia.messages[before:] if m.photo]


async def _family_group_conference(emulator, cia) -> tuple:
    """A second case, a family group conference: after the professional's
    part, Jukka is asked to leave the room, Mette's family plans on their
    own and calls everyone back with "we are ready"."""
    family, _child, _network, professional = await _new_case(
        cia, "Familjen B", ["setup:model:family_group_conference"], days_ahead=20, at="10.00")
    mette = emulator.user(1005, "Mette", language_code="da")
    await _join(mette, family)
    jukka = emulator.user(1006, "Jukka", language_code="fi")
    await _join(jukka, professional)

    await _act(cia, cia.send_command("meeting"))
    text, choice = _by_action(cia, "meeting:case:")
    await _act(cia, cia.press(choice.buttons[-1][0].text, message=choice))  # Familjen B
    control = cia.bot_messages[-1]
    for row in range(2):  # Mette and Jukka are here
        await _act(cia, cia.press(control.buttons[row][0].text, message=control))
    await _press(cia, "meeting:start", control)
    await _press(cia, "meeting:speaker", control)  # after the coordinator, Jukka
    await _press(cia, "meeting:next", control)  # family time
    await _press(mette, "meeting:ready:")
    await _press(cia, "meeting:next", control)  # the family's plan
    await _press(cia, "meeting:end", control)
    await _press(cia, "meeting:endyes")
    return mette, jukka


async def _danish_series(emulator, cia):
    """A third case, the Danish series for a placed child: Oliver, 12, joins;
    Cia records the placement (40 days ago), sends him the first status
    meeting, plans a talk with him beside it, and /next shows the series: the
    meetings ahead by kind, and which cadence rule is due or overdue."""
    _family, child, *_others = await _new_case(
        cia, "Familie J", ["setup:model:danish_series", "setup:type:statusmode"], days_ahead=3, at="15.00")
    oliver = emulator.user(1007, "Oliver", language_code="da")
    await _join(oliver, child)

    async def series_board():
        choice = await _act(cia, cia.send_command("next"))
        return await _act(cia, cia.press(choice.buttons[-1][0].text, message=choice))  # Familie J

    draft = await series_board()
    await _press(cia, "next:edit:placed_on", draft)
    # 40 days before the case's own today (Stockholm's, the default zone), not
    # UTC's: between midnight there and in UTC the two are a day apart.
    placed = (datetime.now(ZoneInfo(Settings.model_fields["default_timezone"].default)) - timedelta(days=40)).date()
    await _act(cia, cia.send_text(placed.isoformat()))
    await _press(cia, "next:send")
    board = await series_board()
    await _press(cia, "next:another", board)
    await _press(cia, "next:edit:type")
    await _press(cia, "next:type:bornesamtale")  # Oliver and Cia, without the place's staff
    await _press(cia, "next:send")
    await oliver.wait_for(lambda m: m.document is not None and len([x for x in oliver.messages if x.document]) >= 2,
                          after=0, timeout=TIMEOUT)
    await series_board()  # the series: two meetings ahead, the network meeting overdue, the talks with the child due
    return oliver


def _by_action(user, action: str, message=None) -> tuple:
    """A button by what it does (its callback data), so the demo works in every language."""
    messages = [message] if message is not None else reversed(user.bot_messages)
    for candidate in messages:
        for row in candidate.buttons:
            for button in row:
                if button.callback_data and button.callback_data.split("|", 1)[-1].startswith(action):
                    return button.text, candidate
    raise LookupError(action)


def _actions(message) -> list:
    return [[button.callback_data for button in row] for row in message.buttons]


async def _await_action(user, action: str, message=None) -> tuple:
    """The button, once it is there: on a busy machine the message that
    carries it may still be on its way after the last one arrived."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        try:
            return _by_action(user, action, message)
        except LookupError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def _press(user, action: str, message=None, *, toggle: bool = False):
    text, on = await _await_action(user, action, message)
    if toggle:  # only the buttons change: wait for them, as a person sees the tick before pressing on
        before = _actions(on)
        mark = user.mark()
        await user.press(text, message=on)
        await user.wait_for(lambda m: m.message_id == on.message_id and _actions(m) != before, after=mark, timeout=TIMEOUT)
        return await user.wait_until_answered(timeout=TIMEOUT, quiet=0.15)
    return await _act(user, user.press(text, message=on))


async def _run_meeting(cia, anna, lars) -> None:
    """Cia runs the meeting: attendance, her introduction, the family's round
    (Anna gets her own notes as a cue card), a task for Anna, which she takes
    on; at "who does what" a goal in the family's words and Anna's view; then
    the meeting ends and everyone gets the plan with its PDF: Anna agrees to
    it, Lars has read it, and Cia's /plan shows who has agreed."""
    before = len(cia.messages)
    await _act(cia, cia.send_command("meeting"))
    # The panel, by its buttons: the network map from /prep (drawn just
    # before it is sent) may still be arriving.
    control = await cia.wait_for(lambda m: any(a and "meeting:att:" in a for row in _actions(m) for a in row),
                                 after=before, timeout=TIMEOUT)
    for row in range(3):  # Anna, Lars and Aino are here
        await _act(cia, cia.press(control.buttons[row][0].text, message=control))
    await _press(cia, "meeting:start", control)
    await _press(cia, "meeting:next", control)  # the family's round
    await _press(cia, "meeting:speaker", control)  # Aino's turn
    await _press(cia, "meeting:task", control)
    await _act(cia, cia.send_text("Ringa skolan och göra en morgonplan tillsammans med klassläraren"))
    await _press(cia, "task:own:", toggle=True)  # Anna
    await _press(cia, "task:owners")
    await _press(cia, "task:due:14")
    await _press(anna, "task:ok:")
    for _step in range(4):  # on to "who does what", where the plan is written
        await _press(cia, "meeting:next", _by_action(cia, "meeting:next")[1])
    await _press(cia, "meeting:plan:goals", _by_action(cia, "meeting:plan:goals")[1])
    await _press(cia, "plan:addgoal")
    await _act(cia, cia.send_text("Morgnarna ska bli lugnare\n- komma i tid till skolan\n- frukost tillsammans"))
    await _press(cia, "plan:back")
    await _press(cia, "meeting:plan:views", _by_action(cia, "meeting:plan:views")[1])
    await _press(cia, "plan:view:")  # Anna
    await _act(cia, cia.send_text("Vi vill gärna att mormor är med på morgnarna."))
    await _press(cia, "meeting:end", _by_action(cia, "meeting:end")[1])
    await _press(cia, "meeting:endyes")
    for user in (anna, lars, cia):  # the plan's PDF, drawn after the meeting ended
        await user.wait_for(lambda m: m.document is not None and m.document[0].endswith(".pdf"), after=0, timeout=TIMEOUT)
    await _press(anna, "plan:agree:")
    await _press(lars, "plan:read:")
    await _act(cia, cia.send_command("plan"))
    await cia.wait_for(lambda m: m.document is not None and m.document[0].endswith(".pdf") and m is cia.bot_messages[-1],
                       after=0, timeout=TIMEOUT)


def save_plan_pdf(cia, folder: Path) -> Path | None:
    """The coordinator's copy of the plan she asked for with /plan (with who has agreed), written
    where a person can open it."""
    asked = max((i for i, m in enumerate(cia.messages) if not m.from_bot and m.text == "/plan"), default=0)
    copy = next((m for m in cia.messages[asked:] if m.from_bot and m.document and m.document[0].endswith(".pdf")), None)
    if copy is None:
        return None
    path = folder / f"meetbot-demo-{copy.document[0]}"
    path.write_bytes(copy.document[1])
    return path


async def _start_preparing(user) -> None:
    # The notice may have come before or after the person's last message.
    notice = await user.wait_for(
        lambda m: any(b.callback_data.startswith("-|prep:go") for row in m.buttons for b in row if b.callback_data),
        after=0, timeout=TIMEOUT)
    await _act(user, user.press(notice.buttons[0][0].text, message=notice))


async def _prepare_family(anna) -> None:
    """Anna (Danish) answers the first question in two messages, draws her
    network map, keeps her third answer to herself, and pauses."""
    await _start_preparing(anna)
    await _act(anna, anna.send_text("Morgenerne er svære: han vil ikke op, og vi kommer for sent i skole."))
    await _act(anna, anna.send_text("Aftenerne er roligere, især når mormor er der."))
    await _act(anna, anna.press(_button(anna, (0, 0))))  # next
    for name, kind_row, close_row in (("Mormor Eva", 0, 0), ("Fodboldtræner Ali", 1, 1), ("Lærer Hanne", 2, 1)):
        await _act(anna, anna.send_text(name))
        await _act(anna, anna.press(_button(anna, (kind_row, 0))))
        await _act(anna, anna.press(_button(anna, (close_row, 0))))
    await _act(anna, anna.press(_button(anna, (0, 0))))  # the map is ready: a picture
    await _act(anna, anna.press(_button(anna, (0, 0))))  # it is right
    await _act(anna, anna.press(_button(anna, (0, 0))))  # who sees it
    await _act(anna, anna.press(_button(anna, (2, 0))))  # only me
    await _act(anna, anna.send_text("Jeg er bange for, at jeg ikke slår til."))
    await _act(anna, anna.press(_button(anna, (0, 0))))  # next
    pause = anna.bot_messages[-1].buttons[-1][0].text
    await _act(anna, anna.press(pause))


async def _prepare_network(lars) -> None:
    """Lars (Swedish) skips the map, answers the rest and finishes."""
    await _start_preparing(lars)
    answers = iter((
        "Flytten i höstas har varit svår för honom.",
        "Hur vi kan hjälpa till på morgnarna.",
        "Han verkar glad när vi ses på helgerna, men trött.",
        "Jag kan köra honom till fotbollen på tisdagar.",
    ))
    await _act(lars, lars.press(_button(lars, (2, 0))))  # skip the map
    while True:
        last = lars.bot_messages[-1]
        if not any(b.callback_data and b.callback_data.endswith("prep:v") for row in last.buttons for b in row):
            break  # the summary
        answer = next(answers, None)
        if answer is None:
            await _act(lars, lars.press(last.buttons[-2][-1].text))  # skip
            continue
        await _act(lars, lars.send_text(answer))
        await _act(lars, lars.press(_button(lars, (0, 0))))  # next
    await _act(lars, lars.press(_button(lars, (0, 0))))  # done


async def run_demo(keep_database: str | None = None) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(keep_database) if keep_database else Path(folder) / "demo.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade_async(url)
        # The demo encrypts like a real bot, with a key of its own; a kept
        # database keeps its key beside it, so what it holds can be read.
        key = Fernet.generate_key().decode()
        if keep_database:
            key_file = Path(f"{path}.key")
            key_file.write_text(key + "\n")
            key_file.chmod(0o600)
        async with BotApiEmulator(bot_username="meetbot_demo_bot") as emulator:
            settings = Settings(
                token=emulator.token, database_url=url, api_base_url=emulator.base_url,
                api_file_url=emulator.base_file_url, default_locale="sv", poll_timeout=1,
                send_rate_per_chat=20.0,  # an emulator has no reason to make the demo wait
                quiet_hours="", scheduler_interval=0.2,  # the demo plays at any hour, without waiting
                encryption_key=key,
            )
            runtime = Runtime(settings)
            await runtime.start()
            try:
                people = await play(emulator, runtime)
            finally:
                await runtime.stop()
        print("meetbot demo: the real bot against the built-in Bot API emulator, offline.\n")
        for person in people:
            print(render_chat(person))
            print()
        saved = save_plan_pdf(people[0], path.parent if keep_database else Path.cwd())
        if saved is not None:
            print(f"The plan's PDF (the coordinator's copy): {saved}")
        if keep_database:
            print(f"The demo's database is kept in {path}; its encryption key is in {path}.key.")
    return 0
