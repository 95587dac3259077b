"""Reading a web request: the app's database, the article id in the path, the mount prefix,
the diff view and whole-number query parameters (400 when out of range)."""

from __future__ import annotations

from typing import Literal

from starlette.exceptions import HTTPException
from starlette.requests import Request

from versiontrack.errors import NotFound
from versiontrack.service.database import Database

#: Past any id a database holds (a 64-bit integer).
MAX_ID = 2**63 - 1


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def article_ref(request: Request) -> str:
    """The article id from the path, as the service takes it; past any id a database holds
    (a 64-bit integer) it names no article, rather than overflowing the driver."""
    article_id: int = request.path_params["id"]
    if article_id > MAX_ID:
        raise NotFound(f"no tracked article {article_id}")
    return str(article_id)


def root(request: Request) -> str:
    """The path prefix the app is mounted under ("" at the top of a site)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def view(request: Request) -> Literal["side", "inline"]:
    return "inline" if request.query_params.get("view") == "inline" else "side"


def int_param(
    request: Request, name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"≥ {minimum}"
        raise HTTPException(400, f"{name} must be {bound}")
    return value
