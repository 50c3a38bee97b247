"""``settle_heap`` pins glibc's trim and mmap thresholds (RSS stayed flat in the bench)."""

from __future__ import annotations

import platform

import pytest

from bots.server import _fix_trim_threshold


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_thresholds_are_pinned() -> None:
    assert _fix_trim_threshold() is True
    assert _fix_trim_threshold() is True  # again: harmless
