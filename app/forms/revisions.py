"""Revisions: what changed between two snapshots of a record's answers, in readable words."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "changed"


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def changed_keys(before: dict, after: dict) -> list[str]:
    """Keys whose value differs; a blank and a missing answer are the same."""
    keys = list(after) + [k for k in before if k not in after]
    return [k for k in keys if not (_blank(before.get(k)) and _blank(after.get(k))) and before.get(k) != after.get(k)]


def diff(before: dict, after: dict, order: Iterable[str], label: Callable[[str], str], text: Callable[[str, Any], str]) -> list[Change]:
    """Changes from `before` to `after`, in the order the questions are asked."""
    changed = set(changed_keys(before, after))
    ordered = [k for k in order if k in changed] + sorted(k for k in changed if k not in set(order))
    return [Change(k, label(k), text(k, before.get(k)), text(k, after.get(k))) for k in ordered]
