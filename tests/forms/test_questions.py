"""The assessment template: the shipped file, reading a section's form with NHS.UK error messages,
how answers read, and a broken template refused with a message naming the problem."""

import json
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from app.forms import questions
from app.forms.answers import answer_text, read_section
from app.forms.questions import TOOLS_FILE, Question, TemplateError, load_template, load_tools, template

TODAY = date(2026, 3, 15)


def read(section_key: str, **fields) -> tuple[dict, dict]:
    form = MultiDict()
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            form.add(name.replace("__", "-"), one)
    return read_section(template().section(section_key), form, today=TODAY)


# --- The shipped template -------------------------------------------------------------------


def test_the_shipped_template_has_the_nine_single_assessment_domains_in_order():
    assert [s.key for s in template().sections] == [
        "perspective",
        "clinical",
        "prevention",
        "physical",
        "senses",
        "mental_health",
        "relationships",
        "safety",
        "environment",
    ]
    assert template().version


def test_the_scored_tools_sit_in_their_sections():
    assert {s.key: s.tools for s in template().sections if s.tools} == {
        "physical": ("barthel", "cfs"),
        "mental_health": ("phq9",),
        "environment": ("care_act",),
    }


def test_a_tools_items_are_questions_of_its_section_marked_with_the_tool():
    physical = template().section("physical")
    barthel = [q.key for q in physical.questions if q.tool == "barthel"]
    assert len(barthel) == 10 and barthel[0] == "barthel_bowels"
    assert physical.question("cfs_level").tool == "cfs"
    assert len([q for q in template().section("mental_health").questions if q.tool == "phq9"]) == 9
    assert len([q for q in template().section("environment").questions if q.tool == "care_act"]) == 12


def test_question_keys_are_unique_across_the_template():
    keys = [q.key for s in template().sections for q in s.questions]
    assert len(keys) == len(set(keys))


def test_the_template_is_loaded_once():
    assert template() is template()


def test_an_unknown_section_is_a_key_error():
    with pytest.raises(KeyError):
        template().section("finances")


def test_yes_no_questions_offer_yes_and_no():
    question = template().section("prevention").question("falls_last_year")
    assert [(o.value, o.label) for o in question.options] == [("yes", "Yes"), ("no", "No")]


# --- Reading a section's form ---------------------------------------------------------------


def test_good_answers_are_read_into_plain_values():
    answers, errors = read(
        "prevention",
        falls_last_year="yes",
        falls_count="2",
        fear_of_falling="a_little_worried",
        immunisations_up_to_date="not_known",
        blood_pressure_checked__day="3",
        blood_pressure_checked__month="2",
        blood_pressure_checked__year="2026",
        smoking="ex_smoker",
        alcohol_units="3.5",
    )
    assert errors == {}
    assert answers == {
        "falls_last_year": "yes",
        "falls_count": 2,
        "fear_of_falling": "a_little_worried",
        "immunisations_up_to_date": "not_known",
        "blood_pressure_checked": "2026-02-03",
        "smoking": "ex_smoker",
        "alcohol_units": 3.5,
    }
    assert isinstance(answers["falls_count"], int)


def test_every_question_may_be_left_blank():
    for section in template().sections:
        answers, errors = read_section(section, MultiDict())
        assert errors == {}
        assert answers == {q.key: None for q in section.questions}


def test_text_and_multiple_choices_are_read():
    answers, errors = read(
        "physical",
        walking_aids=["frame", "stick"],
        pain="moderate",
        pain_where="  Left knee ",
        barthel_bowels="continent",
    )
    assert errors == {}
    assert answers["walking_aids"] == ["stick", "frame"]  # in the order the options are listed
    assert (answers["pain"], answers["pain_where"], answers["barthel_bowels"]) == ("moderate", "Left knee", "continent")


def test_an_unknown_choice_is_refused():
    answers, errors = read("prevention", smoking="cigars")
    assert errors == {"smoking": "Select one of the options for smoking"}
    assert answers["smoking"] is None


def test_an_unknown_yes_no_answer_is_refused():
    _, errors = read("prevention", falls_last_year="maybe")
    assert errors == {"falls_last_year": "Select one of the options for any falls in the last 12 months"}


def test_an_unknown_tool_item_answer_is_refused():
    _, errors = read("physical", barthel_bowels="2")
    assert errors == {"barthel_bowels": "Select one of the options for bowels"}


def test_an_unknown_multiple_choice_is_refused():
    _, errors = read("physical", walking_aids=["stick", "jetpack"])
    assert errors == {"walking_aids": "Select one of the options for walking aids"}


def test_none_cannot_be_ticked_with_other_options():
    _, errors = read("safety", home_risks=["none", "fire"])
    assert errors == {"home_risks": "Select ‘None found’ on its own, or the risks at home that apply"}


