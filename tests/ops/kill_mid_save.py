"""Run by tests/test_faults.py in a process of its own: sign in, start an assessment save, and
kill this process (SIGKILL, no clean-up of any kind) the moment the save sends the statement
named by KILL_AT. The test then checks the database holds nothing of the save.

    DATABASE_URL=... PERSON_ID=1 USERNAME=nurse KILL_AT="INSERT INTO assessment_revision" python -m tests.ops.kill_mid_save
"""

import os
import signal

from sqlalchemy import event

from app import create_app
from tests.conftest import TEST_CONFIG, AuthActions


def main() -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": os.environ["DATABASE_URL"]})
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.sign_in(os.environ["USERNAME"]).status_code == 302
    kill_at = os.environ["KILL_AT"]

    @event.listens_for(app.extensions["oneplan_engine"], "before_cursor_execute")
    def die_mid_save(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(kill_at.upper()):
            os.kill(os.getpid(), signal.SIGKILL)

    person_id = os.environ["PERSON_ID"]
    auth.post(f"/people/{person_id}/assessment/sections/safety", {"version": "0", "safeguarding_concern": "yes"})
    raise SystemExit(f"the save finished without sending {kill_at!r}")


if __name__ == "__main__":
    main()
