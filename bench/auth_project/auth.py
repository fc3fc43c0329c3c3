"""The benchmark's auth module: a bearer token per user and the owner-only handler of the README."""

from portico import Auth

auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None) -> dict:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("user-"):
        raise Auth.exceptions.HTTPException(status_code=401, detail="invalid token")
    return {"identity": token.removeprefix("user-"), "tenant_id": "bench"}


@auth.on
async def owner_only(ctx: Auth.types.AuthContext, value: dict) -> dict:
    value.setdefault("metadata", {})["owner"] = ctx.user.identity
    return {"owner": ctx.user.identity}
