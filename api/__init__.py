"""FastAPI edge of triage: app factory, dependencies, schemas, routes."""
