"""Benchmark of the scheduled invoicing of due flat-rate service contracts.

The scheduled action invoices every due contract in one call,
``service.invoicing._invoice_contracts(date, batch_size=200)``, which creates
the invoices of a batch in one ``account.move.create``. Targets, for N due
contracts of 1-3 fee lines each (N = 500 and 2,000):

- throughput at least 1.2x that of OCA's ``contract`` module invoicing the same
  contracts with its own scheduled action
  (``contract.contract.cron_recurring_create_invoice(date_ref)``);
- wall time within 10% of the floor Odoo itself sets: one bare
  ``account.move.create(vals_list)`` of the same N invoices;
- time growing linearly with N: time(2000)/time(500) about 4, i.e. the time
  per invoice at 2,000 at most 15% above the one at 500.

What is measured, as the superuser (the scheduled actions' user), each variant
on the same generated data (deterministic seed; the first 500 contracts of the
2,000 are the 500):

- ours: N running ``service.contract`` (maintenance, flat rate, monthly, in
  advance, started on the invoice date) invoiced by ``_invoice_contracts`` with
  ``commit=False`` (the scheduled action commits each batch; that commit is
  the only difference) and the company's auto-posting off (drafts, like the
  others);
- OCA: N ``contract.contract`` (sale, same customers, products, quantities
  and prices; recurrence on the lines, OCA's usual set-up: monthly, pre-paid,
  started and next invoice on the invoice date; with the recurrence on the
  contract, creating 500 of them in one ``create`` fails in OCA's recursive
  ``recurring_next_date`` computes) invoiced by OCA's scheduled action method;
- bare: one ``account.move.create`` of the N invoices (customer, invoice
  date, lines with product, name, quantity, price; the context ours uses:
  ``default_move_type=out_invoice, tracking_disable=True``).

The timed region is the call then ``cr.flush()`` (what a commit runs first:
pending writes and pre-commit hooks); ``cr.sql_log_count`` counts its
queries. Per size, the customers, products and both kinds of contracts are
created once in a transaction and analyzed (``ANALYZE`` in the transaction);
every variant then runs in a savepoint rolled back after its measure (empty
ORM cache before each), so the runs are independent; the transaction is
rolled back at the end. The only thing ever committed, once per database (the
throwaway ``sm_bench_invoicing``), is a history of 1,000 posted invoices of
other customers followed by ``ANALYZE``: PostgreSQL then plans with the
statistics of a database in use, not those of empty tables. The invoices of
the three variants are checked to be the same (count, untaxed and total
amounts). A warm-up on 20 contracts runs first.
``--profile`` adds a cProfile of ours at the largest size and the SQL queries
it repeats per contract, with the code that runs them. Exits 0 on PASS and
FAIL alike (it is a report), non-zero on errors.

OCA contract is never a dependency of the add-on (not in the manifest,
pyproject.toml or .venv): ``tools/bench.sh`` installs it for this benchmark
only, idempotently, with
``.venv/bin/python -m pip install --no-deps --target
.cache/bench-addons/bench_invoicing "odoo-addon-contract==19.0.*"`` (its only
Python requirement is Odoo 19.0 itself; its Odoo dependencies base, account,
product and portal are already in the template database), adds
``.cache/bench-addons/bench_invoicing/odoo/addons`` to the addons path of this
benchmark only, and runs it in its own database ``sm_bench_invoicing`` (a copy
of the template database with ``service_management`` and ``contract``
installed, kept between runs, the add-on updated at each run).

Run by ``make bench`` / ``tools/bench.sh invoicing [OPTIONS]``; by hand:
``.venv/bin/python tools/bench_invoicing.py [OPTIONS] -d sm_bench_invoicing
--addons-path=...,.cache/bench-addons/bench_invoicing/odoo/addons [other Odoo
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
import threading
import time
from collections import Counter, defaultdict

import benchlib

from odoo import Command, fields

MIN_OCA_RATIO = 1.2  # our throughput / OCA's
MAX_BARE_RATIO = 1.10  # our time / the bare create's
MAX_GROWTH = 1.15  # time per invoice at the largest size / at the smallest
WARMUP = 20
HISTORY = 1000
HISTORY_PARAM = "service_management.bench_invoicing_history"
ANALYZED = (
    "res_partner",
    "product_template",
    "product_product",
    "service_contract",
    "service_contract_line",
    "account_tax_service_contract_line_rel",
    "contract_contract",
    "contract_line",
    "contract_modification",
    "mail_followers",
)
PRODUCTS = 8
VARIANTS = ("ours", "oca", "bare")
LABELS = {
    "ours": "ours (_invoice_contracts)",
    "oca": "OCA contract cron",
    "bare": "bare account.move.create",
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog="Other options are Odoo's: -d DB, --addons-path, --db_host, ...",
    )
    parser.add_argument(
        "--sizes", default="500,2000", help="numbers of due contracts (500,2000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per variant and size, median (1)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=200, help="batch_size of ours (200)"
    )
    parser.add_argument("--seed", type=int, default=19, help="random seed (19)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile ours at the largest size and list its repeated queries",
    )
    args, odoo_args = parser.parse_known_args(argv)
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",") if size})
    except ValueError:
        parser.error("--sizes: comma-separated integers, e.g. 500,2000")
    if not args.sizes or args.sizes[0] < 1 or args.repeat < 1 or args.batch_size < 1:
        parser.error("--sizes, --repeat and --batch-size must be at least 1")
    return args, odoo_args


def make_plan(n, seed):
    """The fee lines of contract i: [(product index, quantity, price)], the
    same for every size (the first n of the largest plan)."""
    rng = random.Random(seed)
    return [
        [
            (
                rng.randrange(PRODUCTS),
                float(rng.choice((1, 1, 1, 2, 3, 5))),
                round(rng.uniform(10, 500), 2),
            )
            for _line in range(rng.randint(1, 3))
        ]
        for _contract in range(n)
    ]


class QueryRecorder:
    """Counts the SQL queries run in this thread by text, each with the
    innermost frame of this add-on and of any add-on that runs it."""

    def __init__(self):
        self.counts = Counter()
        self.origins = defaultdict(Counter)

    @staticmethod
    def _origins():
        ours = addon = None
        frame = sys._getframe(3)
        while frame and not (ours and addon):
            path = frame.f_code.co_filename
            where = None
            if ours is None and path.startswith(ROOT) and "/tools/" not in path:
                path = os.path.relpath(os.path.realpath(path), ROOT)
                where = ours = f"{path}:{frame.f_lineno}"
            if addon is None and "/addons/" in path and "/base/models/" not in path:
                short = path.split("/addons/", 1)[1]
                addon = where or f"{short}:{frame.f_lineno}"
                addon = f"{addon} {frame.f_code.co_name}()"
            frame = frame.f_back
        return ours, addon

    def hook(self, cr, query, params, start, depth):
        text = " ".join(str(query).split())
        self.counts[text] += 1
        self.origins[text][self._origins()] += 1

    @contextlib.contextmanager
    def recording(self):
        thread = threading.current_thread()
        old = getattr(thread, "query_hooks", ())
        thread.query_hooks = (*old, self.hook)
        try:
            yield self
        finally:
            thread.query_hooks = old


class InvoicingBench:
    def __init__(self, env, args):
        self.env = env(context=dict(env.context, lang="en_US"))
        self.setup_env = self.env(
            context=dict(
                self.env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_notrack=True,
                skip_modification_mail=True,
            )
        )
        self.cr = env.cr
        self.args = args
        self.date = fields.Date.context_today(self.env["res.partner"])
        self.data = None
        self.backend_stat = None

    # ------------------------------------------------------------------
    # History, committed once per database: realistic planner statistics
    # ------------------------------------------------------------------
    def ensure_history(self):
        """Commit, once per database, HISTORY posted invoices of other
        customers, then ANALYZE: the planner then works with the statistics
        of a database in use. Without them (tables empty when last analyzed,
        all the data uncommitted) PostgreSQL picks nested loops that made one
        query of OCA's cron on 500 invoices run for minutes."""
        env = self.setup_env
        param = env["ir.config_parameter"]
        if param.get_param(HISTORY_PARAM) == str(HISTORY):
            return
        start = time.perf_counter()
        plan = make_plan(HISTORY, self.args.seed + 1)
        products = self.create_products("Bench history fee")
        partners = env["res.partner"].create(
            [
                {"name": f"Bench history customer {i:05d}", "is_company": True}
                for i in range(HISTORY)
            ]
        )
        date = self.date - datetime.timedelta(days=40)
        moves = env["account.move"].create(
            self.invoice_vals(partners, products, plan, date)
        )
        moves.action_post()
        param.set_param(HISTORY_PARAM, str(HISTORY))
        self.cr.commit()
        self.cr.execute("ANALYZE")
        self.cr.commit()
        print(
            f"  committed a history of {HISTORY} posted invoices and analyzed the "
            f"database in {time.perf_counter() - start:.0f} s (once per database)",
            flush=True,
        )

    # ------------------------------------------------------------------
    # Data, created once per size in the transaction
    # ------------------------------------------------------------------
    def create_products(self, name):
        return self.setup_env["product.product"].create(
            [
                {
                    "name": f"{name} {k + 1}",
                    "type": "service",
                    "list_price": 10.0 * (k + 1),
                    "sale_ok": True,
                }
                for k in range(PRODUCTS)
            ]
        )

    @staticmethod
    def invoice_vals(partners, products, plan, date):
        return [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": products[k].id,
                            "name": products[k].name,
                            "quantity": qty,
                            "price_unit": price,
                        }
                    )
                    for k, qty, price in lines
                ],
            }
            for partner, lines in zip(partners, plan, strict=True)
        ]

    def create_data(self, n):
        """Customers, products, N started service contracts and N OCA
        contracts with the same fee lines, all due on ``self.date``."""
        env, date = self.setup_env, self.date
        plan = make_plan(n, self.args.seed)
        env.company.service_invoice_auto_post = False
        products = self.create_products("Bench fee")
        partners = env["res.partner"].create(
            [{"name": f"Bench customer {i:05d}", "is_company": True} for i in range(n)]
        )
        contracts = env["service.contract"].create(
            [
                {
                    "partner_id": partner.id,
                    "contract_type": "maintenance",
                    "date_start": date,
                    "recurring_interval_number": 1,
                    "recurring_interval_type": "month",
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": products[k].id,
                                "quantity": qty,
                                "price_unit": price,
                            }
                        )
                        for k, qty, price in lines
                    ],
                }
                for partner, lines in zip(partners, plan, strict=True)
            ]
        )
        contracts.action_start()
        oca = env["contract.contract"].create(
            [
                {
                    "name": f"Bench OCA {i:05d}",
                    "partner_id": partner.id,
                    "contract_type": "sale",
                    "line_recurrence": True,
                    "recurring_rule_type": "monthly",
                    "recurring_interval": 1,
                    "recurring_invoicing_type": "pre-paid",
                    "date_start": date,
                    "contract_line_ids": [
                        Command.create(
                            {
                                "product_id": products[k].id,
                                "name": products[k].name,
                                "quantity": qty,
                                "price_unit": price,
                                "recurring_rule_type": "monthly",
                                "recurring_interval": 1,
                                "recurring_invoicing_type": "pre-paid",
                                "date_start": date,
                                "recurring_next_date": date,
                            }
                        )
                        for k, qty, price in lines
                    ],
                }
                for i, (partner, lines) in enumerate(zip(partners, plan, strict=True))
            ]
        )
        self.cr.flush()
        wrong = contracts.filtered(
            lambda c: c.state != "running" or c.next_invoice_date != date
        )
        wrong_oca = oca.filtered(lambda c: c.recurring_next_date != date)
        if wrong or wrong_oca:
            raise RuntimeError(
                f"{len(wrong)} service and {len(wrong_oca)} OCA contracts are "
                f"not due on {date}"
            )
        # statistics of the new rows, in the transaction (rolled back with it)
        self.cr.execute(f"ANALYZE {', '.join(ANALYZED)}")
        bare_vals = self.invoice_vals(partners, products, plan, date)
        self.env.invalidate_all()
        self.data = {
            "n": n,
            "lines": sum(len(lines) for lines in plan),
            "bare_vals": bare_vals,
        }

    # ------------------------------------------------------------------
    # The three variants
    # ------------------------------------------------------------------
    def call_ours(self):
        self.env["service.invoicing"]._invoice_contracts(
            date=self.date, batch_size=self.args.batch_size, commit=False
        )

    def call_oca(self):
        self.env["contract.contract"].cron_recurring_create_invoice(self.date)

    def call_bare(self):
        self.env["account.move"].with_context(
            default_move_type="out_invoice", tracking_disable=True
        ).create(self.data["bare_vals"])

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

    def measure(self, func, profile=None):
        """Run ``func`` then flush as a commit would.

        :return: {wall, py (CPU of this process), pg (CPU of the PostgreSQL
            backend, None if remote), cpu (py + pg), queries}
        """
        cr = self.cr
        gc.collect()  # no collection of the previous garbage in the timed region
        queries = cr.sql_log_count
        pg = self.backend_cpu()
        py = time.process_time()
        start = time.perf_counter()
        if profile:
            profile.enable()
        func()
        cr.flush()  # env.flush_all() + pre-commit hooks (mail tracking)
        if profile:
            profile.disable()
        wall = time.perf_counter() - start
        py = time.process_time() - py
        queries = cr.sql_log_count - queries
        pg = None if pg is None else self.backend_cpu() - pg
        cpu = None if pg is None else py + pg
        return {"wall": wall, "py": py, "pg": pg, "cpu": cpu, "queries": queries}

    def run(self, variant, profile=None, recorder=None):
        """Measure ``variant`` in a savepoint rolled back afterwards.

        :return: the measure, and (invoices, untaxed, total) of its invoices
        """
        cr = self.cr
        self.env.invalidate_all()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
        top = cr.fetchone()[0]
        func = getattr(self, f"call_{variant}")
        with contextlib.closing(cr.savepoint(flush=True)):  # always rolled back
            with recorder.recording() if recorder else contextlib.nullcontext():
                result = self.measure(func, profile)
            cr.execute(
                """SELECT COUNT(*), COALESCE(SUM(amount_untaxed), 0),
                          COALESCE(SUM(amount_total), 0)
                     FROM account_move
                    WHERE id > %s AND move_type = 'out_invoice'""",
                [top],
            )
            count, untaxed, total = cr.fetchone()
        cr.postcommit.clear()
        self.env.invalidate_all()
        if count != self.data["n"]:
            raise RuntimeError(
                f"{variant}: {count} invoices for {self.data['n']} due contracts"
            )
        return result, (count, round(untaxed, 2), round(total, 2))


