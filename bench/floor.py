"""The floor: what each page costs at the least, measured in the same run.

For every scenario, the same rows fetched with hand-written SQL through the same database
driver, rendered by a bare Jinja template with no ORM, no access rules and no audit. It is
measured twice: over HTTP, served by a bare Flask app under gunicorn like the app
(`bench/floor_app.py`), and in the bench's own process with no Flask and no HTTP (`make`).
The app's figure divided by the floor's says what OnePlan adds on top of the work the
database and templating must do anyway."""

import json
import re
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from jinja2 import Environment

_env = Environment(autoescape=True)
TABLE = _env.from_string(
    "<html><body><table>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>"
    "{% endfor %}</table></body></html>"
)

PERSON_COLUMNS = "id, given_name, family_name, date_of_birth, nhs_number, postcode"
# A page of people as the app's search gives it (app/front_door/search.py: RESULT_LIMIT 50, and one
# more to know there are more): those whose names are exactly the typed name first, then by name,
# date of birth and id.
LIMIT = 51
ORDER = f"ORDER BY family_name_key, given_name_key, date_of_birth, id LIMIT {LIMIT}"
# A name prefix as the range the app's search uses, so both can use the name indexes; :low is the typed name.
NAME = "(family_name_key >= :low AND family_name_key < :high) OR (given_name_key >= :low AND given_name_key < :high)"
EXACT_FIRST = "CASE WHEN family_name_key = :low OR given_name_key = :low THEN 0 ELSE 1 END"
BY_NAME = f"SELECT {PERSON_COLUMNS} FROM person WHERE {NAME} ORDER BY {EXACT_FIRST}, {ORDER.removeprefix('ORDER BY ')}"
# PostgreSQL, names alone, as the app finds them there (search._people_of_pairs): the pairs of name
# keys held (person_name_pair, migration 0012) that match, exactly-typed first, a page of them at
# most; then each pair's people from ix_person_names_born (given, family, date of birth, id), in
# order. The same people as BY_NAME, without reading every person whose name starts so.
BY_NAME_PAIRS = (
    f"WITH pairs AS (SELECT given_name_key, family_name_key, {EXACT_FIRST} AS exact FROM person_name_pair "
    f"WHERE people > 0 AND ({NAME}) ORDER BY exact, family_name_key, given_name_key LIMIT {LIMIT}) "
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.nhs_number, p.postcode FROM pairs CROSS JOIN LATERAL "
    f"(SELECT {PERSON_COLUMNS} FROM person WHERE given_name_key = pairs.given_name_key AND family_name_key = pairs.family_name_key "
    f"ORDER BY date_of_birth, id LIMIT {LIMIT}) AS p "
    f"ORDER BY pairs.exact, pairs.family_name_key, pairs.given_name_key, p.date_of_birth, p.id LIMIT {LIMIT}"
)

# The whole plan: its parts, needs, goals, actions with their owners, and contacts, with who wrote each.
PLAN = [
    "SELECT p.id, p.given_name, p.family_name, p.nhs_number, c.id, c.version, c.review_due_on, c.agreed_on "
    "FROM person p JOIN care_plan c ON c.person_id = p.id WHERE p.id = :person_id",
    "SELECT x.part_key, x.answers, x.updated_at, u.full_name, g.name FROM care_plan c JOIN care_plan_part x ON x.care_plan_id = c.id "
    "LEFT JOIN user_account u ON u.id = x.updated_by_id LEFT JOIN agency g ON g.id = x.updated_agency_id WHERE c.person_id = :person_id",
    "SELECT n.id, n.need, n.status, s.answer, u.full_name FROM care_plan c JOIN care_plan_need n ON n.care_plan_id = c.id "
    "LEFT JOIN suggested_need s ON s.id = n.suggested_need_id LEFT JOIN user_account u ON u.id = n.updated_by_id WHERE c.person_id = :person_id",
    "SELECT o.id, o.goal, o.status, o.target_on FROM care_plan c JOIN care_plan_goal o ON o.care_plan_id = c.id WHERE c.person_id = :person_id",
    "SELECT a.id, a.description, a.status, a.due_on, g.name, u.full_name FROM care_plan_action a JOIN agency g ON g.id = a.owner_agency_id "
    "LEFT JOIN user_account u ON u.id = a.updated_by_id WHERE a.person_id = :person_id",
    "SELECT k.name, k.phone, k.out_of_hours FROM care_plan c JOIN care_plan_contact k ON k.care_plan_id = c.id WHERE c.person_id = :person_id",
]

# A worklist's actions: the agency's, still to do, for people whose record it may still open.
OPEN_FOR_AGENCY = (
    "a.owner_agency_id = :agency_id AND a.status IN ('requested', 'accepted', 'in_progress') AND EXISTS (SELECT 1 FROM care_team_member m "
    "WHERE m.person_id = a.person_id AND m.agency_id = :agency_id AND m.left_at IS NULL) AND NOT EXISTS (SELECT 1 FROM consent_objection o "
    "WHERE o.person_id = a.person_id AND o.agency_id = :agency_id AND o.withdrawn_at IS NULL)"
)

