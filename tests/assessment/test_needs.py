"""Finding -> need rules: each shipped rule fires on its finding (with the reason and the answer it
came from) and not otherwise; a rules file naming an unknown operator, tool or question is refused."""

import json

import pytest

from app.assessment import needs, scoring
from app.assessment.needs import NeedSuggestion, RulesError, load_rules
from app.forms.questions import template


def tool_answers(tool_key: str, total: int) -> dict:
    """Answers to every item of a sum tool adding up to `total`, filling items in order."""
    answers, remaining = {}, total
    for item in template().tool(tool_key).items:
        take = min(max(o.score for o in item.options), remaining)
        answers[item.key] = next(o.value for o in item.options if o.score == take)
        remaining -= take
    assert remaining == 0
    return answers


def care_act(unable: int) -> dict:
    outcomes = [item.key for item in template().tool("care_act").items if item.key not in ("care_act_impairment", "care_act_wellbeing")]
    answers = {key: ("unable_without_assistance" if i < unable else "able") for i, key in enumerate(outcomes)}
    return answers | {"care_act_impairment": "yes", "care_act_wellbeing": "yes"}


def suggested(answers: dict) -> dict[str, NeedSuggestion]:
    return {s.rule_key: s for s in needs.suggest(answers, scoring.score_all(answers))}


