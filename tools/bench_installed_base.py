"""Benchmark of the installed-base hook of delivery validation.

Validating a delivery calls ``stock.move._action_done``, whose override
registers every delivered serial of an installed-base product on its
``stock.lot`` (``_service_register_installed_base``). The target: one delivery
of 1,000 serials validates in at most 5% more wall time than without the hook
(context ``service_skip_installed_base=True``, the baseline), and the hook runs
a number of SQL queries that does not grow with the number of serials.

Each round validates two fresh deliveries of N serials, one with and one
without the hook (alternating which goes first), as the admin user. The timed
region is the validation only: ``picking._action_done()`` then ``cr.flush()``
(what a commit runs first: pending writes and pre-commit hooks such as mail
tracking); ``cr.sql_log_count`` counts its queries. The hook alone is then
measured at 100 and N serials, on the moves of deliveries validated without it
(browsed again with an empty cache), to show its queries do not grow with N.
Each delivery is made and measured in its own transaction, rolled back after
its measure: nothing is ever committed. Exits 0 on PASS and FAIL alike (it is
a report), non-zero on errors.

Run by ``make bench`` / ``tools/bench.sh [installed_base] [OPTIONS]``; by
hand: ``.venv/bin/python tools/bench_installed_base.py [OPTIONS] -d DB
--addons-path=... [other Odoo options]``.
"""

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time

import benchlib

from odoo import Command

TARGET_RATIO = 1.05  # hook/baseline wall time of one delivery (median)
# The ORM inserts and updates rows 100 at a time: a hook that does a constant
# number of batch operations grows by a few queries per 100 serials, a query
# per serial by 100.
MAX_QUERIES_PER_100_SERIALS = 5


def _skip_context():
    """The context that skips the installed-base hook (the add-on's sentinel
    object, importable once Odoo's add-ons path is set up)."""
    from odoo.addons.service_management.models.stock_move import (  # noqa: PLC0415
        SKIP_INSTALLED_BASE,
    )

    return {"service_skip_installed_base": SKIP_INSTALLED_BASE}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog="Other options are Odoo's: -d DB, --addons-path, --db_host, ...",
    )
    parser.add_argument(
        "--serials", type=int, default=1000, help="serials per delivery (1000)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="deliveries timed per variant (5)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile of the hook alone on one delivery of N serials",
    )
    args, odoo_args = parser.parse_known_args(argv)
    if args.serials < 1 or args.rounds < 1:
        parser.error("--serials and --rounds must be at least 1")
    return args, odoo_args


