"""The README's SMS segment table is the script's output, not a hand-written copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_segment_table_is_current() -> None:
    table = subprocess.run([sys.executable, str(ROOT / "scripts" / "sms_segments.py")],
                           capture_output=True, text=True, check=True, cwd=ROOT).stdout
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) >= 10
    readme = (ROOT / "README.md").read_text()
    stale = [row for row in rows if row not in readme]
    assert not stale, "run: python scripts/sms_segments.py --update README.md"
    assert all(f"| {lang} " in table or f"| {lang} |" in table for lang in ("en", "ro", "pt",
                                                                          "pl", "ru"))
