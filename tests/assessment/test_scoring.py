"""Scored tools: Barthel Index, Clinical Frailty Scale, PHQ-9 and Care Act eligibility, against their
published bands (boundaries included), incomplete tools, and scores taken only from item answers."""

import pytest

from app.assessment import scoring
from app.assessment.scoring import ToolResult
from app.forms.questions import template


def tool_answers(tool_key: str, total: int) -> dict:
    """Answers to every item of a sum tool adding up to `total`, filling items in order."""
    tool = template().tool(tool_key)
    answers, remaining = {}, total
    for item in tool.items:
        take = min(max(o.score for o in item.options), remaining)
        answers[item.key] = next(o.value for o in item.options if o.score == take)
        remaining -= take
    assert remaining == 0, f"{tool_key} cannot total {total}"
    return answers


def score(tool_key: str, answers: dict) -> ToolResult:
    return scoring.score_tool(template().tool(tool_key), answers)


OUTCOMES = [
    "care_act_nutrition",
    "care_act_hygiene",
    "care_act_toilet",
    "care_act_clothing",
    "care_act_home_safely",
    "care_act_habitable_home",
    "care_act_relationships",
    "care_act_work",
    "care_act_community",
    "care_act_caring_for_child",
]


def care_act(unable: list[str], impairment: str = "yes", wellbeing: str = "yes", reason: str = "unable_without_assistance") -> dict:
    answers = {key: (reason if key in unable else "able") for key in OUTCOMES}
    answers.update(care_act_impairment=impairment, care_act_wellbeing=wellbeing)
    return answers


# --- Barthel Index ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, band",
    [
        (0, "Total dependency"),
        (4, "Total dependency"),
        (5, "Severe dependency"),
        (9, "Severe dependency"),
        (10, "Moderate dependency"),
        (14, "Moderate dependency"),
        (15, "Mild dependency"),
        (19, "Mild dependency"),
        (20, "Independent"),
    ],
)
def test_barthel_totals_fall_in_the_published_bands(total, band):
    result = score("barthel", tool_answers("barthel", total))
    assert result == ToolResult("barthel", "Barthel Index", total, 20, band, True)


def test_barthel_items_have_the_published_maximum_scores():
    maxima = {item.key: max(o.score for o in item.options) for item in template().tool("barthel").items}
    assert maxima == {
        "barthel_bowels": 2,
        "barthel_bladder": 2,
        "barthel_grooming": 1,
        "barthel_toilet": 2,
        "barthel_feeding": 2,
        "barthel_transfer": 3,
        "barthel_mobility": 3,
        "barthel_dressing": 2,
        "barthel_stairs": 2,
        "barthel_bathing": 1,
    }


def test_barthel_bowels_has_the_published_wording():
    bowels = template().section("physical").question("barthel_bowels")
    assert [(o.score, o.label) for o in bowels.options] == [
        (0, "Incontinent (or needs to be given enemas)"),
        (1, "Occasional accident (once a week)"),
        (2, "Continent"),
    ]


def test_a_barthel_with_an_item_unanswered_is_incomplete_with_no_total_or_band():
    answers = tool_answers("barthel", 20)
    del answers["barthel_stairs"]
    result = score("barthel", answers)
    assert (result.score, result.complete, result.band) == (None, False, "Incomplete (9 of 10 items)")
    assert result.detail == "Not answered yet: stairs."


def test_an_untouched_barthel_is_incomplete_with_nothing_answered():
    result = score("barthel", {})
    assert (result.score, result.maximum, result.band, result.complete) == (None, 20, "Incomplete (0 of 10 items)", False)


def test_an_answer_that_is_not_an_option_counts_as_unanswered():
    answers = tool_answers("barthel", 20) | {"barthel_bowels": "2"}
    assert score("barthel", answers).band == "Incomplete (9 of 10 items)"


def test_scores_come_only_from_the_item_answers():
    answers = tool_answers("barthel", 12) | {"barthel": 20, "barthel_total": 20, "score": 20, "band": "Independent"}
    result = scoring.score_section(template().section("physical"), answers)[0]
    assert (result.score, result.band) == (12, "Moderate dependency")


# --- Clinical Frailty Scale ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, level, name",
    [
        ("very_fit", 1, "Very fit"),
        ("fit", 2, "Fit"),
        ("managing_well", 3, "Managing well"),
        ("very_mild_frailty", 4, "Living with very mild frailty"),
        ("mild_frailty", 5, "Living with mild frailty"),
        ("moderate_frailty", 6, "Living with moderate frailty"),
        ("severe_frailty", 7, "Living with severe frailty"),
        ("very_severe_frailty", 8, "Living with very severe frailty"),
        ("terminally_ill", 9, "Terminally ill"),
    ],
)
def test_every_clinical_frailty_scale_level_scores_its_level_with_its_name_and_description(value, level, name):
    result = score("cfs", {"cfs_level": value})
    assert (result.score, result.maximum, result.band, result.complete) == (level, 9, name, True)
    assert result.detail.endswith(".") and len(result.detail) > 40