class InstalledBaseBench:
    def __init__(self, env):
        # set-up runs as superuser without chatter noise; measures as admin
        self.setup_env = env(
            context=dict(
                env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_notrack=True,
            )
        )
        admin = env.ref("base.user_admin")
        self.env = env(user=admin, su=False, context=admin.context_get())
        self.cr = env.cr
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        self.stock = warehouse.lot_stock_id
        self.out_type = warehouse.out_type_id
        self.customers = env.ref("stock.stock_location_customers")
        self.count = 0

    def delivery(self, serials):
        """A reserved, picked delivery of ``serials`` fresh serials of a fresh
        installed-base product to a fresh customer; flushed, cache emptied."""
        self.count += 1
        env = self.setup_env
        tag = f"BENCH{self.count:03d}"
        product = env["product.product"].create(
            {
                "name": f"Bench device {tag}",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "service_installed_base": True,
                "service_warranty_months": 24,
            }
        )
        lots = env["stock.lot"].create(
            [
                {"name": f"{tag}-{i:05d}", "product_id": product.id}
                for i in range(serials)
            ]
        )
        quants = env["stock.quant"]
        for lot in lots:
            quants._update_available_quantity(product, self.stock, 1, lot_id=lot)
        customer = env["res.partner"].create(
            {"name": f"Bench customer {tag}", "is_company": True}
        )
        picking = env["stock.picking"].create(
            {
                "picking_type_id": self.out_type.id,
                "partner_id": customer.id,
                "location_id": self.stock.id,
                "location_dest_id": self.customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": serials,
                            "product_uom": product.uom_id.id,
                            "location_id": self.stock.id,
                            "location_dest_id": self.customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        lines = picking.move_line_ids
        if picking.state != "assigned" or len(lines.lot_id) != serials:
            raise RuntimeError(
                f"{tag}: {len(lines.lot_id)} of {serials} serials reserved "
                f"(picking state {picking.state})"
            )
        picking.move_ids.picked = True
        env.flush_all()
        env.invalidate_all()
        return picking.id

    def measure(self, func, profile=None):
        """Run ``func`` then flush as a commit would: (seconds, queries)."""
        cr = self.cr
        gc.collect()  # no collection of the previous garbage in the timed region
        queries = cr.sql_log_count
        start = time.perf_counter()
        if profile:
            profile.enable()
        func()
        cr.flush()  # env.flush_all() + pre-commit hooks (mail tracking)
        if profile:
            profile.disable()
        seconds = time.perf_counter() - start
        return seconds, cr.sql_log_count - queries

    def check_lots(self, picking, state):
        lots = picking.move_line_ids.lot_id.sudo()
        wrong = lots.filtered(lambda lot: lot.service_state != state)
        if state == "installed":
            wrong |= lots.filtered(
                lambda lot: lot.service_partner_id != picking.partner_id
            )
        if wrong:
            raise RuntimeError(
                f"{picking.name}: {len(wrong)} of {len(lots)} serials are not "
                f"{state} after the validation"
            )

    def validate(self, serials, hook, profile=None):
        """Time the validation of a fresh delivery, with or without the hook.
        Without it, then time the hook alone on the done moves, browsed again
        with an empty cache. Rolled back afterwards.

        :return: (seconds, queries) of the validation, and of the hook alone
            (None with the hook)
        """
        try:
            picking_id = self.delivery(serials)
            env = (
                self.env
                if hook
                else self.env(context=dict(self.env.context, **_skip_context()))
            )
            picking = env["stock.picking"].browse(picking_id)
            validation = self.measure(picking._action_done)
            if picking.state != "done":
                raise RuntimeError(f"{picking.name} is {picking.state}, not done")
            self.check_lots(picking, "installed" if hook else "in_stock")
            alone = None
            if not hook:
                move_ids = picking.move_ids.ids
                self.env.invalidate_all()
                moves = self.env["stock.move"].browse(move_ids)
                alone = self.measure(moves._service_register_installed_base, profile)
                self.check_lots(moves.picking_id, "installed")
        finally:
            self.cr.rollback()
        return validation, alone


def run(env, args):
    bench = InstalledBaseBench(env)
    n, rounds = args.serials, args.rounds
    small = 100 if n > 100 else max(1, n // 10)
    sizes = (small, n) if small < n else (n,)
    print(
        f"Installed-base hook benchmark: deliveries of {n} serials, {rounds} "
        f"round(s), database {env.cr.dbname}",
        flush=True,
    )
    # warm-up: registry caches, translations, ... are loaded for both variants
    for hook in (False, True):
        bench.validate(min(n, 100), hook)

    times = {False: [], True: []}
    queries = {False: [], True: []}
    alone = {size: [] for size in sizes}
    for r in range(rounds):
        for hook in (False, True) if r % 2 == 0 else (True, False):
            (seconds, count), hook_alone = bench.validate(n, hook)
            times[hook].append(seconds)
            queries[hook].append(count)
            if hook_alone is not None:
                alone[n].append(hook_alone)
        if small < n:
            alone[small].append(bench.validate(small, False)[1])
        print(
            f"  round {r + 1}/{rounds}: baseline {times[False][-1]:.3f} s "
            f"({queries[False][-1]} queries), with hook {times[True][-1]:.3f} s "
            f"({queries[True][-1]} queries): {times[True][-1] / times[False][-1]:.2f}x",
            flush=True,
        )
    profile = None
    if args.profile:
        profile = cProfile.Profile()
        bench.validate(n, False, profile)

    median = statistics.median
    base_s, hook_s = median(times[False]), median(times[True])
    base_q = statistics.median_low(queries[False])
    hook_q = statistics.median_low(queries[True])
    ratio = hook_s / base_s
    alone_s = {size: median(s for s, _q in alone[size]) for size in sizes}
    alone_q = {size: max(q for _s, q in alone[size]) for size in sizes}
    speed_ok = ratio <= TARGET_RATIO
    growth = (alone_q[n] - alone_q[sizes[0]]) * 100 / max(n - sizes[0], 1)
    queries_ok = growth <= MAX_QUERIES_PER_100_SERIALS

    w = 14
    print()
    print(f"One delivery of {n} serials (median of {rounds}; min in brackets):")
    print(f"  {'':30}{'baseline':>{w}}{'with hook':>{w}}")
    print(
        f"  {'validation wall time (s)':30}{base_s:>{w}.3f}{hook_s:>{w}.3f}\n"
        f"  {'':30}{f'[{min(times[False]):.3f}]':>{w}}"
        f"{f'[{min(times[True]):.3f}]':>{w}}"
    )
    print(f"  {'SQL queries':30}{base_q:>{w}g}{hook_q:>{w}g}")
    print(
        f"  hook/baseline = {ratio:.2f}x (target <= {TARGET_RATIO:.2f}x): "
        f"{'ok' if speed_ok else 'TOO SLOW'}"
    )
    print(f"  extra queries per delivery: {hook_q - base_q:+g}")
    print("The hook alone, on deliveries validated without it (cold cache):")
    print(f"  {'':30}" + "".join(f"{f'{size} serials':>{w}}" for size in sizes))
    print(f"  {'SQL queries':30}" + "".join(f"{alone_q[x]:>{w}d}" for x in sizes))
    print(f"  {'wall time (s)':30}" + "".join(f"{alone_s[x]:>{w}.3f}" for x in sizes))
    if len(sizes) > 1:
        print(
            f"  hook queries at {sizes[0]} vs {n} serials: {alone_q[sizes[0]]} vs "
            f"{alone_q[n]}, {growth:+.1f} per 100 serials (ORM batches of 100 "
            f"rows; limit {MAX_QUERIES_PER_100_SERIALS}): "
            f"{'bounded' if queries_ok else 'GROW WITH THE SERIALS'}"
        )
    if profile:
        print(f"\ncProfile of the hook alone on {n} serials (cumulative, top 40):")
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(40)
    verdict = "PASS" if speed_ok and queries_ok else "FAIL"
    print(
        f"{verdict}: hook/baseline = {ratio:.2f}x wall time (target <= "
        f"{TARGET_RATIO:.2f}x); hook queries {alone_q[n]} for {n} serials"
        + ("" if len(sizes) == 1 else f", {alone_q[sizes[0]]} for {sizes[0]}")
        + f" ({'bounded' if queries_ok else 'growing with the serials'})"
    )
    if verdict == "FAIL" and not args.profile:
        print("  profile the hook: tools/bench.sh installed_base --profile")


def main(argv=None):
    benchlib.main(parse_args, run, argv)


if __name__ == "__main__":
    main()