def test_an_out_of_range_number_is_refused():
    answers, errors = read("prevention", falls_count="101")
    assert errors == {"falls_count": "Number of falls in the last 12 months must be between 0 and 100"}
    assert answers["falls_count"] is None
    _, errors = read("prevention", falls_count="-1")
    assert errors == {"falls_count": "Number of falls in the last 12 months must be between 0 and 100"}


def test_the_ends_of_a_numbers_range_are_allowed():
    answers, errors = read("prevention", falls_count="100", alcohol_units="0")
    assert errors == {}
    assert (answers["falls_count"], answers["alcohol_units"]) == (100, 0)


def test_a_decimal_is_refused_for_a_whole_number():
    _, errors = read("clinical", admissions_last_year="2.5")
    assert errors == {"admissions_last_year": "Hospital admissions in the last 12 months must be a whole number"}


def test_a_whole_number_written_with_a_decimal_point_is_accepted():
    answers, errors = read("clinical", admissions_last_year="2.0")
    assert (errors, answers["admissions_last_year"]) == ({}, 2)


def test_something_that_is_not_a_number_is_refused():
    _, errors = read("prevention", alcohol_units="lots")
    assert errors == {"alcohol_units": "Alcohol units a week must be a number"}


def test_an_impossible_date_is_refused():
    answers, errors = read(
        "prevention", blood_pressure_checked__day="31", blood_pressure_checked__month="2", blood_pressure_checked__year="2026"
    )
    assert errors == {"blood_pressure_checked-day": "Blood pressure last checked must be a real date"}
    assert answers["blood_pressure_checked"] is None


def test_a_future_date_is_refused_where_the_question_is_about_the_past():
    _, errors = read("prevention", blood_pressure_checked__day="16", blood_pressure_checked__month="3", blood_pressure_checked__year="2026")
    assert errors == {"blood_pressure_checked-day": "Blood pressure last checked must be today or in the past"}
    answers, errors = read(
        "prevention", blood_pressure_checked__day="15", blood_pressure_checked__month="3", blood_pressure_checked__year="2026"
    )
    assert (errors, answers["blood_pressure_checked"]) == ({}, "2026-03-15")


def test_a_date_missing_a_part_names_the_part():
    _, errors = read("prevention", blood_pressure_checked__day="3", blood_pressure_checked__year="2026")
    assert errors == {"blood_pressure_checked-month": "Blood pressure last checked must include a month"}


def test_over_long_text_is_refused():
    _, errors = read("clinical", allergies="x" * 201)
    assert errors == {"allergies": "Allergies must be 200 characters or fewer"}
    _, errors = read("perspective", what_matters="x" * 2001)
    assert errors == {"what_matters": "What matters to me must be 2000 characters or fewer"}


def test_long_text_up_to_its_limit_is_accepted_and_line_breaks_count_once():
    answers, errors = read("perspective", what_matters="x" * 1000 + "\r\n" + "y" * 999)
    assert errors == {}
    assert answers["what_matters"] == "x" * 1000 + "\n" + "y" * 999


# --- How answers read ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, value, text",
    [
        ("prevention.falls_last_year", "yes", "Yes"),
        ("physical.continence", "continent", "Continent"),
        ("physical.barthel_bowels", "continent", "Continent"),
        ("prevention.alcohol_units", 3, "3 units"),
        ("prevention.alcohol_units", 3.5, "3.5 units"),
        ("prevention.alcohol_units", 3.0, "3 units"),
        ("clinical.admissions_last_year", 2, "2"),
        ("prevention.blood_pressure_checked", "2026-03-12", "12 March 2026"),
        ("physical.walking_aids", ["stick", "frame"], "Walking stick, Frame"),
        ("relationships.carer_coping", "yes_a_lot", "Yes, a lot"),
        ("perspective.what_matters", "Staying in my own home", "Staying in my own home"),
        ("physical.continence", None, ""),
        ("physical.walking_aids", [], ""),
        ("physical.continence", "retired_option", "retired_option"),
    ],
)
def test_answers_read_as_people_say_them(path, value, text):
    _, question = template().question(path)
    assert answer_text(question, value) == text


# --- A broken template -----------------------------------------------------------------------

SECTION = {
    "key": "perspective",
    "title": "The person's perspective",
    "description": "",
    "questions": [{"key": "what_matters", "label": "What matters to me", "type": "long_text"}],
}


def write(tmp_path, content, name="broken.json"):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def load(tmp_path, sections, **top):
    return load_template(write(tmp_path, {"version": "test", "sections": sections, **top}), TOOLS_FILE)


def test_a_small_good_template_loads(tmp_path):
    loaded = load(tmp_path, [SECTION | {"tools": ["cfs"]}])
    assert [q.key for q in loaded.section("perspective").questions] == ["what_matters", "cfs_level"]
    assert [t.key for t in loaded.tools] == ["cfs"]


def test_an_unknown_question_type_is_refused_naming_the_file_and_entry(tmp_path):
    section = SECTION | {"questions": [{"key": "what_matters", "label": "What matters to me", "type": "slider"}]}
    with pytest.raises(TemplateError) as refused:
        load(tmp_path, [section])
    assert str(refused.value).startswith("broken.json: sections[0] (perspective).questions[0] (what_matters).type: unknown type 'slider'")


