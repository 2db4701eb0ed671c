"""App factory: `create_app()` wires settings, database and pipeline into the routes."""
from __future__ import annotations

import logging
from pathlib import Path
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.limits import BodySizeLimit, RateLimiter
from api.routes import router
from api.web.routes import LoginRequired
from api.web.routes import router as web_router
from triage import __version__
from triage.config import get_settings
from triage.store.db import make_engine

log = logging.getLogger("triage.api")


def create_app(pipeline=None, database_url: str | None = None, worker_interval: float | None = 2.0,
               rate_limit_per_minute: int | None = None, micro_batch: bool = True) -> FastAPI:
    """Build the app; ``pipeline`` defaults to the trained model in TRIAGE_MODEL_DIR.

    A background worker classifies items left pending (a crash, a failed attempt) every
    ``worker_interval`` seconds, starting with whatever a previous run left; None disables it.
    """
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        warm = getattr(app.state.pipeline, "predict", None)
        if warm is not None:
            warm(["Warm-up: load the encoder before the first request."])  # no first-request stall
        worker = None
        if worker_interval is not None:
            from triage.worker import BackgroundWorker

            worker = BackgroundWorker(app.state.engine, app.state.pipeline, worker_interval).start()
        yield
        if worker is not None:
            worker.stop()

    app = FastAPI(title="triage", version=__version__, lifespan=lifespan,
                  description="Classify feedback about health and care against the regulator's quality "
                              "statements and human-rights themes, and route safeguarding signals to people.")
    app.state.engine = make_engine(database_url or settings.database_url)
    if pipeline is None:
        from triage.pipeline.pipeline import load_pipeline

        pipeline = load_pipeline()
    from triage.pipeline.batcher import MicroBatcher

    app.state.pipeline = MicroBatcher(pipeline) if micro_batch else pipeline
    app.state.limiter = RateLimiter(rate_limit_per_minute or settings.rate_limit_per_minute)
    app.include_router(router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "web" / "static")), name="static")
    app.add_middleware(BodySizeLimit)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        return RedirectResponse("/ui/login", status_code=303)

    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/ui/login")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        # never echo the submitted text back in errors or logs
        errors = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": errors})

    return app
