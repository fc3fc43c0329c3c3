"""Where deliveries may not go: every refusal happens before a connection is made."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from gateway.webhooks import Refused, TargetPolicy, address_refusal
from tests.webhooks.conftest import eventually, hook_settings

REFUSED = [
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "127.0.0.1",
    "127.8.9.10",
    "0.0.0.0",
    "255.255.255.255",
    "169.254.169.254",  # cloud metadata
    "169.254.1.1",  # link-local
    "100.64.0.1",
    "100.127.255.254",  # CGNAT: is_private says False for these
    "224.0.0.1",
    "239.255.255.250",  # multicast
    "240.0.0.1",
    "198.18.0.1",
    "192.0.2.1",
    "192.0.0.8",  # reserved, benchmarking, documentation, IETF
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",  # IPv4-mapped
    "64:ff9b::a00:1",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a00:1",  # NAT64 of private/loopback/metadata
    "2002:a00:1::1",
    "2002:7f00:1::",
    "2002:a9fe:a9fe::1",  # 6to4 embedding private/loopback/metadata
    "::10.0.0.1",  # IPv4-compatible
]
ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_global_addresses_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_operator_switches_open_only_what_they_name() -> None:
    loopback = {"allow_loopback": True}
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), **loopback) is None
    assert address_refusal(ipaddress.ip_address("::ffff:127.0.0.1"), **loopback) is None
    assert address_refusal(ipaddress.ip_address("10.0.0.1"), **loopback) is not None
    private = {"allow_private": True}
    assert address_refusal(ipaddress.ip_address("10.0.0.1"), **private) is None
    assert address_refusal(ipaddress.ip_address("100.64.0.1"), **private) is None
    assert address_refusal(ipaddress.ip_address("169.254.169.254"), **private) is not None  # metadata: never
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), **private) is not None


async def test_policy_checks_scheme_domains_and_resolved_addresses() -> None:
    strict = TargetPolicy(allowed_domains=("hooks.example.com", "*.example.org"))
    with pytest.raises(Refused, match="https required"):
        await strict.resolve("http://hooks.example.com/x")
    with pytest.raises(Refused, match="allowed domains"):
        await strict.resolve("https://evil.example.net/x")
    with pytest.raises(Refused, match="allowed domains"):
        await strict.resolve("https://example.org/x")  # the wildcard names subdomains only
    with pytest.raises(Refused, match="credentials"):
        await TargetPolicy().resolve("https://user:pw@8.8.8.8/")
    # A name resolving to loopback is judged by its address, not its spelling.
    with pytest.raises(Refused, match="loopback"):
        await TargetPolicy(allow_http=True).resolve("http://localhost:8080/hook")
    target = await TargetPolicy(allow_http=True, allow_loopback=True).resolve(
        "http://localhost:8080/hook?a=1"
    )
    assert target.address.is_loopback and target.host_header == "localhost:8080"
    assert target.pinned_url.endswith(":8080/hook?a=1") and "localhost" not in target.pinned_url
    public = await TargetPolicy().resolve("https://8.8.8.8/x")
    assert public.host_header == "8.8.8.8" and public.pinned_url == "https://8.8.8.8:443/x"


async def test_refused_targets_fail_at_once_without_a_connection(deploy) -> None:
    connections = 0

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    listener = await asyncio.start_server(count, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        # http allowed, loopback not: the operator's default apart from the scheme.
        _, client = await deploy(hook_settings(policy=TargetPolicy(allow_http=True)))
        urls = {
            "loopback": f"http://127.0.0.1:{port}/hook",
            "name resolving to 127.0.0.1": f"http://localhost:{port}/hook",
            "IPv4-mapped loopback": f"http://[::ffff:127.0.0.1]:{port}/hook",
            "private": "http://10.0.0.1/hook",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "CGNAT": "http://100.64.0.1/hook",
        }
        tag = f"ssrf-{port}"
        for name, url in urls.items():
            await client.webhooks.enqueue(url=url, payload={"n": 1}, run_id=tag, thread_id=name)

        async def all_failed() -> list[dict] | None:
            found = await client.webhooks.list(run_id=tag)
            return found if len(found) == len(urls) and all(d["status"] == "failed" for d in found) else None

        for delivery in await eventually(all_failed):
            assert delivery["attempts"] == 1, delivery  # final: the policy would refuse every retry
            assert delivery["last_error"].startswith("refused:"), delivery
            assert delivery["history"][0]["status_code"] == 0
    finally:
        listener.close()
        await listener.wait_closed()
    assert connections == 0
