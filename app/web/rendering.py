"""One template per page; htmx requests get one block of it, so the markup exists once. And
templates that fail loudly: a misspelt name in a OnePlan template is an error, not an empty string."""

import re
import sys
from collections import ChainMap
from collections.abc import Mapping
from functools import lru_cache
from types import FrameType
from typing import Any, Optional

from flask import current_app, render_template, request
from flask import url_for as flask_url_for
from flask.globals import _cv_request
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
    pass_eval_context,
)
from jinja2 import (
    Undefined as JinjaUndefined,
)
from jinja2.bccache import Bucket
from jinja2.filters import do_indent
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, Macro
from jinja2.utils import missing
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

from app.config import ROOT
from app.web.addresses import address

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
            module = self.make_module()
            if self.name is not None and self.name.startswith(DESIGN_SYSTEM):
                for name, value in vars(module).items():
                    if isinstance(value, Macro):
                        setattr(module, name, KeptMacro(value))
            self._module = module
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


DESIGN_SYSTEM = "nhsuk/"
# The parameters an NHS.UK macro shows as words: their values are slots in its kept output.
_SLOTS = frozenset({"text", "html"})
# And, for a few macros whose templates only print them (read before adding one: a parameter a
# macro compares, like a radio's or date part's `value` and `name`, must never be a slot), the
# names and values of form fields: a field for each item of a list is then one shape, not one each.
_FIELD_SLOTS = _SLOTS | {"id", "name", "value"}
_MORE_SLOTS: dict[str, Any] = {
    "input": lambda params: _FIELD_SLOTS,
    # A checkbox's value is compared with the checked `values` when they are given: a slot only without them.
    "checkboxes": lambda params: _SLOTS | {"id", "idPrefix"} | (set() if "values" in params else {"value"}),
    # And a radio's with the radios' `value`: without it, a list of people to choose from (intake's
    # matching records, each its id) is one shape for each number of them.
    "radios": lambda params: _SLOTS | (set() if "value" in params else {"value"}),
}
# A probe: its number, a `<` (escaped or not), and for words of several lines a blank line and a
# line, to learn what indentation the macro gives the lines after the first (and blank ones).
_PROBE = re.compile("\x00aB([0-9]+) (<|&lt;)cD\x00(?:\n([ \t]*)\n([ \t]*)\x00eF\x00)?")
_SHAPES_KEPT = 4096


class _NotKept(Exception):
    """A macro argument that cannot be part of a kept output's key (a loop, a caller, an object)."""


def _slot(names: frozenset, key: Any, value: Any) -> bool:
    # Words shown as they are, or indented: no surrounding space (`trim` leaves them alone), lines
    # broken by "\n" alone (as `indent` joins them), no NUL (the probes' mark). Anything else is
    # part of the key, as a value.
    return key in names and value != "" and "\x00" not in value and value.strip() == value and value.splitlines() == value.split("\n")


def _shape(value: Any, slots: list, names: frozenset = _SLOTS, key: Any = None) -> Any:
    """`value` as a hashable key, with the words in its slots (`names`) left out (appended to `slots`)."""
    kind = type(value)
    if kind is str or kind is Markup:
        if _slot(names, key, value):
            slots.append(value)
            return (kind, "\n" in value)
        return (kind, value, None)
    if kind is dict:
        return (dict, *[(name, _shape(item, slots, names, name)) for name, item in value.items()])
    if kind is list or kind is tuple:
        return (kind, *[_shape(item, slots, names) for item in value])
    if value is None or kind is bool or kind is int or kind is float:
        return (kind, value)
    if isinstance(value, JinjaUndefined):
        return kind
    raise _NotKept


def _probed(value: Any, probes: list, names: frozenset = _SLOTS, key: Any = None) -> Any:
    """`value` with each slot's words replaced by a probe: a mark that shows where the macro puts
    them, and whether it escapes them (`<`), changes their case or spacing (then it is not kept)."""
    kind = type(value)
    if (kind is str or kind is Markup) and _slot(names, key, value):
        probe = f"\x00aB{len(probes)} <cD\x00" + ("\n\n\x00eF\x00" if "\n" in value else "")
        probes.append(probe)
        return kind(probe)
    if kind is dict:
        return {name: _probed(item, probes, names, name) for name, item in value.items()}
    if kind is list or kind is tuple:
        return kind(_probed(item, probes, names) for item in value)
    return value


_UNSEEN: list = []
_SEEN_ONCE: list = []


