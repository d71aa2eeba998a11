"""Scores for the standard tools inside the single assessment, computed on the server.

Every score comes from the item answers and the option scores in app/data/scored_tools.json;
a total, band or level sent by the browser is never read. A tool with an unanswered item is
incomplete and has no total or band, so a partial total is never mistaken for a real one.
"""

from dataclasses import dataclass
from typing import Any, Optional

from app.checks import capitalised
from app.forms import questions
from app.forms.questions import Option, Question, ScoredTool, Section, Template, in_sentence


@dataclass(frozen=True)
class ToolResult:
    key: str
    name: str
    score: Optional[int]
    maximum: Optional[int]
    band: str
    complete: bool
    detail: str = ""
    flags: tuple[str, ...] = ()


def score_section(section: Section, answers: dict, *, template: Optional[Template] = None) -> list[ToolResult]:
    """One result for each tool in the section, in the section's order, from that section's answers."""
    template = template or questions.template()
    return [score_tool(template.tool(key), answers or {}) for key in section.tools]


def score_all(answers_by_section: dict[str, dict], *, template: Optional[Template] = None) -> dict[str, ToolResult]:
    """Every tool in the template, by tool key; a section not yet written scores as unanswered."""
    template = template or questions.template()
    results: dict[str, ToolResult] = {}
    for section in template.sections:
        for result in score_section(section, answers_by_section.get(section.key) or {}, template=template):
            results[result.key] = result
    return results


def score_tool(tool: ScoredTool, answers: dict) -> ToolResult:
    """Score one tool from its items' answers; any item unanswered makes it "Incomplete (n of m items)",
    though item flags (PHQ-9 item 9) are raised as soon as their item is answered."""
    chosen = {item.key: option for item in tool.items if (option := _chosen(item, answers.get(item.key))) is not None}
    flags = tuple(flag.text for flag in tool.flags if flag.item in chosen and (chosen[flag.item].score or 0) >= flag.score_at_least)
    missing = [item for item in tool.items if item.key not in chosen]
    if missing:
        answered = len(tool.items) - len(missing)
        return ToolResult(
            tool.key,
            tool.name,
            None,
            tool.maximum,
            f"Incomplete ({answered} of {len(tool.items)} items)",
            False,
            detail=_still_to_answer(missing) if answered else "",
            flags=flags,
        )
    if tool.kind == "sum":
        return _sum(tool, chosen, flags)
    if tool.kind == "level":
        return _level(tool, chosen)
    return _eligibility(tool, chosen)


def _still_to_answer(missing: list[Question]) -> str:
    if len(missing) > 3:
        return f"{len(missing)} items not answered yet."
    return "Not answered yet: " + "; ".join(in_sentence(item.label) for item in missing) + "."


def _chosen(item: Question, value: Any) -> Optional[Option]:
    """The option an answer picked; a value that is not one of the item's options counts as unanswered."""
    if not isinstance(value, str):
        return None
    return item.option(value)


def _sum(tool: ScoredTool, chosen: dict[str, Option], flags: tuple[str, ...]) -> ToolResult:
    """Barthel Index (0-20) and PHQ-9 (0-27): the total of the item scores, read against the tool's bands
    (Barthel: 20 independent, 15-19 mild, 10-14 moderate, 5-9 severe, 0-4 total dependency;
    PHQ-9: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe)."""
    total = sum(option.score or 0 for option in chosen.values())
    return ToolResult(tool.key, tool.name, total, tool.maximum, tool.band_for(total), True, flags=flags)


def _level(tool: ScoredTool, chosen: dict[str, Option]) -> ToolResult:
    """Clinical Frailty Scale: the chosen level (1-9) is the score, its name the band, its description the detail."""
    option = chosen[tool.items[0].key]
    return ToolResult(tool.key, tool.name, option.score, tool.maximum, option.label, True, detail=option.hint)


def _eligibility(tool: ScoredTool, chosen: dict[str, Option]) -> ToolResult:
    """Care Act 2014 eligibility (Eligibility Criteria Regulations 2015, reg. 2(1)): eligible when the needs arise
    from a physical or mental impairment or illness, the adult is unable to achieve two or more of the ten
    outcomes, and as a consequence there is, or is likely to be, a significant impact on wellbeing."""
    items = {item.key: item for item in tool.items}
    not_achieved = [items[key] for key in tool.outcomes if (chosen[key].score or 0) >= 1]
    unmet_conditions = [items[key] for key in tool.conditions if chosen[key].value != "yes"]
    reasons = []
    if len(not_achieved) < tool.outcomes_needed:
        reasons.append(f"fewer than {tool.outcomes_needed} outcomes are not achieved")
    reasons += [f"‘{capitalised(item.label)}’ is answered no" for item in unmet_conditions]
    if not_achieved:
        detail = (
            f"Unable to achieve {len(not_achieved)} of {len(tool.outcomes)} outcomes: "
            + "; ".join(in_sentence(item.label) for item in not_achieved)
            + "."
        )
    else:
        detail = f"Able to achieve all {len(tool.outcomes)} outcomes."
    if reasons:
        detail += " Not eligible because " + "; ".join(reasons) + "."
    else:
        detail += " " + " ".join(capitalised(items[key].label) + "." for key in tool.conditions)
    band = tool.not_eligible if reasons else tool.eligible
    return ToolResult(tool.key, tool.name, len(not_achieved), tool.maximum, band, True, detail=detail.strip())


def result_text(result: ToolResult, *, template: Optional[Template] = None) -> str:
    """A result in one line, as a need's provenance shows it: "Barthel Index 12 of 20 (Moderate dependency)",
    "Clinical Frailty Scale level 6 (Living with moderate frailty)",
    "Care Act 2014 eligibility: Eligible (unable to achieve 3 of 10 outcomes)"."""
    if not result.complete or result.score is None:
        return f"{result.name}: {result.band}"
    template = template or questions.template()
    try:
        kind = template.tool(result.key).kind
    except KeyError:
        kind = "sum"
    if kind == "level":
        return f"{result.name} level {result.score} ({result.band})"
    if kind == "eligibility":
        return f"{result.name}: {result.band} (unable to achieve {result.score} of {result.maximum} outcomes)"
    return f"{result.name} {result.score} of {result.maximum} ({result.band})"
