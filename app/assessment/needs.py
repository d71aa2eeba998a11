"""Needs the assessment's findings suggest for the care plan ("finding -> need" rules).

The rules are data (app/data/need_rules.json), loaded once and checked against the assessment
template, so a clinician-facing change is not a code change. Each suggestion carries the reason,
and the question or tool and the answer it came from, so the care plan can show its provenance.

A rule's condition is one of (the whole, documented set; anything else is refused at load):
  {"question": "section.key", "equals": v}     a choice or yes_no answer is v
  {"question": "section.key", "in": [v, ...]}  a choice or yes_no answer is one of these
  {"question": "section.key", "contains": v}   a multi_choice answer includes v
  {"question": "section.key", "at_least": n}   a number answer is n or more (at_most: n or less)
  {"tool": "key", "score_at_least": n}         a complete tool result scores n or more (score_at_most)
  {"tool": "key", "band": "label"}             a complete tool result is in that band
  {"tool": "key", "flag": "flag_key"}          the tool raised that flag (PHQ-9 item 9)
  {"all": [c, ...]}, {"any": [c, ...]}, {"not": c}
An unanswered question or an incomplete tool meets no question or tool condition.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

from app.assessment import scoring
from app.assessment.scoring import ToolResult
from app.config import DATA
from app.forms import questions
from app.forms.answers import answer_text
from app.forms.questions import Checker, Question, ScoredTool, Template, TemplateError

RULES_FILE = DATA / "need_rules.json"
QUESTION_OPERATORS = ("equals", "in", "contains", "at_least", "at_most")
TOOL_OPERATORS = ("score_at_least", "score_at_most", "band", "flag")
COMBINERS = ("all", "any", "not")


class RulesError(TemplateError):
    """The rules file is not as the loader expects; says which rule and where in it."""


@dataclass(frozen=True)
class NeedSuggestion:
    rule_key: str
    need: str
    reason: str
    section_key: str
    source: str  # the question key or tool key it came from
    answer: str  # the answer or tool result it came from, e.g. "Barthel Index 12 of 20 (Moderate dependency)"


@dataclass(frozen=True)
class QuestionCondition:
    section_key: str
    question: Question
    operator: str
    value: Any


@dataclass(frozen=True)
class ToolCondition:
    section_key: str
    tool: ScoredTool
    operator: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    conditions: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    condition: "Condition"


Condition = Union[QuestionCondition, ToolCondition, AllOf, AnyOf, Not]


@dataclass(frozen=True)
class Rule:
    key: str
    need: str
    reason: str
    when: Condition


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The shipped rules, loaded once and checked against the shipped template."""
    return load_rules(RULES_FILE)


def load_rules(path: Path = RULES_FILE, template: Optional[Template] = None) -> tuple[Rule, ...]:
    """Read and check a rules file: every operator known, every question path, tool, option value,
    band and flag one the template really has."""
    template = template or questions.template()
    check = Checker(Path(path).name, RulesError)
    raw = check.read(path)
    check.keys(raw, "the file", required=("version", "rules"), optional=("about",))
    if not isinstance(raw["rules"], list):
        raise check.error("rules", "must be a list")
    loaded: list[Rule] = []
    for i, entry in enumerate(raw["rules"]):
        where = f"rules[{i}]"
        check.keys(entry, where, required=("key", "need", "reason", "when"))
        key = check.key(entry, where)
        where = f"rules[{i}] ({key})"
        if any(r.key == key for r in loaded):
            raise check.error(where, f"rule key '{key}' is used twice")
        need, reason = check.string(entry, "need", where), check.string(entry, "reason", where)
        if len(need) > 200 or len(reason) > 500:
            raise check.error(where, "need must be 200 characters or fewer and reason 500 or fewer")
        loaded.append(Rule(key, need, reason, _condition(check, template, entry["when"], f"{where}.when")))
    return tuple(loaded)


