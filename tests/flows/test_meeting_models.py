"""The meeting models: the built-in files are faithful to the seeds, bad files
are refused with a message that names the file and the field, an
organisation's folder can replace a model, and Babel finds every text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.util import pathmatch
from pydantic import ValidationError

from flows.labels import ROLES
from flows.meeting_models import (
    BUILTIN_DIR,
    BUILTIN_ORDER,
    ModelError,
    builtin_models,
    load_model,
    load_models,
    parse_model,
)
from flows.meeting_models.extract import extract_meeting_model

REPO = Path(__file__).resolve().parents[2]
MODELS = builtin_models()
ALL_TYPES = [(m.id, t.id) for m in MODELS.values() for t in m.meeting_types]


def meeting_type(model_id: str, type_id: str = "meeting"):
    return MODELS[model_id].meeting_type(type_id)


def texts(questions) -> list[str]:
    return [q.text for q in questions]


# --- the built-in models -----------------------------------------------------


def test_the_five_builtin_models_load_in_their_order():
    assert tuple(MODELS) == BUILTIN_ORDER
    assert sorted(p.stem for p in BUILTIN_DIR.glob("*.toml")) == sorted(BUILTIN_ORDER)
    for model in MODELS.values():
        # Every model has the four roles; the systemic meeting has a reflecting team too.
        assert set(model.roles) == set(ROLES) - ({"reflecting_team"} if model.id != "systemic" else set())
        assert model.closing_advice and model.source
    assert MODELS.get("systemic") is MODELS["systemic"] and MODELS.get("nope") is None
    assert builtin_models() is MODELS  # loaded once


def test_systemic_meeting_has_the_seven_steps_of_the_guide():
    mt = meeting_type("systemic")
    assert MODELS["systemic"].native_name == "Systemiskt möte"
    assert [s.id for s in mt.steps] == [
        "way_of_working", "family_thoughts", "reflect", "back_to_family", "together", "agree", "how_it_felt",
    ]
    explain, tell, reflect, back, together, agree, felt = mt.steps
    assert explain.speakers == ("coordinator",)
    # The family and their professionals speak while the others listen, then the other way round.
    assert {"family", "professional"} <= set(tell.speakers) and "network" in tell.listeners
    assert "network" in reflect.speakers and {"family", "professional"} <= set(reflect.listeners)
    assert set(back.speakers) == set(tell.speakers)
    assert set(together.speakers) >= set(ROLES) - {"reflecting_team"}
    # The reflecting team listens while the family and their professionals speak (steps 2 and 4),
    # reflects in step 3 while they listen, and is told how in each.
    for step, part in ((tell, "listen"), (reflect, "speak"), (back, "listen"), (together, "listen")):
        assert step.role_part("reflecting_team") == part, step.id
    assert all("reflecting_team" in step.role_notes for step in (tell, reflect, back))
    assert "reflecting_team" in mt.participants and mt.questions_for("reflecting_team")
    assert set(agree.records) == {"tasks", "plan"}
    assert "family" in felt.speakers and felt.records == ("feedback",)
    family = texts(mt.questions_for("family"))
    assert "What is your child's everyday life like right now?" in family
    assert "How do different things that happen around the child affect how they are doing?" in family
    assert any(q.kind == "network_map" for q in mt.questions_for("family"))


def test_guide_meeting_follows_the_sip_routine():
    model = MODELS["sip_follow_up"]
    mt = model.meeting_type("meeting")
    assert model.native_name == "Uppföljande lotsmöte"
    assert [s.id for s in mt.steps] == [
        "presentation", "introduction", "family_story", "professionals", "questions", "dialogue", "summary", "follow_up",
    ]
    presentation = mt.step("presentation")
    assert presentation.turns == "in_turn" and presentation.records == ("attendance",)
    assert "confidentiality" in mt.step("introduction").title
    assert set(mt.step("family_story").speakers) == {"child", "family"}
    assert mt.step("professionals").speakers == ("professional",)
    assert set(mt.step("summary").records) == {"child_absent_reason", "next_participants"}
    assert mt.step("summary").plan == ("views",)  # the child's and the guardians' views, in their own words
    assert "responsibility" in mt.step("dialogue").plan and "goals" in mt.step("dialogue").plan and mt.child_agrees
    assert set(mt.step("follow_up").records) == {"next_date", "plan"}
    assert "What has happened since the last meeting?" in texts(mt.questions_for("family"))
    professional = " ".join(texts(mt.questions_for("professional")))
    assert "assessments" in professional and "support has been granted" in professional
    assert "worse again" in model.closing_advice


def test_family_group_conference_has_private_family_time():
    model = MODELS["family_group_conference"]
    mt = model.meeting_type("meeting")
    assert model.native_name == "Familjerådslag"
    assert [s.id for s in mt.steps] == ["information", "family_time", "plan"]
    information, private, plan = mt.steps
    assert "professional" in information.speakers
    assert private.private_family_time and [s.id for s in mt.steps if s.private_family_time] == ["family_time"]
    assert {"professional", "coordinator"} <= set(private.leaves_room)
    assert private.role_part("professional") == "leave" and private.role_part("family") == "speak"
    assert {"professional", "coordinator"} <= set(plan.speakers)  # called back in
    assert {"tasks", "plan"} <= set(plan.records)


def test_family_group_conference_follow_up_questions_only_at_follow_ups():
    mt = meeting_type("family_group_conference")
    follow_ups = [
        "What in the plan has worked?",
        "What needs to change for the plan to work better?",
        "Are more follow-up meetings needed?",
    ]
    for role in ("family", "network", "professional"):
        first, later = texts(mt.questions_for(role)), texts(mt.questions_for(role, follow_up=True))
        assert not set(follow_ups) & set(first)
        assert set(follow_ups) <= set(later)
    assert all(q.follow_up_only for q in mt.questions if q.text in follow_ups)
    # Whom to invite is asked on its own, before the preparation (flows.proposals).
    assert mt.proposal_question("family").kind == "network_map"
    assert "who_to_invite" not in [q.id for q in mt.questions_for("family")]


def test_danish_series_has_the_seven_meeting_types_with_their_cadence():
    model = MODELS["danish_series"]
    assert model.native_name == "Det gode samarbejde"
    assert [t.id for t in model.meeting_types] == [
        "visitationsmode", "indskrivningssamtale", "bornesamtale", "statusmode",
        "netvaerksmode", "samarbejdsmode", "udskrivningssamtale",
    ]
    cadence = {t.id: t.cadence for t in model.meeting_types}
    assert cadence["indskrivningssamtale"].first_within_hours == 48
    assert cadence["bornesamtale"].first_within_hours == 24
    status = cadence["statusmode"]
    assert (status.initial_every_days, status.every_days) == (7, 14) and status.initial_count >= 1
    network = cadence["netvaerksmode"]
    assert (network.first_within_days, network.every_days) == (28, 56)
    leaving = cadence["udskrivningssamtale"]
    assert (leaving.after_end_days_min, leaving.after_end_days_max) == (14, 28)
    # As needed: no cadence at all.
    assert cadence["samarbejdsmode"].model_dump(exclude_defaults=True) == {}
    assert cadence["visitationsmode"].model_dump(exclude_defaults=True) == {}


def test_danish_series_meeting_types_are_faithful():
    model = MODELS["danish_series"]
    together = model.meeting_type("samarbejdsmode")
    assert together.professionals_only and together.participants == ("professional",)
    assert "decided" in together.inform_family
    child_talk = model.meeting_type("bornesamtale")
    assert "child" in child_talk.participants and "family" not in child_talk.participants
    assert child_talk.default_visibility == "coordinator"
    # SEL § 70, stk. 2: without the place's staff, unless the child asks for their contact person.
    assert child_talk.on_request == ("professional",) and "contact person" in child_talk.on_request_note
    status = model.meeting_type("statusmode")
    last = status.steps[-1]
    assert "next_date" in last.records and "status meeting" in last.title
    intake = model.meeting_type("indskrivningssamtale")
    assert intake.steps[0].role_part("child") == "listen"  # the child hears why
    assert "next_date" in intake.steps[-1].records
    assert "feedback" in {r for s in model.meeting_type("udskrivningssamtale").steps for r in s.records}


def test_network_meeting_uses_signs_of_safety():
    mt = meeting_type("danish_series", "netvaerksmode")
    for role in ("family", "network", "professional"):
        kinds = {q.kind: q for q in mt.questions_for(role)}
        columns, scale = kinds["columns"], kinds["scale"]
        assert all(word in columns.text for word in ("worried", "working well", "needs to happen"))
        assert "0 to 10" in scale.text
        assert scale.scale_low == "The child is not safe" and scale.scale_high == "The child is safe enough"
    assert any(q.kind == "network_map" for q in mt.questions_for("family"))
    assert mt.step("welcome").records == ("attendance",)


def test_startup_meeting_follows_recommendation_14():
    model = MODELS["startup"]
    mt = model.meeting_type("meeting")
    assert model.native_name == "Opstartsmøde"
    family = texts(mt.questions_for("family"))
    assert "How much of your story should be told at the meeting, and by whom?" in family
    assert "Who should take part in the meeting?" not in family  # asked first, as proposals
    assert mt.proposal_question("family").text == "Who should take part in the meeting?"
    story = next(q for q in mt.questions if q.id == "story")
    assert mt.visibility_of(story) == "coordinator"
    assert "purpose" in [s.id for s in mt.steps]
    assert mt.steps[-1].id == "follow_up" and "next_date" in mt.steps[-1].records
    assert mt.cadence.follow_up_days


@pytest.mark.parametrize("model_id, type_id", ALL_TYPES)
def test_every_participant_role_has_questions(model_id, type_id):
    mt = meeting_type(model_id, type_id)
    for role in mt.participants:
        assert mt.questions_for(role), f"{model_id}/{type_id}: no questions for {role}"
    assert mt.steps


@pytest.mark.parametrize("model_id, type_id", ALL_TYPES)
def test_child_questions_are_few_short_and_mostly_buttons(model_id, type_id):
    mt = meeting_type(model_id, type_id)
    if "child" not in mt.participants:
        return
    for follow_up in (False, True):
        questions = mt.questions_for("child", follow_up)
        assert 1 <= len(questions) <= 5
        buttons = [q for q in questions if q.kind in ("choice", "scale")]
        assert len(buttons) > len(questions) / 2
        assert not [q for q in questions if q.kind in ("columns", "network_map")]
        assert all(len(q.text) <= 60 for q in questions)


def test_meeting_types_of_a_single_type_model_are_called_meeting():
    for model in MODELS.values():
        if len(model.meeting_types) == 1:
            assert model.meeting_types[0].id == "meeting"


def test_lookups_and_immutability():
    model = MODELS["systemic"]
    mt = model.meeting_type("meeting")
    assert mt.step("reflect").title == "What the others heard"
    with pytest.raises(KeyError):
        model.meeting_type("nope")
    with pytest.raises(KeyError):
        mt.step("nope")
    family = mt.questions_for("family")
    assert [q.id for q in family] == [q.id for q in mt.questions if "family" in q.roles and not q.follow_up_only]
    with pytest.raises(ValidationError):
        model.id = "other"


def test_msgids_cover_every_text():
    mt = meeting_type("danish_series", "netvaerksmode")
    msgids = set(MODELS["danish_series"].msgids())
    assert {mt.name, mt.purpose, mt.steps[0].title, mt.steps[0].description} <= msgids
    for q in mt.questions:
        assert {q.text, *(q.choices or ()), *(t for t in (q.hint, q.scale_low, q.scale_high) if t)} <= msgids
    assert MODELS["danish_series"].meeting_type("samarbejdsmode").inform_family in msgids
    assert "Det gode samarbejde" not in msgids  # the native name is shown as it is


# --- refusing malformed files -----------------------------------------------

SYSTEMIC = (BUILTIN_DIR / "systemic.toml").read_text(encoding="utf-8")


def without_steps(text: str) -> str:
    return re.sub(r"\n  \[\[meeting_types\.steps\]\].*?(?=\n  \[\[meeting_types\.questions)", "", text, flags=re.S)


BROKEN = [
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('title = "Who does what"', 'title = "Who does what'),
        ["systemic.toml: not valid TOML:", f"(at line {SYSTEMIC[:SYSTEMIC.index('Who does what')].count(chr(10)) + 1},"],
        id="bad-toml",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('speakers = ["reflecting_team", "network", "coordinator"]', 'speakers = ["teacher", "network", "coordinator"]'),
        ["systemic.toml: meeting_types[0].steps[2].speakers: unknown role 'teacher'"], id="unknown-role",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('roles = ["child"]', 'roles = ["grandma"]', 1),
        ["systemic.toml: meeting_types[0].questions[10].roles: unknown role 'grandma'"], id="unknown-question-role",
    ),
    pytest.param(
        "systemic.toml", without_steps(SYSTEMIC),
        ["systemic.toml: meeting_types[0].steps:"], id="missing-steps",
    ),
    pytest.param(
        "systemic.toml", without_steps(SYSTEMIC).replace('default_visibility = "meeting"', 'default_visibility = "meeting"\nsteps = []'),
        ["systemic.toml: meeting_types[0].steps: a meeting type needs at least one step"], id="empty-steps",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('  choices = ["🙂 Good", "😐 Okay", "🙁 Not so good"]\n', "", 1),
        ["systemic.toml: meeting_types[0].questions[10].choices:", "needs choices"], id="choice-without-choices",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('choices = ["🙂 Good", "😐 Okay", "🙁 Not so good"]', 'choices = ["Yes"]', 1),
        ["questions[10].choices", "2 to 8"], id="one-choice",
    ),
    pytest.param(
        "systemic.toml",
        SYSTEMIC.replace('kind = "text"\n  text = "Who do you like', 'kind = "text"\n  choices = ["a", "b"]\n  text = "Who do you like'),
        ["questions[13].choices", "only questions of kind 'choice'"], id="choices-on-text",
    ),
    pytest.param(
        "systematic.toml", SYSTEMIC,
        ["systematic.toml: id: 'systemic' must equal the file name 'systematic'"], id="id-not-file-name",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('participants = ["family", "child", "network", "professional", "reflecting_team"]', 'participants = ["family", "network", "professional", "reflecting_team"]'),
        ["systemic.toml: meeting_types[0].steps[0].listeners: role 'child' is not invited"], id="role-not-invited",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('roles = ["family", "child", "network", "professional", "reflecting_team"]', 'roles = ["family", "child", "network", "reflecting_team"]', 1),
        ["systemic.toml: meeting_types[0].participants: role 'professional' is not among the model's roles"], id="participant-not-a-role",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('id = "reflect"', 'id = "family_thoughts"'),
        ["systemic.toml: meeting_types[0].steps[2].id: id 'family_thoughts' is used twice"], id="duplicate-step-id",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace("minutes = 5\n", "minuets = 5\n", 1),
        ["systemic.toml: meeting_types[0].steps[0].minuets: unknown field"], id="unknown-field",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace("prep_opens_days = 7", 'prep_opens_days = "7"'),
        ["systemic.toml: meeting_types[0].prep_opens_days:"], id="string-for-number",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('title = "Who does what"', 'title = "Who <b>does</b> what"'),
        ["systemic.toml: meeting_types[0].steps[5].title: text contains"], id="markup-in-text",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('listeners = ["network", "reflecting_team"]', 'listeners = ["network", "reflecting_team", "family"]', 1),
        ["meeting_types[0].steps[1].listeners: role 'family' is also in speakers"], id="two-parts-in-a-step",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('  records = ["feedback"]', '  private_family_time = true\n  records = ["feedback"]'),
        ["meeting_types[0].steps[6].leaves_room: in private family time the coordinator leaves the room"], id="private-time-with-coordinator",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace("default_visibility = \"meeting\"", "default_visibility = \"meeting\"\nprofessionals_only = true"),
        ["meeting_types[0].participants: a professionals-only meeting cannot invite 'family'"], id="professionals-only-with-family",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('plan = ["goals", "views"]', 'plan = ["goals", "wishes"]'),
        ["systemic.toml: meeting_types[0].steps[5].plan[1]: Input should be 'goals'"], id="unknown-plan-part",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('plan = ["goals", "views"]', 'plan = ["goal_scales", "views"]'),
        ["systemic.toml: meeting_types[0].steps[5].plan: 'goal_scales' asks the 0-10 scales of the goals: list 'goals' too"],
        id="scales-without-goals",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC + '\n[translations.de]\n"Systemic meeting" = "Systemisches Treffen"\n',
        ["systemic.toml: translations.de: unknown language"], id="translation-language",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('participants = ["family", "child", "network", "professional", "reflecting_team"]',
                                          'participants = ["family", "child", "network", "professional", "reflecting_team"]\non_request = ["professional"]', 1),
        ["systemic.toml: meeting_types[0].on_request_note: on_request and on_request_note go together"], id="on-request-without-note",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('participants = ["family", "child", "network", "professional", "reflecting_team"]',
                                          'participants = ["family", "child", "network", "professional", "reflecting_team"]\n'
                                          'on_request = ["family", "child", "network", "professional", "reflecting_team"]\n'
                                          'on_request_note = "Ask first"', 1),
        ["systemic.toml: meeting_types[0].on_request: leave at least one role invited by default"],
        id="on-request-not-a-participant",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace("follow_up_days = 42", 'follow_up_days = 42\ncounts_from = "placement"', 1),
        ["systemic.toml: meeting_types[0].cadence.counts_from: 'placement' is what first_within_hours or first_within_days counts from"],
        id="counts-from-placement-without-a-first-rule",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC + '\n[translations.sv]\n"Not in this model" = "Inte i modellen"\n',
        ["translations.sv: 'Not in this model' is not a text of this model"], id="translation-of-no-text",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('agenda_from = ["to_discuss"]', 'agenda_from = ["topics"]'),
        ["systemic.toml: meeting_types[0].agenda_from: no question 'topics' in this meeting type"], id="agenda-from-unknown-question",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('agenda_from = ["to_discuss"]', 'agenda_from = ["child_how"]'),
        ["systemic.toml: meeting_types[0].agenda_from: question 'child_how' is not of kind 'text'"], id="agenda-from-a-choice",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('  listeners = ["network", "reflecting_team"]\n  turns = "in_turn"\n  minutes = 15',
                                          '  listeners = ["network"]\n  turns = "in_turn"\n  minutes = 15', 1),
        ["systemic.toml: meeting_types[0].steps[1].role_notes.reflecting_team: the role has no part in this step"],
        id="role-note-without-a-part",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace('    reflecting_team = "Listen closely', '    grandma = "Listen closely', 1),
        ["systemic.toml: meeting_types[0].steps[1].role_notes.grandma: the role has no part"], id="role-note-unknown-role",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace("  follow_up_days = 42\n", '  follow_up_days = 42\n\n  [[meeting_types.cadence.occasions]]\n'
                                          '  id = "decision"\n  name = "At a decision"\n  counts_from = "first_meeting"\n'
                                          '  due_days = 0\n  opens_days = 14\n'),
        ["systemic.toml: meeting_types[0].cadence.occasions[0].counts_from: Input should be 'placement' or 'decision'"],
        id="occasion-counts-from-unknown",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC.replace("  follow_up_days = 42\n", '  follow_up_days = 42\n' + (
            '\n  [[meeting_types.cadence.occasions]]\n  id = "decision"\n  name = "At a decision"\n'
            '  counts_from = "decision"\n  due_days = 0\n  opens_days = 14\n') * 2),
        ["systemic.toml: meeting_types[0].cadence.occasions[1].id: id 'decision' is used twice"], id="occasion-twice",
    ),
    pytest.param(
        "systemic.toml", SYSTEMIC + '\n[translations.sv]\n"Systemic meeting" = "Systemiskt <möte>"\n',
        ["translations.sv.Systemic meeting: text contains < >"], id="markup-in-translation",
    ),
]


@pytest.mark.parametrize("name, text, expected", BROKEN)
def test_malformed_files_are_refused_with_file_and_field(tmp_path, name, text, expected):
    assert text != SYSTEMIC or name != "systemic.toml", "the test's edit did not apply"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_model(path)
    message = str(caught.value)
    assert "\n" not in message
    for part in expected:
        assert part in message


def test_a_broken_file_in_an_extra_folder_stops_loading(tmp_path):
    (tmp_path / "ours.toml").write_bytes(b"\xff\xfe not text")
    with pytest.raises(ModelError, match=r"^ours\.toml: not UTF-8 text$"):
        load_models(tmp_path)
    with pytest.raises(ModelError, match="no such folder"):
        load_models(tmp_path / "missing")


# --- an organisation's own models -------------------------------------------


def test_an_extra_folder_replaces_a_builtin_model_and_adds_its_own(tmp_path):
    adapted = SYSTEMIC.replace('name = "Systemic meeting"', 'name = "Our systemic meeting"', 1)
    (tmp_path / "systemic.toml").write_text(adapted, encoding="utf-8")
    own = SYSTEMIC.replace('id = "systemic"', 'id = "aa_own_model"', 1)
    (tmp_path / "aa_own_model.toml").write_text(own, encoding="utf-8")
    models = load_models(tmp_path)
    assert list(models) == [*BUILTIN_ORDER, "aa_own_model"]  # built-in order first, then others by id
    assert models["systemic"].name == "Our systemic meeting"
    assert models["startup"] is MODELS["startup"]
    assert MODELS["systemic"].name == "Systemic meeting"  # the built-in registry is untouched
    later = tmp_path / "later"
    later.mkdir()
    (later / "systemic.toml").write_text(SYSTEMIC.replace('name = "Systemic meeting"', 'name = "Latest"', 1), encoding="utf-8")
    assert load_models(tmp_path, str(later))["systemic"].name == "Latest"


def test_an_organisation_translates_its_own_texts_in_the_model_file(tmp_path):
    advice = "Call the family centre on 010-123 45 67 if things get harder."
    own = re.sub(r'^closing_advice = ".*"$', f'closing_advice = "{advice}"', SYSTEMIC, count=1, flags=re.M)
    own += f'\n[translations.sv]\n"{advice}" = "Ring familjecentralen på 010-123 45 67 om det blir svårare."\n'
    (tmp_path / "systemic.toml").write_text(own, encoding="utf-8")
    model = load_models(tmp_path)["systemic"]
    assert model.closing_advice == advice
    assert model.translations["sv"][advice].startswith("Ring familjecentralen")


# --- Babel extraction --------------------------------------------------------


@pytest.mark.parametrize("model_id", BUILTIN_ORDER)
def test_extractor_yields_every_msgid_with_its_line_and_a_comment(model_id):
    model = MODELS[model_id]
    path = BUILTIN_DIR / f"{model_id}.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    with path.open("rb") as f:
        found = list(extract_meeting_model(f, ["_"], [], {}))
    assert [msgid for _line, _func, msgid, _comments in found] == list(model.msgids())
    numbers = [line for line, *_ in found]
    assert numbers == sorted(numbers)  # the files list their texts in the schema's order
    for line, func, msgid, comments in found:
        assert func is None
        assert msgid.replace('"', '\\"') in lines[line - 1]
        assert comments[0].startswith(f"{model_id}: ")
    assert f"{model_id}: name" in found[0][3]


def test_extractor_comments_name_the_field_and_help_translators():
    with (BUILTIN_DIR / "systemic.toml").open("rb") as f:
        found = {comments[0]: (msgid, comments) for _line, _func, msgid, comments in extract_meeting_model(f, [], [], {})}
    assert found["systemic: meeting_types.meeting.steps.reflect.title"][0] == "What the others heard"
    msgid, comments = found["systemic: meeting_types.meeting.questions.child_how.choices.0"]
    assert msgid == "🙂 Good" and len(comments) == 3  # asked of a child, and a button


def test_extractor_reads_a_file_object_without_a_name():
    data = (BUILTIN_DIR / "startup.toml").read_bytes()
    found = list(extract_meeting_model(io.BytesIO(data), [], [], {}))
    assert [m for _l, _f, m, _c in found] == list(parse_model(data).msgids())


def test_babel_cfg_sends_the_model_files_to_the_extractor():
    with (REPO / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    relative = "flows/meeting_models/data/family_group_conference.toml"
    pattern, method = next((pattern, method) for pattern, method in method_map if pathmatch(pattern, relative))
    assert ("bot/**.py", "python") in method_map
    assert ("flows/**.py", "python") in method_map
    found = extract_from_file(method, str(REPO / relative), keywords={}, comment_tags=(), options=options_map[pattern])
    assert {msgid for _line, msgid, _comments, _context in found} == set(MODELS["family_group_conference"].msgids())
