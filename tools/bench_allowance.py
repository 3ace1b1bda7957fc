"""Benchmark of invoicing executed work on contracts with prepaid hours.

The scheduled action invoices the executed work of done interventions,
``service.invoicing._invoice_work(date, batch_size=500)``. Prepaid hours (a
*monte ore*) are consumed when an intervention is done: its labour lines
carry the hours they used and are covered in full, the line that crosses the
limit is split into a covered line and a billed one. Invoicing then bills
the lines still to invoice as for any contract. Target, for N done
interventions (N = 200 and 1,000):

- time within 10% of invoicing the same work of the same interventions on
  contracts without prepaid hours: ratio prepaid / plain <= 1.10, in CPU
  time of this process and its PostgreSQL backend (the wall time, printed
  too, is inflated by whatever else runs on the machine).

What is measured, as the superuser (the scheduled action's user), on the same
generated data (deterministic seed; the first 200 of 1,000 are the 200):

- prepaid: N done interventions of N customers, each with an assistance
  contract (time and materials, labour not covered) of 2 prepaid hours per
  month, each with 2-4 labour lines of 0.5-3 h, a travel line and a part line:
  the hours are consumed in order, the crossing line is split, the rest is
  billed; invoiced by ``_invoice_work(interventions=prepaid)``;
- plain: the same interventions, lines and customers' contracts without
  prepaid hours; invoiced by ``_invoice_work(interventions=plain)``.

The prepaid interventions bill less (their covered lines are not invoiced):
the report also gives the time per invoiced line, the fairer comparison of
the work done per line. The timed region is the call then ``cr.flush()``
(what a commit runs first); ``cr.sql_log_count`` counts its queries. Per
size, the data are created once in a transaction and analyzed; every variant
then runs in a savepoint rolled back after its measure (empty ORM cache
before each); the transaction is rolled back at the end: nothing is ever
committed. First, 500 posted invoices of other customers are created in the
transaction (rolled back too): PostgreSQL then plans with the statistics of
accounting tables in use. A warm-up on 20 interventions runs first.
``--profile`` adds a cProfile of prepaid at the largest size. Exits 0 on PASS
and FAIL alike (it is a report), non-zero on errors.

Run by ``make bench`` / ``tools/bench.sh allowance [OPTIONS]``; by hand:
``.venv/bin/python tools/bench_allowance.py [OPTIONS] -d sm_bench [other Odoo
options]``.
"""

import argparse
import contextlib
import cProfile
import datetime
import gc
import os
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict

import benchlib

from odoo import Command, fields

MAX_RATIO = 1.10  # prepaid time / plain time
WARMUP = 20
PREPAID_HOURS = 2.0
VARIANTS = ("prepaid", "plain")
LABELS = {
    "prepaid": "prepaid hours (_invoice_work)",
    "plain": "no prepaid hours (_invoice_work)",
}
# posted invoices created (not committed) before the measures: without
# them the planner sees empty accounting tables and picks nested loops that
# make the payment-state queries of the new invoices run for minutes
HISTORY = 500
ANALYZED = (
    "res_partner",
    "service_contract",
    "service_intervention",
    "service_intervention_line",
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog="Other options are Odoo's: -d DB, --addons-path, --db_host, ...",
    )
    parser.add_argument(
        "--sizes", default="200,1000", help="numbers of done interventions (200,1000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per variant and size, median (1)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=500, help="batch_size of the invoicing (500)"
    )
    parser.add_argument("--seed", type=int, default=19, help="random seed (19)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile prepaid at the largest size"
    )
    args, odoo_args = parser.parse_known_args(argv)
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",") if size})
    except ValueError:
        parser.error("--sizes: comma-separated integers, e.g. 200,1000")
    if not args.sizes or args.sizes[0] < 1 or args.repeat < 1 or args.batch_size < 1:
        parser.error("--sizes, --repeat and --batch-size must be at least 1")
    return args, odoo_args


def make_plan(n, seed):
    """The labour hours of intervention i, the same for every size (the
    first n of the largest plan)."""
    rng = random.Random(seed)
    return [
        [
            rng.choice((0.5, 1.0, 1.5, 2.0, 2.5, 3.0))
            for _line in range(rng.randint(2, 4))
        ]
        for _job in range(n)
    ]