class KeptMacro:
    """An NHS.UK macro whose output is kept for each shape of its arguments: everything but the
    words it shows (`text` and `html`), which are put into the kept output where the macro put
    them, escaped as it escaped them. The macro itself still makes every piece of HTML: once per
    shape with probes in place of the words, to learn where they go, and once with the real
    words, to check that the kept output gives the same bytes (or the shape is never kept).

    A summary list or a tag costs a few dictionary lookups instead of hundreds of template
    calls; the HTML is the design system's, byte for byte (tests/web/test_rendering_identical.py)."""

    def __init__(self, macro: Macro) -> None:
        self._macro = macro
        self._kept: dict[Any, Optional[list]] = {}
        self.name = macro.name
        self._slots = _MORE_SLOTS.get(macro.name)

    @pass_eval_context
    def __call__(self, eval_ctx: EvalContext, *args: Any, **kwargs: Any) -> Any:
        if "caller" in kwargs:
            return self._macro(eval_ctx, *args, **kwargs)
        slots: list = []
        names = self._slots(args[0]) if self._slots is not None and args and type(args[0]) is dict else _SLOTS
        try:
            key = (eval_ctx.autoescape, _shape(args, slots, names), _shape(kwargs, slots, names))
        except _NotKept:
            return self._macro(eval_ctx, *args, **kwargs)
        parts = self._kept.get(key, _UNSEEN)
        if parts is None:
            return self._macro(eval_ctx, *args, **kwargs)
        if parts is _UNSEEN or parts is _SEEN_ONCE:
            return self._learn(key, eval_ctx, args, kwargs, slots, names, parts is _SEEN_ONCE)
        html = _fill(parts, slots)
        return Markup(html) if eval_ctx.autoescape else html

    def _learn(self, key: Any, eval_ctx: EvalContext, args: Any, kwargs: Any, slots: list, names: frozenset, seen: bool) -> Any:
        """Learn a shape the second time it is asked for: most shapes a page asks for once (a form
        field with its item's id) are never asked for again."""
        made = self._macro(eval_ctx, *args, **kwargs)
        if len(self._kept) >= _SHAPES_KEPT:
            self._kept.clear()
        if not seen:
            self._kept[key] = _SEEN_ONCE
            return made
        probes: list = []
        probed = str(self._macro(eval_ctx, *_probed(args, probes, names), **_probed(kwargs, probes, names)))
        parts: Optional[list] = []
        found = set()
        pieces = _PROBE.split(probed)
        for n in range(0, len(pieces), 5):
            parts.append(pieces[n])  # type: ignore[union-attr]
            if n + 1 < len(pieces):
                index, sign, blank, indented = pieces[n + 1 : n + 5]
                if int(index) >= len(probes) or (blank is None) == ("\x00eF" in probes[int(index)]):
                    parts = None  # another macro's probe (it is learning), or one of several lines shown without them
                    break
                found.add(int(index))
                parts.append((int(index), sign != "<", blank, indented))  # type: ignore[union-attr]
        if parts is None or (
            found != set(range(len(probes))) or any("\x00" in piece for piece in parts[::2]) or _fill(parts, slots) != str(made)
        ):
            parts = None
        self._kept[key] = parts
        return made


def _fill(parts: list, slots: list) -> str:
    """The kept output with these words in its slots: each escaped, and its lines after the first
    indented, as the macro did to its probe."""
    out = []
    for part in parts:
        if type(part) is str:
            out.append(part)
            continue
        index, escaped, blank, indented = part
        words = slots[index]
        if indented is not None:
            first, *more = str(words).split("\n")  # as text: Markup would escape the lines it joins
            words = first + "".join("\n" + (indented + line if line else blank) for line in more)
        out.append(str(escape(words)) if escaped else str(words))
    return "".join(out)


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


_ADDRESSES_KEPT = 20_000


def url_for(endpoint: str, **values: Any) -> str:
    """Flask's `url_for` for templates, the common case made directly: an address in this app for
    the request being answered (no anchor, method, scheme or blueprint-relative name, and no
    `url_defaults` functions to call), which is the request's URL adapter's `build` with the same
    arguments Flask would pass. A big care plan asks for 500 addresses; every page asks for the
    same few (its stylesheets and scripts, the record's pages), so each is kept once built, by
    everything the adapter builds it from."""
    context = _cv_request.get(None)
    adapter = context.url_adapter if context is not None else None
    if adapter is None or endpoint[:1] == "." or context.app.url_default_functions or any(name[:1] == "_" for name in values):  # type: ignore[union-attr]
        return flask_url_for(endpoint, **values)
    kept: dict = context.app.extensions.setdefault("oneplan_addresses", {})  # type: ignore[union-attr]
    try:
        # The value's type too: True and 1 are equal keys, and build different addresses.
        key: Any = (adapter.script_name, adapter.server_name, adapter.subdomain, adapter.url_scheme, endpoint) + tuple(
            (name, type(value), value) for name, value in values.items()
        )
        address = kept.get(key)
    except TypeError:  # a value that cannot be a key (a list of values for a query parameter)
        key, address = None, None
    if address is not None:
        return address
    try:
        address = adapter.build(endpoint, values, method=None, url_scheme=None, force_external=False)
    except BuildError:
        return flask_url_for(endpoint, **values)  # Flask's own handling of what cannot be built
    if key is not None:
        if len(kept) >= _ADDRESSES_KEPT:
            kept.clear()
        kept[key] = address
    return address


def init_app(app: Any) -> None:
    # `undefined` is how a template leaves out an NHS.UK macro's parameter ("hint": ... if hint else undefined).
    app.add_template_global(ChainableUndefined(name="undefined"), "undefined")
    app.add_template_global(site_header, "site_header")
    # The addresses a list or plan repeats for each row, made from a kept pattern (app/web/addresses.py).
    app.add_template_global(address, "address")
    if app.config.get("FAST_RENDERING", True):
        app.jinja_env.filters["indent"] = indent
        app.add_template_global(url_for, "url_for")


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
