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


# --- Conditions, one operator at a time ---------------------------------------------------------


def condition(when: dict) -> needs.Condition:
    """A condition as the loader builds it from the rules file."""
    return needs._condition(needs.Checker("rules.json", RulesError), template(), when, "when")


def holds(when: dict, answers: dict, results: dict | None = None) -> bool:
    return needs.holds(condition(when), answers, scoring.score_all(answers) if results is None else results)[0]


@pytest.mark.parametrize(
    "when, falls, held",
    [
        ({"at_most": 2}, 2, True),
        ({"at_most": 2}, 3, False),
        ({"at_most": 2}, 0, True),
        ({"at_least": 2}, 2, True),
        ({"at_least": 2}, 1, False),
        ({"at_least": 2}, 2.5, True),
        ({"at_least": 1}, True, False),  # a yes is not a number
        ({"at_most": 1}, "1", False),
        ({"at_most": 1}, None, False),
    ],
)
def test_a_number_condition_holds_at_or_beyond_its_value(when, falls, held):
    answers = {"prevention": {"falls_count": falls}}
    assert holds({"question": "prevention.falls_count"} | when, answers) is held


def test_in_holds_for_any_of_its_values_and_contains_only_for_a_list():
    assert holds({"question": "prevention.falls_last_year", "in": ["yes"]}, {"prevention": {"falls_last_year": "yes"}})
    assert not holds({"question": "prevention.falls_last_year", "in": ["yes"]}, {"prevention": {"falls_last_year": "no"}})
    contains = {"question": "safety.home_risks", "contains": "fire"}
    assert holds(contains, {"safety": {"home_risks": ["scams", "fire"]}})
    assert not holds(contains, {"safety": {"home_risks": "fire"}})
    assert not holds(contains, {"safety": {"home_risks": ["scams"]}})
    assert not holds(contains, {})


def test_equals_holds_only_for_its_value():
    when = {"question": "prevention.falls_last_year", "equals": "yes"}
    assert holds(when, {"prevention": {"falls_last_year": "yes"}})
    assert not holds(when, {"prevention": {"falls_last_year": "no"}})
    assert not holds(when, {"prevention": None})


@pytest.mark.parametrize(
    "when, total, held",
    [
        ({"score_at_least": 12}, 12, True),
        ({"score_at_least": 12}, 11, False),
        ({"score_at_most": 12}, 12, True),
        ({"score_at_most": 12}, 13, False),
        ({"band": "Moderate dependency"}, 12, True),
        ({"band": "Moderate dependency"}, 15, False),
    ],
)
def test_a_tool_condition_holds_on_a_complete_result(when, total, held):
    assert holds({"tool": "barthel"} | when, {"physical": tool_answers("barthel", total)}) is held


def test_an_incomplete_or_missing_tool_result_meets_no_tool_condition():
    incomplete = scoring.ToolResult("barthel", "Barthel Index", 3, 20, "Incomplete (9 of 10 items)", False)
    no_score = scoring.ToolResult("barthel", "Barthel Index", None, 20, "Moderate dependency", True)
    for when in ({"score_at_most": 14}, {"score_at_least": 0}, {"band": "Moderate dependency"}):
        assert not holds({"tool": "barthel"} | when, {}, {"barthel": incomplete})
        assert not holds({"tool": "barthel"} | when, {}, {"barthel": no_score})
        met, evidence = needs.holds(condition({"tool": "barthel"} | when), {}, {})
        assert not met and evidence == [needs.Evidence("physical", "barthel", "Barthel Index: not scored")]


def test_a_flag_holds_when_the_tool_raised_it_and_cites_the_item():
    answers = {"mental_health": {"phq9_self_harm": "several_days"}}
    met, evidence = needs.holds(condition({"tool": "phq9", "flag": "self_harm"}), answers, scoring.score_all(answers))
    assert met and [e.source for e in evidence] == ["phq9"] and evidence[0].section_key == "mental_health"
    assert evidence[0].answer.endswith("(PHQ-9)") and "not answered" not in evidence[0].answer
    met, evidence = needs.holds(condition({"tool": "phq9", "flag": "self_harm"}), {}, {})
    assert not met and "not answered (PHQ-9)" in evidence[0].answer