def suggest(
    answers_by_section: dict[str, dict], results: dict[str, ToolResult], *, rule_set: Optional[tuple[Rule, ...]] = None
) -> list[NeedSuggestion]:
    """The needs whose rules hold, in rule order and each at most once, with the reason and the
    finding(s) that made the rule hold (the first names the section and source)."""
    suggestions = []
    for rule in rules() if rule_set is None else rule_set:
        met, evidence = holds(rule.when, answers_by_section, results)
        if not met:
            continue
        first = evidence[0]
        answers = list(dict.fromkeys(e.answer for e in evidence))
        suggestions.append(NeedSuggestion(rule.key, rule.need, rule.reason, first.section_key, first.source, "; ".join(answers)))
    return suggestions


@dataclass(frozen=True)
class Evidence:
    section_key: str
    source: str
    answer: str


def holds(condition: Condition, answers_by_section: dict[str, dict], results: dict[str, ToolResult]) -> tuple[bool, list[Evidence]]:
    """Whether a condition holds, and the findings it looked at (for "any", those that held)."""
    if isinstance(condition, AllOf):
        outcomes = [holds(c, answers_by_section, results) for c in condition.conditions]
        return all(met for met, _ in outcomes), [e for _, found in outcomes for e in found]
    if isinstance(condition, AnyOf):
        outcomes = [holds(c, answers_by_section, results) for c in condition.conditions]
        met = [found for ok, found in outcomes if ok]
        return bool(met), [e for found in (met or [f for _, f in outcomes]) for e in found]
    if isinstance(condition, Not):
        held, found = holds(condition.condition, answers_by_section, results)
        return not held, found
    if isinstance(condition, QuestionCondition):
        return _question_holds(condition, answers_by_section)
    return _tool_holds(condition, answers_by_section, results)


def _question_holds(condition: QuestionCondition, answers_by_section: dict[str, dict]) -> tuple[bool, list[Evidence]]:
    question = condition.question
    value = (answers_by_section.get(condition.section_key) or {}).get(question.key)
    text = answer_text(question, value) or "not answered"
    evidence = [Evidence(condition.section_key, question.key, f"{question.label}: {text}")]
    operator, wanted = condition.operator, condition.value
    if operator == "equals":
        return value == wanted, evidence
    if operator == "in":
        return value in wanted, evidence
    if operator == "contains":
        return isinstance(value, list) and wanted in value, evidence
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False, evidence
    return (value >= wanted if operator == "at_least" else value <= wanted), evidence


def _tool_holds(
    condition: ToolCondition, answers_by_section: dict[str, dict], results: dict[str, ToolResult]
) -> tuple[bool, list[Evidence]]:
    tool, operator, wanted = condition.tool, condition.operator, condition.value
    result = results.get(tool.key)
    if operator == "flag":
        flag = next(f for f in tool.flags if f.key == wanted)
        item = next(q for q in tool.items if q.key == flag.item)
        value = (answers_by_section.get(condition.section_key) or {}).get(item.key)
        text = f"{item.label}: {answer_text(item, value) or 'not answered'} ({tool.name})"
        return result is not None and flag.text in result.flags, [Evidence(condition.section_key, tool.key, text)]
    text = scoring.result_text(result) if result is not None else f"{tool.name}: not scored"
    evidence = [Evidence(condition.section_key, tool.key, text)]
    if result is None or not result.complete or result.score is None:
        return False, evidence
    if operator == "band":
        return result.band == wanted, evidence
    if operator == "score_at_least":
        return result.score >= wanted, evidence
    return result.score <= wanted, evidence


# --- Checking conditions ------------------------------------------------------------------


