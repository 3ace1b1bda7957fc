"""What the benchmarks (tools/bench_*.py) share: how they open the database.

Each benchmark runs as the superuser in one transaction that is always rolled
back: nothing it creates or measures is ever committed.
"""

import sys

import odoo
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config


def main(parse_args, run, argv=None):
    """Parse the benchmark's and Odoo's arguments, open the one database
    given with -d and call ``run(env, args)`` in a transaction rolled back
    at the end.

    :param parse_args: ``argv -> (args, odoo_args)`` of the benchmark
    :param run: ``(env, args) -> None``, the benchmark itself
    """
    args, odoo_args = parse_args(sys.argv[1:] if argv is None else argv)
    config.parse_config(odoo_args, setup_logging=True)
    dbs = config["db_name"]
    if len(dbs) != 1:
        sys.exit("give one database: -d DB")
    registry = Registry(dbs[0])
    with registry.cursor() as cr:
        try:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            if not env["ir.module.module"].search_count(
                [("name", "=", "service_management"), ("state", "=", "installed")]
            ):
                sys.exit(f"service_management is not installed in {cr.dbname}")
            run(env, args)
        finally:
            cr.rollback()  # never commit anything
