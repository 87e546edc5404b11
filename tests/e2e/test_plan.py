"""The plan end to end: written during a SIP follow-up meeting, sent to
everyone with its PDF (read back with pypdf, in Swedish and Danish), agreed
or not, shown by /plan, and carried over to the next meeting."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from bot.db.models import AuditEntry, PlanAgreement, PlanConsent, PlanVersion
from tests.auxil.people import act, case_with_people
from tests.e2e.test_meeting import take_attendance
from tests.e2e.test_next_meeting import announce
from tests.e2e.test_tasks import add_task

SIP = "Follow-up meeting with a coordinated plan (SIP)"


def pdf_text(message) -> str:
    name, data = message.document
    assert name.endswith(".pdf") and data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def control_of(cia):
    """The coordinator's newest control message (a new one follows each note for the plan)."""
    return next(m for m in reversed(cia.bot_messages) if any(b.text == "⏸ Pause" for row in m.buttons for b in row))


async def next_step(cia, step: int):
    await act(cia, cia.press("Next step ▶", message=control_of(cia)), contains=f"Step {step} of 8")


async def speak(user, language_button: str, confirms: str):
    await act(user, user.send_command("language"), contains="Which language")
    await act(user, user.press(language_button), contains=confirms)


def with_button(label: str):
    return lambda m: any(b.text == label for row in m.buttons for b in row)


async def choose(cia, label: str, *, contains: str):
    """Press a button on the newest message that has it, and wait for the answer."""
    message = await cia.wait_for(with_button(label), after=max(0, len(cia.messages) - 3), timeout=10)
    return await act(cia, cia.press(label, message=message), contains=contains)


