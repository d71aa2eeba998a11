"""Questions as data: a versioned template of sections, questions and scored tools, read from data
files and checked entry by entry (app/forms/answers.py reads and checks the answers to them).

The questions live in app/data/assessment_template.json and the scored tools (Barthel Index,
Clinical Frailty Scale, PHQ-9, Care Act eligibility) in app/data/scored_tools.json, so changing a
question is a data change, not a code change. Both are loaded once and checked entry by entry;
a bad entry raises TemplateError naming the file and where in it the problem is.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from app.config import DATA

TEMPLATE_FILE = DATA / "assessment_template.json"
TOOLS_FILE = DATA / "scored_tools.json"

TYPES = ("text", "long_text", "choice", "multi_choice", "yes_no", "date", "number")
TOOL_KINDS = ("sum", "level", "eligibility")
DEFAULT_MAX_LENGTH = {"text": 200, "long_text": 2000}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class TemplateError(ValueError):
    """A template or scored-tools file is not as the loader expects; says which file and entry."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    score: Optional[int] = None
    hint: str = ""  # shown under the option (the Clinical Frailty Scale's level descriptions)
    exclusive: bool = False  # a multi_choice "None" option that cannot be ticked with the others


YES_NO: tuple[Option, ...] = (Option("yes", "Yes"), Option("no", "No"))


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    type: str
    hint: str = ""
    options: tuple[Option, ...] = ()
    unit: str = ""
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    max_length: Optional[int] = None
    whole: bool = True
    tool: Optional[str] = None  # tool key when the question is an item of a scored tool
    past_only: bool = False  # date questions: today or earlier
    future_only: bool = False  # date questions: today or later
    required: bool = False  # a blank answer is an error (the care plan's item forms)

    def option(self, value: Any) -> Optional[Option]:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    description: str
    questions: tuple[Question, ...]
    tools: tuple[str, ...] = ()

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)


@dataclass(frozen=True)
class Band:
    minimum: int
    maximum: int
    label: str


@dataclass(frozen=True)
class Flag:
    """Raised by one item's answer whatever the total (PHQ-9 item 9)."""

    key: str
    item: str
    score_at_least: int
    text: str


@dataclass(frozen=True)
class ScoredTool:
    key: str
    name: str
    kind: str  # "sum", "level" or "eligibility"
    source: str
    instructions: str
    items: tuple[Question, ...]
    bands: tuple[Band, ...] = ()
    flags: tuple[Flag, ...] = ()
    outcomes: tuple[str, ...] = ()  # eligibility: item keys of the outcomes
    conditions: tuple[str, ...] = ()  # eligibility: item keys that must all be "yes"
    outcomes_needed: int = 0
    eligible: str = ""
    not_eligible: str = ""

    @property
    def maximum(self) -> int:
        if self.kind == "eligibility":
            return len(self.outcomes)
        scores = [max(o.score or 0 for o in item.options) for item in self.items]
        return sum(scores) if self.kind == "sum" else max(scores)

    @property
    def minimum(self) -> int:
        if self.kind == "eligibility":
            return 0
        scores = [min(o.score or 0 for o in item.options) for item in self.items]
        return sum(scores) if self.kind == "sum" else min(scores)

    def band_for(self, total: int) -> str:
        return next(b.label for b in self.bands if b.minimum <= total <= b.maximum)

    @property
    def band_labels(self) -> tuple[str, ...]:
        """Every band a complete result can have."""
        if self.kind == "sum":
            return tuple(b.label for b in self.bands)
        if self.kind == "level":
            return tuple(o.label for o in self.items[0].options)
        return (self.eligible, self.not_eligible)


