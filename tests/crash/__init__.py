"""Black-box crash trials: the real bot as an OS process, killed with SIGKILL during traffic.

`harness.py` runs them; `tests/test_crash_suite.py` (short) and `python -m benchmarks.crash`
(full) drive it.
"""