async def test_a_sip_follow_up_makes_a_plan_that_is_agreed_refused_filed_and_carried_over(emulator, bot):
    cia, (anna, bo, eva, kim, aino, pekka) = await case_with_people(emulator, bot, [
        ("Anna", "family member"), ("Bo", "family member"), ("Eva", "family member"),
        ("Kim", "child or young person"), ("Aino", "professional"), ("Pekka", "professional")], model_button=SIP)
    await speak(anna, "Svenska", "svenska")
    await speak(bo, "Dansk", "dansk")

    control = await take_attendance(cia, "Anna", "Bo", "Kim", "Aino", "Pekka")  # Eva is not there
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 8")
    await next_step(cia, 2)
    await next_step(cia, 3)  # the family's story: written down as the current situation
    await act(cia, cia.press("📝 Current situation", message=control_of(cia)), contains="current situation")
    await act(cia, cia.send_text("Kim sover dåligt men går till skolan <oftare>."), contains="Noted for the plan")
    for step in (4, 5, 6):
        await next_step(cia, step)

    # Working towards the goals: who works where, a goal with a scale, the overall responsibility, actions.
    await act(cia, cia.press("🏢 Who works where", message=control_of(cia)), contains="Which organisation")
    await choose(cia, "Aino", contains="Which organisation does Aino")
    await act(cia, cia.send_text("BUP Norrby"), contains="Aino: BUP Norrby")
    await choose(cia, "Pekka", contains="Which organisation does Pekka")
    await act(cia, cia.send_text("Norrby skola"), contains="Pekka: Norrby skola")
    await choose(cia, "◀ Back", contains="Step 6 of 8")
    # Before the plan is drawn up the guardians consent to these organisations exchanging information.
    both = lambda m: "BUP Norrby" in m.text and "Norrby skola" in m.text and m.buttons  # noqa: E731 - the newest request
    await act(anna, anna.press("✅ Ja, jag samtycker", message=await anna.wait_for(both, timeout=10)), contains="samtycke är antecknat")
    await act(bo, bo.press("✅ Ja, jeg giver samtykke", message=await bo.wait_for(both, timeout=10)), contains="samtykke er noteret")
    await act(eva, eva.press("No", message=await eva.wait_for(both, timeout=10)), contains="Nothing is shared")
    await cia.wait_for(lambda m: "Eva does not consent" in m.text, timeout=10)
    assert not [m for m in kim.bot_messages + aino.bot_messages if "Consent for the plan" in m.text]
    await act(cia, cia.press("🎯 Goals", message=control_of(cia)), contains="Goals")
    await choose(cia, "➕ Add a goal", contains="Write the goal")
    await act(cia, cia.send_text("Kim ska trivas i skolan\n- gå till skolan varje dag\n- sova hela natten"), contains="Where are we now")
    await choose(cia, "3", contains="Where do we want to be")
    await choose(cia, "8", contains="Now 3 of 10")
    await choose(cia, "✅ Done", contains="Step 6 of 8")
    await act(cia, cia.press("🧑‍💼 Overall responsibility", message=control_of(cia)), contains="overall responsibility")
    await choose(cia, "Aino", contains="Noted for the plan")  # her organisation is known already
    await add_task(cia, control_of(cia), "Utreda sömnen", ["Aino"])
    await add_task(cia, control_of(cia), "Anpassa schemat", ["Pekka"])
    await next_step(cia, 7)

    # Summing up: the child's and a guardian's views, in their own words, kept apart.
    for name, said in (("Kim", "Jag vill bo kvar hos mamma"), ("Anna", "Vi behöver hjälp på morgnarna")):
        await act(cia, cia.press("🧒 The child's and the parents' views", message=control_of(cia)), contains="Whose view")
        await choose(cia, next(b.text for row in cia.last_bot_message.buttons for b in row if b.text.startswith(name)),
                     contains=f"Write what {name} said")
        await act(cia, cia.send_text(said), contains=f"in {name}'s own words")
    await act(cia, cia.press("⏹ End the meeting", message=control_of(cia)), contains="End the meeting now?")
    ended = await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    assert "version 1" in ended.text

    # Everyone in the case gets it, Eva who was absent too, each with the PDF in their language, protected.
    plan_sv = await anna.wait_for(lambda m: "Planen för Family A" in m.text, timeout=10)
    assert plan_sv.raw.get("has_protected_content") and "Samtycker du till den här planen?" in plan_sv.text
    pdf_sv = await anna.wait_for(lambda m: m.document is not None, timeout=20)
    assert pdf_sv.raw.get("has_protected_content")
    text_sv = flat(pdf_text(pdf_sv))
    for expected in ("Plan för Family A", "Mål och delmål", "Kim ska trivas i skolan", "sova hela natten", "Huvudansvar",
                     "BUP Norrby", "Norrby skola", "Utreda sömnen", "Anpassa schemat", "Nulägesbeskrivning",
                     "Kim sover dåligt men går till skolan <oftare>.", "Jag vill bo kvar hos mamma",
                     "Vi behöver hjälp på morgnarna", "Inte med på mötet", "Eva", "Sida 1 av",
                     "Samtycke till informationsutbyte", "BUP Norrby, Norrby skola"):
        assert expected in text_sv, expected
    pdf_da = await bo.wait_for(lambda m: m.document is not None, timeout=20)
    text_da = flat(pdf_text(pdf_da))
    for expected in ("Handleplan for Family A", "Mål og delmål", "Hovedansvar", "Opgaver: hvem gør hvad", "BUP Norrby",
                     "Jag vill bo kvar hos mamma", "Side 1 af"):
        assert expected in text_da, expected
    await eva.wait_for(lambda m: m.document is not None, timeout=20)
    await pekka.wait_for(lambda m: "I have read the plan" not in str(m.buttons) and "Do you agree" in m.text, timeout=10)
    await cia.wait_for(lambda m: m.document is not None, timeout=20)  # the coordinator's copy for the case record

    # Two guardians agree, one does not and says why; a forged answer for someone else changes nothing.
    old_no = plan_sv.buttons[0][1].callback_data
    await act(anna, anna.press("✅ Jag samtycker", message=plan_sv), contains="samtycker")
    plan_da = await bo.wait_for(lambda m: "Planen for Family A" in m.text, timeout=10)
    await act(bo, bo.press("✅ Jeg er enig", message=plan_da), contains="enig")
    plan_eva = await eva.wait_for(lambda m: "The plan for Family A" in m.text, timeout=10)
    agree_data = plan_eva.buttons[0][0].callback_data
    await act(eva, eva.press("✋ I do not agree", message=plan_eva), contains="what do you not agree with")
    await act(eva, eva.send_text("Jag vill vara med nästa gång innan något bestäms"), contains="passed it on")
    await cia.wait_for(lambda m: "Eva does not agree" in m.text and "innan något bestäms" in m.text, timeout=10)
    # Eva's button pressed by the coordinator: nobody agrees on someone else's behalf.
    await cia.press_data(agree_data, plan_eva.message_id)
    await cia.wait_until_answered(timeout=5)
    async with bot.sessionmaker() as session:
        answers = {a.person_id: a.answer for a in await session.scalars(select(PlanAgreement))}
        trail = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("plan_%"))))
        version = await session.scalar(select(PlanVersion))
        assert "Anna" not in version.content  # the plan names people by id: erasing someone erases their name
    assert sorted(answers.values()) == ["agree", "agree", "disagree"], answers
    assert sorted(trail) == ["plan_agree", "plan_agree", "plan_disagree"], trail

    status = await act(cia, cia.send_command("plan"), contains="Agreement")
    assert "Anna: agrees" in status.text and "Bo: agrees" in status.text and "Eva: does not agree" in status.text
    assert "Kim: has not answered yet" in status.text  # the young person is asked too in the SIP model
    await act(cia, cia.press("🔔 Remind those who have not answered", message=status), contains="I have reminded")
    await kim.wait_for(lambda m: "A reminder: the plan for Family A" in m.text, timeout=10)
    filed = await cia.wait_for(lambda m: m.document is not None and "v1" in m.document[0], after=len(cia.messages) - 6, timeout=20)
    assert "Eva" in flat(pdf_text(filed)) and "innan något bestäms" in flat(pdf_text(filed))

    assert "Consent to exchange information" in status.text and "Eva: does not consent" in status.text
    # Anna withdraws her consent: she is told plainly what stops, the coordinator is told, it is recorded.
    mine = await act(anna, anna.send_command("plan"), contains="Du samtyckte")
    await act(anna, anna.press("Ta tillbaka mitt samtycke", message=mine), contains="tillbakataget")
    await cia.wait_for(lambda m: "Anna has withdrawn the consent" in m.text, timeout=10)
    async with bot.sessionmaker() as session:
        consents = [(c.person_id, c.answer) for c in await session.scalars(select(PlanConsent).order_by(PlanConsent.id))]
    assert [answer for _pid, answer in consents] == ["given", "given", "refused", "withdrawn"]

    # The follow-up starts from this plan: the goal is carried over and its progress recorded.
    await announce(cia)
    control = await take_attendance(cia, "Anna", "Bo", "Eva", "Kim", "Aino", "Pekka")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 8")
    for step in range(2, 7):
        await next_step(cia, step)
    goals = await act(cia, cia.press("🎯 Goals", message=control_of(cia)), contains="Kim ska trivas i skolan")
    assert "(kept)" in goals.text
    await cia.press(next(b.text for row in goals.buttons for b in row if b.text.startswith("1.")), message=goals)
    await cia.wait_for(with_button("📊 Where are we now?"), timeout=10)
    await choose(cia, "📊 Where are we now?", contains="Where are we now")
    await choose(cia, "6", contains="Where do we want to be")
    await choose(cia, "8", contains="Now 6 of 10")
    await choose(cia, "✅ Done", contains="Step 6 of 8")
    await act(cia, cia.press("⏹ End the meeting", message=control_of(cia)), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="version 2")
    second = await anna.wait_for(lambda m: "version 2" in m.text, timeout=10)
    assert "Nu 6 av 10" in second.text and "Utreda sömnen" in second.text  # open actions carried over
    second_pdf = await anna.wait_for(lambda m: m.document is not None and m.document[0].endswith("-v2.pdf"), timeout=20)
    assert "Kim ska trivas i skolan" in flat(pdf_text(second_pdf)) and "behålls" in flat(pdf_text(second_pdf))
    # The coordinator's /feedback shows the goal's scale over the case's meetings: a chart and the numbers.
    await cia.send_command("feedback")
    chart = await cia.wait_for(lambda m: m.photo is not None and "The goals in the plan" in (m.caption or ""), timeout=20)
    numbers = await cia.wait_for(lambda m: "The goals, meeting by meeting" in m.text, timeout=10)
    assert chart.photo.startswith(b"\x89PNG") and "Kim ska trivas i skolan: 3 → 6" in numbers.text
    # An answer to the old version no longer counts.
    await act(anna, anna.press_data(old_no, plan_sv.message_id), contains="ändrats")
    async with bot.sessionmaker() as session:
        assert [v.number for v in await session.scalars(select(PlanVersion).order_by(PlanVersion.number))] == [1, 2]


