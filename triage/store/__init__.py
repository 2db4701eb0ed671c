"""Persistence adapter (SQLModel): the only sqlmodel importer besides api/."""