def test_an_unrated_clinical_frailty_scale_is_incomplete():
    result = score("cfs", {"cfs_level": None})
    assert (result.score, result.band, result.complete) == (None, "Incomplete (0 of 1 items)", False)


# --- PHQ-9 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, band",
    [
        (0, "Minimal depression"),
        (4, "Minimal depression"),
        (5, "Mild depression"),
        (9, "Mild depression"),
        (10, "Moderate depression"),
        (14, "Moderate depression"),
        (15, "Moderately severe depression"),
        (19, "Moderately severe depression"),
        (20, "Severe depression"),
        (27, "Severe depression"),
    ],
)
def test_phq9_totals_fall_in_the_published_bands(total, band):
    result = score("phq9", tool_answers("phq9", total))
    assert (result.score, result.maximum, result.band, result.complete) == (total, 27, band, True)


def test_phq9_items_score_0_to_3():
    for item in template().tool("phq9").items:
        assert [(o.label, o.score) for o in item.options] == [
            ("Not at all", 0),
            ("Several days", 1),
            ("More than half the days", 2),
            ("Nearly every day", 3),
        ]


def test_thoughts_of_self_harm_are_flagged_whatever_the_total():
    answers = tool_answers("phq9", 0) | {"phq9_self_harm": "several_days"}
    result = score("phq9", answers)
    assert (result.score, result.band) == (1, "Minimal depression")
    assert result.flags == ("Thoughts of self-harm: follow up urgently",)


def test_thoughts_of_self_harm_are_flagged_even_before_the_questionnaire_is_finished():
    result = score("phq9", {"phq9_self_harm": "nearly_every_day"})
    assert (result.complete, result.score) == (False, None)
    assert result.flags == ("Thoughts of self-harm: follow up urgently",)


def test_no_thoughts_of_self_harm_raises_no_flag():
    assert score("phq9", tool_answers("phq9", 21)).flags == ()  # items 1-7 at 3: item 9 is "Not at all"


# --- Care Act 2014 eligibility -------------------------------------------------------------


def test_one_outcome_not_achieved_is_not_eligible():
    result = score("care_act", care_act(["care_act_nutrition"]))
    assert (result.score, result.maximum, result.band, result.complete) == (1, 10, "Not eligible", True)
    assert "fewer than 2 outcomes are not achieved" in result.detail


def test_two_outcomes_not_achieved_with_impairment_and_wellbeing_impact_is_eligible():
    result = score("care_act", care_act(["care_act_nutrition", "care_act_hygiene"]))
    assert (result.score, result.band, result.complete) == (2, "Eligible", True)
    assert result.detail.startswith("Unable to achieve 2 of 10 outcomes: managing and maintaining nutrition; maintaining personal hygiene.")


def test_two_outcomes_not_achieved_are_not_eligible_without_an_impairment_or_illness():
    result = score("care_act", care_act(["care_act_nutrition", "care_act_hygiene"], impairment="no"))
    assert (result.score, result.band) == (2, "Not eligible")
    assert "‘The needs arise from or are related to a physical or mental impairment or illness’ is answered no" in result.detail


def test_two_outcomes_not_achieved_are_not_eligible_without_a_significant_impact_on_wellbeing():
    result = score("care_act", care_act(["care_act_toilet", "care_act_clothing"], wellbeing="no"))
    assert result.band == "Not eligible"


def test_all_ten_outcomes_not_achieved_is_eligible():
    result = score("care_act", care_act(OUTCOMES))
    assert (result.score, result.band) == (10, "Eligible")


def test_no_outcomes_not_achieved_is_not_eligible():
    result = score("care_act", care_act([]))
    assert (result.score, result.band) == (0, "Not eligible")
    assert result.detail.startswith("Able to achieve all 10 outcomes.")


@pytest.mark.parametrize(
    "reason",
    [
        "unable_without_assistance",
        "significant_pain_distress_anxiety",
        "endangers_health_or_safety",
        "takes_significantly_longer",
    ],
)
def test_each_meaning_of_unable_to_achieve_counts_as_not_achieved(reason):
    result = score("care_act", care_act(["care_act_work", "care_act_community"], reason=reason))
    assert (result.score, result.band) == (2, "Eligible")


def test_having_no_caring_responsibilities_for_a_child_is_not_an_unmet_outcome():
    answers = care_act(["care_act_nutrition"]) | {"care_act_caring_for_child": "no_caring_responsibilities"}
    assert score("care_act", answers).score == 1


def test_care_act_eligibility_is_incomplete_until_the_impairment_and_wellbeing_questions_are_answered():
    answers = care_act(["care_act_nutrition", "care_act_hygiene"])
    del answers["care_act_wellbeing"]
    result = score("care_act", answers)
    assert (result.score, result.band, result.complete) == (None, "Incomplete (11 of 12 items)", False)


# --- Over the whole assessment ------------------------------------------------------------