@dataclass(frozen=True)
class Template:
    version: str
    sections: tuple[Section, ...]
    tools: tuple[ScoredTool, ...] = ()

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def tool(self, key: str) -> ScoredTool:
        for tool in self.tools:
            if tool.key == key:
                return tool
        raise KeyError(key)

    def question(self, path: str) -> tuple[Section, Question]:
        """The section and question for a path "section_key.question_key"; KeyError if unknown."""
        section_key, _, question_key = path.partition(".")
        section = self.section(section_key)
        return section, section.question(question_key)

    def section_of_tool(self, tool_key: str) -> Section:
        for section in self.sections:
            if tool_key in section.tools:
                return section
        raise KeyError(tool_key)


@lru_cache(maxsize=1)
def template() -> Template:
    """The shipped template, loaded once and schema-checked."""
    return load_template(TEMPLATE_FILE, TOOLS_FILE)


def load_template(path: Path = TEMPLATE_FILE, tools_path: Path = TOOLS_FILE, *, keys_unique: bool = True) -> Template:
    """Read and check a template file and the scored-tools file its sections name. Question keys are
    unique across the whole template unless `keys_unique` is False (forms whose sections stand alone)."""
    tools = {tool.key: tool for tool in load_tools(tools_path)}
    check = Checker(Path(path).name)
    raw = check.read(path)
    check.keys(raw, "the file", required=("version", "sections"), optional=("about",))
    version = check.string(raw, "version", "the file")
    if len(version) > 20:
        raise check.error("version", "must be 20 characters or fewer")
    if not isinstance(raw["sections"], list) or not raw["sections"]:
        raise check.error("sections", "must be a non-empty list")
    sections: list[Section] = []
    seen_questions: dict[str, str] = {}
    used_tools: dict[str, str] = {}
    for i, entry in enumerate(raw["sections"]):
        where = f"sections[{i}]"
        check.keys(entry, where, required=("key", "title", "questions"), optional=("description", "tools"))
        key = check.key(entry, where)
        where = f"sections[{i}] ({key})"
        if any(s.key == key for s in sections):
            raise check.error(where, f"section key '{key}' is used twice")
        tool_keys = entry.get("tools", [])
        if not isinstance(tool_keys, list) or not all(isinstance(t, str) for t in tool_keys):
            raise check.error(f"{where}.tools", "must be a list of tool keys")
        if not isinstance(entry["questions"], list):
            raise check.error(f"{where}.questions", "must be a list")
        questions = [_question(check, q, f"{where}.questions[{j}]") for j, q in enumerate(entry["questions"])]
        for tool_key in tool_keys:
            if tool_key not in tools:
                raise check.error(f"{where}.tools", f"unknown tool '{tool_key}' (not in {Path(tools_path).name})")
            if tool_key in used_tools:
                raise check.error(f"{where}.tools", f"tool '{tool_key}' is already in section '{used_tools[tool_key]}'")
            used_tools[tool_key] = key
            questions.extend(tools[tool_key].items)
        if not keys_unique:
            seen_questions = {}
        for question in questions:
            if question.key in seen_questions:
                raise check.error(where, f"question key '{question.key}' is already used in section '{seen_questions[question.key]}'")
            seen_questions[question.key] = key
        sections.append(
            Section(
                key,
                check.string(entry, "title", where),
                check.string(entry, "description", where, required=False),
                tuple(questions),
                tuple(tool_keys),
            )
        )
    return Template(version, tuple(sections), tuple(tools[k] for k in used_tools))


def load_tools(path: Path = TOOLS_FILE) -> tuple[ScoredTool, ...]:
    """Read and check the scored tools: items, option scores, bands that cover every total once."""
    check = Checker(Path(path).name)
    raw = check.read(path)
    check.keys(raw, "the file", required=("version", "tools"), optional=("about",))
    if not isinstance(raw["tools"], list) or not raw["tools"]:
        raise check.error("tools", "must be a non-empty list")
    tools: list[ScoredTool] = []
    for i, entry in enumerate(raw["tools"]):
        tool = _tool(check, entry, f"tools[{i}]")
        if any(t.key == tool.key for t in tools):
            raise check.error(f"tools[{i}]", f"tool key '{tool.key}' is used twice")
        tools.append(tool)
    return tuple(tools)


