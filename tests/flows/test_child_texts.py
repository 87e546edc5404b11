"""A child or young person gets their own privacy notice, preparation intro and
feedback intro: short sentences, no jargon, just as honest about who sees what."""

import pytest

from bot.i18n import render
from flows import feedback
from flows.common import privacy_notice
from flows.context import Membership, PersonView, TaskView
from flows.meeting_models import builtin_models
from flows.text import T
from tests.auxil.flowctx import Chat, ctx, invite
from tests.flows.test_feedback_flows import chat as feedback_chat
from tests.flows.test_preparing import prep_view, PrepChat

# Words a nine-year-old does not know, as each catalog wrote them for the adults.
JARGON = {
    "en": ("retention period", "end-to-end", "user number"),
    "sv": ("gallring", "end-to-end", "användarnummer"),
    "da": ("opbevaringsperiode", "end-to-end", "brugernummer"),
    "fi": ("säilytysaika", "päästä päähän", "käyttäjänumero"),
}


def _text(parts, language):
    return "\n".join(render(part, language) for part in parts)


def test_a_child_invite_shows_the_childs_privacy_notice():
    chat = Chat(ctx(invite=invite(role="child")))
    out = chat.command("start", "sometoken1234567890")
    assert out.replies[0].parts[0] == privacy_notice("child")
    adult = Chat(ctx(invite=invite(role="family"))).command("start", "sometoken1234567890")
    assert adult.replies[0].parts[0] == privacy_notice()


def test_privacy_for_a_child_who_has_joined_is_the_childs_notice():
    child = PersonView(2, "Ella", False, "en", memberships=(Membership(7, "Family A", "child", "open", "Europe/Stockholm"),))
    assert Chat(ctx(person=child)).command("privacy").replies[0].parts[0] == privacy_notice("child")
    parent = PersonView(3, "Anna", False, "en", memberships=(Membership(7, "Family A", "family", "open", "Europe/Stockholm"),))
    assert Chat(ctx(person=parent)).command("privacy").replies[0].parts[0] == privacy_notice()


@pytest.mark.parametrize("language", ["en", "sv", "da", "fi"])
def test_the_childs_notice_has_no_jargon_and_still_says_who_sees_what(language):
    child = render(privacy_notice("child"), language)
    adult = render(privacy_notice(), language)
    assert any(word in adult for word in JARGON[language])  # the words the adults' notice has
    assert not any(word in child.lower() for word in JARGON[language])
    assert "/forget" in child and child != adult


def _prep_intro(role):
    chat = PrepChat(ctx(person=PersonView(2, "Ella", False, "en"), preparations=(prep_view(role=role),)))
    return chat.command("prep").replies[0].parts


@pytest.mark.parametrize("language", ["en", "sv", "da", "fi"])
def test_the_child_gets_a_preparation_intro_of_its_own(language):
    child, adult = _prep_intro("child"), _prep_intro("family")
    assert child[0].plural.startswith("Let's get ready") and adult[0].plural.startswith("Let's prepare")
    text = _text(child[:2], language)
    assert "/prep" in text and not any(word in text.lower() for word in JARGON[language])


def test_the_child_gets_a_feedback_invitation_and_who_sees_of_its_own():
    model_intro = T("Thank you for taking part. How did it feel to be at the meeting? "
                             "Your answers help us make the meetings better.")
    child = feedback.invitation(1, 50, "child", model_intro)
    grown_up = feedback.invitation(1, 51, "family", model_intro)
    assert model_intro in grown_up.parts and model_intro not in child.parts
    assert feedback.who_sees("child") in child.parts and feedback.who_sees("family") in grown_up.parts
    assert feedback.who_sees("child") != feedback.who_sees("family")
    c = feedback_chat(role="child")
    c.command("feedback")
    assert feedback.who_sees("child") in c.last.replies[0].parts


def test_a_childs_face_answers_fit_every_question_they_answer_in_finnish():
    # "🙂 Hyvin" (well) answers "Miten … menee?" (how is it going); it does
    # not answer "Millaista … on?" (what is it like), which wants an adjective.
    asked = [q.text for model in builtin_models().values() for t in model.meeting_types for q in t.questions
             if q.choices and "🙂 Good" in q.choices]
    assert len(asked) > 10
    assert render(T("🙂 Good"), "fi") == "🙂 Hyvin"
    for question in asked:
        assert render(T(question), "fi").startswith("Miten"), question


def test_a_child_at_a_follow_up_sees_what_was_agreed_in_the_childs_words():
    chat = PrepChat(ctx(person=PersonView(2, "Ella", False, "en"),
                        preparations=(prep_view(role="child", follow_up=True,
                                                previous_actions=(TaskView("t1", 7, "Family A", "Europe/Stockholm",
                                                                           "Call the school", None, "done"),)),)))
    parts = chat.command("prep").replies[0].parts
    msgids = [p.msgid for p in parts]
    assert "<b>Last time you agreed:</b>\n{tasks}" in msgids
    assert "Some questions are about what has happened since the last meeting." in msgids
    assert not any(m.startswith("This is a follow-up meeting") for m in msgids)
