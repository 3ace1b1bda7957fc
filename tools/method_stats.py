"""Method length statistics for the add-on's Python code.

Parses (``ast``) every ``.py`` file under ``models/``, ``wizard/`` and
``controllers/`` and prints, per file and in total, the number of methods and
their mean, median and longest length in lines (from the ``def`` line to the
last line of the body, decorators excluded), then every method over the limit.

Exits 1 when a method is over the limit (default 40 lines) or the median of
all methods is above the median limit (default 9), so ``make lint`` fails.

``--exclude`` leaves files out (comma-separated paths relative to the add-on).
"""

import argparse
import ast
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("models", "wizard", "controllers")


def file_methods(path):
    """Yield ``(qualified name, first line, length)`` for every method of a file.

    Methods are the functions of a class body and the module's own functions;
    a function nested in a method is part of that method's length.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, functions):
                yield (
                    f"{prefix}{child.name}",
                    child.lineno,
                    child.end_lineno - child.lineno + 1,
                )

    yield from walk(tree, "")


def collect(root, excluded):
    """Return ``{relative path: [(name, line, length), ...]}`` for the add-on."""
    result = {}
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in excluded:
                continue
            methods = list(file_methods(path))
            if methods:
                result[relative] = methods
    return result


def summary(lengths):
    return (
        f"{len(lengths):4d} methods  mean {statistics.mean(lengths):5.1f}  "
        f"median {statistics.median(lengths):4.1f}  max {max(lengths):3d}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-lines", type=int, default=40, help="longest method allowed"
    )
    parser.add_argument(
        "--max-median", type=float, default=9, help="highest median allowed"
    )
    parser.add_argument(
        "--exclude", default="", help="comma-separated files to leave out"
    )
    parser.add_argument("--root", default=str(ROOT), help="the add-on's folder")
    args = parser.parse_args(argv)
    excluded = {name.strip() for name in args.exclude.split(",") if name.strip()}
    per_file = collect(Path(args.root), excluded)
    every = [
        length for methods in per_file.values() for _name, _line, length in methods
    ]
    if not every:
        print("no methods found")
        return 0
    width = max(len(name) for name in per_file)
    for relative, methods in per_file.items():
        print(f"{relative:<{width}}  {summary([length for _n, _l, length in methods])}")
    print(f"{'total':<{width}}  {summary(every)}")
    too_long = [
        (length, relative, line, name)
        for relative, methods in per_file.items()
        for name, line, length in methods
        if length > args.max_lines
    ]
    for length, relative, line, name in sorted(too_long, reverse=True):
        print(f"over {args.max_lines} lines: {relative}:{line} {name} ({length})")
    median = statistics.median(every)
    if median > args.max_median:
        print(f"median {median} is above {args.max_median}")
    if excluded:
        print(f"excluded: {', '.join(sorted(excluded))}")
    return 1 if too_long or median > args.max_median else 0


if __name__ == "__main__":
    sys.exit(main())