def test_all_any_and_not_combine_and_cite_what_they_looked_at():
    fell = {"question": "prevention.falls_last_year", "equals": "yes"}
    alone = {"question": "safety.lives_alone", "equals": "yes"}
    answers = {"prevention": {"falls_last_year": "yes"}, "safety": {"lives_alone": "no"}}
    met, evidence = needs.holds(condition({"all": [fell, alone]}), answers, {})
    assert not met and [e.source for e in evidence] == ["falls_last_year", "lives_alone"]
    met, evidence = needs.holds(condition({"any": [alone, fell]}), answers, {})
    assert met and [e.source for e in evidence] == ["falls_last_year"]
    met, evidence = needs.holds(condition({"any": [alone, alone]}), answers, {})
    assert not met and [e.source for e in evidence] == ["lives_alone", "lives_alone"]
    met, evidence = needs.holds(condition({"not": alone}), answers, {})
    assert met and [e.source for e in evidence] == ["lives_alone"]
    assert not needs.holds(condition({"not": fell}), answers, {})[0]
    assert needs.holds(condition({"all": [fell, {"not": alone}]}), answers, {})[0]


def test_the_rule_set_given_is_the_one_applied():
    rule = needs.Rule("mine", "My need", "My reason", condition({"question": "safety.lives_alone", "equals": "yes"}))
    answers = {"safety": {"lives_alone": "yes", "safeguarding_concern": "yes"}}
    assert needs.suggest(answers, scoring.score_all(answers), rule_set=(rule,)) == [
        NeedSuggestion("mine", "My need", "My reason", "safety", "lives_alone", "Lives alone: Yes")
    ]
    assert needs.suggest(answers, scoring.score_all(answers), rule_set=()) == []


def test_a_suggestion_cites_each_finding_once_in_order():
    both = {"all": [{"question": "safety.lives_alone", "equals": "yes"}, {"question": "safety.lives_alone", "in": ["yes"]}]}
    either = {"question": "prevention.falls_last_year", "equals": "yes"}
    rule = needs.Rule("twice", "Need", "Reason", condition({"all": [both, either]}))
    answers = {"safety": {"lives_alone": "yes"}, "prevention": {"falls_last_year": "yes"}}
    (suggestion,) = needs.suggest(answers, {}, rule_set=(rule,))
    assert suggestion.answer == "Lives alone: Yes; Any falls in the last 12 months: Yes"
    assert (suggestion.section_key, suggestion.source) == ("safety", "lives_alone")


# --- The loader's checks, each in its own words --------------------------------------------------


def write(tmp_path, content) -> object:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(content))
    return path


def rule(**changes) -> dict:
    return {"key": "rule_0", "need": "A need", "reason": "A reason", "when": {"question": "safety.lives_alone", "equals": "yes"}} | changes