# (rule, answers that fire it, (section, source, answer) it cites, nearby answers that must not fire it)
CASES = [
    (
        "urgent_mental_health_review",
        {"mental_health": {"phq9_self_harm": "several_days"}},
        ("mental_health", "phq9", "Thoughts that you would be better off dead, or of hurting yourself in some way: Several days (PHQ-9)"),
        {"mental_health": {"phq9_self_harm": "not_at_all"}},
    ),
    (
        "safeguarding_referral",
        {"safety": {"safeguarding_concern": "yes"}},
        ("safety", "safeguarding_concern", "Safeguarding concerns: Yes"),
        {"safety": {"safeguarding_concern": "no", "home_risks": ["fire"]}},
    ),
    (
        "safeguarding_referral",
        {"safety": {"home_risks": ["scams", "self_neglect"]}},
        ("safety", "home_risks", "Risks at home: Scams or doorstep crime, Self-neglect"),
        {"safety": {"home_risks": ["scams"]}},
    ),
    (
        "personal_care",
        {"physical": tool_answers("barthel", 14)},
        ("physical", "barthel", "Barthel Index 14 of 20 (Moderate dependency)"),
        {"physical": tool_answers("barthel", 15)},
    ),
    (
        "frailty_review",
        {"physical": {"cfs_level": "moderate_frailty"}},
        ("physical", "cfs", "Clinical Frailty Scale level 6 (Living with moderate frailty)"),
        {"physical": {"cfs_level": "mild_frailty"}},
    ),
    (
        "advance_care_planning",
        {"physical": {"cfs_level": "very_severe_frailty"}},
        ("physical", "cfs", "Clinical Frailty Scale level 8 (Living with very severe frailty)"),
        {"physical": {"cfs_level": "severe_frailty"}},
    ),
    (
        "falls_prevention",
        {"prevention": {"falls_last_year": "yes"}},
        ("prevention", "falls_last_year", "Any falls in the last 12 months: Yes"),
        {"prevention": {"falls_last_year": "no", "fear_of_falling": "a_little_worried"}},
    ),
    (
        "falls_prevention",
        {"prevention": {"fear_of_falling": "very_worried"}},
        ("prevention", "fear_of_falling", "Fear of falling: Very worried"),
        {"prevention": {"fear_of_falling": "not_worried"}},
    ),
    (
        "falls_prevention",
        {"safety": {"home_risks": ["falls_hazards"]}},
        ("safety", "home_risks", "Risks at home: Falls hazards"),
        {"safety": {"home_risks": ["none"]}},
    ),
    (
        "community_alarm",
        {"safety": {"lives_alone": "yes"}, "prevention": {"falls_last_year": "yes"}},
        ("safety", "lives_alone", "Lives alone: Yes; Any falls in the last 12 months: Yes"),
        {"safety": {"lives_alone": "yes"}, "prevention": {"falls_last_year": "no"}},
    ),
    (
        "mood_support",
        {"mental_health": tool_answers("phq9", 10)},
        ("mental_health", "phq9", "PHQ-9 10 of 27 (Moderate depression)"),
        {"mental_health": tool_answers("phq9", 9)},
    ),
    (
        "memory_assessment",
        {"mental_health": {"memory_concerns": "yes", "dementia_diagnosis": "no"}},
        ("mental_health", "memory_concerns", "Concerns about memory: Yes; Diagnosis of dementia: No"),
        {"mental_health": {"memory_concerns": "yes", "dementia_diagnosis": "yes"}},
    ),
    (
        "memory_assessment",
        {"mental_health": {"memory_concerns": "yes"}},
        ("mental_health", "memory_concerns", "Concerns about memory: Yes; Diagnosis of dementia: not answered"),
        {"mental_health": {"memory_concerns": "no"}},
    ),
    (
        "nutrition_review",
        {"physical": {"weight_loss": "yes"}},
        ("physical", "weight_loss", "Unplanned weight loss in the last 3 months: Yes"),
        {"physical": {"weight_loss": "no", "appetite": "reduced"}},
    ),
    (
        "nutrition_review",
        {"physical": {"appetite": "poor"}},
        ("physical", "appetite", "Appetite: Poor"),
        {"physical": {"appetite": "good"}},
    ),
    (
        "tissue_viability",
        {"physical": {"pressure_damage": "at_risk"}},
        ("physical", "pressure_damage", "Skin and pressure areas: At risk (redness or fragile skin)"),
        {"physical": {"pressure_damage": "no_concerns"}},
    ),
    (
        "tissue_viability",
        {"physical": {"pressure_damage": "pressure_damage"}},
        ("physical", "pressure_damage", "Skin and pressure areas: Pressure damage present"),
        {"physical": {"pressure_damage": "not_checked"}},
    ),
    (
        "continence_assessment",
        {"physical": {"continence": "incontinent"}},
        ("physical", "continence", "Continence: Incontinent"),
        {"physical": {"continence": "catheter_or_stoma"}},
    ),
    ("pain_review", {"physical": {"pain": "moderate"}}, ("physical", "pain", "Pain: Moderate"), {"physical": {"pain": "mild"}}),
    (
        "sight_hearing_review",
        {"senses": {"sight": "some_difficulty"}},
        ("senses", "sight", "Sight: Some difficulty, even with glasses"),
        {"senses": {"sight": "with_glasses", "hearing": "with_hearing_aids"}},
    ),
    (
        "sight_hearing_review",
        {"senses": {"hearing": "severe_hearing_loss"}},
        ("senses", "hearing", "Hearing: Deaf or severe hearing loss"),
        {"senses": {"hearing": "no_difficulty"}},
    ),
    (
        "case_management",
        {"clinical": {"admissions_last_year": 2}},
        ("clinical", "admissions_last_year", "Hospital admissions in the last 12 months: 2"),
        {"clinical": {"admissions_last_year": 1}},
    ),
    (
        "medicines_review",
        {"safety": {"home_risks": ["medicines"]}},
        ("safety", "home_risks", "Risks at home: Medicines not taken safely"),
        {"safety": {"home_risks": ["fire"]}},
    ),
    (
        "stop_smoking",
        {"prevention": {"smoking": "smokes"}},
        ("prevention", "smoking", "Smoking: Smokes"),
        {"prevention": {"smoking": "ex_smoker"}},
    ),
    (
        "alcohol_advice",
        {"prevention": {"alcohol_units": 15}},
        ("prevention", "alcohol_units", "Alcohol units a week: 15 units"),
        {"prevention": {"alcohol_units": 14.5}},
    ),
    (
        "immunisation_review",
        {"prevention": {"immunisations_up_to_date": "no"}},
        ("prevention", "immunisations_up_to_date", "Immunisations up to date: No"),
        {"prevention": {"immunisations_up_to_date": "not_known"}},
    ),
    (
        "loneliness_support",
        {"relationships": {"loneliness": "often_always"}},
        ("relationships", "loneliness", "How often the person feels lonely: Often or always"),
        {"relationships": {"loneliness": "some_of_the_time"}},
    ),
    (
        "carers_assessment",
        {"relationships": {"carer_coping": "sometimes"}},
        ("relationships", "carer_coping", "Carer finding it hard to cope: Sometimes"),
        {"relationships": {"carer_coping": "no"}},
    ),
    (
        "carers_assessment",
        {"relationships": {"carer_coping": "yes_a_lot"}},
        ("relationships", "carer_coping", "Carer finding it hard to cope: Yes, a lot"),
        {"relationships": {"has_carer": "yes"}},
    ),
    (
        "fire_safety",
        {"safety": {"home_risks": ["fire"]}},
        ("safety", "home_risks", "Risks at home: Fire"),
        {"safety": {"home_risks": ["scams"]}},
    ),
    (
        "scams_advice",
        {"safety": {"home_risks": ["scams"]}},
        ("safety", "home_risks", "Risks at home: Scams or doorstep crime"),
        {"safety": {"home_risks": ["fire"]}},
    ),
    (
        "ot_home_assessment",
        {"environment": {"adaptations_needed": "yes"}},
        ("environment", "adaptations_needed", "Adaptations needed: Yes"),
        {"environment": {"adaptations_needed": "no", "home_suitable": "yes"}},
    ),
    (
        "ot_home_assessment",
        {"environment": {"home_suitable": "no"}},
        ("environment", "home_suitable", "Home suitable for their needs: No"),
        {"environment": {"home_suitable": "yes"}},
    ),
    (
        "welfare_benefits",
        {"environment": {"benefits_check": "yes"}},
        ("environment", "benefits_check", "Wants a benefits check: Yes"),
        {"environment": {"benefits_check": "no"}},
    ),
    (
        "housing_advice",
        {"environment": {"housing": "no_settled_home"}},
        ("environment", "housing", "Housing: No settled home"),
        {"environment": {"housing": "private_rent"}},
    ),
    (
        "social_care_package",
        {"environment": care_act(2)},
        ("environment", "care_act", "Care Act 2014 eligibility: Eligible (unable to achieve 2 of 10 outcomes)"),
        {"environment": care_act(1)},
    ),
]


