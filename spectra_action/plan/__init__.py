"""The SPECTRA plan: models, parser and lint rules."""

from spectra_action.plan.loader import load_plan, parse_plan_text
from spectra_action.plan.models import (
    CheckboxState,
    FileOwnership,
    Finding,
    Plan,
    Severity,
    Task,
)

__all__ = [
    "CheckboxState",
    "FileOwnership",
    "Finding",
    "Plan",
    "Severity",
    "Task",
    "load_plan",
    "parse_plan_text",
]
