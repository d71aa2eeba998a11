"""The person's own pages (/my): signing in apart from staff, my plan, my words, who has looked at my
record, my sharing choices, my carer. Also the staff page that invites a person (or their carer).

People's accounts reach only these pages and staff accounts never do: `_person_or_carer` and
`_keep_people_to_their_pages` ask the access rules (app/trust/access.py, "People and their carers")."""

import time
from typing import Optional

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from sqlmodel import col, select

from app.assessment import service
from app.care_plan import read_model
from app.my_record import access_questions, choices, identity, invitations, plan, words
from app.transaction import get_session
from app.trust import access, audit, audit_log, consent
from app.trust import second_factor as second_factor_rules
from app.web import fields, guard
from app.web.rendering import render
from models import Agency, Person, PersonAccount, PersonInvitation
from models.person_account import CARER, PERSON

bp = Blueprint("my_record", __name__)
# The staff side: inviting a person to their own pages (a staff page like any other).
staff_bp = Blueprint("person_invitations", __name__)

SESSION_KEY = "my_sid"
# Pages open before a person signs in.
OPEN_PAGES = {"my_record.sign_in", "my_record.start"}
# Endpoints anyone may reach, whoever is signed in (the design system's files, the staff sign-in page).
ANYONE = {"trust.sign_in", "ops.healthz", "assets.nhsuk", "assets.vendor", "static"}


def provider() -> identity.IdentityProvider:
    return identity.InvitationIdentity(current_app.extensions["oneplan_hasher"])


@bp.before_app_request
def _keep_people_to_their_pages():
    """Load a signed-in person's (or carer's) account; such an account reaches no staff page (403)."""
    g.person_account = None
    token = session.get(SESSION_KEY)
    if token is None:
        return None
    account = identity.account_for(get_session(), token, current_app.config["IDLE_TIMEOUT_MINUTES"])
    if account is None:
        session.pop(SESSION_KEY, None)
        return None
    g.person_account = account
    if request.blueprint in ("my_record", "fhir") or request.endpoint in ANYONE or request.endpoint is None:
        return None
    raise access.AccessRefused("staff_page", access.PERSON_ON_STAFF_PAGES, record_type="person_account", record_id=account.id)


@bp.before_request
def _person_or_carer():
    """Staff never reach a person's pages; someone not signed in is asked to (people's own sign-in)."""
    if g.get("user") is not None:
        raise access.AccessRefused("my_pages", access.STAFF_ON_MY_PAGES)
    if request.endpoint in OPEN_PAGES:
        return None
    if g.get("person_account") is None:
        return _go(url_for("my_record.sign_in"))
    step = _owed()
    if step is not None and request.endpoint not in (STEP_PAGES[step], "my_record.sign_out"):
        return _go(url_for(STEP_PAGES[step]))
    return None


# The page for each step an account can owe once its password is right (identity.step_owed).
STEP_PAGES = {"second_factor": "my_record.second_factor", "set_up_second_factor": "my_record.set_up_second_factor"}
_PENDING_SECRET = "my_pending_totp_secret"


def _owed() -> Optional[str]:
    return identity.step_owed(g.person_account, identity.current(get_session()), required=not current_app.config["SECOND_FACTOR_DEMO_SKIP"])


def _go(target: str):
    if request.headers.get("HX-Request"):
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.route("/my/sign-in/second-factor", methods=["GET", "POST"])
def second_factor():
    account = g.person_account
    if _owed() != "second_factor":
        return redirect(url_for("my_record.my_plan"))
    errors: dict = {}
    if request.method == "POST":
        result = identity.verify_second_factor(
            get_session(), account, identity.current(get_session()), str(request.form.get("code", ""))[:100]
        )
        if result.refused:
            session.clear()
            flash(result.refused, "success")
            return redirect(url_for("my_record.sign_in"))
        if result.ok:
            return redirect(url_for("my_record.my_plan"))
        errors = result.errors
    return render("my_record/second_factor.html", errors=errors), (400 if errors else 200)