def oca_version(env):
    module = env["ir.module.module"].search([("name", "=", "contract")])
    return module.latest_version or "?"


def print_profile(profile, recorder, n):
    print(f"\ncProfile of ours on {n} contracts (cumulative, top 45):")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(45)
    total = sum(recorder.counts.values())
    repeated = [
        (count, text) for text, count in recorder.counts.items() if count >= n // 4
    ]
    repeated.sort(reverse=True)
    print(
        f"SQL queries of ours on {n} contracts: {total} ({total / n:.1f} per "
        f"invoice), {len(recorder.counts)} distinct; run at least {n // 4} "
        f"times ({sum(c for c, _t in repeated)} queries):"
    )
    for count, text in repeated:
        print(f"  {count:6d} x ({count / n:.2f}/contract) {text[:220]}")
        for (ours, addon), times in recorder.origins[text].most_common(3):
            print(f"           {times:6d} from {addon or '?'}  [ours: {ours or '-'}]")


def median_measure(measures):
    """Median of each value of ``measures`` (one per run)."""
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


def report(bench, args, results, totals, oca_ver, load):
    sizes = args.sizes
    med = {(v, n): median_measure(results[v, n]) for v in VARIANTS for n in sizes}
    has_cpu = all(m["cpu"] is not None for m in med.values())
    key = "cpu" if has_cpu else "py"
    print()
    print(
        f"Invoicing due contracts, median of {args.repeat} run(s); OCA contract "
        f"{oca_ver}; invoice date {bench.date}; batch size {args.batch_size}"
    )
    print(
        "  wall: seconds of the call + flush; CPU: seconds of CPU used meanwhile "
        "by this process + its PostgreSQL backend (not inflated by other load)"
    )
    print(
        f"  {'':27}{'N':>5}{'wall s':>9}{'inv/s':>8}{'CPU s (py+pg)':>20}"
        f"{'inv/CPU s':>10}{'queries':>9}{'q/inv':>7}"
    )
    for n in sizes:
        for v in VARIANTS:
            m = med[v, n]
            print(
                f"  {LABELS[v]:27}{n:>5}{m['wall']:>9.2f}{n / m['wall']:>8.1f}"
                f"{fmt_cpu(m):>20}{n / m[key]:>10.1f}{m['queries']:>9}"
                f"{m['queries'] / n:>7.1f}"
            )
        count, untaxed, total = totals[n]
        print(
            f"  {'':32}same {count} invoices in all three: untaxed "
            f"{untaxed:,.2f}, total {total:,.2f}"
        )

    def ratio(a, b, n, k):
        return med[a, n][k] / med[b, n][k]

    print("Ratios (wall time; CPU time in brackets):")
    oca_ok, bare_ok = {}, {}
    for n in sizes:
        oca_wall, oca_cpu = (
            ratio("oca", "ours", n, "wall"),
            ratio("oca", "ours", n, key),
        )
        bare_wall, bare_cpu = (
            ratio("ours", "bare", n, "wall"),
            ratio("ours", "bare", n, key),
        )
        oca_ok[n] = (oca_wall, oca_cpu, oca_wall >= MIN_OCA_RATIO)
        bare_ok[n] = (bare_wall, bare_cpu, bare_wall <= MAX_BARE_RATIO)
        print(
            f"  N={n}: ours/OCA throughput {oca_wall:.2f}x [{oca_cpu:.2f}x] "
            f"(target >= {MIN_OCA_RATIO:.2f}x) {'ok' if oca_ok[n][2] else 'MISSED'}; "
            f"ours/bare time {bare_wall:.2f}x [{bare_cpu:.2f}x] (target <= "
            f"{MAX_BARE_RATIO:.2f}x) {'ok' if bare_ok[n][2] else 'MISSED'}"
        )
    growth = None
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]

        def per_invoice(v, k):
            return (med[v, large][k] / large) / (med[v, small][k] / small)

        time_ratio = med["ours", large]["wall"] / med["ours", small]["wall"]
        growth, growth_cpu = per_invoice("ours", "wall"), per_invoice("ours", key)
        linear = "ok" if growth <= MAX_GROWTH else "MISSED"
        print(
            f"  ours time({large})/time({small}) = {time_ratio:.2f} (linear: "
            f"{large / small:.2f}); time per invoice {growth:.2f}x "
            f"[{growth_cpu:.2f}x] (target <= {MAX_GROWTH:.2f}x) {linear}; "
            f"queries per invoice {per_invoice('ours', 'queries'):.2f}x"
        )
        for v in ("oca", "bare"):
            print(
                f"  (time per invoice {large} vs {small}, {LABELS[v]}: "
                f"{per_invoice(v, 'wall'):.2f}x [{per_invoice(v, key):.2f}x])"
            )
    cores = os.cpu_count() or 1
    print(
        f"Load average {load[0]:.1f} before, {load[1]:.1f} after, on {cores} "
        f"core(s)"
        + (
            ": other processes competed for the CPU, the wall times are inflated "
            "unevenly; the CPU ratios [in brackets] are the reliable ones"
            if max(load) > 1 + cores / 2  # this process and its backend: ~1
            else ""
        )
    )
    print()
    verdicts = [
        (
            all(ok for _w, _c, ok in oca_ok.values()),
            f"throughput vs OCA contract cron >= {MIN_OCA_RATIO:.2f}x: "
            + ", ".join(
                f"{w:.2f}x [{c:.2f}x] at {n}" for n, (w, c, _ok) in oca_ok.items()
            ),
        ),
        (
            all(ok for _w, _c, ok in bare_ok.values()),
            f"time within {(MAX_BARE_RATIO - 1) * 100:.0f}% of the bare create: "
            + ", ".join(
                f"{(w - 1) * 100:+.0f}% [{(c - 1) * 100:+.0f}%] at {n}"
                for n, (w, c, _ok) in bare_ok.items()
            ),
        ),
    ]
    if growth is not None:
        verdicts.append(
            (
                growth <= MAX_GROWTH,
                f"linear time: time per invoice at {sizes[-1]} vs {sizes[0]} "
                f"{growth:.2f}x [{growth_cpu:.2f}x] (<= {MAX_GROWTH:.2f}x)",
            )
        )
    for ok, text in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    if not all(ok for ok, _t in verdicts) and not args.profile:
        print("  profile ours: tools/bench.sh invoicing --profile")