QUERIES = {
    "search_nhs_number": [f"SELECT {PERSON_COLUMNS} FROM person WHERE nhs_number = :nhs {ORDER}"],
    "search_name": [BY_NAME],
    "search_name_htmx": [BY_NAME],
    # A typo's floor: the people it means, found by their name typed right.
    "search_name_typo": [BY_NAME],
    "search_name_typo_outward": [BY_NAME],
    "search_postcode": [f"SELECT {PERSON_COLUMNS} FROM person WHERE postcode_key = :postcode {ORDER}"],
    # With a date of birth the app reads the people directly on both databases.
    "search_name_and_dob": [
        f"SELECT {PERSON_COLUMNS} FROM person WHERE date_of_birth = :dob AND ({NAME}) ORDER BY {EXACT_FIRST}, {ORDER.removeprefix('ORDER BY ')}"
    ],
    "person_summary": [
        "SELECT p.*, a.name, n.name FROM person p LEFT JOIN agency a ON a.id = p.gp_practice_id "
        "LEFT JOIN network n ON n.id = a.network_id WHERE p.id = :person_id",
        "SELECT m.role, m.is_key_worker, a.name, u.full_name FROM care_team_member m JOIN agency a ON a.id = m.agency_id "
        "LEFT JOIN user_account u ON u.id = m.user_id WHERE m.person_id = :person_id AND m.left_at IS NULL",
    ],
    "assessment": [
        "SELECT p.id, p.given_name, p.family_name, p.nhs_number FROM person p WHERE p.id = :person_id",
        "SELECT s.section_key, s.answers, s.updated_at, u.full_name, a.name FROM assessment x "
        "JOIN assessment_section s ON s.assessment_id = x.id LEFT JOIN user_account u ON u.id = s.updated_by_id "
        "LEFT JOIN agency a ON a.id = s.updated_agency_id WHERE x.person_id = :person_id",
        "SELECT need, reason, answer FROM suggested_need WHERE person_id = :person_id AND status = 'suggested'",
    ],
    "referral_queue": [
        "SELECT r.id, r.urgency, r.status, r.due_by, r.source, p.given_name, p.family_name, p.nhs_number "
        "FROM referral r JOIN person p ON p.id = r.person_id WHERE r.status IN ('received', 'triaged') "
        "ORDER BY r.due_by LIMIT 50",
    ],
    "intake_matching": [
        f"SELECT {PERSON_COLUMNS} FROM person WHERE nhs_number = :nhs {ORDER}",
        f"SELECT {PERSON_COLUMNS} FROM person WHERE date_of_birth = :dob OR (family_name_key = :family AND postcode_key = :postcode) LIMIT 200",
    ],
    "front_door_figures": [
        "SELECT received_at, source FROM referral WHERE received_at >= :since",
        "SELECT urgency, count(*), sum(CASE WHEN triaged_at IS NOT NULL AND triaged_at <= due_by THEN 1 ELSE 0 END) "
        "FROM referral WHERE due_by >= :since GROUP BY urgency",
        "SELECT network_id, count(*) FROM referral WHERE status <> 'closed' GROUP BY network_id",
    ],
    "care_plan": PLAN,
    "care_plan_30_needs_100_actions": PLAN,
    "worklist_busy_agency": [
        f"SELECT count(*) FROM (SELECT a.id FROM care_plan_action a WHERE {OPEN_FOR_AGENCY} AND a.due_on IS NOT NULL LIMIT 1001) AS open_actions",
        "SELECT a.id, a.description, a.status, a.due_on, a.frequency, p.given_name, p.family_name, p.nhs_number, n.need "
        "FROM care_plan_action a JOIN person p ON p.id = a.person_id LEFT JOIN care_plan_need n ON n.id = a.need_id "
        f"WHERE {OPEN_FOR_AGENCY} AND a.due_on IS NOT NULL ORDER BY a.due_on, a.id LIMIT 50",
    ],
    # My work for the busiest agency's practitioner: what waits for the agency, and how many people it holds.
    "my_work_busy_agency": [
        # Counted as the app counts them: up to My work's most (100) and one more, and the caseload kept
        # as care teams change (migration 0021_caseload_count).
        f"SELECT count(*) FROM (SELECT a.id FROM care_plan_action a WHERE {OPEN_FOR_AGENCY} AND a.status = 'requested' LIMIT 101) AS asked",
        f"SELECT count(*) FROM (SELECT a.id FROM care_plan_action a WHERE {OPEN_FOR_AGENCY} AND a.due_on < :today LIMIT 101) AS overdue",
        "SELECT people FROM agency_caseload WHERE agency_id = :agency_id",
    ],
    # The network at work: who is waiting to come home (and who got home lately), with what holds them.
    "discharge_board": [
        "SELECT r.id, r.ward, r.medically_optimised_on, p.given_name, p.family_name, w.delay_reason, w.home_on FROM referral r "
        "JOIN person p ON p.id = r.person_id LEFT JOIN agency a ON a.id = p.gp_practice_id LEFT JOIN discharge_wait w ON w.referral_id = r.id "
        "WHERE r.source = 'hospital_discharge' AND r.linked_to_id IS NULL AND r.medically_optimised_on IS NOT NULL "
        "AND COALESCE(r.network_id, a.network_id) = :network_id AND (w.home_on IS NULL OR w.home_on >= :since)",
    ],
    # A meeting's agenda: each person with the open actions in their plan.
    "mdt_meeting": [
        "SELECT i.question, i.decision, p.given_name, p.family_name, p.nhs_number FROM mdt_agenda_item i JOIN person p ON p.id = i.person_id "
        "WHERE i.meeting_id = :meeting_id",
        "SELECT a.person_id, count(*) FROM care_plan_action a JOIN mdt_agenda_item i ON i.person_id = a.person_id "
        "WHERE i.meeting_id = :meeting_id AND a.status IN ('requested', 'accepted', 'in_progress') GROUP BY a.person_id",
    ],
}