def test_score_all_gives_every_tool_by_key_from_its_own_section():
    results = scoring.score_all(
        {
            "physical": tool_answers("barthel", 12) | {"cfs_level": "mild_frailty"},
            "mental_health": tool_answers("phq9", 10),
            # A tool's items in the wrong section do not count.
            "safety": {"care_act_impairment": "yes"},
        }
    )
    assert set(results) == {"barthel", "cfs", "phq9", "care_act"}
    assert (results["barthel"].score, results["cfs"].score, results["phq9"].score) == (12, 5, 10)
    assert results["care_act"].band == "Incomplete (0 of 12 items)"


def test_score_section_gives_one_result_per_tool_in_section_order():
    results = scoring.score_section(template().section("physical"), {})
    assert [r.key for r in results] == ["barthel", "cfs"]
    assert scoring.score_section(template().section("senses"), {"anything": "yes"}) == []


@pytest.mark.parametrize(
    "tool_key, answers, text",
    [
        ("barthel", tool_answers("barthel", 12), "Barthel Index 12 of 20 (Moderate dependency)"),
        ("cfs", {"cfs_level": "moderate_frailty"}, "Clinical Frailty Scale level 6 (Living with moderate frailty)"),
        ("phq9", tool_answers("phq9", 15), "PHQ-9 15 of 27 (Moderately severe depression)"),
        ("care_act", care_act(OUTCOMES[:3]), "Care Act 2014 eligibility: Eligible (unable to achieve 3 of 10 outcomes)"),
        ("barthel", {}, "Barthel Index: Incomplete (0 of 10 items)"),
    ],
)
def test_a_result_reads_in_one_line(tool_key, answers, text):
    assert scoring.result_text(score(tool_key, answers)) == text


def test_every_tool_states_its_source():
    for tool in template().tools:
        assert len(tool.source) > 40, tool.key


# --- What the results say ---------------------------------------------------------------------


def test_three_items_still_to_answer_are_named_and_four_are_counted():
    answers = tool_answers("barthel", 20)
    three = {k: v for k, v in answers.items() if k not in ("barthel_bowels", "barthel_bladder", "barthel_grooming")}
    assert score("barthel", three).detail == "Not answered yet: bowels; bladder; grooming."
    four = {k: v for k, v in three.items() if k != "barthel_toilet"}
    assert score("barthel", four).detail == "4 items not answered yet."


def test_a_tool_with_nothing_answered_says_nothing_more_than_incomplete():
    result = score("barthel", {})
    assert (result.band, result.detail, result.score, result.complete) == ("Incomplete (0 of 10 items)", "", None, False)


def test_not_eligible_says_every_reason():
    result = score("care_act", care_act(["care_act_nutrition"], wellbeing="no"))
    assert result.detail == (
        "Unable to achieve 1 of 10 outcomes: managing and maintaining nutrition. Not eligible because fewer than 2 outcomes are "
        "not achieved; ‘As a consequence there is, or is likely to be, a significant impact on wellbeing’ is answered no."
    )


def test_eligible_restates_the_conditions_that_hold():
    result = score("care_act", care_act(["care_act_nutrition", "care_act_toilet"]))
    assert result.detail == (
        "Unable to achieve 2 of 10 outcomes: managing and maintaining nutrition; managing toilet needs. The needs arise from or "
        "are related to a physical or mental impairment or illness. As a consequence there is, or is likely to be, a significant "
        "impact on wellbeing."
    )


def test_an_incomplete_result_reads_as_its_band_even_with_a_score():
    result = ToolResult("barthel", "Barthel Index", 12, 20, "Incomplete (9 of 10 items)", False)
    assert scoring.result_text(result) == "Barthel Index: Incomplete (9 of 10 items)"


def test_a_result_of_a_tool_the_template_does_not_have_reads_as_a_total():
    result = ToolResult("retired_tool", "Retired tool", 3, 5, "Low", True)
    assert scoring.result_text(result) == "Retired tool 3 of 5 (Low)"


def test_a_template_given_is_the_one_scored_against():
    from dataclasses import replace

    shipped = template()
    renamed = tuple(replace(t, name=f"{t.name} (local)", kind="sum" if t.key == "cfs" else t.kind) for t in shipped.tools)
    local = replace(shipped, tools=renamed)
    results = scoring.score_all({"physical": tool_answers("barthel", 12)}, template=local)
    assert results["barthel"].name == "Barthel Index (local)" and results["phq9"].name.endswith("(local)")
    section = local.section("physical")
    assert [r.name for r in scoring.score_section(section, {}, template=local)] == [
        "Barthel Index (local)",
        "Clinical Frailty Scale (local)",
    ]
    level = ToolResult("cfs", "Clinical Frailty Scale", 6, 9, "Living with moderate frailty", True)
    assert scoring.result_text(level, template=local) == "Clinical Frailty Scale 6 of 9 (Living with moderate frailty)"
    assert scoring.result_text(level) == "Clinical Frailty Scale level 6 (Living with moderate frailty)"
