"""demo-data's long phases after the people (referrals, assessments, care plans) each report their
progress as they go, chunk by chunk, ending at their total: `Reporter` turns that into click's bar
on a terminal and a line every few seconds in a log (tests/ops/test_progress.py)."""

from datetime import UTC, datetime

from app.demo import assessments, care_plans, district, referrals

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _rising_to_the_total(heard: list[tuple[int, int]]) -> None:
    done = [d for d, _ in heard]
    totals = {t for _, t in heard}
    assert len(totals) == 1, heard  # the total is known from the start
    assert done == sorted(done) and done[-1] == totals.pop(), heard
    assert len(heard) > 2, heard  # reported as the work went, not only at the end


def test_referrals_assessments_and_plans_report_each_chunk_and_end_at_their_total(db, monkeypatch):
    monkeypatch.setattr(referrals, "CHUNK", 10)
    monkeypatch.setattr(assessments, "CHUNK", 5)
    monkeypatch.setattr(care_plans, "CHUNK", 5)
    district.build(db, 300, 5, "not-a-real-hash", NOW.date())
    heard: dict[str, list[tuple[int, int]]] = {"referrals": [], "assessments": [], "plans": []}
    said: list[str] = []

    referrals.add_referrals(db, 37, 5, NOW, echo=said.append, progress=lambda d, t: heard["referrals"].append((d, t)))
    made = assessments.add_assessments(db, 5, NOW, echo=said.append, progress=lambda d, t: heard["assessments"].append((d, t)))
    plans = care_plans.add_care_plans(db, 5, NOW, echo=said.append, progress=lambda d, t: heard["plans"].append((d, t)))

    assert heard["referrals"] == [(10, 37), (20, 37), (30, 37), (37, 37)]
    _rising_to_the_total(heard["assessments"])
    _rising_to_the_total(heard["plans"])
    assert made > 0 and plans > 0
    # With a progress to hear it, no line per chunk besides: only each phase's closing line.
    assert said == [
        "referrals: 37 over the last 90 days",
        f"assessments: {made:,} for {heard['assessments'][-1][1]:,} people on a caseload",
        f"care plans: {plans:,}",
    ]


def test_without_a_progress_each_chunk_is_a_line(db, monkeypatch):
    monkeypatch.setattr(referrals, "CHUNK", 10)
    district.build(db, 300, 5, "not-a-real-hash", NOW.date())
    said: list[str] = []
    referrals.add_referrals(db, 25, 5, NOW, echo=said.append)
    assert said == ["referrals: 10 / 25", "referrals: 20 / 25", "referrals: 25 over the last 90 days"]
