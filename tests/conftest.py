"""Test configuration: make the shared test-data modules in tests/ importable (import mode is importlib)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
