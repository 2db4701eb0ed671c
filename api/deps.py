"""Dependencies: database session and pipeline (Annotated aliases)."""
from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, Request
from sqlmodel import Session

from triage.store.db import session as make_session


def get_db(request: Request) -> Iterator[Session]:
    with make_session(request.app.state.engine) as s:
        yield s


def get_pipeline(request: Request):
    return request.app.state.pipeline


SessionDep = Annotated[Session, Depends(get_db)]
PipelineDep = Annotated[object, Depends(get_pipeline)]