def test_an_unknown_tool_is_refused(tmp_path):
    with pytest.raises(TemplateError, match=r"broken.json: sections\[0\] \(perspective\).tools: unknown tool 'moca'"):
        load(tmp_path, [SECTION | {"tools": ["moca"]}])


def test_a_question_key_used_twice_is_refused(tmp_path):
    other = {"key": "clinical", "title": "Clinical", "questions": SECTION["questions"]}
    with pytest.raises(TemplateError, match="question key 'what_matters' is already used in section 'perspective'"):
        load(tmp_path, [SECTION, other])


def test_a_choice_without_options_is_refused(tmp_path):
    section = SECTION | {"questions": [{"key": "smoking", "label": "Smoking", "type": "choice"}]}
    with pytest.raises(TemplateError, match=r"questions\[0\] \(smoking\).options: must be a non-empty list of options"):
        load(tmp_path, [section])


def test_a_field_that_does_not_fit_the_question_type_is_refused(tmp_path):
    section = SECTION | {"questions": [{"key": "what_matters", "label": "What matters", "type": "long_text", "unit": "kg"}]}
    with pytest.raises(TemplateError, match=r"\(what_matters\).unit: only number questions have unit"):
        load(tmp_path, [section])


def test_a_misspelt_field_is_refused(tmp_path):
    section = SECTION | {"questions": [{"key": "what_matters", "label": "What matters", "type": "long_text", "hnit": "x"}]}
    with pytest.raises(TemplateError, match=r"questions\[0\]: unknown field 'hnit'"):
        load(tmp_path, [section])


def test_a_missing_title_is_refused(tmp_path):
    section = {k: v for k, v in SECTION.items() if k != "title"}
    with pytest.raises(TemplateError, match=r"broken.json: sections\[0\]: missing 'title'"):
        load(tmp_path, [section])


def test_a_file_that_is_not_json_is_refused(tmp_path):
    with pytest.raises(TemplateError, match="broken.json: not valid JSON"):
        load_template(write(tmp_path, "{not json"), TOOLS_FILE)


def tools_file(tmp_path, tool):
    return write(tmp_path, {"version": "test", "tools": [tool]}, name="tools.json")


BARTHEL_LIKE = {
    "key": "mini",
    "name": "Mini tool",
    "kind": "sum",
    "source": "Invented for this test",
    "items": [
        {
            "key": "mini_one",
            "label": "One",
            "options": [{"value": "no", "label": "No", "score": 0}, {"value": "yes", "label": "Yes", "score": 1}],
        }
    ],
    "bands": [{"min": 0, "max": 0, "label": "Low"}, {"min": 1, "max": 1, "label": "High"}],
}


def test_a_small_good_tool_loads(tmp_path):
    (tool,) = load_tools(tools_file(tmp_path, BARTHEL_LIKE))
    assert (tool.minimum, tool.maximum, tool.band_labels) == (0, 1, ("Low", "High"))


def test_bands_with_a_gap_are_refused(tmp_path):
    tool = BARTHEL_LIKE | {"bands": [{"min": 0, "max": 0, "label": "Low"}]}
    with pytest.raises(TemplateError, match=r"tools.json: tools\[0\] \(mini\).bands: bands must cover 0 to 1 without gaps or overlaps"):
        load_tools(tools_file(tmp_path, tool))


def test_overlapping_bands_are_refused(tmp_path):
    tool = BARTHEL_LIKE | {"bands": [{"min": 0, "max": 1, "label": "Low"}, {"min": 1, "max": 1, "label": "High"}]}
    with pytest.raises(TemplateError, match="without gaps or overlaps"):
        load_tools(tools_file(tmp_path, tool))


def test_a_tool_option_without_a_score_is_refused(tmp_path):
    tool = BARTHEL_LIKE | {"items": [{"key": "mini_one", "label": "One", "options": [{"value": "no", "label": "No"}]}]}
    with pytest.raises(TemplateError, match=r"\(mini_one\).options\[0\]: missing 'score'"):
        load_tools(tools_file(tmp_path, tool))


def test_a_tool_without_its_source_is_refused(tmp_path):
    tool = {k: v for k, v in BARTHEL_LIKE.items() if k != "source"}
    with pytest.raises(TemplateError, match=r"tools\[0\]: missing 'source'"):
        load_tools(tools_file(tmp_path, tool))


def test_the_loader_reads_the_shipped_files_by_default():
    assert load_template() == questions.template()


def test_question_defaults_match_the_interface():
    question = Question("k", "Label", "text")
    assert (
        question.hint,
        question.options,
        question.unit,
        question.minimum,
        question.maximum,
        question.max_length,
        question.whole,
        question.tool,
    ) == ("", (), "", None, None, None, True, None)
