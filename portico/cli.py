"""The ``portico`` command: serve, or run the core, a worker or the gateway as separate processes."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from collections.abc import Sequence

from core.logs import configure_logging
from core.settings import Settings
from portico.tracing import configure_tracing, load_telemetry

__all__ = ["main"]


def _settings(args: argparse.Namespace) -> Settings:
    config = args.config
    if config is None:
        for candidate in ("portico.toml", "langgraph.json"):
            if os.path.exists(candidate):
                config = candidate
                break
    return Settings.from_env(
        database_url=args.database,
        config_path=config,
        workers=getattr(args, "workers", None),
        max_attempts=getattr(args, "max_attempts", None),
        lease_seconds=getattr(args, "lease_seconds", None),
        sweep_seconds=getattr(args, "sweep_seconds", None),
        heartbeat_seconds=getattr(args, "heartbeat_seconds", None),
        require_auth=True if getattr(args, "require_auth", False) else None,
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", help="portico.toml or langgraph.json (default: ./portico.toml, else ./langgraph.json)"
    )
    p.add_argument(
        "--database",
        help="SQLite file path or postgresql:// URL (env PORTICO_DATABASE_URL; "
        "default ./.portico/portico.db)",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--grpc-port", type=int, default=50051)
    p.add_argument("--workers", type=int, help="concurrent runs in this process (default 8)")
    p.add_argument(
        "--max-attempts", type=int, help="attempts before a run that keeps losing its worker fails"
    )
    p.add_argument("--lease-seconds", type=float, help=argparse.SUPPRESS)
    p.add_argument("--heartbeat-seconds", type=float, help=argparse.SUPPRESS)
    p.add_argument("--sweep-seconds", type=float, help=argparse.SUPPRESS)
    p.add_argument(
        "--require-auth", action="store_true", help="refuse to start without an auth module (auth.path)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portico", description="Open runtime and gateway for LangGraph agents"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="core + workers + gateway in one process")
    _common(serve)
    serve.add_argument("--port", type=int, default=8123, help="HTTP port of the gateway")
    serve.add_argument("--no-http", action="store_true", help="serve gRPC only (no REST gateway)")
    core = sub.add_parser("core", help="the gRPC core alone (PostgreSQL; workers run as `portico worker`)")
    _common(core)
    worker = sub.add_parser("worker", help="a worker process alone (PostgreSQL)")
    _common(worker)
    worker.add_argument(
        "--metrics-port", type=int, help="serve this worker's Prometheus metrics on this port (/metrics)"
    )
    gateway = sub.add_parser("gateway", help="the REST gateway alone, in front of a core")
    gateway.add_argument("--core", required=True, help="host:port of the core's gRPC endpoint")
    gateway.add_argument("--host", default="127.0.0.1")
    gateway.add_argument("--port", type=int, default=8123)
    gateway.add_argument("--config", help="the project's portico.toml / langgraph.json (for its auth module)")
    gateway.add_argument("--require-auth", action="store_true", help="refuse to start without auth")
    keys = sub.add_parser(
        "keys", help="operator API keys: create, list, revoke (roles admin/developer/viewer)"
    )
    keys.add_argument("--database", help="SQLite file path or postgresql:// URL (env PORTICO_DATABASE_URL)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key; it is printed once and never shown again")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=["admin", "developer", "viewer"])
    keys_sub.add_parser("list", help="list keys (never their secrets)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    bridge = sub.add_parser(
        "mcp-stdio", help="an MCP server on stdio forwarding to a gateway's /mcp (Claude Desktop)"
    )
    bridge.add_argument("--url", default="http://127.0.0.1:8123/mcp", help="the gateway's MCP endpoint")
    bridge.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="an HTTP header sent with every request (e.g. 'Authorization: Bearer …'); repeatable",
    )
    vault = sub.add_parser("vault", help="Agent Auth's token vault: keys and rotation")
    vault_sub = vault.add_subparsers(dest="vault_command", required=True)
    rotate = vault_sub.add_parser(
        "rotate", help="re-encrypt every stored token under the first key of PORTICO_VAULT_KEYS"
    )
    rotate.add_argument("--database", help="SQLite file path or postgresql:// URL (env PORTICO_DATABASE_URL)")
    vault_sub.add_parser("keygen", help="print a new random key for PORTICO_VAULT_KEYS")
    return parser


def _vault(args: argparse.Namespace) -> int:
    from auth.vault import KeyRing, TokenVault, VaultConfig, VaultConfigError, generate_key

    if args.vault_command == "keygen":
        print(f"k{int(time.time())}:{generate_key()}")
        return 0
    settings = Settings.from_env(database_url=args.database)
    try:
        keys = KeyRing.parse(settings.vault_keys)
    except VaultConfigError as exc:
        print(f"portico vault rotate: {exc} (set PORTICO_VAULT_KEYS)", file=sys.stderr)
        return 2

    async def rotate() -> int:
        from core.storage import open_storage

        storage = open_storage(settings.database_url)
        await storage.setup()
        try:
            return await TokenVault(VaultConfig(keys=keys), storage.vault).rotate()
        finally:
            await storage.close()

    count = asyncio.run(rotate())
    print(f"portico vault: re-encrypted {count} token(s) under key {keys.current_id!r}", flush=True)
    return 0


def _mcp_stdio(args: argparse.Namespace) -> int:
    import anyio

    from clients.mcp_stdio import serve_stdio

    headers = {}
    for header in args.header:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            print(f"portico mcp-stdio: --header {header!r}: expected NAME:VALUE", file=sys.stderr)
            return 2
        headers[name.strip()] = value.strip()
    anyio.run(lambda: serve_stdio(args.url, headers=headers))
    return 0


async def _keys(args: argparse.Namespace) -> int:
    from auth.errors import AuthFailure
    from auth.keys import OperatorKeys
    from core.storage import open_storage

    storage = open_storage(Settings.from_env(database_url=args.database).database_url)
    await storage.setup()
    keys = OperatorKeys(storage.operator_keys)
    try:
        if args.keys_command == "create":
            record, key = await keys.create(args.name, args.role)
            print(f"created operator key {record['key_id']} ({record['role']}): {key}")
            print("store it now: it is not shown again (send it as the x-api-key header)", file=sys.stderr)
        elif args.keys_command == "list":
            for record in await keys.list():
                state = f"revoked {record['revoked_at']}" if record.get("revoked_at") else "active"
                print(f"{record['key_id']}  {record['role']:<9}  {record['name']}  {state}")
        else:
            await keys.revoke(args.key_id)
            print(f"revoked {args.key_id}")
    except AuthFailure as exc:
        print(f"portico keys: {exc}", file=sys.stderr)
        return 1
    finally:
        await storage.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(
        os.environ.get("PORTICO_LOG_FORMAT", "text"), os.environ.get("PORTICO_LOG_LEVEL", "INFO").upper()
    )
    if args.command == "mcp-stdio":
        configure_tracing(os.environ)
        return _mcp_stdio(args)
    if args.command == "vault":
        return _vault(args)
    from portico import serve

    if args.command == "keys":
        return asyncio.run(_keys(args))
    if args.command == "gateway":
        configure_tracing(os.environ)  # no project file here: the OTEL_* variables alone
        asyncio.run(
            serve.run_gateway(
                args.core,
                host=args.host,
                port=args.port,
                config_path=args.config,
                require_auth=args.require_auth or os.environ.get("PORTICO_REQUIRE_AUTH", "") in ("1", "true"),
            )
        )
        return 0
    settings = _settings(args)
    telemetry = load_telemetry(settings.config_path, os.environ)
    configure_tracing(os.environ, telemetry)
    settings = dataclasses.replace(settings, record_content=telemetry.record_content)
    split = args.command in ("core", "worker")
    if split and not settings.database_url.startswith(("postgres://", "postgresql://")):
        print(
            f"portico {args.command}: separate processes need PostgreSQL (--database postgresql://…)",
            file=sys.stderr,
        )
        return 2
    if args.command == "serve":
        asyncio.run(
            serve.run_core(
                settings,
                host=args.host,
                grpc_port=args.grpc_port,
                http_port=None if args.no_http else args.port,
                workers=True,
            )
        )
    elif args.command == "core":
        asyncio.run(
            serve.run_core(settings, host=args.host, grpc_port=args.grpc_port, http_port=None, workers=False)
        )
    else:
        asyncio.run(serve.run_worker(settings, host=args.host, metrics_port=args.metrics_port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