# How a scenario's parameters travel in the floor app's query string.
INTEGERS = {"person_id", "agency_id", "network_id", "meeting_id"}
WHEN = {"dob", "since"}
_NAMES = re.compile(r"(?<!:):([a-z_]+)")


def _compiled(sql: str):
    from sqlalchemy import text

    return text(sql), set(_NAMES.findall(sql))


# Where PostgreSQL's floor differs, as the app's queries do there.
POSTGRESQL = {"search_name": [BY_NAME_PAIRS], "search_name_htmx": [BY_NAME_PAIRS]}

STATEMENTS = {scenario: [_compiled(sql) for sql in queries] for scenario, queries in QUERIES.items()}
POSTGRESQL_STATEMENTS = {scenario: [_compiled(sql) for sql in queries] for scenario, queries in POSTGRESQL.items()}


def statements(dialect: str, scenario: str) -> list:
    """A scenario's floor statements on this database (compiled, with the parameters each names)."""
    if dialect == "postgresql" and scenario in POSTGRESQL_STATEMENTS:
        return POSTGRESQL_STATEMENTS[scenario]
    return STATEMENTS[scenario]


def rows(connection, scenario: str, parameters: dict) -> list:
    """The rows of a scenario's page: its floor queries, each with the parameters it names."""
    found = []
    for statement, names in statements(connection.dialect.name, scenario):
        found.extend(connection.execute(statement, {k: v for k, v in parameters.items() if k in names}).all())
    return found


def page(connection, scenario: str, parameters: dict) -> str:
    return TABLE.render(rows=rows(connection, scenario, parameters))


def make(connection, scenario: str):
    """A function(parameters) that runs the scenario's floor queries and renders the rows."""

    def floor(parameters: dict) -> bool:
        return len(page(connection, scenario, parameters)) > 0

    return floor


def address(scenario: str, parameters: dict) -> str:
    """The floor app's address for one request of a scenario."""
    encoded = {k: v.isoformat() if isinstance(v, date) else v for k, v in parameters.items()}
    return f"/floor/{scenario}?{urlencode(encoded)}" if encoded else f"/floor/{scenario}"


def parameters_from(query: dict) -> dict:
    """address()'s parameters back, with their types."""
    decoded: dict = {}
    for key, value in query.items():
        if key in INTEGERS:
            decoded[key] = int(value)
        elif key in WHEN:
            decoded[key] = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        else:
            decoded[key] = value
    return decoded


# The least a section save must do: a versioned update of the section and an inserted revision, committed.
CHANGED = """'["what_matters"]'"""
_SECTION = (
    "(SELECT s.id FROM assessment_section s JOIN assessment a ON a.id = s.assessment_id "
    "WHERE a.person_id = :p AND s.section_key = 'perspective')"
)


def save_statements(dialect: str) -> list:
    """The save's floor statements, with :answers, :p and :now to bind."""
    from sqlalchemy import text

    # SQLite keeps JSON as text (CAST ... AS JSON there would make it the number 0); PostgreSQL needs the cast.
    as_json = "CAST({} AS JSON)" if dialect == "postgresql" else "{}"
    return [
        text(f"UPDATE assessment_section SET answers = {as_json.format(':answers')}, version = version + 1 WHERE id = {_SECTION}"),
        text(
            "INSERT INTO assessment_revision (assessment_id, section_key, section_version, answers, changed, saved_at) "
            f"SELECT assessment_id, 'perspective', version, {as_json.format(':answers')}, {as_json.format(CHANGED)}, :now "
            f"FROM assessment_section WHERE id = {_SECTION}"
        ),
    ]


def save(connection, statements: list, person_id: int, label: str) -> None:
    values = {
        "answers": json.dumps({"what_matters": f"floor {label}"}),
        "p": person_id,
        "now": datetime.now(UTC).replace(tzinfo=None),
    }
    for statement in statements:
        connection.execute(statement, values)
    connection.commit()