@pytest.mark.parametrize(
    "content, message",
    [
        ({"rules": []}, "rules.json: the file: missing 'version'"),
        ({"version": "1", "rules": [], "extra": 1}, "rules.json: the file: unknown field 'extra'"),
        ({"version": "1", "rules": {}}, "rules.json: rules: must be a list"),
        ({"version": "1", "rules": [{"key": "a", "need": "n", "reason": "r"}]}, "rules.json: rules[0]: missing 'when'"),
        ({"version": "1", "rules": [rule(need="n" * 201)]}, "need must be 200 characters or fewer and reason 500 or fewer"),
        ({"version": "1", "rules": [rule(reason="r" * 501)]}, "need must be 200 characters or fewer and reason 500 or fewer"),
        ({"version": "1", "rules": [rule(need="")]}, "rules[0] (rule_0).need: must be a non-empty string"),
        ({"version": "1", "rules": [rule(reason=" ")]}, "rules.json: rules[0] (rule_0).reason: must be a non-empty string"),
        ({"version": "1", "rules": [rule(key="Bad key")]}, "rules.json: rules[0].key: 'Bad key' is not a key"),
        (
            {"version": "1", "rules": [rule(need="n" * 201)]},
            "rules.json: rules[0] (rule_0): need must be 200 characters or fewer and reason 500 or fewer",
        ),
        ({"version": "1", "rules": [rule(), rule()]}, "rules.json: rules[1] (rule_0): rule key 'rule_0' is used twice"),
    ],
)
def test_a_badly_formed_rules_file_is_refused_in_these_words(tmp_path, content, message):
    with pytest.raises(RulesError) as refused:
        load_rules(write(tmp_path, content))
    assert message in str(refused.value)


def test_a_need_of_200_characters_and_a_reason_of_500_are_taken(tmp_path):
    (loaded,) = load_rules(write(tmp_path, {"version": "1", "about": "x", "rules": [rule(need="n" * 200, reason="r" * 500)]}))
    assert (len(loaded.need), len(loaded.reason)) == (200, 500)


@pytest.mark.parametrize(
    "when, message",
    [
        ([], "when: must be a condition object"),
        ({}, "when: must be a condition object"),
        ({"all": [], "any": []}, "when: a condition needs 'question', 'tool' or one of all, any, not"),
        ({"all": []}, "when.all: must be a non-empty list of conditions"),
        ({"any": {"question": "safety.lives_alone"}}, "when.any: must be a non-empty list of conditions"),
        ({"not": []}, "when.not: must be a condition object"),
        ({"question": 3, "equals": "yes"}, "when: unknown question '3' (write it as section_key.question_key)"),
        ({"question": "safety", "equals": "yes"}, "unknown question 'safety'"),
        ({"question": "safety.lives_alone"}, "when: needs exactly one operator (one of equals, in, contains, at_least, at_most)"),
        ({"question": "safety.lives_alone", "is": "yes"}, "when: unknown operator 'is' (one of equals, in, contains, at_least, at_most)"),
        ({"question": "safety.lives_alone", "in": []}, "when.in: must be a non-empty list of option values"),
        ({"question": "safety.lives_alone", "in": "yes"}, "when.in: must be a non-empty list of option values"),
        (
            {"question": "safety.lives_alone", "equals": "maybe"},
            "when.equals: 'maybe' is not an option of 'safety.lives_alone' (one of yes, no)",
        ),
        (
            {"question": "safety.lives_alone", "contains": "yes"},
            "'safety.lives_alone' is a yes_no question; contains needs a multi_choice question",
        ),
        (
            {"question": "safety.home_risks", "contains": "floods"},
            "when.contains: 'floods' is not an option of 'safety.home_risks' (one of falls_hazards, fire, scams, self_neglect, medicines, none)",
        ),
        (
            {"question": "safety.home_risks", "in": ["fire"]},
            "when.in: 'safety.home_risks' is a multi_choice question; in needs a choice or yes_no",
        ),
        ({"question": "prevention.falls_count", "at_most": "2"}, "when.at_most: must be a number"),
        ({"question": "prevention.falls_count", "at_least": True}, "when.at_least: must be a number"),
        ({"question": "safety.lives_alone", "at_most": 2}, "'safety.lives_alone' is a yes_no question; at_most needs a number question"),
        ({"tool": 3, "band": "x"}, "when: unknown tool '3' (one of barthel, cfs, phq9, care_act)"),
        ({"tool": "barthel"}, "when: needs exactly one operator (one of score_at_least, score_at_most, band, flag)"),
        ({"tool": "barthel", "equals": 3}, "unknown operator 'equals' (one of score_at_least, score_at_most, band, flag)"),
        ({"tool": "barthel", "score_at_least": 21}, "when.score_at_least: must be a whole number from 0 to 20"),
        ({"tool": "barthel", "score_at_most": -1}, "when.score_at_most: must be a whole number from 0 to 20"),
        ({"tool": "barthel", "score_at_most": 1.5}, "must be a whole number from 0 to 20"),
        ({"tool": "barthel", "score_at_most": True}, "must be a whole number from 0 to 20"),
        ({"tool": "cfs", "score_at_least": 0}, "when.score_at_least: must be a whole number from 1 to 9"),
        ({"tool": "barthel", "flag": "self_harm"}, "when.flag: 'self_harm' is not a flag of Barthel Index"),
        (
            {"tool": "barthel", "band": "Frail"},
            "when.band: 'Frail' is not a band of Barthel Index (one of Total dependency, Severe dependency, Moderate dependency, "
            "Mild dependency, Independent)",
        ),
        ({"tool": "cfs", "band": "Frail"}, "when.band: 'Frail' is not a band of Clinical Frailty Scale (one of"),
    ],
)
def test_a_bad_condition_is_refused_in_these_words(tmp_path, when, message):
    with pytest.raises(RulesError) as refused:
        load_rules(write(tmp_path, {"version": "1", "rules": [rule(when=when)]}))
    assert str(refused.value).startswith("rules.json: rules[0] (rule_0).when") and message in str(refused.value)


