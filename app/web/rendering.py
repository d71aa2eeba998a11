"""One template per page; htmx requests get one block of it, so the markup exists once. And
templates that fail loudly: a misspelt name in a OnePlan template is an error, not an empty string."""

import sys
from collections.abc import Mapping
from types import FrameType
from typing import Any, Optional

from flask import render_template, request
from jinja2 import BytecodeCache, ChainableUndefined, StrictUndefined, UndefinedError
from jinja2.bccache import Bucket
from jinja2.utils import missing
from jinja2_fragments.flask import render_block

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
        if _asked_by_oneplan_template() and (obj is missing or not isinstance(obj, (Mapping, ChainableUndefined))):
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


def init_app(app: Any) -> None:
    # `undefined` is how a template leaves out an NHS.UK macro's parameter ("hint": ... if hint else undefined).
    app.add_template_global(ChainableUndefined(name="undefined"), "undefined")


def _asked_by_oneplan_template() -> bool:
    """Whether the template code that asked (directly, or through Jinja's attribute lookup) is ours."""
    frame: Optional[FrameType] = sys._getframe(2)
    for _ in range(2):
        if frame is None:
            return False
        filename = frame.f_code.co_filename
        if filename.startswith(TEMPLATES):
            return True
        if not filename.endswith("environment.py"):
            return False
        frame = frame.f_back
    return False