@bp.route("/my/second-factor", methods=["GET", "POST"])
def set_up_second_factor():
    """Set up an authenticator app: required where staff must have one, optional in the demo."""
    account = g.person_account
    if account.totp_confirmed_at is not None:
        return redirect(url_for("my_record.my_plan"))
    secret = session.get(_PENDING_SECRET) or second_factor_rules.new_secret()
    session[_PENDING_SECRET] = secret
    errors: dict = {}
    if request.method == "POST":
        result = identity.confirm_second_factor(
            get_session(), account, identity.current(get_session()), secret, str(request.form.get("code", ""))[:100]
        )
        if result.ok:
            session.pop(_PENDING_SECRET, None)
            flash("Your authenticator app is set up. You will be asked for a code from it each time you sign in.", "success")
            return redirect(url_for("my_record.my_plan"))
        errors = result.errors
    shown = second_factor_rules.set_up_for(account.username, secret)
    return render(
        "my_record/set_up_second_factor.html",
        errors=errors,
        set_up=shown,
        key=second_factor_rules.grouped(shown.secret),
        required=not current_app.config["SECOND_FACTOR_DEMO_SKIP"],
    ), (400 if errors else 200)


def _open(page: str) -> tuple[PersonAccount, Person]:
    """The signed-in account and its person, if the rules let the account open `page` (audited)."""
    account: PersonAccount = g.person_account
    decision = access.account_page_rule(account.kind, account.shares_assessment, account.withdrawn_at is not None, page)
    if not decision.allowed:
        raise access.AccessRefused(
            f"my_{page}", decision.basis, person_id=account.person_id, record_type="person", record_id=account.person_id
        )
    person = get_session().get(Person, account.person_id)
    assert person is not None
    audit.record(
        get_session(),
        f"my_{page}",
        username=account.username,
        role=account.kind,
        person_id=person.id,
        record_type="person",
        record_id=person.id,
        reason=decision.basis,
    )
    return account, person


# --- Staff invite the person -----------------------------------------------------------------


@staff_bp.route("/people/<int:person_id>/invitations", methods=["GET"])
def invitations_page(person_id: int):
    person = guard.person_for(person_id, "view_invitations", rule=access.invitation_rule)
    return _invitations(person)


@staff_bp.route("/people/<int:person_id>/invitations", methods=["POST"])
def invite(person_id: int):
    person = guard.person_for(person_id, "invite_person", rule=access.invitation_rule)
    kind = CARER if request.form.get("kind") == CARER else PERSON
    command = invitations.Invite(kind, str(request.form.get("carer_name", "")), request.form.get("shares_assessment") == "yes")
    errors = invitations.check(command)
    if errors:
        return _invitations(person, errors=errors), 400
    made = invitations.invite(get_session(), person, command, by=g.user)
    return _invitations(person, made=made)


def _invitations(person: Person, made: Optional[invitations.Made] = None, errors: Optional[dict] = None):
    assert person.id is not None
    db = get_session()
    accounts = db.exec(select(PersonAccount).where(PersonAccount.person_id == person.id).order_by(col(PersonAccount.id))).all()
    return render(
        "my_record/invitations.html",
        person=person,
        made=made,
        code=invitations.grouped(made.code) if made else None,
        invitations=invitations.for_person(db, person.id),
        accounts=accounts,
        errors=errors or {},
        form=request.form,
    )


# --- Signing up and signing in ----------------------------------------------------------------


@bp.route("/my/start", methods=["GET", "POST"])
def start():
    errors: dict = {}
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        command = identity.Enrol(
            code=str(form.get("code", ""))[:100],
            username=str(form.get("username", ""))[:200],
            password=str(form.get("password", ""))[:1000],
            confirm_password=str(form.get("confirm_password", ""))[:1000],
            full_name=str(form.get("full_name", ""))[:200],
        )
        result = provider().enrol(get_session(), command)
        if result.ok and result.item is not None:
            return _signed_in(result.item, "Your account is ready.")
        errors = result.errors
    return render("my_record/start.html", errors=errors, form=form), (400 if errors else 200)