class AllowanceBench:
    def __init__(self, env, args):
        self.env = env(context=dict(env.context, lang="en_US"))
        self.setup_env = self.env(
            context=dict(
                self.env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_notrack=True,
            )
        )
        self.cr = env.cr
        self.args = args
        self.date = fields.Date.context_today(self.env["res.partner"])
        self.data = None
        self.backend_stat = None

    def create_data(self, n):
        """N done interventions on contracts with prepaid hours and the same N
        on contracts without, in this transaction."""
        env = self.setup_env
        company = env.company
        plan = make_plan(n, self.args.seed)
        labour = env["product.product"].create(
            {"name": "Bench labour", "type": "service", "list_price": 45.0}
        )
        part = env["product.product"].create(
            {"name": "Bench part", "type": "service", "list_price": 12.5}
        )
        travel = env["product.product"].create(
            {"name": "Bench travel", "type": "service", "list_price": 30.0}
        )
        company.service_travel_product_id = travel
        activity = env["service.activity.type"].create(
            {"name": "Bench repair", "code": "BENCH-REP", "product_id": labour.id}
        )
        start = self.date.replace(day=1)
        jobs = {}
        for variant in VARIANTS:
            partners = env["res.partner"].create(
                [
                    {"name": f"Bench {variant} customer {i:05d}", "is_company": True}
                    for i in range(n)
                ]
            )
            contracts = env["service.contract"].create(
                [
                    {
                        "partner_id": partner.id,
                        "contract_type": "assistance",
                        "date_start": start,
                        "allowance_hours": PREPAID_HOURS if variant == "prepaid" else 0,
                    }
                    for partner in partners
                ]
            )
            contracts.action_start()
            interventions = env["service.intervention"].create(
                [
                    {
                        "partner_id": partner.id,
                        "contract_id": contract.id,
                        "line_ids": [
                            Command.create(
                                {
                                    "line_type": "activity",
                                    "activity_type_id": activity.id,
                                    "quantity": hours,
                                    "date": self.date,
                                    "sequence": index,
                                }
                            )
                            for index, hours in enumerate(lines)
                        ]
                        + [
                            Command.create({"line_type": "travel", "sequence": 50}),
                            Command.create(
                                {
                                    "line_type": "part",
                                    "product_id": part.id,
                                    "quantity": 2,
                                    "sequence": 60,
                                }
                            ),
                        ],
                    }
                    for partner, contract, lines in zip(
                        partners, contracts, plan, strict=True
                    )
                ]
            )
            interventions.action_start()
            interventions.action_done()
            jobs[variant] = interventions
        self.cr.flush()
        self.cr.execute(f"ANALYZE {', '.join(ANALYZED)}")
        to_invoice = {
            variant: len(
                jobs[variant].line_ids.filtered(
                    lambda line: line.invoice_status == "to_invoice"
                )
            )
            for variant in VARIANTS
        }
        split = len(jobs["prepaid"].line_ids) - len(jobs["plain"].line_ids)
        self.env.invalidate_all()
        self.data = {
            "n": n,
            "jobs": {variant: records.ids for variant, records in jobs.items()},
            "to_invoice": to_invoice,
            "split": split,
        }

    def create_history(self):
        """HISTORY posted invoices of other customers, in this transaction:
        the statistics of accounting tables in use (see HISTORY)."""
        env = self.setup_env
        product = env["product.product"].create(
            {"name": "Bench history fee", "type": "service", "list_price": 10.0}
        )
        partners = env["res.partner"].create(
            [{"name": f"Bench history {i:04d}"} for i in range(HISTORY // 10)]
        )
        moves = (
            env["account.move"]
            .with_context(default_move_type="out_invoice")
            .create(
                [
                    {
                        "partner_id": partners[i % len(partners)].id,
                        "invoice_date": self.date - datetime.timedelta(days=40),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "quantity": 1,
                                    "price_unit": 10,
                                }
                            )
                        ],
                    }
                    for i in range(HISTORY)
                ]
            )
        )
        moves.action_post()
        self.cr.flush()
        self.cr.execute(f"ANALYZE {', '.join(ANALYZED)}")

    def call(self, variant):
        Intervention = self.env["service.intervention"]
        self.env["service.invoicing"]._invoice_work(
            date=self.date,
            interventions=Intervention.browse(self.data["jobs"][variant]),
            batch_size=self.args.batch_size,
            commit=False,
            post=False,
        )

    def backend_cpu(self):
        """CPU seconds used so far by this cursor's PostgreSQL backend, when
        the server runs on this machine (else None)."""
        if self.backend_stat is None:
            self.cr.execute("SELECT pg_backend_pid()")
            path = f"/proc/{self.cr.fetchone()[0]}"
            try:
                with open(f"{path}/cmdline", "rb") as cmdline:
                    local = cmdline.read().startswith(b"postgres")
            except OSError:
                local = False
            self.backend_stat = f"{path}/stat" if local else ""
        if not self.backend_stat:
            return None
        with open(self.backend_stat) as stat:
            values = stat.read().rsplit(")", 1)[1].split()
        return (int(values[11]) + int(values[12])) / CLOCK_TICKS  # utime + stime

    def measure(self, variant, profile=None):
        cr = self.cr
        gc.collect()
        queries = cr.sql_log_count
        pg = self.backend_cpu()
        py = time.process_time()
        start = time.perf_counter()
        if profile:
            profile.enable()
        self.call(variant)
        cr.flush()
        if profile:
            profile.disable()
        wall = time.perf_counter() - start
        py = time.process_time() - py
        queries = cr.sql_log_count - queries
        pg = None if pg is None else self.backend_cpu() - pg
        cpu = None if pg is None else py + pg
        return {"wall": wall, "py": py, "pg": pg, "cpu": cpu, "queries": queries}

    def run(self, variant, profile=None):
        """Measure ``variant`` in a savepoint rolled back afterwards.

        :return: the measure, and (invoices, invoice lines, untaxed)
        """
        cr = self.cr
        self.env.invalidate_all()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
        top = cr.fetchone()[0]
        with contextlib.closing(cr.savepoint(flush=True)):  # always rolled back
            result = self.measure(variant, profile)
            cr.execute(
                """SELECT COUNT(DISTINCT m.id), COUNT(l.id),
                          COALESCE(SUM(l.price_subtotal), 0)
                     FROM account_move m
                     JOIN account_move_line l
                       ON l.move_id = m.id AND l.display_type = 'product'
                    WHERE m.id > %s AND m.move_type = 'out_invoice'""",
                [top],
            )
            count, lines, untaxed = cr.fetchone()
        cr.postcommit.clear()
        self.env.invalidate_all()
        # an intervention whose lines straddle two batches of the invoicing
        # gets two invoices: the lines are what must match
        if count < self.data["n"] or lines != self.data["to_invoice"][variant]:
            raise RuntimeError(
                f"{variant}: {count} invoices of {lines} lines for {self.data['n']} "
                f"interventions of {self.data['to_invoice'][variant]} lines to invoice"
            )
        return result, (count, lines, round(untaxed, 2))


