"""The two forms a real client fills in before it opens a socket, as a browser does:
the join form (``GET /j/<code>`` for the CSRF token, ``POST`` it with a name and a
profile, keep the ``semis_p<workshop id>`` cookie) and the facilitators' login form.

Each comes twice: over a ``requests.Session`` for the tests that drive a server from
threads, and over an ``aiohttp.ClientSession`` for the asyncio phones
(:mod:`testkit.phone`, the benchmark). The sessions are the caller's (their cookie jars
are the result); this module imports neither library. A page or an answer that is not
what a browser would get raises :class:`FormError` with what came instead.
"""

from __future__ import annotations

import re
from typing import Any

INPUT_TAG = re.compile(r"<input\b[^>]*\bname=[\"']csrf_token[\"'][^>]*>", re.IGNORECASE)
VALUE_ATTR = re.compile(r"\bvalue=[\"']([^\"']+)[\"']", re.IGNORECASE)
PROFILE = "citizen"


class FormError(AssertionError):
    """A form page or a form's answer was not what a browser gets. An AssertionError,
    so that a test reports it as a failed check."""


def csrf_token(html: str, where: str = "the page") -> str:
    """The hidden ``csrf_token`` input of the form in ``html`` (the server checks it)."""
    tag = INPUT_TAG.search(html)
    if tag is None:
        raise FormError(f"no csrf_token input on {where}:\n{html[:2000]}")
    value = VALUE_ATTR.search(tag.group(0))
    if value is None:
        raise FormError(f"a csrf_token input without a value on {where}: {tag.group(0)}")
    return value.group(1)


def join_url(base_url: str, code: str) -> str:
    return f"{base_url}/j/{code}"


def participant_cookie_name(workshop_id: int) -> str:
    return f"semis_p{workshop_id}"


def _expect(status: int, wanted: int, what: str, text: str) -> None:
    if status != wanted:
        raise FormError(f"{what} answered {status}, not {wanted}:\n{text[:1000]}")


# ------------------------------------------------------------------- requests (threads)


def page_token(http: Any, url: str, timeout: float) -> str:
    """``GET url`` on a ``requests.Session``; the CSRF token of its form."""
    page = http.get(url, timeout=timeout)
    _expect(page.status_code, 200, f"GET {url}", page.text)
    return csrf_token(page.text, url)


def join(http: Any, base_url: str, code: str, display_name: str, timeout: float) -> Any:
    """Fill in the join form on a ``requests.Session``: the ``302`` answer (the session
    keeps the participant cookie)."""
    url = join_url(base_url, code)
    form = {"csrf_token": page_token(http, url, timeout), "display_name": display_name}
    response = http.post(
        url, data=form | {"profile": PROFILE}, allow_redirects=False, timeout=timeout
    )
    _expect(response.status_code, 302, f"POST {url}", response.text)
    return response


def sign_in(http: Any, base_url: str, email: str, password: str, timeout: float) -> Any:
    """Sign a facilitator in through the login form on a ``requests.Session``: the
    ``302`` answer (the session keeps the login cookie)."""
    url = f"{base_url}/login"
    form = {"csrf_token": page_token(http, url, timeout), "email": email, "password": password}
    response = http.post(url, data=form, allow_redirects=False, timeout=timeout)
    _expect(response.status_code, 302, f"POST {url}", response.text)
    return response


def cookie_header(http: Any) -> str:
    """Every cookie of a ``requests.Session`` as one ``Cookie`` header."""
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


# ------------------------------------------------------------------- aiohttp (asyncio)


async def page_token_async(http: Any, url: str) -> str:
    """``GET url`` on an ``aiohttp.ClientSession``; the CSRF token of its form."""
    async with http.get(url) as page:
        text = await page.text()
        _expect(page.status, 200, f"GET {url}", text)
        return csrf_token(text, url)


async def join_async(http: Any, base_url: str, code: str, workshop_id: int, name: str) -> str:
    """Fill in the join form on an ``aiohttp.ClientSession`` (its jar must accept the
    cookies of an IP address host: ``CookieJar(unsafe=True)``); the participant cookie
    as a ``Cookie`` header."""
    url = join_url(base_url, code)
    token = await page_token_async(http, url)
    form = {"csrf_token": token, "display_name": name, "profile": PROFILE}
    async with http.post(url, data=form, allow_redirects=False) as response:
        _expect(response.status, 302, f"POST {url}", await response.text())
        cookie = participant_cookie_name(workshop_id)
        morsel = response.cookies.get(cookie)
        if morsel is None:
            raise FormError(f"POST {url} set no {cookie} cookie")
        return f"{cookie}={morsel.value}"


async def sign_in_async(http: Any, base_url: str, email: str, password: str) -> str:
    """Sign a facilitator in on an ``aiohttp.ClientSession`` (jar as for
    :func:`join_async`); every cookie of the jar as a ``Cookie`` header."""
    url = f"{base_url}/login"
    form = {"csrf_token": await page_token_async(http, url), "email": email, "password": password}
    async with http.post(url, data=form, allow_redirects=False) as response:
        _expect(response.status, 302, f"POST {url}", await response.text())
    return "; ".join(f"{cookie.key}={cookie.value}" for cookie in http.cookie_jar)
