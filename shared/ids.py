"""The article-id rule, computed here and only here.

id = hex sha256 of the canonical URL (UTF-8), so anyone can recompute it from a link; when an entry
has no usable URL, sha256 of ``"guid:" + GUID``; when it has neither, sha256 of
``"content:" + content hash``. The prefixes keep the fallbacks apart from URL ids.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; they never change which article a URL names.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_hsenc",
        "_hsmi",
        "ref_src",
        "cmpid",
        "xtor",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str | None:
    """Return the canonical form of an http(s) URL, or None when it is not one.

    Lower-case scheme and host, default port dropped, fragment dropped, tracking parameters
    removed, remaining parameters kept in their order, empty path -> "/".
    """
    # Called at several steps for the same URL (build, id, validation): cached, and a canonical
    # URL is its own canonical form, so the next step finds it too.
    try:
        return _CANONICAL[url]
    except KeyError:
        pass
    result = _canonical_simple(url)
    if result is None:
        result = _canonical(url)
    if result is not None and result != url and not _PLAIN_HOST.match(result):
        # One pass may not reach the canonical form ("http://a/ ?" -> "http://a/ " ->
        # "http://a/"); a URL that has none ("http://[::1]:80@[[") is no URL.
        again = _canonical(result)
        result = again if again is not None and _canonical(again) == again else None
    if len(_CANONICAL) >= _CANONICAL_SIZE:
        _CANONICAL.clear()
    _CANONICAL[url] = result
    if result is not None:
        _CANONICAL[result] = result
    return result


_CANONICAL: dict[str, str | None] = {}
# An ordinary host name: the canonical form of such a URL is known to be stable (path and query
# come out of one pass already in their canonical form); anything odder is checked.
_PLAIN_HOST = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[0-9]+)?/\S*\Z")
_CANONICAL_SIZE = 16_384


# Most URLs: lower-case host, no port, a query of plain name=value pairs. For them the general
# path's urlsplit/parse_qsl/urlencode round trip changes nothing but the tracking parameters and
# the fragment, so they are cut here directly (a property test checks both paths agree).
# Path and fragment: printable ASCII without space (nothing strip() or urlsplit would remove).
_SIMPLE = re.compile(
    r'(https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*)(/[!"$->@-~]*)?(?:\?([\w.~=&-]*))?(?:#[!-~]*)?\Z',
    re.ASCII,
)


def _canonical_simple(url: str) -> str | None:
    """The canonical form of a simple URL; None when the URL is not simple (or not a URL)."""
    match = _SIMPLE.match(url)
    if match is None:
        return None
    base, path, query = match.groups()
    kept = []
    for pair in query.split("&") if query else ():
        if not pair:
            continue
        if pair.count("=") != 1:  # "a" and "a=b=c" are re-encoded by the general path
            return None
        if not _is_tracking(pair[: pair.index("=")]):
            kept.append(pair)
    return f"{base}{path or '/'}?{'&'.join(kept)}" if kept else f"{base}{path or '/'}"


def _canonical(url: str) -> str | None:
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if not host:  # "http://."
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = (
        urlencode(
            [
                (k, v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
                if not _is_tracking(k)
            ]
        )
        if parts.query
        else ""
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def content_hash(title: str, body: str, *, clean: bool = False) -> str:
    """Hash of what an article says; a change of it makes a new version of the same article.

    ``clean``: the caller's texts are already normalised as ingest leaves them (words separated
    by one space, paragraphs by one blank line, nothing around): same hash, computed without
    splitting the text into words again.
    """
    if clean:
        normalised = title + "\n" + body.replace("\n\n", " ")
    else:
        normalised = " ".join(title.split()) + "\n" + " ".join(body.split())
    return hashlib.sha256(normalised.encode()).hexdigest()


def article_id(url: str | None, guid: str | None = None, title: str = "", body: str = "") -> str:
    """The stable id of an article (see the module docstring for the rule)."""
    if url:
        canonical = canonical_url(url)
        if canonical:
            return _sha256(canonical)
    if guid and guid.strip():
        return _sha256("guid:" + guid.strip())
    if not (title.strip() or body.strip()):
        raise ValueError("an article needs a URL, a GUID or some content to have an id")
    return _sha256("content:" + content_hash(title, body))
