"""The addresses a care plan repeats for every item: its change links, its handshake forms, its
"add a goal" links. A plan of 100 actions asks for 500 of them, and each is the same address
with other record ids in it.

`address` gives what `url_for` gives. The first time an endpoint is asked for with a given set of
arguments (the record ids aside), `url_for` builds it with stand-in ids; the address is kept as its
text around those ids, and every later one is that text with the real ids put in (the id
converter writes an id as its digits). Anything it cannot keep that way is `url_for`'s alone.
"""

from typing import Any, Optional

from flask import url_for
from flask.globals import _cv_request

# Stand-in ids: numbers no address of this app holds otherwise (the pattern is checked for them).
_STAND_IN = 987_654_321_000
_KEPT = 2048


def address(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` for an address in this app, from its kept pattern."""
    context = _cv_request.get(None)
    app = context.app if context is not None else None
    if app is None or not app.config.get("FAST_RENDERING", True) or app.url_default_functions:
        return url_for(endpoint, **values)
    ids = []
    key: list[Any] = [context.request.script_root, endpoint]  # type: ignore[union-attr]
    for name, value in values.items():
        if type(value) is int and value >= 0:
            ids.append(value)
            key.append(name)
        else:
            key.append((name, value))
    patterns: dict = app.extensions.setdefault("oneplan_plan_addresses", {})
    try:
        pattern = patterns.get(tuple(key), _UNSEEN)
    except TypeError:  # a value that cannot be part of a key
        return url_for(endpoint, **values)
    if pattern is _UNSEEN:
        if len(patterns) >= _KEPT:
            patterns.clear()
        pattern = patterns[tuple(key)] = _pattern(endpoint, values)
    if pattern is None:
        return url_for(endpoint, **values)
    out = [pattern[0]]
    for slot, text in pattern[1]:
        out.append(str(ids[slot]))
        out.append(text)
    return "".join(out)


_UNSEEN: Any = object()


def _is_id(value: Any) -> bool:
    return type(value) is int and value >= 0


def _pattern(endpoint: str, values: dict[str, Any]) -> Optional[tuple[str, list[tuple[int, str]]]]:
    """The address as its text around its ids: (the text before the first, [(which id, the text after it)]),
    or None when the ids cannot be told apart in it (the address is then always made by url_for)."""
    if any(name.startswith("_") for name in values):
        return None
    stand_ins: dict[str, int] = {}
    made = {}
    for name, value in values.items():
        if _is_id(value):
            value = stand_ins[name] = _STAND_IN + len(stand_ins)
        made[name] = value
    built = url_for(endpoint, **made)
    if not stand_ins:
        return (built, [])
    found = sorted((built.find(str(stand_in)), slot) for slot, stand_in in enumerate(stand_ins.values()))
    if any(built.count(str(stand_in)) != 1 for stand_in in stand_ins.values()) or found[0][0] < 0:
        return None
    head = built[: found[0][0]]
    tail = []
    for n, (at, slot) in enumerate(found):
        end = at + len(str(_STAND_IN + slot))
        tail.append((slot, built[end : found[n + 1][0]] if n + 1 < len(found) else built[end:]))
    return (head, tail)
