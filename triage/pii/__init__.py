"""Personal data: detection and redaction with Microsoft Presidio (recognisers listed in YAML)."""
from triage.pii.redact import Redactor, default_redactor

__all__ = ["Redactor", "default_redactor"]
