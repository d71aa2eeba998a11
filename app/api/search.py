"""Searches: the parameters a search takes (those the CapabilityStatement declares, and nothing
else), and the `searchset` Bundle it answers, a page at a time by `_count` and `_offset`, with
`total` and a `next` link while there is more."""

from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from app.api.capability import PAGING, SERVED

DEFAULT_COUNT = 20
MAX_COUNT = 100


class BadSearch(Exception):
    """A search the server cannot do: an unknown parameter or a value it cannot read (a 400)."""

    def __init__(self, message: str, expression: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.expression = expression


@dataclass(frozen=True)
class Search:
    resource_type: str
    params: dict[str, str]
    count: int
    offset: int


def read(resource_type: str, args: MultiDict) -> Search:
    """The search's parameters, checked against what this resource declares (strict: an unknown
    parameter is refused rather than ignored, so nobody takes a wider result for a narrow one)."""
    declared = {name for name, _, _ in SERVED[resource_type].search}
    params: dict[str, str] = {}
    for name in args:
        if name not in declared and name not in PAGING:
            raise BadSearch(
                f"{resource_type} cannot be searched by {name!r}; it takes " + ", ".join(sorted(declared | set(PAGING[:2]))) + ".", name
            )
        values = args.getlist(name)
        if len(values) > 1:
            raise BadSearch(f"Give {name} once.", name)
        if name not in PAGING:
            params[name] = values[0].strip()
    return Search(resource_type, params, _number(args, "_count", DEFAULT_COUNT, 1, MAX_COUNT), _number(args, "_offset", 0, 0, None))


def _number(args: MultiDict, name: str, default: int, least: int, most: Optional[int]) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise BadSearch(f"{name} must be a whole number, at least {least}.", name)
    return min(int(raw), most) if most is not None else int(raw)


def history_count(args: MultiDict) -> int:
    """How many versions a _history answers (_count, at most 100; 50 unless asked)."""
    for name in args:
        if name not in PAGING:
            raise BadSearch(f"_history takes only _count, not {name!r}.", name)
    return _number(args, "_count", 50, 1, MAX_COUNT)


def reference_id(search: Search, name: str, resource_type: str) -> Optional[int]:
    """The id in a reference parameter (`patient=7` or `patient=Patient/7`); None if not given."""
    raw = search.params.get(name)
    if raw is None:
        return None
    value = raw.removeprefix(f"{resource_type}/")
    if not value.isdigit():
        raise BadSearch(f"{name} must be a {resource_type} id or {resource_type}/<id>, not {raw!r}.", name)
    return int(value)


def token(search: Search, name: str) -> Optional[tuple[Optional[str], str]]:
    """A token parameter as (system or None, code)."""
    raw = search.params.get(name)
    if raw is None:
        return None
    system, bar, code = raw.rpartition("|")
    return (system if bar else None), code


def bundle(base_url: str, search: Search, total: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A searchset Bundle: this page's resources, how many match in all, and links to this page and the next."""

    def link(offset: int) -> str:
        query = urlencode({**search.params, "_count": search.count, "_offset": offset})
        return f"{base_url}/{search.resource_type}?{query}"

    links = [{"relation": "self", "url": link(search.offset)}]
    if search.offset + search.count < total:
        links.append({"relation": "next", "url": link(search.offset + search.count)})
    if search.offset > 0:
        links.append({"relation": "previous", "url": link(max(0, search.offset - search.count))})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": f"{base_url}/{found['resourceType']}/{found['id']}", "resource": found, "search": {"mode": "match"}}
            for found in resources
        ],
    }


def history_bundle(base_url: str, resource_type: str, resources: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "history",
        "total": total,
        "entry": [
            {
                "fullUrl": f"{base_url}/{resource_type}/{found['id']}",
                "resource": found,
                "request": {"method": "PUT", "url": f"{resource_type}/{found['id']}"},
                "response": {"status": "200", "etag": f'W/"{found["meta"]["versionId"]}"', "lastModified": found["meta"]["lastUpdated"]},
            }
            for found in resources
        ],
    }
