"""Users, roles, API tokens (stored hashed) and the append-only audit log."""
from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from triage.store.tables import AuditEntry, User

ROLES = ("intake", "reviewer", "safeguarding_lead", "inspector", "admin")


class UserError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(db: Session, *, name: str, role: str) -> tuple[User, str]:
    """Create a user; returns (user, token). The token is shown once and only its hash is stored."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip() or len(name) > 128:
        raise UserError("name must be 1..128 characters")
    if db.exec(select(User).where(User.name == name)).first():
        raise UserError(f"user {name!r} already exists")
    token = secrets.token_urlsafe(32)
    user = User(name=name, role=role, token_hash=hash_token(token))
    db.add(user)
    db.commit()
    db.refresh(user)
    return user, token


def user_for_token(db: Session, *, token: str) -> User | None:
    u = db.exec(select(User).where(User.token_hash == hash_token(token))).first()
    return u if u is not None and u.active else None


def audit(db: Session, *, user: User, action: str, object_type: str | None = None, object_id=None,
          detail: dict | None = None) -> None:
    """Append one audit entry (never feedback text)."""
    db.add(AuditEntry(user_id=user.id, user_name=user.name, role=user.role, action=action,
                      object_type=object_type, object_id=None if object_id is None else str(object_id),
                      detail=detail or {}))
    db.commit()


def audit_log(db: Session, *, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    return list(db.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)))