def median_measure(measures):
    result = {}
    for key in ("wall", "py", "pg", "cpu", "queries"):
        values = [m[key] for m in measures]
        if None in values:
            result[key] = None
        elif key == "queries":
            result[key] = statistics.median_low(values)
        else:
            result[key] = statistics.median(values)
    return result


def fmt_cpu(m):
    if m["cpu"] is None:
        return f"{m['py']:.2f} (py only)"
    return f"{m['cpu']:.2f} ({m['py']:.1f}+{m['pg']:.1f})"


def report(args, results, totals, load):
    sizes = args.sizes
    med = {(v, n): median_measure(results[v, n]) for v in VARIANTS for n in sizes}
    has_cpu = all(m["cpu"] is not None for m in med.values())
    key = "cpu" if has_cpu else "py"
    print()
    print(
        f"Invoicing executed work, median of {args.repeat} run(s); batch size "
        f"{args.batch_size}; {PREPAID_HOURS:g} prepaid hours per contract and month"
    )
    print(
        f"  {'':33}{'N':>5}{'lines':>7}{'wall s':>9}{'CPU s (py+pg)':>20}"
        f"{'ms/line':>9}{'queries':>9}"
    )
    for n in sizes:
        for v in VARIANTS:
            m = med[v, n]
            count, lines, untaxed = totals[v, n]
            print(
                f"  {LABELS[v]:33}{n:>5}{lines:>7}{m['wall']:>9.2f}"
                f"{fmt_cpu(m):>20}{1000 * m['wall'] / lines:>9.2f}{m['queries']:>9}"
            )
        print(
            f"  {'':38}invoices: {totals['prepaid', n][0]} prepaid (untaxed "
            f"{totals['prepaid', n][2]:,.2f}), {totals['plain', n][0]} plain "
            f"(untaxed {totals['plain', n][2]:,.2f})"
        )
    print("Ratios prepaid / plain (wall time; CPU time in brackets):")
    verdicts = []
    for n in sizes:
        wall = med["prepaid", n]["wall"] / med["plain", n]["wall"]
        cpu = med["prepaid", n][key] / med["plain", n][key]
        lines = {v: totals[v, n][1] for v in VARIANTS}
        per_line = (med["prepaid", n]["wall"] / lines["prepaid"]) / (
            med["plain", n]["wall"] / lines["plain"]
        )
        # the CPU time of this process and its PostgreSQL backend is not
        # inflated by other processes, the wall time is
        ok = cpu <= MAX_RATIO
        verdicts.append((ok, n, wall, cpu, per_line))
        print(
            f"  N={n}: time {wall:.2f}x [CPU {cpu:.2f}x], per invoiced line "
            f"{per_line:.2f}x (target CPU time <= {MAX_RATIO:.2f}x) "
            f"{'ok' if ok else 'MISSED'}"
        )
    cores = os.cpu_count() or 1
    print(f"Load average {load[0]:.1f} before, {load[1]:.1f} after, on {cores} core(s)")
    print()
    print(
        f"{'PASS' if all(v[0] for v in verdicts) else 'FAIL'}: invoicing with "
        f"prepaid hours within {(MAX_RATIO - 1) * 100:.0f}% of without (CPU "
        "time; wall time in brackets): "
        + ", ".join(
            f"{(c - 1) * 100:+.0f}% [{(w - 1) * 100:+.0f}%] (per line "
            f"{(p - 1) * 100:+.0f}%) at {n}"
            for _ok, n, w, c, p in verdicts
        )
    )