@bp.route("/my/sign-in", methods=["GET", "POST"])
def sign_in():
    errors: dict = {}
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        username, password = str(form.get("username", ""))[:200], str(form.get("password", ""))[:1000]
        if not username.strip():
            errors["username"] = "Enter your username"
        if not password:
            errors["password"] = "Enter your password"
        if not errors:
            result = provider().authenticate(get_session(), identity.Credentials(username, password))
            if result.ok and result.item is not None:
                return _signed_in(result.item)
            errors = result.errors
    return render("my_record/sign_in.html", errors=errors, form=form), (
        401 if errors.get("username", "").startswith("The username") else 400 if errors else 200
    )


def _signed_in(account: PersonAccount, notice: Optional[str] = None):
    identity.end(get_session(), session.get(SESSION_KEY))
    session.clear()  # nothing of an earlier session, staff or not, carries over
    session[SESSION_KEY] = identity.start(get_session(), account)
    session["last_seen"] = int(time.time())
    if notice:
        flash(notice, "success")
    return redirect(url_for("my_record.my_plan"))


@bp.post("/my/sign-out")
def sign_out():
    account = g.person_account
    identity.end(get_session(), session.get(SESSION_KEY))
    audit.record(get_session(), "person_sign_out", username=account.username, role=account.kind, person_id=account.person_id)
    session.clear()
    return redirect(url_for("my_record.sign_in"))


# --- My plan -----------------------------------------------------------------------------------


@bp.get("/my/plan")
def my_plan():
    account, person = _open("plan")
    mine = plan.my_plan(get_session(), account)
    return render("my_record/plan.html", account=account, person=person, mine=mine)


@bp.post("/my/plan/seen")
def mark_seen():
    account, person = _open("plan")
    record = read_model.plan_for(get_session(), person.id or 0)
    if record is None:
        abort(404, "You have no care plan yet.")
    plan.mark_seen(get_session(), account, fields.seen_version(request.form), record.version)
    return redirect(url_for("my_record.my_plan"))


# --- My words ----------------------------------------------------------------------------------


@bp.get("/my/words")
def edit_words():
    account, person = _open("words")
    record = _record(person)
    part = record.part(words.ABOUT_ME)
    return _words_page(account, person, record, dict(part.answers), part.version, {})


@bp.post("/my/words")
def save_words():
    account, person = _open("words")
    record = _record(person)
    command = words.SayWhatMatters(
        what_matters=str(request.form.get("what_matters", "")),
        about_me=str(request.form.get("about_me", "")),
        seen_version=fields.seen_version(request.form),
    )
    result = words.say_what_matters(get_session(), record.plan, person, account, command)
    if result.ok:
        flash("Your words have been saved. Your key worker has been told.", "success")
        return redirect(url_for("my_record.my_plan"))
    yours = {"what_matters": command.what_matters, "about_me": command.about_me}
    if result.conflict is not None:
        return _words_page(account, person, record, yours, result.conflict.version, {}, conflict=result.conflict), 409
    return _words_page(account, person, record, yours, command.seen_version, result.errors), 400


def _words_page(account, person, record, answers, version, errors, conflict=None):
    return render(
        "my_record/words.html",
        account=account,
        person=person,
        answers=answers,
        version=version,
        errors=errors,
        conflict=conflict,
        goals=words.own_goals(record),
    )


@bp.post("/my/goals")
def add_goal():
    account, person = _open("words")
    record = _record(person)
    goal = str(request.form.get("goal", ""))
    result = words.add_goal(get_session(), record.plan, person, account, goal)
    if result.ok:
        flash("Your goal has been added to your plan.", "success")
        return redirect(url_for("my_record.my_plan"))
    errors = {"goal": result.errors.get("goal") or "Enter your goal"}
    part = record.part(words.ABOUT_ME)
    return _words_page(account, person, record, dict(part.answers), part.version, errors), 400


