"""Reads an Odoo test log and prints "N passed, N failed" as the last line.

Exit status is non-zero when a test failed or errored, when no test ran, when
Odoo logged an error outside tests, or when a browser tour was skipped (in CI a
skipped tour is a failure: it means Chromium or websocket-client is missing).
"""

import os
import re
import sys

RESULT = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
SKIP = re.compile(r" skipped (\S+) : (.*)")
ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


def main(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    results = RESULT.findall(text)
    if not results:
        print("no test result found in the log; its end:", file=sys.stderr)
        print("\n".join(text.splitlines()[-60:]), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    failed, errors, total = (int(x) for x in results[-1])
    skips = SKIP.findall(text)
    tour_skips = [
        (test, reason)
        for test, reason in skips
        if re.search(r"chrome|browser|websocket|devtools", reason, re.IGNORECASE)
    ]
    stray_errors = [line for line in text.splitlines() if ERROR.match(line)]
    bad = failed + errors
    if tour_skips:
        for test, reason in tour_skips:
            print(f"browser test skipped: {test}: {reason}", file=sys.stderr)
        if os.environ.get("CI"):
            bad += len(tour_skips)
    if stray_errors and not bad:
        print("errors were logged outside tests:", file=sys.stderr)
        for line in stray_errors[:20]:
            print("  " + line, file=sys.stderr)
        bad += 1
    passed = total - failed - errors - len(skips)
    if skips:
        print(f"{len(skips)} skipped", file=sys.stderr)
    print(f"{passed} passed, {bad} failed")
    if total == 0:
        print("no test ran", file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
