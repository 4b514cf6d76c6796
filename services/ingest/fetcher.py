"""HTTP fetching for feeds and pages: conditional GET, size and redirect limits, address policy.

Every hop of a request is checked against the address policy (``check_address``) before it is
sent, and the address actually connected to is checked again once the response headers arrive.
The second check narrows the DNS-rebinding gap (a name resolving to a public address for the
check, then to an internal one for the connection): the request still goes out, but its response
is never read nor returned. Pinning the checked address in the connection would close the gap;
httpx 0.28 has no public hook for that, so in sensitive networks an egress firewall remains the
real protection.

Failures raise ``FetchError`` with a ``kind``:

- ``bad-url``: not an http(s) URL (also a redirect to one);
- ``blocked-address``: the policy refuses an address (``BlockedAddressError``);
- ``dns``: the host name cannot be resolved;
- ``connect``, ``timeout``, ``network``: the connection failed, timed out or broke (one wait
  over its timeout, or the whole fetch over ``total_timeout_s``: checked as each part of the
  body arrives, so a fetch ends at most one read timeout past it);
- ``too-large``: the body exceeds ``max_response_bytes`` on the wire, or once decoded, or at any
  step of its decoding;
- ``too-many-redirects``; ``bad-redirect`` (a 3xx without a Location);
- ``decode``: the body cannot be decoded: corrupt or truncated compressed data, a coding other
  than gzip/x-gzip/deflate/identity, or more than two codings stacked.

Content-Encoding is decoded here, not by httpx: httpx inflates each network read in one go (a
64 KiB read of double-gzipped zeros is gigabytes), so the size limit would only be checked after
the memory is spent. Each coding is inflated in pieces of at most 64 KiB and every step's output
is counted against the limit as it is produced, so a fetch holds at most the limit plus a few
pieces whatever the body. Two stacked codings are accepted (a proxy gzipping a gzipped answer
happens); more only multiply the work and are refused. A compressed *file*
(``application/gzip`` with no Content-Encoding) is returned as it came: nothing downstream
inflates it.
- ``http-<status>`` for any status >= 400, with ``retry_after_s`` on 429/503.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self, TypeGuard

import httpx

from services.ingest.errors import BlockedAddressError, FetchError
from services.ingest.politeness import HostLimiter
from services.ingest.settings import FetchSettings

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Sequence[tuple[Any, ...]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# zlib window bits per coding; deflate is zlib-wrapped per RFC 9110, raw from some servers.
_CODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_MAX_CODINGS = 2
_PIECE = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}

# (network, reason, refused even with allow_private); the first match decides, so the metadata
# addresses come before the private ranges that contain some of them.
_RULES: tuple[tuple[_Network, str, bool], ...] = tuple(
    (ipaddress.ip_network(cidr), reason, always)
    for cidr, reason, always in (
        # Instance-metadata and platform endpoints.
        ("169.254.169.254/32", "metadata", True),  # AWS, GCP, Azure, OpenStack, Oracle, DO...
        ("169.254.170.2/32", "metadata", True),  # AWS ECS task metadata and credentials
        ("fd00:ec2::254/128", "metadata", True),  # AWS IMDS over IPv6
        ("fd20:ce::254/128", "metadata", True),  # GCP metadata server over IPv6
        ("100.100.100.200/32", "metadata", True),  # Alibaba Cloud
        ("168.63.129.16/32", "metadata", True),  # Azure WireServer (platform host)
        ("192.0.0.192/32", "metadata", True),  # Oracle Cloud Classic
        # Never a place for a feed, or dangerous to reach.
        ("0.0.0.0/8", "unspecified", True),  # 0.0.0.0 reaches the local host on Linux
        ("::/128", "unspecified", True),
        ("169.254.0.0/16", "link-local", True),
        ("fe80::/10", "link-local", True),
        ("224.0.0.0/4", "multicast", True),
        ("ff00::/8", "multicast", True),
        ("240.0.0.0/4", "reserved", True),  # includes 255.255.255.255
        ("192.0.0.0/24", "reserved", True),  # IETF protocol assignments
        ("192.0.2.0/24", "reserved", True),  # documentation
        ("198.51.100.0/24", "reserved", True),
        ("203.0.113.0/24", "reserved", True),
        ("192.88.99.0/24", "reserved", True),  # deprecated 6to4 relay anycast
        ("2001::/23", "reserved", True),  # IETF assignments, Teredo (an IPv4 in disguise)
        ("2001:db8::/32", "reserved", True),  # documentation
        ("3fff::/20", "reserved", True),
        # Refused unless allow_private (development, tests, feeds on an internal network).
        ("127.0.0.0/8", "loopback", False),
        ("::1/128", "loopback", False),
        ("10.0.0.0/8", "private", False),
        ("172.16.0.0/12", "private", False),
        ("192.168.0.0/16", "private", False),
        ("fc00::/7", "private", False),
        ("64:ff9b:1::/48", "private", False),  # local-use NAT64
        ("100.64.0.0/10", "shared", False),  # carrier-grade NAT
        # Benchmarking; also what "fake-IP" DNS proxies hand out, so private rather than reserved.
        ("198.18.0.0/15", "private", False),
    )
)
# Outside global unicast (and the ULA/loopback ranges above) IPv6 is unallocated or special.
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def refusal(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why the policy refuses ``ip`` (``"metadata"``, ``"loopback"``...), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(int(ip))  # drop any zone id
        # An IPv6 address that stands for an IPv4 one is judged as that IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded, allow_private=allow_private)
    for network, reason, always in _RULES:
        if ip in network:
            return None if allow_private and not always else reason
    if ip.version == 6 and ip not in _GLOBAL_UNICAST_V6:
        return "reserved"
    return None


def check_address(host: str, port: int, *, allow_private: bool, resolver: Resolver) -> None:
    """Resolve ``host``; raise ``BlockedAddressError`` if the policy refuses any of its addresses.

    Every address counts, not just the first: the connection may use any of them. IP literals
    in odd spellings (``0x7f.1``, ``2130706433``) are judged by what the resolver makes of them.
    """
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        infos = resolver(name, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError("dns", f"cannot resolve {name!r}: {exc}") from exc
    if not infos:
        raise FetchError("dns", f"{name!r} resolves to no address")
    for info in infos:
        sockaddr = info[4]
        try:
            ip = ipaddress.ip_address(str(sockaddr[0]))
        except ValueError:
            # Fail closed on anything that is not an IP address (another address family).
            raise BlockedAddressError(f"{name!r} resolves to {sockaddr!r}") from None
        reason = refusal(ip, allow_private=allow_private)
        if reason is not None:
            raise BlockedAddressError(f"{name!r} resolves to {ip} ({reason})")


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful fetch: a 2xx with its body, or a 304 (``content`` empty)."""

    status: int
    url: str
    content: bytes
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    max_age_s: float | None
    elapsed_s: float