@bp.post("/my/goals/<int:goal_id>")
def change_goal(goal_id: int):
    account, person = _open("words")
    record = _record(person)
    result = words.change_goal(
        get_session(), record.plan, person, account, goal_id, str(request.form.get("goal", "")), fields.seen_version(request.form)
    )
    if result.refused:
        abort(404 if "no such" in result.refused else 403, result.refused)
    if result.ok:
        flash("Your goal has been changed.", "success")
        return redirect(url_for("my_record.my_plan"))
    record = _record(person)  # read again: the goal as it stands now
    part = record.part(words.ABOUT_ME)
    if result.conflict is not None:
        errors = {f"goal-{goal_id}": "Someone in your care team changed this goal just now. Check it below, then change it again."}
        return _words_page(account, person, record, dict(part.answers), part.version, errors), 409
    errors = {f"goal-{goal_id}": result.errors.get("goal") or next(iter(result.errors.values()), "Enter your goal")}
    return _words_page(account, person, record, dict(part.answers), part.version, errors), 400


@bp.get("/my/assessment")
def my_assessment():
    """The assessment, read-only: for the person, and for a carer the person shared it with."""
    account, person = _open("assessment")
    return render("my_record/assessment.html", account=account, person=person, assessment=service.view(get_session(), person.id or 0))


@bp.post("/my/actions/<int:action_id>/notes")
def note_on_action(action_id: int):
    account, person = _open("words")
    record = _record(person)
    command = words.NoteOnAction(action_id, str(request.form.get("kind", "")), str(request.form.get("text", "")))
    result = words.note_on_action(get_session(), record.plan, person, account, command)
    if result.refused:
        abort(404, result.refused)
    if result.ok:
        flash("Thank you. The team doing this has been told.", "success")
        return redirect(url_for("my_record.my_plan"))
    mine = plan.my_plan(get_session(), account)
    return render("my_record/plan.html", account=account, person=person, mine=mine, errors=result.errors, note_action=action_id), 400


def _record(person: Person) -> read_model.PlanView:
    record = read_model.view(get_session(), person.id or 0, None)
    if record is None:
        abort(404, "You have no care plan yet. Your key worker will start it with you.")
    return record


# --- Who has looked at my record --------------------------------------------------------------


@bp.get("/my/access-log")
def access_log():
    account, person = _open("access_log")
    log = audit_log.for_person(get_session(), person.id or 0, fields.page_number(request.args))
    return render("my_record/access_log.html", account=account, person=person, log=log, errors={})


@bp.post("/my/access-log/questions")
def ask_about_access():
    account, person = _open("access_log")
    entry = fields.record_id(request.form.get("entry"))
    note, errors = access_questions.ask(get_session(), person, account, entry, str(request.form.get("text", "")))
    if note is not None:
        flash("Your question has been sent to the lead of your care network, who will answer it.", "success")
        return redirect(url_for("my_record.access_log"))
    log = audit_log.for_person(get_session(), person.id or 0, 1)
    return render("my_record/access_log.html", account=account, person=person, log=log, errors=errors, asked=entry), 400


@staff_bp.get("/access-questions")
def access_questions_page():
    """The network lead's list of people's questions about who has looked at their records."""
    guard.require("review_break_glass")
    questions = access_questions.for_lead(get_session(), g.user)
    audit.record(get_session(), "view_access_questions", user=g.user, detail=f"{len(questions)} questions shown")
    return render("my_record/access_questions.html", questions=questions)


@staff_bp.post("/access-questions/<int:question_id>")
def answer_access_question(question_id: int):
    guard.require("review_break_glass")
    if access_questions.mark_answered(get_session(), g.user, question_id) is None:
        abort(404, "There is no such question for your network.")
    flash("The question has been marked as answered.", "success")
    return redirect(url_for("person_invitations.access_questions_page"))


