"""The auth module of the isolation tests: bearer tokens → users of two tenants; everything is owned."""

from portico import Auth

USERS = {
    "alice-token": {"identity": "alice", "tenant_id": "acme", "permissions": ["read", "write"]},
    "bob-token": {"identity": "bob", "tenant_id": "globex", "permissions": ["admin"]},
}

auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None) -> dict:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or token not in USERS:
        raise Auth.exceptions.HTTPException(status_code=401, detail="invalid or missing token")
    return USERS[token]


@auth.on
async def owner_only(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """Stamp the owner on what a user creates; let them see only what they own."""
    metadata = value.setdefault("metadata", {})
    if isinstance(metadata, dict):
        metadata["owner"] = ctx.user.identity
    return {"owner": ctx.user.identity}


@auth.on.crons.delete
async def no_cron_deletes_on_fridays(ctx: Auth.types.AuthContext, value: dict) -> bool:
    """A handler that fails: the caller is refused (403), the server does not answer 500."""
    raise RuntimeError("handler bug")


@auth.on.store
async def own_namespace(ctx: Auth.types.AuthContext, value: dict) -> None:
    """Every user's memories live under their own id."""
    value["namespace"] = (ctx.user.identity, *value["namespace"])
