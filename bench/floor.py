"""The floor: what each page costs at the least, measured in the same run.

For every scenario, the same rows fetched with hand-written SQL through the same database
driver, rendered by a bare Jinja template with no Flask, no ORM, no access rules, no audit
and no HTTP. The app's figure divided by this one says what OnePlan adds on top of the work
the database and templating must do anyway."""
from jinja2 import Environment

_env = Environment(autoescape=True)
TABLE = _env.from_string(
    "<html><body><table>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>"
    "{% endfor %}</table></body></html>"
)

PERSON_COLUMNS = "id, given_name, family_name, date_of_birth, nhs_number, postcode"
ORDER = "ORDER BY family_name_key, given_name_key, date_of_birth, id LIMIT 26"
# A name prefix as the range the app's search uses, so both can use the name indexes.
NAME = "(family_name_key >= :low AND family_name_key < :high) OR (given_name_key >= :low AND given_name_key < :high)"

QUERIES = {
    "search_nhs_number": [f"SELECT {PERSON_COLUMNS} FROM person WHERE nhs_number = :nhs {ORDER}"],
    "search_name": [f"SELECT {PERSON_COLUMNS} FROM person WHERE {NAME} {ORDER}"],
    "search_name_htmx": [f"SELECT {PERSON_COLUMNS} FROM person WHERE {NAME} {ORDER}"],
    "search_postcode": [f"SELECT {PERSON_COLUMNS} FROM person WHERE postcode_key = :postcode {ORDER}"],
    "search_name_and_dob": [f"SELECT {PERSON_COLUMNS} FROM person WHERE date_of_birth = :dob "
                            f"AND ({NAME}) {ORDER}"],
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
}


def make(connection, scenario: str):
    """A function(parameters) that runs the scenario's floor queries and renders the rows."""
    from sqlalchemy import text

    statements = [text(sql) for sql in QUERIES[scenario]]

    def floor(parameters: dict) -> bool:
        rows = []
        for statement in statements:
            wanted = {k: v for k, v in parameters.items() if f":{k}" in str(statement)}
            rows.extend(connection.execute(statement, wanted).all())
        return len(TABLE.render(rows=rows)) > 0

    return floor