# --- My sharing choices -----------------------------------------------------------------------


@bp.get("/my/sharing")
def sharing():
    account, person = _open("sharing")
    return _sharing_page(person, {}, None)


@bp.post("/my/sharing")
def save_sharing():
    """Two steps: the choice, then what it will mean, and only then saved."""
    account, person = _open("sharing")
    stop = bool(request.form.get("stop_objecting"))
    choice = choices.SharingChoice(
        fields.record_id(request.form.get("stop_objecting") if stop else request.form.get("object_to")),
        stop,
        fields.seen_version(request.form),
    )
    checked = choices.check(get_session(), person, choice)
    if checked.errors:
        return _sharing_page(person, checked.errors, None), 400
    assert checked.agency is not None
    if request.form.get("confirm") != "yes":
        return _sharing_page(person, {}, {"agency": checked.agency, "objecting": not stop})
    result = choices.save(get_session(), person, account, choice)
    if not result.ok:
        return _sharing_page(person, result.errors, None), (409 if result.conflict else 400)
    name = checked.agency.name
    flash(
        f"{name} can see your record again if they are in your care team."
        if stop
        else f"{name} can no longer see your plan or your record.",
        "success",
    )
    return redirect(url_for("my_record.sharing"))


def _sharing_page(person: Person, errors: dict, confirm: Optional[dict]):
    db = get_session()
    current = consent.view(db, person.id or 0)
    objected = {o.agency.id for o in current.objections}
    agencies = [a for a in db.exec(select(Agency).order_by(Agency.name)).all() if a.id not in objected]
    return render(
        "my_record/sharing.html", person=person, sharing=current, agencies=agencies, errors=errors, confirm=confirm, form=request.form
    )


# --- My carer ---------------------------------------------------------------------------------


@bp.get("/my/carer")
def carer():
    account, person = _open("carer")
    return _carer_page(account, person, {}, None)


@bp.post("/my/carer")
def invite_carer():
    account, person = _open("carer")
    command = invitations.Invite(CARER, str(request.form.get("carer_name", "")), request.form.get("shares_assessment") == "yes")
    errors = invitations.check(command)
    if errors:
        return _carer_page(account, person, errors, None), 400
    made = invitations.invite(get_session(), person, command, by_account=account)
    return _carer_page(account, person, {}, made)


@bp.post("/my/carer/withdraw")
def withdraw_carer():
    account, person = _open("carer")
    carer = choices.withdraw_carer(get_session(), person, account, fields.record_id(request.form.get("carer")))
    if carer is None:
        abort(404, "There is no such carer.")
    flash(f"{carer.full_name} can no longer see your plan.", "success")
    return redirect(url_for("my_record.carer"))


def _carer_page(account, person, errors, made):
    db = get_session()
    carers = choices.carers(db, person.id)
    waiting = db.exec(
        select(PersonInvitation).where(
            PersonInvitation.person_id == person.id,
            PersonInvitation.kind == CARER,
            col(PersonInvitation.used_at).is_(None),
            col(PersonInvitation.cancelled_at).is_(None),
        )
    ).all()
    return render(
        "my_record/carer.html",
        account=account,
        person=person,
        carers=carers,
        waiting=waiting,
        errors=errors,
        form=request.form,
        made=made,
        code=invitations.grouped(made.code) if made else None,
    )


@bp.post("/my/carer-notes")
def add_carer_note():
    account, person = _open("carer_notes")
    result = words.carer_note(get_session(), person, account, str(request.form.get("text", "")))
    if result.ok:
        flash("Your note has been added. The care team has been told.", "success")
        return redirect(url_for("my_record.my_plan"))
    mine = plan.my_plan(get_session(), account)
    return render("my_record/plan.html", account=account, person=person, mine=mine, errors=result.errors, note_action=None), 400