def run(env, args):
    if not env["ir.module.module"].search_count(
        [("name", "=", "contract"), ("state", "=", "installed")]
    ):
        sys.exit(
            f"OCA contract is not installed in {env.cr.dbname}: run tools/bench.sh "
            "invoicing (it installs it in sm_bench_invoicing)"
        )
    bench = InvoicingBench(env, args)
    cr = env.cr
    oca_ver = oca_version(env)
    print(
        f"Contract invoicing benchmark: {','.join(map(str, args.sizes))} due "
        f"contracts of 1-3 fee lines (seed {args.seed}), {args.repeat} run(s), "
        f"database {cr.dbname}",
        flush=True,
    )
    bench.ensure_history()
    # warm-up: registry caches, translations, ... are loaded for every variant
    try:
        bench.create_data(min(WARMUP, args.sizes[0]))
        for variant in VARIANTS:
            bench.run(variant)
    finally:
        cr.rollback()
        bench.env.invalidate_all()

    load_before = os.getloadavg()[0]
    results = defaultdict(list)
    totals = {}
    profile = recorder = None
    for n in args.sizes:
        try:
            start = time.perf_counter()
            bench.create_data(n)
            print(
                f"  N={n}: {bench.data['lines']} fee lines, data created in "
                f"{time.perf_counter() - start:.1f} s",
                flush=True,
            )
            for r in range(args.repeat):
                # rotate the order: no variant always runs first
                order = VARIANTS[r % 3 :] + VARIANTS[: r % 3]
                seen = {}
                for variant in order:
                    measure, summary = bench.run(variant)
                    results[variant, n].append(measure)
                    seen[variant] = summary
                    print(
                        f"    run {r + 1}/{args.repeat} {LABELS[variant]:27}"
                        f"{measure['wall']:8.2f} s {n / measure['wall']:7.1f} inv/s"
                        f"  CPU {fmt_cpu(measure):>18}  {measure['queries']:6d} "
                        "queries",
                        flush=True,
                    )
                if len(set(seen.values())) != 1:
                    raise RuntimeError(
                        f"the variants did not create the same invoices: {seen}"
                    )
                totals[n] = seen["ours"]
            if args.profile and n == args.sizes[-1]:
                profile, recorder = cProfile.Profile(), QueryRecorder()
                bench.run("ours", profile, recorder)
        finally:
            cr.rollback()
            bench.env.invalidate_all()
    report(bench, args, results, totals, oca_ver, (load_before, os.getloadavg()[0]))
    if profile:
        print_profile(profile, recorder, args.sizes[-1])


def main(argv=None):
    benchlib.main(parse_args, run, argv)


if __name__ == "__main__":
    started = datetime.datetime.now()
    main()
    print(f"(benchmark took {datetime.datetime.now() - started})")
