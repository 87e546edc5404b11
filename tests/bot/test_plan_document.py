"""The plan as a document: built in the reader's language from a plan version and drawn as a PDF."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from pypdf import PdfReader

from bot.documents import render_pdf
from bot.documents.model import texts
from bot.documents.plan_document import filename, plan_document
from flows.context import Attendee, CaseView, ConsentView, MeetingView, PlanAnswer, PlanSnapshot, PlanViewEntry, TaskView

AT = datetime(2026, 12, 3, 13, 30, tzinfo=timezone.utc)
LONG = "Kim vill gå till skolan varje dag och känna sig trygg där. " * 85  # about 5,000 characters


def snapshot(**overrides) -> PlanSnapshot:
    case = CaseView(7, "Familj <A> & co", "sip_follow_up", "Europe/Stockholm", "open", 1)
    people = (Attendee(2, 200, "Åsa Öberg", "family"), Attendee(3, 300, "Kim", "child"),
              Attendee(5, 500, "Aino", "professional", organisation="BUP Norrby"))
    fields = dict(
        ref="r", number=3, case=case, created_at=AT, people=people, child_agrees=True, information_consent=True,
        meeting=MeetingView(1, "meeting", AT, "Rum 3", "ended"), meeting_name="Follow-up meeting",
        content={"goals": [{"key": "g", "text": LONG.strip(), "sub": ["sova hela natten"], "now": 3, "wanted": 8,
                            "status": "changed", "carried": True}],
                 "situation": "<b>inte fetstil</b> שלום עולם", "present": [2, 5],
                 "absent_reason": "Kim var sjuk", "responsibility": {"person_id": 5, "organisation": "BUP Norrby"}},
        actions=(TaskView("t", 7, "x", "Europe/Stockholm", "Utreda sömnen", AT, "open", ((5, "Aino", True),)),),
        views=(PlanViewEntry(3, "Kim", "child", "Jag vill bo kvar 😊", "own", AT),),
        answers=(PlanAnswer(2, "disagree", "För många möten", AT),),
        consents=(ConsentView(2, ("BUP Norrby",), "given", AT),),
        coordinator_name="Cia",
    )
    return PlanSnapshot(**{**fields, **overrides})


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_the_plan_in_swedish_holds_everything_and_a_5000_character_goal_whole():
    document = plan_document(snapshot(), "sv")
    words = " ".join(texts(document))
    assert LONG.strip() in words  # kept whole, not cut
    for expected in ("Plan för Familj <A> & co", "Huvudansvar", "Aino", "BUP Norrby", "Nulägesbeskrivning",
                     "<b>inte fetstil</b>", "Varför barnet inte var med", "Kim var sjuk", "Jag vill bo kvar",
                     "eget svar från förberedelsen", "samtycker inte", "För många möten", "Samtycke till informationsutbyte",
                     "ändrat"):
        assert expected in words, expected
    text = pdf_text(render_pdf(document))
    assert "Plan för Familj <A> & co" in text and "Kim var sjuk" in text and "Sida 1 av" in text
    assert "sova hela natten" in text and "För många möten" in text


def test_an_older_version_says_it_is_replaced_and_the_file_name_reads_in_the_readers_language():
    assert plan_document(snapshot(latest=False), "da").stamp == "Erstattet af en nyere version"
    assert plan_document(snapshot(), "da").stamp == ""
    assert filename(snapshot(), "da") == "handleplan-familj-a-co-v3.pdf"
    assert filename(snapshot(), "fi") == "suunnitelma-familj-a-co-v3.pdf"


def test_someone_who_left_is_not_named():
    plan = snapshot(people=(Attendee(2, 200, "Åsa Öberg", "family"),), content={"responsibility": {"person_id": 5}, "present": []},
                    actions=(), views=(), answers=(), consents=())
    words = " ".join(texts(plan_document(plan, "en")))
    assert "Aino" not in words and "someone who is no longer part of the case" in words
