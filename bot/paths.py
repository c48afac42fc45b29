"""Where the project's non-Python files live (the checkout is installed editable)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
MIGRATIONS_DIR = ROOT / "migrations"