def parse_max_age(cache_control: str | None) -> float | None:
    """``max-age`` of a Cache-Control value; None when absent, malformed, or no-cache/no-store."""
    if not cache_control:
        return None
    directives: dict[str, str] = {}
    for part in cache_control.split(","):
        name, _, value = part.partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if "no-cache" in directives or "no-store" in directives:
        return None
    try:
        seconds = float(directives["max-age"])
    except (KeyError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After in seconds from ``now`` (epoch): delta-seconds or an HTTP-date."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT
    return max(0.0, when.timestamp() - now)


@contextmanager
def _transport_errors(url: httpx.URL) -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException as exc:  # connect, read, write or pool
        raise FetchError("timeout", f"{url}: {type(exc).__name__}") from exc
    except httpx.ConnectError as exc:
        raise FetchError("connect", f"{url}: {exc}") from exc
    except httpx.TransportError as exc:
        raise FetchError("network", f"{url}: {type(exc).__name__}: {exc}") from exc
    except httpx.DecodingError as exc:
        raise FetchError("decode", f"{url}: {exc}") from exc


class Fetcher:
    """Fetches URLs within the ``FetchSettings`` limits; one instance serves every worker."""

    def __init__(
        self,
        settings: FetchSettings,
        limiter: HostLimiter | None = None,
        resolver: Resolver = socket.getaddrinfo,
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.resolver = resolver
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.read_timeout_s,
            write=settings.read_timeout_s,
            pool=settings.connect_timeout_s,
        )
        # trust_env=False: going through an environment proxy would bypass the address policy.
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = DEFAULT_ACCEPT,
    ) -> FetchResult:
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": accept,
            "Accept-Encoding": "gzip, deflate",
        }
        # Sent on every hop: the validators describe the resource, wherever it has moved.
        if _header_safe(etag):
            headers["If-None-Match"] = etag
        if _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        started = time.monotonic()
        current = _parse_url(url)
        # Starts once the first hop has its per-host slot: queueing for politeness before the
        # first request is not fetching (a redirect's wait for its slot counts).
        deadline: float | None = None
        for _ in range(self.settings.max_redirects + 1):
            deadline, outcome = self._request(current, headers, deadline)
            if isinstance(outcome, str):
                target = _parse_url(outcome, base=current)
                log.debug("redirect from=%s to=%s", current, target)
                current = target
                continue
            status, response_headers, content = outcome
            not_modified = status == 304
            return FetchResult(
                status=status,
                url=str(current),
                content=content,
                headers=response_headers,
                # A 304 need not repeat the validators; the ones we sent still hold then.
                etag=response_headers.get("etag") or (etag if not_modified else None),
                last_modified=response_headers.get("last-modified")
                or (last_modified if not_modified else None),
                max_age_s=parse_max_age(response_headers.get("cache-control")),
                elapsed_s=time.monotonic() - started,
            )
        raise FetchError(
            "too-many-redirects", f"more than {self.settings.max_redirects} redirects from {url}"
        )

    def _request(
        self, url: httpx.URL, headers: dict[str, str], deadline: float | None
    ) -> tuple[float, str | tuple[int, dict[str, str], bytes]]:
        """One hop: the fetch's deadline, and the Location of a redirect or (status, headers,
        body) of a final answer."""
        host = url.raw_host.decode("ascii")
        port = url.port or _DEFAULT_PORTS[url.scheme]
        check_address(host, port, allow_private=self.settings.allow_private, resolver=self.resolver)
        with self._slot(host), _transport_errors(url):
            if deadline is None:
                deadline = time.monotonic() + self.settings.total_timeout_s
            # No single wait may run past the whole fetch's deadline either.
            left = self._time_left(deadline, url)
            timeout = httpx.Timeout(
                connect=min(self.settings.connect_timeout_s, left),
                read=min(self.settings.read_timeout_s, left),
                write=min(self.settings.read_timeout_s, left),
                pool=min(self.settings.connect_timeout_s, left),
            )
            request = self._client.build_request("GET", url, headers=headers, timeout=timeout)
            response = self._client.send(request, stream=True)
            try:
                self._check_peer(response, host)
                status = response.status_code
                if status in _REDIRECTS:
                    location: str = response.headers.get("location", "")
                    if not location:
                        raise FetchError(
                            "bad-redirect", f"{url} answered {status} without Location"
                        )
                    return deadline, location
                if status >= 400:
                    raise _status_error(response, url)
                content = b"" if status == 304 else self._read_body(response, url, deadline)
            finally:
                response.close()
        return deadline, (status, dict(response.headers.items()), content)

    def _slot(self, host: str) -> AbstractContextManager[None]:
        return self.limiter.slot(host) if self.limiter is not None else nullcontext()

    def _check_peer(self, response: httpx.Response, host: str) -> None:
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            return
        ip = ipaddress.ip_address(str(peer[0]))
        reason = refusal(ip, allow_private=self.settings.allow_private)
        if reason is not None:
            raise BlockedAddressError(f"{host!r} connected to {ip} ({reason})")

    def _time_left(self, deadline: float, url: httpx.URL) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(
                "timeout", f"{url}: fetch took over {self.settings.total_timeout_s:g} s in all"
            )
        return left

    def _read_body(self, response: httpx.Response, url: httpx.URL, deadline: float) -> bytes:
        limit = self.settings.max_response_bytes
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise FetchError("too-large", f"{url} declares {declared} bytes (limit {limit})")
        codings = _codings(response.headers.get("content-encoding", ""), url)
        stream = self._raw(response, url, deadline)
        for coding in reversed(codings):  # the last coding applied comes off first
            stream = _inflate(stream, coding, limit, url)
        body = bytearray()
        for piece in stream:
            body += piece
            if len(body) > limit:
                raise FetchError("too-large", f"{url} sent more than {limit} bytes")
        return bytes(body)

    def _raw(self, response: httpx.Response, url: httpx.URL, deadline: float) -> Iterator[bytes]:
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > self.settings.max_response_bytes:
                raise FetchError(
                    "too-large",
                    f"{url} sent more than {self.settings.max_response_bytes} bytes",
                )
            # A server dripping bytes never trips the read timeout: the deadline ends it.
            self._time_left(deadline, url)
            yield chunk

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _codings(header: str, url: httpx.URL) -> list[str]:
    """The Content-Encoding's codings in the order they were applied (identity left out)."""
    codings = [c for c in (part.strip().lower() for part in header.split(",")) if c]
    codings = [c for c in codings if c != "identity"]
    unknown = sorted({c for c in codings if c not in _CODINGS})
    if unknown:
        raise FetchError("decode", f"{url}: unsupported Content-Encoding {', '.join(unknown)}")
    if len(codings) > _MAX_CODINGS:
        raise FetchError(
            "decode", f"{url}: {len(codings)} stacked Content-Encodings (at most {_MAX_CODINGS})"
        )
    return codings


