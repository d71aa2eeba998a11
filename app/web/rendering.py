"""One template per page; htmx requests get one block of it, so the markup exists once. And
templates that fail loudly: a misspelt name in a OnePlan template is an error, not an empty string."""

import sys
from collections import ChainMap
from collections.abc import Mapping
from functools import lru_cache
from types import FrameType
from typing import Any, Optional

from flask import current_app, render_template, request
from flask.templating import Environment as FlaskEnvironment
from jinja2 import (
    BytecodeCache,
    ChainableUndefined,
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    UndefinedError,
    pass_context,
)
from jinja2.bccache import Bucket
from jinja2.filters import do_indent
from jinja2.runtime import Context
from jinja2.utils import missing
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape

from app.config import ROOT

TEMPLATES = str(ROOT / "templates")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(template: str, fragment: str | None = None, **context: Any) -> str:
    """The full page, or only `fragment` (a block of the same template) for an htmx request."""
    if fragment and is_htmx():
        return str(render_block(template, fragment, **context))
    return render_template(template, **context)


class Undefined(ChainableUndefined):
    """What a template gets for something that is not there.

    The NHS.UK macros (nhsuk-frontend-jinja) read chained parameters their callers leave out
    (`params.hint.text`), so for them a missing value is quietly empty, as their authors intend.
    In OnePlan's own templates a missing variable, or a missing attribute of one of our objects,
    is a mistake: it raises as soon as it is used (printed, tested, iterated), so the tests catch
    it. Looking up a key a dict does not have (`errors.nhs_number`) stays quiet: that is how a
    template asks whether a field has an error. `is defined` still works everywhere."""

    def __new__(cls, hint: Any = None, obj: Any = missing, name: Any = None, exc: Any = UndefinedError) -> Any:
        # The cheap test first: a key missing from a dict, or a chain, is quiet wherever it is asked.
        if (obj is missing or not isinstance(obj, (Mapping, ChainableUndefined))) and _asked_by_oneplan_template():
            return StrictUndefined(hint, obj, name, exc)
        return super().__new__(cls)


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept for the life of the process and shared by every app in it.

    One app per process (a gunicorn worker) compiles each template once anyway; the test suite
    builds an app per test, and compiling every template again for each was most of its time.
    Jinja checks each entry against a checksum of the template's source, so a changed template
    is compiled afresh."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def jinja_options(fast: bool) -> dict[str, Any]:
    """The Jinja environment every app uses; `fast` (the FAST_RENDERING setting, on unless a test
    or `python -m bench.inprocess --slow` turns it off) adds the caches below, which change the
    cost of a page and never its bytes (tests/web/test_rendering_identical.py)."""
    options: dict[str, Any] = {
        # Strict in OnePlan's templates, chainable in the NHS.UK macros (see Undefined below).
        "undefined": Undefined,
        "loader": ChoiceLoader([FileSystemLoader(TEMPLATES), PackageLoader("nhsuk_frontend_jinja")]),
        "autoescape": True,
        "bytecode_cache": COMPILED_TEMPLATES,
    }
    if fast:
        # A plain dict instead of Jinja's 400-entry LRU, whose every hit moves the name along a
        # deque: there are a few hundred templates, loaded once each.
        options["cache_size"] = -1
    return options


class ImportOnceTemplate(Template):
    """A template whose module, once made, is what every `{% from ... import %}` of it gets.

    Jinja makes the module once already, but asks on every import whether the importing template
    has globals this one lacks, as a set difference over a ChainMap that walks every key in
    Python: 20 to 180 imports a page (the NHS.UK macros import each other inside their macros).
    The same question, asked of each map's dict in C."""

    def _get_default_module(self, ctx: Any = None) -> Any:
        if ctx is not None:
            maps = self.globals.maps if isinstance(self.globals, ChainMap) else [self.globals]
            if ctx.globals_keys.difference(*maps):
                return super()._get_default_module(ctx)
        if self._module is None:
            self._module = self.make_module()
        return self._module


