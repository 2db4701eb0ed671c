"""Dependencies: database session and pipeline (Annotated aliases)."""
from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from triage.store.db import session as make_session
from triage.store.tables import User
from triage.store.users import user_for_token

_bearer = HTTPBearer(auto_error=False, description="API token from `triage users create NAME --role ROLE`")


def get_db(request: Request) -> Iterator[Session]:
    with make_session(request.app.state.engine) as s:
        yield s


def get_pipeline(request: Request):
    return request.app.state.pipeline


SessionDep = Annotated[Session, Depends(get_db)]
PipelineDep = Annotated[object, Depends(get_pipeline)]


def get_user(request: Request, db: SessionDep,
             cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
    """The caller, from `Authorization: Bearer <token>`; 401 without a valid token."""
    if cred is None or cred.scheme.lower() != "bearer" or not cred.credentials:
        raise HTTPException(401, "missing API token", headers={"WWW-Authenticate": "Bearer"})
    user = user_for_token(db, token=cred.credentials)
    if user is None:
        raise HTTPException(401, "invalid API token", headers={"WWW-Authenticate": "Bearer"})
    request.state.user = user
    return user


UserDep = Annotated[User, Depends(get_user)]


def require(*roles: str):
    """A dependency that lets only the given roles through (403 otherwise), within the rate limit (429)."""

    def check(request: Request, user: UserDep) -> User:
        if user.role not in roles:
            raise HTTPException(403, f"role {user.role!r} may not do this")
        limiter = getattr(request.app.state, "limiter", None)
        if limiter is not None and not limiter.allow(user.id):
            raise HTTPException(429, "rate limit exceeded for this token", headers={"Retry-After": "60"})
        return user

    return Depends(check)
