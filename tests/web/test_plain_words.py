"""Pages speak in words: no raw stored value of a fixed vocabulary (`district_nurse`, `not_appropriate`),
no ISO date (2026-10-28) and no escaped `<br>` in the visible text of the main pages of a world like
the demo's, for each role that uses them."""

import enum
import re
from html.parser import HTMLParser

import pytest

import models
from models.enums import Labelled
from tests.factories import ListedWorld

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _raw_values() -> set[str]:
    """Every stored value of OnePlan's vocabularies that a reader could tell from a word: snake_case."""
    values = set()
    for name in dir(models):
        kind = getattr(models, name)
        if isinstance(kind, type) and issubclass(kind, enum.Enum) and issubclass(kind, Labelled) and kind is not Labelled:
            values.update(member.value for member in kind if "_" in member.value)
    return values


class _Text(HTMLParser):
    """The text a reader sees: not scripts, styles or attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _pages(world) -> dict[str, list[str]]:
    person = f"/people/{world.person.id}"
    return {
        "nurse": [
            "/",
            "/worklist",
            "/inbox",
            "/people?q=lovelace",
            person,
            f"{person}/assessment",
            f"{person}/care-plan",
            f"{person}/care-plan/print",
            f"{person}/care-plan/history",
            f"{person}/assessment/history",
            f"{person}/access-log",
        ],
        "coordinator": ["/", "/referrals", f"/referrals/{world.referral.id}", "/people?q=lovelace"],
        "lead": ["/", f"/networks/{world.network.id}", "/break-glass-reviews", "/people?q=lovelace", f"{person}/care-plan"],
    }


def test_the_vocabulary_has_snake_case_values_to_look_for():
    assert {"district_nurse", "network_lead"} <= _raw_values()


def test_visible_text_keeps_what_is_read_and_leaves_out_scripts_and_attributes():
    text = visible_text('<p data-x="old_value">Seen on 2026-10-28 by district_nurse</p><script>var a_b = "2020-01-01";</script>')
    assert "2026-10-28" in text and "district_nurse" in text
    assert "old_value" not in text and "2020-01-01" not in text


@pytest.mark.parametrize("role", ["nurse", "coordinator", "lead"])
def test_main_pages_show_no_raw_values_iso_dates_or_escaped_markup(client, auth, db, role):
    world = ListedWorld(db)
    raw = _raw_values()
    auth.sign_in(role)
    problems = []
    for url in _pages(world)[role]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        text = visible_text(html)
        words = set(re.findall(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", text))
        problems += [f"{url}: raw value {word!r}" for word in sorted(words & raw)]
        problems += [f"{url}: ISO date {found!r}" for found in ISO_DATE.findall(text)]
        if "&lt;br" in html:
            problems.append(f"{url}: an escaped <br>")
    assert problems == []
