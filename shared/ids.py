"""The article-id rule, computed here and only here.

id = hex sha256 of the canonical URL (UTF-8), so anyone can recompute it from a link; when an entry
has no usable URL, sha256 of ``"guid:" + GUID``; when it has neither, sha256 of
``"content:" + content hash``. The prefixes keep the fallbacks apart from URL ids.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
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


@lru_cache(maxsize=8192)  # called at several steps for the same URL
def canonical_url(url: str) -> str | None:
    """Return the canonical form of an http(s) URL, or None when it is not one.

    Lower-case scheme and host, default port dropped, fragment dropped, tracking parameters
    removed, remaining parameters kept in their order, empty path -> "/".
    """
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
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def content_hash(title: str, body: str) -> str:
    """Hash of what an article says; a change of it makes a new version of the same article."""
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