def run(env, args):
    bench = AllowanceBench(env, args)
    cr = env.cr
    print(
        f"Prepaid hours invoicing benchmark: {','.join(map(str, args.sizes))} done "
        f"interventions of 2-4 labour lines (seed {args.seed}), {args.repeat} "
        f"run(s), database {cr.dbname}",
        flush=True,
    )
    # the history, then each size in a savepoint rolled back after it
    start = time.perf_counter()
    bench.create_history()
    print(
        f"  {HISTORY} posted invoices of history created in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    with contextlib.closing(cr.savepoint(flush=True)):  # always rolled back
        bench.create_data(min(WARMUP, args.sizes[0]))
        for variant in VARIANTS:
            bench.run(variant)
    bench.env.invalidate_all()

    load_before = os.getloadavg()[0]
    results = defaultdict(list)
    totals = {}
    profile = None
    for n in args.sizes:
        with contextlib.closing(cr.savepoint(flush=True)):  # always rolled back
            start = time.perf_counter()
            bench.create_data(n)
            print(
                f"  N={n}: {bench.data['split']} lines split at the limit, "
                f"data created in {time.perf_counter() - start:.1f} s",
                flush=True,
            )
            for r in range(args.repeat):
                order = VARIANTS if r % 2 == 0 else VARIANTS[::-1]
                for variant in order:
                    measure, summary = bench.run(variant)
                    results[variant, n].append(measure)
                    totals[variant, n] = summary
                    print(
                        f"    run {r + 1}/{args.repeat} {LABELS[variant]:33}"
                        f"{measure['wall']:8.2f} s  CPU {fmt_cpu(measure):>18}  "
                        f"{measure['queries']:6d} queries",
                        flush=True,
                    )
            if args.profile and n == args.sizes[-1]:
                profile = cProfile.Profile()
                bench.run("prepaid", profile)
        bench.env.invalidate_all()
    report(args, results, totals, (load_before, os.getloadavg()[0]))
    if profile:
        print(f"\ncProfile of prepaid on {args.sizes[-1]} interventions (top 40):")
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(
            40
        )


def main(argv=None):
    benchlib.main(parse_args, run, argv)


if __name__ == "__main__":
    started = datetime.datetime.now()
    main()
    print(f"(benchmark took {datetime.datetime.now() - started})")