def _condition(check: Checker, template: Template, raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise check.error(where, "must be a condition object")
    if "question" in raw:
        return _question_condition(check, template, raw, where)
    if "tool" in raw:
        return _tool_condition(check, template, raw, where)
    if len(raw) != 1:
        raise check.error(where, f"a condition needs 'question', 'tool' or one of {', '.join(COMBINERS)}")
    ((operator, value),) = raw.items()
    if operator == "not":
        return Not(_condition(check, template, value, f"{where}.not"))
    if operator in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise check.error(f"{where}.{operator}", "must be a non-empty list of conditions")
        parts = tuple(_condition(check, template, c, f"{where}.{operator}[{i}]") for i, c in enumerate(value))
        return AllOf(parts) if operator == "all" else AnyOf(parts)
    raise check.error(where, f"unknown operator '{operator}'")


def _operator(check: Checker, raw: dict, subject: str, known: tuple[str, ...], where: str) -> tuple[str, Any]:
    others = [k for k in raw if k != subject]
    unknown = [k for k in others if k not in known]
    if unknown:
        raise check.error(where, f"unknown operator '{unknown[0]}' (one of {', '.join(known)})")
    if len(others) != 1:
        raise check.error(where, f"needs exactly one operator (one of {', '.join(known)})")
    return others[0], raw[others[0]]


def _question_condition(check: Checker, template: Template, raw: dict, where: str) -> QuestionCondition:
    path = raw["question"]
    try:
        section, question = template.question(path) if isinstance(path, str) else (None, None)
    except KeyError:
        section, question = None, None
    if section is None or question is None:
        raise check.error(where, f"unknown question '{path}' (write it as section_key.question_key)")
    operator, value = _operator(check, raw, "question", QUESTION_OPERATORS, where)
    at = f"{where}.{operator}"
    values = [o.value for o in question.options]
    if operator in ("equals", "in"):
        if question.type not in ("choice", "yes_no"):
            raise check.error(at, f"'{path}' is a {question.type} question; {operator} needs a choice or yes_no question")
        wanted = value if operator == "in" else [value]
        if operator == "in" and (not isinstance(value, list) or not value):
            raise check.error(at, "must be a non-empty list of option values")
        bad = [v for v in wanted if v not in values]
        if bad:
            raise check.error(at, f"{bad[0]!r} is not an option of '{path}' (one of {', '.join(values)})")
        if operator == "in":
            value = tuple(value)
    elif operator == "contains":
        if question.type != "multi_choice":
            raise check.error(at, f"'{path}' is a {question.type} question; contains needs a multi_choice question")
        if value not in values:
            raise check.error(at, f"{value!r} is not an option of '{path}' (one of {', '.join(values)})")
    else:
        if question.type != "number":
            raise check.error(at, f"'{path}' is a {question.type} question; {operator} needs a number question")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise check.error(at, "must be a number")
    return QuestionCondition(section.key, question, operator, value)


def _tool_condition(check: Checker, template: Template, raw: dict, where: str) -> ToolCondition:
    key = raw["tool"]
    try:
        tool = template.tool(key) if isinstance(key, str) else None
        section = template.section_of_tool(key) if tool else None
    except KeyError:
        tool = section = None
    if tool is None or section is None:
        raise check.error(where, f"unknown tool '{key}' (one of {', '.join(t.key for t in template.tools)})")
    operator, value = _operator(check, raw, "tool", TOOL_OPERATORS, where)
    at = f"{where}.{operator}"
    if operator == "band" and value not in tool.band_labels:
        raise check.error(at, f"{value!r} is not a band of {tool.name} (one of {', '.join(tool.band_labels)})")
    if operator == "flag" and not any(f.key == value for f in tool.flags):
        raise check.error(at, f"{value!r} is not a flag of {tool.name}")
    in_range = isinstance(value, int) and not isinstance(value, bool) and tool.minimum <= value <= tool.maximum
    if operator in ("score_at_least", "score_at_most") and not in_range:
        raise check.error(at, f"must be a whole number from {tool.minimum} to {tool.maximum}")
    return ToolCondition(section.key, tool, operator, value)


def changed_since_adopted(answers_by_section: dict[str, dict], adopted: list[tuple[int, str, str]]) -> set[int]:
    """Of needs taken from the assessment, (suggestion id, rule key, the finding's words as adopted), those whose
    finding has changed since: the rule no longer holds, or holds on a different answer ("level 8" now "level 6")."""
    from app.assessment import scoring  # scoring imports nothing from here; kept local so the rules load alone

    now = {s.rule_key: s.answer for s in suggest(answers_by_section, scoring.score_all(answers_by_section))}
    return {suggestion_id for suggestion_id, rule_key, answer in adopted if now.get(rule_key) != answer}