@pytest.mark.parametrize(
    "when, expected",
    [
        ({"question": "safety.lives_alone", "in": ["yes", "no"]}, ("in", ("yes", "no"))),
        ({"question": "safety.lives_alone", "equals": "no"}, ("equals", "no")),
        ({"question": "safety.home_risks", "contains": "fire"}, ("contains", "fire")),
        ({"question": "prevention.falls_count", "at_least": 2}, ("at_least", 2)),
        ({"question": "prevention.falls_count", "at_most": 1.5}, ("at_most", 1.5)),
        ({"tool": "barthel", "score_at_least": 0}, ("score_at_least", 0)),
        ({"tool": "barthel", "score_at_most": 20}, ("score_at_most", 20)),
        ({"tool": "cfs", "band": "Living with severe frailty"}, ("band", "Living with severe frailty")),
        ({"tool": "phq9", "flag": "self_harm"}, ("flag", "self_harm")),
    ],
)
def test_each_good_condition_loads_with_its_section(tmp_path, when, expected):
    (loaded,) = load_rules(write(tmp_path, {"version": "1", "rules": [rule(when=when)]}))
    assert (loaded.when.operator, loaded.when.value) == expected
    section = "physical" if "tool" in when and when["tool"] != "phq9" else None
    if section:
        assert loaded.when.section_key == section
    else:
        assert loaded.when.section_key == when.get("question", "mental_health.x").split(".")[0]


def test_combined_conditions_load_as_their_kinds(tmp_path):
    a = {"question": "safety.lives_alone", "equals": "yes"}
    (loaded,) = load_rules(write(tmp_path, {"version": "1", "rules": [rule(when={"any": [{"all": [a]}, {"not": a}]})]}))
    assert isinstance(loaded.when, needs.AnyOf)
    first, second = loaded.when.conditions
    assert isinstance(first, needs.AllOf) and isinstance(second, needs.Not) and isinstance(second.condition, needs.QuestionCondition)


def test_tool_conditions_inside_all_any_and_not_read_the_results_given():
    barthel = {"tool": "barthel", "score_at_most": 14}
    results = {"barthel": scoring.ToolResult("barthel", "Barthel Index", 12, 20, "Moderate dependency", True)}
    assert needs.holds(condition({"all": [barthel]}), {}, results)[0]
    assert needs.holds(condition({"any": [barthel]}), {}, results)[0]
    assert not needs.holds(condition({"not": barthel}), {}, results)[0]
