"""An auth module that refuses whatever it does not handle: only threads (and runs on them) are allowed."""

from portico import Auth

auth = Auth(default="deny")


@auth.authenticate
async def authenticate(headers: dict) -> str:
    user = headers.get(b"x-user", b"").decode()
    if not user:
        raise Auth.exceptions.HTTPException(status_code=401, detail="x-user header required")
    return user


@auth.on.threads
async def threads_are_open(ctx: Auth.types.AuthContext, value: dict) -> None:
    return None