class ImportOnceEnvironment(FlaskEnvironment):
    """Flask's environment, where a name imported from a template is looked up once per process
    (unless templates reload when changed, as in debug mode)."""

    template_class = ImportOnceTemplate

    def __init__(self, app: Any, **options: Any) -> None:
        super().__init__(app, **options)
        self._resolved: dict[tuple[str, Optional[str]], Template] = {}

    def get_template(self, name: Any, parent: Optional[str] = None, globals: Any = None) -> Template:
        if globals is not None or self.auto_reload or not isinstance(name, str):
            return super().get_template(name, parent, globals)
        key = (name, parent)
        template = self._resolved.get(key)
        if template is None:
            template = self._resolved[key] = super().get_template(name, parent)
        return template


def indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> Any:
    """Jinja's `indent`, with Markup indented as the plain text it is and marked safe once.

    Every piece Jinja's own filter joins is already Markup (it makes the indentation and the
    newline Markup too), so nothing is escaped either way: this gives the same characters without
    a Markup object and an escape call for every line (thousands a page in the NHS.UK macros)."""
    if type(s) is Markup:
        return Markup(do_indent(str(s), width, first, blank))
    return do_indent(s, width, first, blank)


HEADER = "web/_header.html"
# Where the header's CSRF token goes while it is kept: each page puts in its own.
_TOKEN_SLOT = "\x00csrf-token\x00"
_HEADERS_KEPT = 20_000


@pass_context
def site_header(context: Context) -> Markup:
    """The site header (web/_header.html), rendered once for each user, page and unread count and
    then kept: seven capability checks, nine addresses and the NHS.UK header macro cost more than
    most of the page under it. Its key is everything the template reads: who (and their name,
    role and network, which say what they may do and see, and whether their agency is a hub), which page (which link is current),
    where the app is mounted, and the unread count. The sign-out form's CSRF token changes with
    every page, so it is kept as a slot and filled in each time."""
    template = context.environment.get_template(HEADER)
    values = context.get_all()
    if not current_app.config.get("FAST_RENDERING", True):
        return Markup(template.render(values))
    user = values.get("current_user")
    who = (user.id, user.full_name, user.role, user.network_id, values["unread_count"](), values["works_for_hub"]()) if user else None
    key = (who, request.endpoint, request.blueprint, request.script_root)
    kept: dict = current_app.extensions.setdefault("oneplan_site_headers", {})
    html = kept.get(key)
    if html is None:
        if len(kept) >= _HEADERS_KEPT:
            kept.clear()
        html = kept[key] = template.render({**values, "csrf_token": lambda: _TOKEN_SLOT})
    return Markup(html.replace(_TOKEN_SLOT, str(escape(values["csrf_token"]()))))


def init_app(app: Any) -> None:
    # `undefined` is how a template leaves out an NHS.UK macro's parameter ("hint": ... if hint else undefined).
    app.add_template_global(ChainableUndefined(name="undefined"), "undefined")
    app.add_template_global(site_header, "site_header")
    if app.config.get("FAST_RENDERING", True):
        app.jinja_env.filters["indent"] = indent


def _asked_by_oneplan_template() -> bool:
    """Whether the template code that asked (directly, or through Jinja's attribute lookup) is ours."""
    frame: Optional[FrameType] = sys._getframe(2)
    for _ in range(2):
        if frame is None:
            return False
        whose = _whose(frame.f_code.co_filename)
        if whose is not _JINJA:
            return whose is _OURS
        frame = frame.f_back
    return False


_OURS, _JINJA, _OTHER = "ours", "jinja", "other"


@lru_cache(maxsize=4096)
def _whose(filename: str) -> str:
    if filename.startswith(TEMPLATES):
        return _OURS
    return _JINJA if filename.endswith("environment.py") else _OTHER
