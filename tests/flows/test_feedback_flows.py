"""Feedback (/feedback), without a database or Telegram."""

from dataclasses import replace
from datetime import timedelta

from flows.context import (
    Config,
    FeedbackGiven,
    FeedbackOpening,
    FeedbackResults,
    MeetingView,
    PersonView,
)
from flows.events import ButtonPress
from flows.feedback import ITEMS, concerns, items_for
from flows.outcome import IDLE, Audit, FeedbackChart, SaveFeedback, SubmitFeedback
from tests.auxil.flowctx import NOW, Chat, case, coordinator, ctx

MEETING = MeetingView(5, "meeting", NOW - timedelta(days=1), "Town hall", "ended")
ANNA = PersonView(2, "Anna", False, "en")


def opening(**overrides) -> FeedbackOpening:
    fields = dict(meeting=MEETING, case_id=7, pseudonym="Family A", model_id="systemic", timezone="Europe/Stockholm",
                  role="family", present=True, open=True, coordinator_chat_id=900)
    return FeedbackOpening(**{**fields, **overrides})


class FeedbackChat(Chat):
    """Keeps the stored answers as the storage side would."""

    def _run(self, event):
        out = super()._run(event)
        for change in out.changes:
            if isinstance(change, SaveFeedback):
                current = self.ctx.feedback[0]
                scores = {**current.scores, change.item: change.score} if change.item else current.scores
                comment = change.comment if change.comment is not None else current.comment
                self.ctx = replace(self.ctx, feedback=(replace(current, scores=scores, comment=comment),))
        return out


def chat(**overrides) -> FeedbackChat:
    return FeedbackChat(ctx(person=ANNA, feedback=(opening(**overrides),)))


def test_the_family_answers_four_items_and_their_words_and_the_coordinator_is_alerted_when_low():
    c = chat(previous={"heard": 9, "overall": 8})
    c.command("feedback")
    assert "🔒 Only the coordinator" in repr(c.last.replies[0]) and c.ctx.state.step == "item"
    assert [f"feedback:s:{n}" for n in range(11)] == c.actions()[:11]
    c.press("feedback:s:9")
    c.text("8")
    c.press("feedback:skip")
    c.press("feedback:s:3")
    assert c.ctx.state.step == "comment"
    c.text("The <b>room</b> was cold")
    out = c.press("feedback:send")
    assert out.state == IDLE and SubmitFeedback(5) in out.changes
    (alert,) = [r for r in out.replies if r.chat_id == 900]
    lines = alert.parts[1].params["lines"].items
    assert [line.params["item"].msgid for line in lines] == ["Overall"]  # 3 is low; "heard" 9 did not fall
    assert c.ctx.feedback[0].scores == {"heard": 9.0, "mattered": 8.0, "way": None, "overall": 3.0}


def test_concerns_are_low_answers_and_clear_falls_with_the_thresholds_as_settings():
    assert [t.params["item"].msgid for t in concerns({"heard": 4, "overall": 6}, {"overall": 9}, low=4, drop=3)] == [
        "Being heard", "Overall"]
    assert concerns({"heard": 4, "overall": 7}, {"overall": 9}, low=3, drop=3) == []


def test_the_child_answers_three_items_with_faces_and_numbers_are_not_accepted():
    c = chat(role="child")
    c.command("feedback")
    assert len(items_for("child")) == 3 and c.actions()[:5] == [
        "feedback:s:0", "feedback:s:2.5", "feedback:s:5", "feedback:s:7.5", "feedback:s:10"]
    out = c.text("7")
    assert out.replies[0].parts[0].msgid == "Please tap one of the faces." and not out.changes
    out = c.press("feedback:s:3")  # not a face: a forged value
    assert not out.changes


def test_someone_not_at_the_meeting_or_after_the_next_began_is_refused():
    assert "You were not at the meeting" in chat(present=False).command("feedback").replies[0].parts[0].msgid
    closed = chat(open=False)
    assert "There is no meeting to tell about" in closed.command("feedback").replies[0].parts[0].msgid
    out = closed._run(ButtonPress("-|fb:go:5", 55))  # the notice's button, after the next meeting began
    assert "has passed" in out.replies[0].parts[0].msgid and not out.changes
    assert "does not work here" in closed._run(ButtonPress("-|fb:go:6", 55)).toast.msgid  # a meeting that is not theirs
    network = FeedbackChat(ctx(person=ANNA, feedback=(opening(role="network"),)))
    assert "I ask the family" in network.command("feedback").replies[0].parts[0].msgid


def test_a_long_comment_is_refused_kindly_and_what_came_before_is_kept():
    c = chat(scores={i.id: 5 for i in ITEMS})
    c.command("feedback")
    assert c.ctx.state.step == "comment"  # the items were answered before: on to where they left off
    c.text("first part")
    out = c.text("x" * 20_000)
    assert "longer than I can keep" in out.replies[0].parts[0].msgid and not out.changes
    assert c.ctx.feedback[0].comment == "first part"


def test_the_coordinator_sees_a_chart_and_the_numbers():
    results = FeedbackResults(case(), ((MEETING, (FeedbackGiven(2, "Anna", "family", {"heard": 8, "overall": 2}, "Too <long>"),
                                                  FeedbackGiven(3, "Kim", "child", {"heard": 7.5})),),))
    c = Chat(ctx(person=coordinator(), coordinated_cases=(case(),), feedback_results=results,
                 config=Config(feedback_low=4)))
    out = c.command("feedback")
    chart = out.replies[0].picture
    assert isinstance(chart, FeedbackChart) and chart.low == 4
    assert chart.meetings[0][1] == (7.75, None, None, 2)
    assert Audit(7, "viewed_feedback") in out.changes
    stranger = Chat(ctx(person=coordinator(id=99), coordinated_cases=(case(),), feedback_results=results))
    assert "no feedback to show" in stranger.command("feedback").replies[0].parts[0].msgid