def in_sentence(label: str) -> str:
    """Lower-case the first letter for use mid-sentence, unless the first word is an abbreviation (PHQ-9, GP)."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


# --- Checking the data files ----------------------------------------------------------


class Checker:
    """Checks a data file's entries, raising errors that name the file and the entry's path in it."""

    def __init__(self, file: str, error_class: type[TemplateError] = TemplateError):
        self.file = file
        self.error_class = error_class

    def error(self, where: str, problem: str) -> TemplateError:
        return self.error_class(f"{self.file}: {where}: {problem}")

    def read(self, path: Path) -> dict:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as problem:
            raise self.error_class(f"{self.file}: file not found") from problem
        except json.JSONDecodeError as problem:
            raise self.error_class(f"{self.file}: not valid JSON (line {problem.lineno}: {problem.msg})") from problem
        if not isinstance(raw, dict):
            raise self.error("the file", "must hold a JSON object")
        return raw

    def keys(self, entry: Any, where: str, *, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        if not isinstance(entry, dict):
            raise self.error(where, "must be an object")
        required = tuple(required)
        missing = [k for k in required if k not in entry]
        if missing:
            raise self.error(where, f"missing '{missing[0]}'")
        unknown = sorted(set(entry) - set(required) - set(optional))
        if unknown:
            raise self.error(where, f"unknown field '{unknown[0]}'")

    def string(self, entry: dict, name: str, where: str, *, required: bool = True) -> str:
        value = entry.get(name, None if required else "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error(f"{where}.{name}", "must be a non-empty string" if required else "must be a string")
        return value

    def key(self, entry: dict, where: str, name: str = "key") -> str:
        value = entry.get(name)
        if not isinstance(value, str) or not KEY.match(value):
            raise self.error(f"{where}.{name}", f"{value!r} is not a key (lower case letters, digits and _, starting with a letter)")
        return value

    def boolean(self, entry: dict, name: str, where: str, default: bool) -> bool:
        value = entry.get(name, default)
        if not isinstance(value, bool):
            raise self.error(f"{where}.{name}", "must be true or false")
        return value

    def number(self, entry: dict, name: str, where: str) -> Optional[float]:
        value = entry.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise self.error(f"{where}.{name}", "must be a number")
        return value

    def whole(self, entry: dict, name: str, where: str) -> int:
        value = entry.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{where}.{name}", "must be a whole number")
        return value


QUESTION_FIELDS = ("hint", "options", "unit", "minimum", "maximum", "max_length", "whole", "past_only", "future_only", "required")
# Fields that only make sense for some types; anything else on a question is a mistake.
ONLY_FOR = {
    "options": ("choice", "multi_choice"),
    "unit": ("number",),
    "minimum": ("number",),
    "maximum": ("number",),
    "whole": ("number",),
    "max_length": ("text", "long_text"),
    "past_only": ("date",),
    "future_only": ("date",),
    "required": ("text", "long_text", "choice", "yes_no", "date"),
}


def _question(check: Checker, entry: Any, where: str) -> Question:
    check.keys(entry, where, required=("key", "label", "type"), optional=QUESTION_FIELDS)
    key = check.key(entry, where)
    where = f"{where} ({key})"
    kind = entry["type"]
    if kind not in TYPES:
        raise check.error(f"{where}.type", f"unknown type {kind!r} (one of {', '.join(TYPES)})")
    for name, kinds in ONLY_FOR.items():
        if name in entry and kind not in kinds:
            raise check.error(f"{where}.{name}", f"only {' or '.join(kinds)} questions have {name}")
    options: tuple[Option, ...] = YES_NO if kind == "yes_no" else ()
    if kind in ("choice", "multi_choice"):
        options = _options(check, entry.get("options"), f"{where}.options", scored=False, exclusive=kind == "multi_choice")
    minimum, maximum = check.number(entry, "minimum", where), check.number(entry, "maximum", where)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise check.error(where, "minimum is more than maximum")
    max_length = entry.get("max_length")
    if max_length is not None and (check.whole(entry, "max_length", where) <= 0):
        raise check.error(f"{where}.max_length", "must be more than 0")
    unit = check.string(entry, "unit", where, required=False)
    return Question(
        key,
        check.string(entry, "label", where),
        kind,
        check.string(entry, "hint", where, required=False),
        options,
        unit,
        minimum,
        maximum,
        max_length,
        check.boolean(entry, "whole", where, True),
        past_only=check.boolean(entry, "past_only", where, False),
        future_only=check.boolean(entry, "future_only", where, False),
        required=check.boolean(entry, "required", where, False),
    )


def _options(check: Checker, raw: Any, where: str, *, scored: bool, exclusive: bool = False) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise check.error(where, "must be a non-empty list of options")
    optional = ("hint", "exclusive") if exclusive else ("hint",)
    options: list[Option] = []
    for i, entry in enumerate(raw):
        at = f"{where}[{i}]"
        check.keys(entry, at, required=("value", "label", "score") if scored else ("value", "label"), optional=optional)
        value = check.key(entry, at, "value")
        if any(o.value == value for o in options):
            raise check.error(at, f"option value '{value}' is used twice")
        score = check.whole(entry, "score", at) if scored else None
        options.append(
            Option(
                value,
                check.string(entry, "label", at),
                score,
                check.string(entry, "hint", at, required=False),
                check.boolean(entry, "exclusive", at, False),
            )
        )
    return tuple(options)


def _tool(check: Checker, entry: Any, where: str) -> ScoredTool:
    check.keys(
        entry,
        where,
        required=("key", "name", "kind", "source", "items"),
        optional=("instructions", "item_options", "bands", "flags", "outcomes_needed", "eligible", "not_eligible"),
    )
    key = check.key(entry, where)
    where = f"{where} ({key})"
    kind = entry["kind"]
    if kind not in TOOL_KINDS:
        raise check.error(f"{where}.kind", f"unknown kind {kind!r} (one of {', '.join(TOOL_KINDS)})")
    shared = _options(check, entry["item_options"], f"{where}.item_options", scored=True) if "item_options" in entry else None
    if not isinstance(entry["items"], list) or not entry["items"]:
        raise check.error(f"{where}.items", "must be a non-empty list")
    items: list[Question] = []
    roles: dict[str, list[str]] = {"outcome": [], "condition": []}
    for i, raw_item in enumerate(entry["items"]):
        at = f"{where}.items[{i}]"
        check.keys(raw_item, at, required=("key", "label"), optional=("hint", "options", "type", "role"))
        item_key = check.key(raw_item, at)
        at = f"{at} ({item_key})"
        if any(q.key == item_key for q in items):
            raise check.error(at, f"item key '{item_key}' is used twice")
        item_type = raw_item.get("type", "choice")
        role = raw_item.get("role")
        if kind == "eligibility":
            if role not in roles:
                raise check.error(f"{at}.role", "must be 'outcome' or 'condition'")
            if (role == "condition") != (item_type == "yes_no"):
                raise check.error(f"{at}.type", "conditions are yes_no questions and outcomes are choices")
            roles[role].append(item_key)
        elif role is not None or item_type != "choice":
            raise check.error(at, "only eligibility tools have roles or yes_no items")
        if item_type == "yes_no":
            if "options" in raw_item:
                raise check.error(f"{at}.options", "yes_no items have the options Yes and No")
            options = YES_NO
        elif "options" in raw_item:
            options = _options(check, raw_item["options"], f"{at}.options", scored=True)
        elif shared is not None:
            options = shared
        else:
            raise check.error(at, "missing 'options' (and the tool has no item_options)")
        items.append(
            Question(
                item_key,
                check.string(raw_item, "label", at),
                item_type,
                check.string(raw_item, "hint", at, required=False),
                options,
                tool=key,
            )
        )
    tool = ScoredTool(
        key,
        check.string(entry, "name", where),
        kind,
        check.string(entry, "source", where),
        check.string(entry, "instructions", where, required=False),
        tuple(items),
    )
    if kind != "eligibility":
        for name in ("outcomes_needed", "eligible", "not_eligible"):
            if name in entry:
                raise check.error(f"{where}.{name}", f"only eligibility tools have {name}")
    if kind == "sum":
        return _sum_tool(check, entry, where, tool)
    for name in ("bands", "flags"):
        if name in entry:
            raise check.error(f"{where}.{name}", f"only sum tools have {name}")
    if kind == "level":
        if len(items) != 1:
            raise check.error(f"{where}.items", "a level tool has exactly one item")
        scores = [o.score for o in items[0].options]
        if len(set(scores)) != len(scores):
            raise check.error(f"{where}.items[0]", "each level needs its own score")
        return tool
    if not roles["outcome"]:
        raise check.error(f"{where}.items", "an eligibility tool needs at least one outcome")
    for item in items:
        if item.key in roles["outcome"] and any(o.score not in (0, 1) for o in item.options):
            raise check.error(f"{where}.items ({item.key})", "outcome options score 1 (not achieved) or 0 (achieved)")
    needed = check.whole(entry, "outcomes_needed", where)
    if not 1 <= needed <= len(roles["outcome"]):
        raise check.error(f"{where}.outcomes_needed", f"must be between 1 and {len(roles['outcome'])}")
    return ScoredTool(
        tool.key,
        tool.name,
        kind,
        tool.source,
        tool.instructions,
        tool.items,
        outcomes=tuple(roles["outcome"]),
        conditions=tuple(roles["condition"]),
        outcomes_needed=needed,
        eligible=check.string(entry, "eligible", where),
        not_eligible=check.string(entry, "not_eligible", where),
    )


def _sum_tool(check: Checker, entry: dict, where: str, tool: ScoredTool) -> ScoredTool:
    raw_bands = entry.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        raise check.error(f"{where}.bands", "a sum tool needs a non-empty list of bands")
    bands: list[Band] = []
    for i, raw in enumerate(raw_bands):
        at = f"{where}.bands[{i}]"
        check.keys(raw, at, required=("min", "max", "label"))
        bands.append(Band(check.whole(raw, "min", at), check.whole(raw, "max", at), check.string(raw, "label", at)))
    # The bands must cover every possible total exactly once, in order.
    expected = tool.minimum
    for band in sorted(bands, key=lambda b: b.minimum):
        if band.minimum != expected or band.maximum < band.minimum:
            raise check.error(
                f"{where}.bands", f"bands must cover {tool.minimum} to {tool.maximum} without gaps or overlaps (problem at {band.label!r})"
            )
        expected = band.maximum + 1
    if expected != tool.maximum + 1:
        raise check.error(
            f"{where}.bands", f"bands must cover {tool.minimum} to {tool.maximum} without gaps or overlaps (they end at {expected - 1})"
        )
    flags: list[Flag] = []
    raw_flags = entry.get("flags", [])
    if not isinstance(raw_flags, list):
        raise check.error(f"{where}.flags", "must be a list")
    for i, raw in enumerate(raw_flags):
        at = f"{where}.flags[{i}]"
        check.keys(raw, at, required=("key", "item", "score_at_least", "text"))
        item = raw["item"]
        if not any(q.key == item for q in tool.items):
            raise check.error(f"{at}.item", f"unknown item '{item}'")
        flags.append(Flag(check.key(raw, at), item, check.whole(raw, "score_at_least", at), check.string(raw, "text", at)))
    return ScoredTool(
        tool.key,
        tool.name,
        tool.kind,
        tool.source,
        tool.instructions,
        tool.items,
        tuple(sorted(bands, key=lambda b: b.minimum)),
        tuple(flags),
    )
