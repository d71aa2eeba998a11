"""Every htmx request gets its block of the page, never a server error: a block rendered alone
sees only what is defined inside it (jinja2-fragments renders the block, not the template's top),
and a page asked for with any query string, even one naming Flask's own keywords, still renders."""

import ast
import re
from html import unescape

from jinja2 import nodes

from app.config import ROOT
from tests.conftest import AuthActions
from tests.web.test_bad_input import crawled, world  # noqa: F401  (the crawl's fixtures)

# Names a visitor could put in a query string that are also url_for's, or Flask's, own words.
FLASK_WORDS = {"endpoint": "x", "_method": "POST", "_external": "1", "_scheme": "javascript", "_anchor": "x", "values": "x"}
HTMX = {"HX-Request": "true"}


def _fragments() -> set[tuple[str, str]]:
    """(template, block) for every `render(template, block, ...)` in app/."""
    found = set()
    for path in (ROOT / "app").rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(call, ast.Call)
                and getattr(call.func, "id", getattr(call.func, "attr", None)) == "render"
                and len(call.args) >= 2
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args[:2])
            ):
                found.add((call.args[0].value, call.args[1].value))
    return found


def _macros(node: nodes.Node) -> set[str]:
    """The macros a template (or part of one) defines or imports."""
    names: set[str] = set()
    for macro in node.find_all(nodes.Macro):
        names.add(macro.name)
    for imported in node.find_all(nodes.FromImport):
        names |= {n[1] if isinstance(n, tuple) else n for n in imported.names}
    for imported in node.find_all(nodes.Import):
        names.add(imported.target)
    return names


def _defined(node: nodes.Node) -> set[str]:
    """The names a template (or part of one) defines: macros, imports and sets."""
    names = _macros(node)
    for assign in (*node.find_all(nodes.Assign), *node.find_all(nodes.AssignBlock)):
        names |= {n.name for n in assign.target.find_all(nodes.Name)} | (
            {assign.target.name} if isinstance(assign.target, nodes.Name) else set()
        )
    return names


def _used(env, node: nodes.Node) -> set[str]:
    """The names a part of a template reads, including those read by templates it includes."""
    used = {n.name for n in node.find_all(nodes.Name) if n.ctx == "load"}
    for include in node.find_all(nodes.Include):
        if isinstance(include.template, nodes.Const):
            included = env.parse(env.loader.get_source(env, include.template.value)[0])
            used |= _used(env, included) - _defined(included)
    return used


def test_every_block_rendered_for_htmx_defines_the_macros_and_imports_it_uses(app):
    env = app.jinja_env
    fragments = _fragments()
    assert len(fragments) >= 10, fragments
    missing = []
    for template, block_name in sorted(fragments):
        tree = env.parse(env.loader.get_source(env, template)[0])
        block = next(b for b in tree.find_all(nodes.Block) if b.name == block_name)
        outside = _macros(tree) - _defined(block)
        for name in sorted(_used(env, block) & outside):
            missing.append(f"{template} block {block_name!r} uses {name!r}, defined only outside the block")
    assert not missing, "\n".join(missing)


def _hx_gets(body: str) -> list[str]:
    return [unescape(url) for url in re.findall(r'hx-get="(/[^"]*)"', body)]


def test_every_page_and_htmx_address_answers_an_htmx_request_without_a_server_error(crawled):  # noqa: F811
    tried = 0
    for role, (client, pages, _forms) in crawled.items():
        addresses = set(pages) | {url for body in pages.values() for url in _hx_gets(body)}
        for url in sorted(addresses):
            response = client.get(url, headers=HTMX)
            tried += 1
            assert response.status_code < 500, (role, url, response.status_code)
    assert tried > 100


def test_no_page_breaks_on_a_query_string_naming_flasks_own_keywords(crawled):  # noqa: F811
    tried = 0
    for role, (client, pages, _forms) in crawled.items():
        for url in sorted(pages):
            for name, value in FLASK_WORDS.items():
                joined = f"{url}{'&' if '?' in url else '?'}{name}={value}&page=2"
                for headers in ({}, HTMX):
                    response = client.get(joined, headers=headers)
                    tried += 1
                    assert response.status_code < 500, (role, joined, headers, response.status_code)
                    assert "javascript:" not in response.get_data(as_text=True), (role, joined)
    assert tried > 100


def test_a_filtered_list_of_users_is_served_to_htmx_as_its_results_block(client, db, world):  # noqa: F811
    AuthActions(client).sign_in("admin")
    response = client.get(f"/admin/users?agency={world.nursing.id}&role=", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="results">') and "nurse" in body


def test_the_access_log_is_served_to_htmx_as_its_log_block(client, db, world):  # noqa: F811
    AuthActions(client).sign_in("nurse")
    response = client.get(f"/people/{world.person.id}/access-log", headers=HTMX)
    assert response.status_code == 200 and response.get_data(as_text=True).lstrip().startswith('<div id="log">')


def test_the_referral_queue_keeps_its_filters_but_not_flasks_keywords(client, db, world):  # noqa: F811
    AuthActions(client).sign_in("coordinator")
    for query in ("endpoint=x", "_method=POST", "_external=1&_scheme=javascript"):
        response = client.get(f"/referrals?status=all&{query}")
        assert response.status_code == 200, query
        refresh = re.search(r'id="queue" hx-get="([^"]+)"', response.get_data(as_text=True)).group(1)
        assert unescape(refresh).startswith("/referrals?") and "status=all" in refresh, refresh
