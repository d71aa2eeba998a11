"""Nothing OnePlan answers is kept in a cache, except the design system's own files: every page,
htmx block, redirect and error, for every kind of user, says Cache-Control: no-store."""

from tests.web.test_bad_input import crawled, world  # noqa: F401  (the crawl's fixtures)
from tests.web.test_fragments import HTMX, _hx_gets


def test_every_page_block_redirect_and_error_says_no_store(crawled, client):  # noqa: F811
    checked = 0
    for role, (signed_in, pages, _forms) in crawled.items():
        addresses = set(pages) | {url for body in pages.values() for url in _hx_gets(body)} | {"/no-such-page", "/people/999999"}
        for url in sorted(addresses):
            for headers in ({}, HTMX):
                response = signed_in.get(url, headers=headers)
                assert response.headers.get("Cache-Control") == "no-store", (role, url, headers, response.status_code)
                checked += 1
    for url in ("/", "/sign-in", "/people/1", "/healthz"):  # signed out: the sign-in page and its redirects
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    assert checked > 100


def test_the_design_systems_files_may_be_cached(client):
    with client.get("/vendor/htmx/htmx.min.js") as response:  # a file's response holds the file open until closed
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
