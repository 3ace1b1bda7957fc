# service_management: the two commands users need are `make run` and `make test`.
.PHONY: run test lint wheel bench screenshots setup clean

run:
	tools/run.sh

test:
	tools/test.sh

setup:
	tools/setup.sh

lint: setup
	.venv/bin/pre-commit run --all-files --show-diff-on-failure

wheel: setup
	.venv/bin/python tools/check_wheel.py

bench:
	tools/bench.sh

screenshots:
	tools/screenshots.sh

clean:
	-tools/pg.sh stop
	rm -rf .cache .venv