def test_the_shipped_rules_load_once_with_unique_keys():
    keys = [rule.key for rule in needs.rules()]
    assert len(keys) == len(set(keys))
    assert needs.rules() is needs.rules()


def test_every_shipped_rule_is_tested_here():
    assert {rule.key for rule in needs.rules()} == {case[0] for case in CASES}


@pytest.mark.parametrize("rule_key, answers, cited, _", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_rule_fires_on_its_finding_and_cites_it(rule_key, answers, cited, _):
    suggestion = suggested(answers).get(rule_key)
    assert suggestion is not None, f"{rule_key} did not fire"
    rule = next(r for r in needs.rules() if r.key == rule_key)
    assert (suggestion.need, suggestion.reason) == (rule.need, rule.reason)
    assert (suggestion.section_key, suggestion.source, suggestion.answer) == cited


@pytest.mark.parametrize("rule_key, _, __, near_miss", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_rule_does_not_fire_on_a_nearby_answer(rule_key, _, __, near_miss):
    assert rule_key not in suggested(near_miss)


def test_an_empty_assessment_suggests_nothing():
    assert needs.suggest({}, scoring.score_all({})) == []


def test_an_incomplete_barthel_suggests_nothing_however_low_it_runs():
    answers = tool_answers("barthel", 0)
    del answers["barthel_bathing"]
    assert "personal_care" not in suggested({"physical": answers})


def test_suggestions_come_in_rule_order_each_once():
    answers = {
        "prevention": {"falls_last_year": "yes", "fear_of_falling": "very_worried"},
        "safety": {"lives_alone": "yes", "home_risks": ["falls_hazards", "fire"], "safeguarding_concern": "yes"},
        "physical": tool_answers("barthel", 3),
    }
    keys = [s.rule_key for s in needs.suggest(answers, scoring.score_all(answers))]
    assert keys == ["safeguarding_referral", "personal_care", "falls_prevention", "community_alarm", "fire_safety"]
    falls = suggested(answers)["falls_prevention"]
    assert falls.answer == "Any falls in the last 12 months: Yes; Fear of falling: Very worried; Risks at home: Falls hazards, Fire"


def test_the_need_comes_from_the_given_results_not_recomputed():
    results = scoring.score_all({}) | {"barthel": scoring.ToolResult("barthel", "Barthel Index", 12, 20, "Moderate dependency", True)}
    suggestion = needs.suggest({}, results)[0]
    assert (suggestion.rule_key, suggestion.answer) == ("personal_care", "Barthel Index 12 of 20 (Moderate dependency)")


# --- A broken rules file ---------------------------------------------------------------------


def load(tmp_path, *conditions):
    rules = [{"key": f"rule_{i}", "need": "A need", "reason": "A reason", "when": when} for i, when in enumerate(conditions)]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"version": "test", "rules": rules}))
    return load_rules(path)


