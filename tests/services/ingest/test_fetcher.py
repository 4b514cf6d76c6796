from __future__ import annotations

import gzip
import ipaddress
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator, Sequence
from email.utils import formatdate
from typing import Any

import pytest

from services.ingest import feeds, fulltext
from services.ingest.errors import BlockedAddressError, FeedParseError, FetchError
from services.ingest.fetcher import (
    Fetcher,
    check_address,
    parse_max_age,
    parse_retry_after,
    refusal,
)
from services.ingest.settings import FetchSettings
from tests.services.ingest.http_fixtures import Reply, ScriptedServer

FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
PUBLIC_IP = "93.184.216.34"


def fake_resolver(table: dict[str, list[str]]) -> Callable[[str, int], Sequence[tuple[Any, ...]]]:
    def resolve(host: str, port: int) -> list[tuple[Any, ...]]:
        if host not in table:
            # IP literals as the system would answer them, without looking anything up.
            return socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in table[host]
        ]

    return resolve


@pytest.fixture
def make_fetcher() -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def make(resolver: Any = socket.getaddrinfo, **overrides: Any) -> Fetcher:
        options: dict[str, Any] = {
            "allow_private": True,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 2.0,
            "max_response_bytes": 1024,
            "user_agent": "newswire-tests/1",
        }
        options.update(overrides)
        fetcher = Fetcher(FetchSettings(**options), resolver=resolver)
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def test_ok_captures_body_validators_and_headers(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script(
        "/feed",
        Reply(
            200,
            {
                "ETag": '"v1"',
                "Last-Modified": "Tue, 01 Jul 2025 10:00:00 GMT",
                "Content-Type": "application/rss+xml",
            },
            FEED,
        ),
    )
    result = make_fetcher().fetch(http_server.url("/feed"))
    assert result.status == 200
    assert result.content == FEED
    assert result.url == http_server.url("/feed")
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 01 Jul 2025 10:00:00 GMT"
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.max_age_s is None
    assert result.elapsed_s > 0
    sent = http_server.requests_for("/feed")[0].headers
    assert sent["user-agent"] == "newswire-tests/1"
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "application/rss+xml" in sent["accept"]
    assert "if-none-match" not in sent
    assert "if-modified-since" not in sent


def test_conditional_get_answers_not_modified(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/feed", Reply(304, {"Cache-Control": "max-age=120"}))
    result = make_fetcher().fetch(
        http_server.url("/feed"), etag='"v1"', last_modified="Tue, 01 Jul 2025 10:00:00 GMT"
    )
    assert result.status == 304
    assert result.content == b""
    # The 304 repeats no validator: the ones sent still hold.
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 01 Jul 2025 10:00:00 GMT"
    assert result.max_age_s == 120
    sent = http_server.requests_for("/feed")[0].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 01 Jul 2025 10:00:00 GMT"


def test_unsendable_validators_are_dropped(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/feed", Reply(200, {}, FEED))
    result = make_fetcher().fetch(
        http_server.url("/feed"), etag='"v\u00e9"', last_modified="Tue\r\nX-Injected: 1"
    )
    assert result.status == 200
    sent = http_server.requests[0].headers
    assert "if-none-match" not in sent
    assert "if-modified-since" not in sent
    assert "x-injected" not in sent


@pytest.mark.parametrize(
    ("cache_control", "expected"),
    [
        ("max-age=600", 600.0),
        ("public, max-age=300, must-revalidate", 300.0),
        ('private, max-age="60"', 60.0),
        ("no-cache, max-age=600", None),
        ("no-store", None),
        ("max-age=soon", None),
        ("max-age=-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_max_age(cache_control: str | None, expected: float | None) -> None:
    assert parse_max_age(cache_control) == expected


def test_max_age_from_response(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/feed", Reply(200, {"Cache-Control": "public, max-age=1800"}, FEED))
    assert make_fetcher().fetch(http_server.url("/feed")).max_age_s == 1800


def test_redirects_are_followed(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/old", Reply(301, {"Location": "/moved"}))
    http_server.script("/moved", Reply(302, {"Location": http_server.url("/final")}))
    http_server.script("/final", Reply(200, {}, FEED))
    result = make_fetcher().fetch(http_server.url("/old"), etag='"v1"')
    assert result.url == http_server.url("/final")
    assert result.content == FEED
    assert [r.path for r in http_server.requests] == ["/old", "/moved", "/final"]
    # Validators go with every hop.
    assert http_server.requests_for("/final")[0].headers["if-none-match"] == '"v1"'


def test_redirects_are_capped(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    for hop in range(3):
        http_server.script(f"/r{hop}", Reply(302, {"Location": f"/r{hop + 1}"}))
    http_server.script("/r3", Reply(200, {}, FEED))
    with pytest.raises(FetchError) as caught:
        make_fetcher(max_redirects=2).fetch(http_server.url("/r0"))
    assert caught.value.kind == "too-many-redirects"
    assert "/r3" not in [r.path for r in http_server.requests]
    assert make_fetcher(max_redirects=3).fetch(http_server.url("/r0")).content == FEED


def test_redirect_loop_is_capped(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/loop", Reply(307, {"Location": "/loop"}))
    with pytest.raises(FetchError) as caught:
        make_fetcher(max_redirects=4).fetch(http_server.url("/loop"))
    assert caught.value.kind == "too-many-redirects"
    assert len(http_server.requests_for("/loop")) == 5


def test_redirect_without_location(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/nowhere", Reply(302))
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(http_server.url("/nowhere"))
    assert caught.value.kind == "bad-redirect"


def test_too_large_by_content_length(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/big", Reply(200, {"Content-Length": "50000"}, b"x" * 16))
    with pytest.raises(FetchError) as caught:
        make_fetcher(max_response_bytes=1024).fetch(http_server.url("/big"))
    assert caught.value.kind == "too-large"
    assert "declares" in str(caught.value)


def test_too_large_while_streaming(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/stream", Reply(200, chunks=[b"x" * 600] * 4))
    http_server.script("/small", Reply(200, chunks=[b"y" * 500] * 2))
    fetcher = make_fetcher(max_response_bytes=1024)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/stream"))
    assert caught.value.kind == "too-large"
    assert fetcher.fetch(http_server.url("/small")).content == b"y" * 1000


def test_size_limit_applies_to_decoded_bytes(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    bomb = gzip.compress(b"a" * 200_000)
    assert len(bomb) < 1024
    http_server.script("/gz", Reply(200, {"Content-Encoding": "gzip"}, bomb))
    with pytest.raises(FetchError) as caught:
        make_fetcher(max_response_bytes=4096).fetch(http_server.url("/gz"))
    assert caught.value.kind == "too-large"


def test_gzip_body_is_decoded(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/gz", Reply(200, {"Content-Encoding": "gzip"}, gzip.compress(FEED)))
    assert make_fetcher().fetch(http_server.url("/gz")).content == FEED


def test_read_timeout(http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]) -> None:
    http_server.script("/slow", Reply(200, {}, FEED, delay_s=1.0))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        make_fetcher(read_timeout_s=0.2).fetch(http_server.url("/slow"))
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 0.9


def test_a_dripping_server_runs_into_the_total_deadline(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    # Each chunk comes well within the read timeout; the whole answer would take 4 s.
    http_server.script("/drip", Reply(200, {}, chunks=[b"<rss>"] * 40, chunk_delay_s=0.1))
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"over 0\.5 s in all") as caught:
        make_fetcher(read_timeout_s=1.0, total_timeout_s=0.5).fetch(http_server.url("/drip"))
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 1.5
    assert make_fetcher(total_timeout_s=10).fetch(http_server.url("/drip")).content == (
        b"<rss>" * 40
    )


@pytest.mark.parametrize("status", [404, 410, 500])
def test_error_status(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher], status: int
) -> None:
    http_server.script("/feed", Reply(status, {"Retry-After": "60"}, b"no"))
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(http_server.url("/feed"))
    assert caught.value.kind == f"http-{status}"
    assert caught.value.status == status
    assert caught.value.retry_after_s is None  # only meaningful on 429/503


def test_429_retry_after_seconds(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/feed", Reply(429, {"Retry-After": "120"}))
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(http_server.url("/feed"))
    assert caught.value.kind == "http-429"
    assert caught.value.retry_after_s == 120


def test_503_retry_after_http_date(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script(
        "/feed", Reply(503, {"Retry-After": formatdate(time.time() + 90, usegmt=True)})
    )
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(http_server.url("/feed"))
    assert caught.value.kind == "http-503"
    assert caught.value.retry_after_s is not None
    assert 85 <= caught.value.retry_after_s <= 91


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("  30 ", 30.0),
        ("-4", 0.0),
        ("Thu, 01 Jan 1970 00:16:40 GMT", 0.0),  # in the past
        ("Thu, 01 Jan 1970 00:33:20 GMT", 1000.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=1000.0) == expected


def test_connection_refused(make_fetcher: Callable[..., Fetcher]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(f"http://127.0.0.1:{port}/feed")
    assert caught.value.kind == "connect"


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/feed", "file:///etc/passwd", "feed.xml", "http:///feed", "http://[::1"],
)
def test_bad_url(make_fetcher: Callable[..., Fetcher], url: str) -> None:
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(url)
    assert caught.value.kind == "bad-url"


def test_redirect_to_another_scheme_is_refused(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/r", Reply(302, {"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(http_server.url("/r"))
    assert caught.value.kind == "bad-url"


def test_unparsable_location_is_a_fetch_error(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    # httpx rejects it while reading the response, as a protocol error.
    http_server.script("/broken", Reply(302, {"Location": "http://[::1/"}))
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(http_server.url("/broken"))
    assert caught.value.kind == "network"


def test_unresolvable_host(make_fetcher: Callable[..., Fetcher]) -> None:
    with pytest.raises(FetchError) as caught:
        make_fetcher(resolver=fake_resolver({})).fetch("http://nowhere.test/feed")
    assert caught.value.kind == "dns"


# -- address policy --------------------------------------------------------------------------


def test_loopback_refused_by_default_allowed_when_private_allowed(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/feed", Reply(200, {}, FEED))
    with pytest.raises(BlockedAddressError) as caught:
        make_fetcher(allow_private=False).fetch(http_server.url("/feed"))
    assert caught.value.kind == "blocked-address"
    assert "loopback" in str(caught.value)
    assert http_server.requests == []
    assert make_fetcher(allow_private=True).fetch(http_server.url("/feed")).content == FEED


@pytest.mark.parametrize(
    "host",
    ["0x7f.1", "2130706433", "127.1", "017700000001", "[::ffff:127.0.0.1]", "[::1]", "localhost"],
)
def test_loopback_in_any_spelling_is_refused(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher], host: str
) -> None:
    with pytest.raises(BlockedAddressError):
        make_fetcher(allow_private=False).fetch(f"http://{host}:{http_server.port}/feed")
    assert http_server.requests == []


def test_odd_spelling_reaches_the_address_it_resolves_to(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/feed", Reply(200, {}, FEED))
    result = make_fetcher(allow_private=True).fetch(f"http://0x7f.1:{http_server.port}/feed")
    assert result.content == FEED


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[fd20:ce::254]/computeMetadata/v1/",
        "http://100.100.100.200/latest/meta-data/",
        "http://169.254.170.2/v2/credentials",
        "http://2852039166/",  # 169.254.169.254 as one number
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 form of 169.254.169.254
        "http://[2002:a9fe:a9fe::1]/",  # 6to4 form of 169.254.169.254
    ],
)
def test_refused_even_when_private_allowed(make_fetcher: Callable[..., Fetcher], url: str) -> None:
    with pytest.raises(BlockedAddressError):
        make_fetcher(allow_private=True).fetch(url)


def test_hostnames_are_judged_by_every_address(make_fetcher: Callable[..., Fetcher]) -> None:
    resolver = fake_resolver(
        {
            "metadata.test": ["169.254.169.254"],
            "aws6.test": ["fd00:ec2::254"],
            "mixed.test": [PUBLIC_IP, "10.1.2.3"],
        }
    )
    strict = make_fetcher(allow_private=False, resolver=resolver)
    lenient = make_fetcher(allow_private=True, resolver=resolver)
    for fetcher in (strict, lenient):
        for host in ("metadata.test", "aws6.test"):
            with pytest.raises(BlockedAddressError, match="metadata"):
                fetcher.fetch(f"http://{host}/latest/meta-data/")
    with pytest.raises(BlockedAddressError, match=r"10\.1\.2\.3 \(private\)"):
        strict.fetch("http://mixed.test/feed")


def test_redirect_to_metadata_is_refused(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script("/literal", Reply(302, {"Location": "http://169.254.169.254/latest/"}))
    http_server.script("/named", Reply(302, {"Location": "http://metadata.test/latest/"}))
    resolver = fake_resolver({"metadata.test": ["169.254.169.254"]})
    fetcher = make_fetcher(allow_private=True, resolver=resolver)
    for path in ("/literal", "/named"):
        with pytest.raises(BlockedAddressError, match="metadata"):
            fetcher.fetch(http_server.url(path))


def test_rebinding_is_caught_at_connection_time(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    # The check sees a public address, the connection lands on loopback (DNS rebinding).
    http_server.script("/feed", Reply(200, {}, FEED))
    fetcher = make_fetcher(allow_private=False, resolver=fake_resolver({"localhost": [PUBLIC_IP]}))
    with pytest.raises(BlockedAddressError, match="connected to"):
        fetcher.fetch(http_server.url("/feed", host="localhost"))
    # The known limit: the request did go out; its response was not used.
    assert len(http_server.requests) == 1


@pytest.mark.parametrize(
    ("address", "strict", "lenient"),
    [
        (PUBLIC_IP, None, None),
        ("2606:4700:4700::1111", None, None),
        ("::ffff:93.184.216.34", None, None),
        ("2002:5db8:d822::1", None, None),  # 6to4 of a public address
        ("64:ff9b::5db8:d822", None, None),  # NAT64 of a public address
        ("2002:7f00:1::1", "loopback", None),
        ("127.0.0.1", "loopback", None),
        ("::1", "loopback", None),
        ("10.0.0.1", "private", None),
        ("172.31.255.255", "private", None),
        ("172.32.0.1", None, None),
        ("192.168.1.1", "private", None),
        ("fd12:3456::1", "private", None),
        ("100.64.0.1", "shared", None),
        ("::ffff:10.0.0.1", "private", None),
        ("::ffff:100.64.0.1", "shared", None),
        ("169.254.169.254", "metadata", "metadata"),
        ("::ffff:169.254.169.254", "metadata", "metadata"),
        ("100.100.100.200", "metadata", "metadata"),
        ("fd00:ec2::254", "metadata", "metadata"),
        ("169.254.1.1", "link-local", "link-local"),
        ("fe80::1", "link-local", "link-local"),
        ("fe80::1%eth0", "link-local", "link-local"),
        ("0.0.0.0", "unspecified", "unspecified"),
        ("::", "unspecified", "unspecified"),
        ("::ffff:0.0.0.0", "unspecified", "unspecified"),
        ("239.255.255.250", "multicast", "multicast"),
        ("ff05::2", "multicast", "multicast"),
        ("192.0.2.1", "reserved", "reserved"),
        ("2001:db8::1", "reserved", "reserved"),
        ("::127.0.0.1", "reserved", "reserved"),  # deprecated IPv4-compatible form
        ("fec0::1", "reserved", "reserved"),  # deprecated site-local
    ],
)
def test_address_policy(address: str, strict: str | None, lenient: str | None) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal(ip, allow_private=False) == strict
    assert refusal(ip, allow_private=True) == lenient


def test_check_address_passes_public_hosts() -> None:
    resolver = fake_resolver({"news.test": [PUBLIC_IP, "2606:4700:4700::1111"]})
    check_address("news.test", 443, allow_private=False, resolver=resolver)


def test_check_address_refuses_what_it_cannot_read() -> None:
    def odd_family(host: str, port: int) -> list[tuple[Any, ...]]:
        return [(socket.AF_UNIX, socket.SOCK_STREAM, 0, "", "/run/socket")]

    with pytest.raises(BlockedAddressError):
        check_address("odd.test", 80, allow_private=True, resolver=odd_family)


def test_fetcher_is_a_context_manager(http_server: ScriptedServer) -> None:
    http_server.script("/feed", Reply(200, {}, FEED))
    with Fetcher(FetchSettings(allow_private=True)) as fetcher:
        assert fetcher.fetch(http_server.url("/feed")).status == 200


# -- Content-Encoding: decoded by us, counted as it is decoded ------------------------------


def zeros_compressed(size: int, wbits: int = 31) -> bytes:
    """``size`` zero bytes compressed (gzip by default) without holding them in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, compressor.flush()])


def encode(data: bytes, coding: str) -> bytes:
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "raw-deflate":
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return compressor.compress(data) + compressor.flush()
    return gzip.compress(data)


def peak_bytes(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
    except FetchError:
        pass
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_double_gzip_is_limited_as_it_is_decoded(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    # 64 MiB of zeros, gzipped twice: a few hundred bytes on the wire.
    bomb = gzip.compress(zeros_compressed(64 * 1024 * 1024))
    assert len(bomb) < 2048
    http_server.script("/gz2", Reply(200, {"Content-Encoding": "gzip, gzip"}, bomb))
    fetcher = make_fetcher(max_response_bytes=1024 * 1024)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/gz2"))
    assert caught.value.kind == "too-large"
    # Generous guard: inflating first and counting after took the whole 64 MiB.
    assert peak_bytes(lambda: fetcher.fetch(http_server.url("/gz2"))) < 16 * 1024 * 1024


@pytest.mark.parametrize("header", ["gzip", "x-gzip", "deflate", "gzip, gzip", "deflate, gzip"])
def test_every_coding_and_stack_is_limited(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher], header: str
) -> None:
    body = bytes(8 * 1024 * 1024)
    for coding in (c.strip() for c in header.split(",")):
        body = encode(body, coding)
    http_server.script("/bomb", Reply(200, {"Content-Encoding": header}, body))
    fetcher = make_fetcher(max_response_bytes=64 * 1024)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/bomb"))
    assert caught.value.kind == "too-large"
    assert peak_bytes(lambda: fetcher.fetch(http_server.url("/bomb"))) < 4 * 1024 * 1024


@pytest.mark.parametrize(
    ("header", "codings"),
    [
        ("gzip", ["gzip"]),
        ("x-gzip", ["gzip"]),
        ("deflate", ["deflate"]),
        ("deflate", ["raw-deflate"]),  # servers that leave out the zlib wrapper
        ("gzip, gzip", ["gzip", "gzip"]),
        ("deflate, gzip", ["deflate", "gzip"]),
        ("identity, gzip", ["gzip"]),
        ("GZIP", ["gzip"]),
    ],
)
def test_codings_are_decoded_in_the_order_applied(
    http_server: ScriptedServer,
    make_fetcher: Callable[..., Fetcher],
    header: str,
    codings: list[str],
) -> None:
    body = FEED * 20
    for coding in codings:
        body = encode(body, coding)
    http_server.script("/enc", Reply(200, {"Content-Encoding": header}, body))
    assert make_fetcher(max_response_bytes=4096).fetch(http_server.url("/enc")).content == (
        FEED * 20
    )


def test_large_body_decodes_in_full_across_many_pieces(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    text = b"".join(b"<item>%d</item>" % i for i in range(200_000))  # ~3 MB, many pieces
    http_server.script(
        "/big", Reply(200, {"Content-Encoding": "gzip"}, chunks=_split(gzip.compress(text)))
    )
    fetched = make_fetcher(max_response_bytes=len(text)).fetch(http_server.url("/big"))
    assert fetched.content == text


def _split(data: bytes, size: int = 7_000) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_gzip_members_are_concatenated(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    http_server.script(
        "/members",
        Reply(200, {"Content-Encoding": "gzip"}, gzip.compress(b"ab") + gzip.compress(b"cd")),
    )
    assert make_fetcher().fetch(http_server.url("/members")).content == b"abcd"


@pytest.mark.parametrize(
    ("header", "body", "message"),
    [
        ("br", b"\x1b\x00", "unsupported Content-Encoding br"),
        ("compress", b"\x1f\x9d", "unsupported Content-Encoding compress"),
        ("gzip, gzip, gzip", gzip.compress(gzip.compress(gzip.compress(FEED))), "3 stacked"),
        ("gzip", b"not gzip at all", "corrupt gzip"),
        ("gzip", gzip.compress(FEED)[:-12], "truncated gzip"),
        ("deflate", b"\xff\xff\xff\xff", "corrupt deflate"),
    ],
    ids=["br", "compress", "three-stacked", "corrupt-gzip", "truncated-gzip", "corrupt-deflate"],
)
def test_undecodable_bodies_are_decode_errors(
    http_server: ScriptedServer,
    make_fetcher: Callable[..., Fetcher],
    header: str,
    body: bytes,
    message: str,
) -> None:
    http_server.script("/odd", Reply(200, {"Content-Encoding": header}, body))
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(http_server.url("/odd"))
    assert caught.value.kind == "decode"
    assert message in str(caught.value)


def test_a_gzip_file_is_returned_as_sent_not_inflated(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    archive = zeros_compressed(32 * 1024 * 1024)
    http_server.script("/feed.gz", Reply(200, {"Content-Type": "application/gzip"}, archive))
    fetched = make_fetcher(max_response_bytes=1024 * 1024).fetch(http_server.url("/feed.gz"))
    assert fetched.content == archive
    # Nothing downstream inflates it either: it is not a feed.
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(fetched.content, url=fetched.url, headers=fetched.headers)
    assert caught.value.reason == "malformed-feed"


def test_full_text_pages_are_limited_the_same_way(
    http_server: ScriptedServer, make_fetcher: Callable[..., Fetcher]
) -> None:
    bomb = gzip.compress(zeros_compressed(64 * 1024 * 1024))
    http_server.script("/page", Reply(200, {"Content-Encoding": "gzip, gzip"}, bomb))
    page = (
        b"<html><body><article><p>"
        + b"Le traite est signe. " * 60
        + b"</p></article></body></html>"
    )
    http_server.script(
        "/ok",
        Reply(200, {"Content-Encoding": "gzip", "Content-Type": "text/html"}, gzip.compress(page)),
    )
    fetcher = make_fetcher(max_response_bytes=1024 * 1024)
    assert (
        peak_bytes(lambda: fulltext.extract(fetcher, http_server.url("/page"))) < 16 * 1024 * 1024
    )
    assert fulltext.extract(fetcher, http_server.url("/page")) is None
    text = fulltext.extract(fetcher, http_server.url("/ok"))
    assert text is not None
    assert "Le traite est signe." in text