async def test_someone_who_left_gets_no_new_version(emulator, bot):
    cia, (anna, lars) = await case_with_people(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    await act(lars, lars.send_command("forget"), contains="erase")
    await act(lars, lars.press(next(b.text for row in lars.last_bot_message.buttons for b in row if b.text.startswith("Yes"))),
              contains="erased")
    control = await take_attendance(cia, "Anna")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of")
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    await anna.wait_for(lambda m: m.document is not None, timeout=20)
    await lars.wait_until_answered(timeout=2)
    assert not [m for m in lars.bot_messages if "The plan for" in m.text or m.document is not None]


async def test_erasing_a_person_or_the_case_erases_what_the_plan_holds_of_them(emulator, bot):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import func

    from bot.db.models import PlanView
    from bot.purge import purge_with
    from tests.auxil.people import button

    cia, (anna, lars) = await case_with_people(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    control = await take_attendance(cia, "Anna", "Lars")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    for step in range(2, 7):
        await act(cia, cia.press("Next step ▶", message=control_of(cia)), contains=f"Step {step} of 7")
    await act(cia, cia.press("🧒 The child's and the parents' views", message=control_of(cia)), contains="Whose view")
    await choose(cia, "Anna (family member)", contains="Write what Anna said")
    await act(cia, cia.send_text("Vi vill ha lugnare morgnar"), contains="own words")
    await act(cia, cia.press("⏹ End the meeting", message=control_of(cia)), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    plan = await anna.wait_for(lambda m: "The plan for Family A" in m.text and m.buttons, timeout=10)
    await act(anna, anna.press("✅ I agree", message=plan), contains="you agree")

    await act(anna, anna.send_command("forget"), contains="erase")
    await act(anna, anna.press(button(anna, "Yes")), contains="erased")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PlanView)) == 0
        assert await session.scalar(select(func.count()).select_from(PlanAgreement)) == 0
    shown = await act(cia, cia.send_command("plan"), contains="The plan for Family A")
    assert "Anna" not in shown.text and "lugnare morgnar" not in shown.text

    await act(cia, cia.send_command("close"), contains="Close")
    await act(cia, cia.press(button(cia, "Yes, close")), contains="is closed")
    erased = await purge_with(bot.sessionmaker, retention_days=30, now=datetime.now(timezone.utc) + timedelta(days=31))
    assert erased["plan versions"] == 1
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PlanVersion)) == 0