def test_a_small_good_rules_file_loads(tmp_path):
    loaded = load(
        tmp_path, {"all": [{"question": "prevention.falls_last_year", "equals": "yes"}, {"not": {"tool": "cfs", "score_at_most": 3}}]}
    )
    assert [r.key for r in loaded] == ["rule_0"]


def test_an_unknown_operator_is_refused(tmp_path):
    with pytest.raises(RulesError, match=r"rules.json: rules\[0\] \(rule_0\).when: unknown operator 'greater_than'"):
        load(tmp_path, {"question": "clinical.admissions_last_year", "greater_than": 2})


def test_an_unknown_combining_operator_is_refused(tmp_path):
    with pytest.raises(RulesError, match=r"rules\[0\] \(rule_0\).when: unknown operator 'either'"):
        load(tmp_path, {"either": [{"question": "prevention.falls_last_year", "equals": "yes"}]})


def test_an_unknown_tool_is_refused(tmp_path):
    with pytest.raises(RulesError, match=r"rules\[0\] \(rule_0\).when: unknown tool 'moca'"):
        load(tmp_path, {"tool": "moca", "score_at_most": 25})


def test_an_unknown_question_is_refused(tmp_path):
    with pytest.raises(RulesError, match=r"rules\[1\] \(rule_1\).when.any\[0\]: unknown question 'prevention.falls'"):
        load(
            tmp_path,
            {"question": "prevention.falls_last_year", "equals": "yes"},
            {"any": [{"question": "prevention.falls", "equals": "yes"}]},
        )


def test_a_question_in_the_wrong_section_is_refused(tmp_path):
    with pytest.raises(RulesError, match="unknown question 'safety.falls_last_year'"):
        load(tmp_path, {"question": "safety.falls_last_year", "equals": "yes"})


def test_a_value_that_is_not_an_option_is_refused(tmp_path):
    with pytest.raises(RulesError, match=r"when.in: 'yes_lots' is not an option of 'relationships.carer_coping'"):
        load(tmp_path, {"question": "relationships.carer_coping", "in": ["sometimes", "yes_lots"]})


def test_an_operator_that_does_not_fit_the_question_is_refused(tmp_path):
    with pytest.raises(RulesError, match="'safety.home_risks' is a multi_choice question; equals needs a choice or yes_no question"):
        load(tmp_path, {"question": "safety.home_risks", "equals": "fire"})
    with pytest.raises(RulesError, match="at_least needs a number question"):
        load(tmp_path, {"question": "physical.pain", "at_least": 2})


def test_a_band_the_tool_cannot_give_is_refused(tmp_path):
    with pytest.raises(RulesError, match="'Dependent' is not a band of Barthel Index"):
        load(tmp_path, {"tool": "barthel", "band": "Dependent"})


def test_a_score_outside_the_tools_range_is_refused(tmp_path):
    with pytest.raises(RulesError, match=r"when.score_at_least: must be a whole number from 1 to 9"):
        load(tmp_path, {"tool": "cfs", "score_at_least": 10})


def test_an_unknown_flag_is_refused(tmp_path):
    with pytest.raises(RulesError, match="'suicide' is not a flag of PHQ-9"):
        load(tmp_path, {"tool": "phq9", "flag": "suicide"})


def test_two_operators_in_one_condition_are_refused(tmp_path):
    with pytest.raises(RulesError, match="needs exactly one operator"):
        load(tmp_path, {"tool": "barthel", "score_at_most": 14, "score_at_least": 10})


def test_a_rule_key_used_twice_is_refused(tmp_path):
    path = tmp_path / "rules.json"
    rule = {"key": "same", "need": "A need", "reason": "A reason", "when": {"question": "prevention.falls_last_year", "equals": "yes"}}
    path.write_text(json.dumps({"version": "test", "rules": [rule, rule]}))
    with pytest.raises(RulesError, match="rule key 'same' is used twice"):
        load_rules(path)
