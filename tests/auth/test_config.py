"""Start-up: open mode is announced, ``--require-auth`` refuses it, unhandled pairs are logged, and
``default = "deny"`` refuses what no handler covers; bad auth modules fail at start-up with a message."""

from __future__ import annotations

import pytest
from langgraph_sdk.errors import PermissionDeniedError

from auth.handlers import AuthConfigError
from auth.setup import AuthSetup
from portico.serve import Deployment
from tests.auth.conftest import HERE, auth_settings, rest


def test_open_mode_is_announced_and_require_auth_refuses_it(capsys: pytest.CaptureFixture[str]) -> None:
    AuthSetup.from_config(None, HERE).announce()
    assert "no auth configured" in capsys.readouterr().out
    with pytest.raises(AuthConfigError, match="--require-auth"):
        AuthSetup.from_config({}, HERE).announce(require=True)


def test_unhandled_pairs_are_logged(capsys: pytest.CaptureFixture[str]) -> None:
    setup = AuthSetup.from_config({"path": "./deny_auth.py:auth"}, HERE / "project")
    setup.announce(require=True)
    out = capsys.readouterr().out
    assert "crons.create" in out and "store.put" in out and "refused (default deny)" in out
    assert "threads.read" not in out


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"path": "./missing.py:auth"}, "does not exist"),
        ({"path": "./graphs_auth.py:whoami"}, "not an Auth object"),
        ({"path": "no-colon"}, "expected 'file.py:name'"),
        ({"path": "./auth.py:auth", "default": "maybe"}, "auth.default"),
    ],
)
def test_bad_auth_config_fails_at_start(config: dict, message: str) -> None:
    with pytest.raises(AuthConfigError, match=message):
        AuthSetup.from_config(config, HERE / "project")


async def test_default_deny_refuses_what_no_handler_covers(database_url: str) -> None:
    dep = Deployment(auth_settings(database_url, HERE / "project" / "deny.json"), grpc_port=0, http_port=0)
    await dep.start()
    try:
        carol = rest(f"http://127.0.0.1:{dep.http_port}", headers={"x-user": "carol"})
        thread = await carol.threads.create()  # threads have a handler
        assert (await carol.runs.wait(thread["thread_id"], "whoami", input={}))["user"] == "carol"
        assert await carol.assistants.search()  # assistants are the deployment's: readable
        with pytest.raises(PermissionDeniedError):
            await carol.crons.search()  # no handler: refused
        with pytest.raises(PermissionDeniedError):
            await carol.store.put_item(["notes"], "k", {"v": 1})
    finally:
        await dep.stop()