def _inflate(chunks: Iterator[bytes], coding: str, limit: int, url: httpx.URL) -> Iterator[bytes]:
    """``chunks`` decoded from ``coding``, in pieces of at most ``_PIECE`` bytes; more than
    ``limit`` bytes in all is ``too-large`` as soon as it is produced."""
    wbits = _CODINGS[coding]
    inflater = zlib.decompressobj(wbits)
    produced = 0
    started = False  # some input inflated without error
    for chunk in chunks:
        data, more = chunk, bool(chunk)
        while more:
            if inflater.eof:
                if not data or wbits != _CODINGS["gzip"]:
                    break  # bytes after a deflate stream are ignored, as zlib does
                inflater = zlib.decompressobj(wbits)  # a further gzip member
            try:
                piece = inflater.decompress(data, _PIECE)
            except zlib.error as exc:
                if coding == "deflate" and not started and wbits > 0:
                    wbits = -zlib.MAX_WBITS  # raw deflate, without the zlib wrapper
                    inflater = zlib.decompressobj(wbits)
                    continue
                raise FetchError("decode", f"{url}: corrupt {coding} data: {exc}") from exc
            started = True
            # Input whose output did not fit the piece waits in unconsumed_tail; a full piece
            # may also leave output pending inside zlib: ask again, with no new input.
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
            more = bool(data) or (len(piece) == _PIECE and not inflater.eof)
            produced += len(piece)
            if produced > limit:
                raise FetchError("too-large", f"{url}: {coding} data inflates past {limit} bytes")
            if piece:
                yield piece
    if started and not inflater.eof:
        raise FetchError("decode", f"{url}: truncated {coding} data")


def _header_safe(value: str | None) -> TypeGuard[str]:
    """Whether a stored validator can be sent back: a server's odd bytes (non-ASCII, line
    breaks) must cost a conditional GET, not make every future request of the feed fail."""
    if not value:
        return False
    return value.isascii() and value.isprintable()


def _parse_url(url: str, base: httpx.URL | None = None) -> httpx.URL:
    try:
        parsed = base.join(url) if base is not None else httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError("bad-url", f"invalid URL {url!r}: {exc}") from exc
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.raw_host:
        raise FetchError("bad-url", f"not an http(s) URL: {url!r}")
    return parsed


def _status_error(response: httpx.Response, url: httpx.URL) -> FetchError:
    status = response.status_code
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
    return FetchError(
        f"http-{status}", f"{url} answered {status}", status=status, retry_after_s=retry_after
    )
