"""Benchmark of the service profitability report over a large history.

The report (``service.profitability.report``, an SQL view) unions the invoice
lines of contract fees, the invoice lines of executed work and the work lines
of done interventions. The target: over 100,000 work lines and 20,000
invoices, grouping by contract and month (a list or pivot by contract, the
months expanded) takes under 1 s of server time, and the contract form's
figures (revenue, cost, margin of a page of 80 contracts) run one grouped
query (two with the access check of ``read``).

The data are bulk-inserted in SQL, copying rows the ORM made: a running
flat-rate contract, a done intervention with five work lines (labour, a part
taken out of stock, travel, mileage, an expense), the posted fee invoice of
the contract and the posted invoice of the work. They are copied into
``--contracts`` contracts (1,000), ``--lines`` work lines (100,000, five per
intervention, spread over 24 months; one intervention in 20 re-opened), and
``--invoices`` invoices (20,000: half contract fees, half executed work, each
work invoice billing the five lines of one intervention; one in 50
cancelled). Then ``ANALYZE``: the planner works with the statistics of a
database in use.

What is measured, as the administrator (record rules apply), cache emptied
before each call, median of ``--rounds`` (5) runs:

- ours: ``_read_group`` of the report grouped by contract and month with
  revenue, cost and the margin percentage, and ``web_read_group`` (what a
  list grouped by contract then month calls), the two the target is about;
  for reference, ``formatted_read_group`` of all the contract x month groups
  at once (a pivot fully expanded), which adds Odoo's formatting of each of
  the thousands of groups (month labels, a domain per group) in Python;
- baseline: the same grouping on ``account.move.line`` directly (the
  invoice lines of the customer invoices, by partner and month, sum of the
  balance): the cost of a plain grouped read of the invoicing tables, in the
  same run, on the same data;
- the contract figures: ``service_revenue``, ``service_cost`` and
  ``service_margin`` of 80 contracts (time and queries).

Nothing is committed: everything runs in one transaction rolled back at the
end. Exits 0 on PASS and FAIL alike (it is a report), non-zero on errors.
``--explain`` prints PostgreSQL's plans of the grouped query and of the
contract figures; ``--profile`` a cProfile of the pivot's call.

Run by ``make bench`` / ``tools/bench.sh profitability [OPTIONS]``; by hand:
``.venv/bin/python tools/bench_profitability.py [OPTIONS] -d DB
--addons-path=... [other Odoo options]``.
"""

import argparse
import cProfile
import datetime
import gc
import pstats
import statistics
import sys
import time

import benchlib

from odoo import Command, fields
from odoo.tools import SQL

TARGET_SECONDS = 1.0  # grouping by contract and month, server time
PAGE = 80  # contracts of a list page / figures computed at once
# read() of the figures: its access check, then one grouped query for all
FIGURES_QUERIES = 2
MONTHS = 24
LINES_PER_JOB = 5
REPORT = "service.profitability.report"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog="Other options are Odoo's: -d DB, --addons-path, --db_host, ...",
    )
    parser.add_argument(
        "--lines", type=int, default=100_000, help="work lines (100000)"
    )
    parser.add_argument("--invoices", type=int, default=20_000, help="invoices (20000)")
    parser.add_argument("--contracts", type=int, default=1000, help="contracts (1000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs (5)")
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of the grouped query"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile of the pivot's formatted_read_group",
    )
    args, odoo_args = parser.parse_known_args(argv)
    if min(args.lines, args.invoices, args.contracts, args.rounds) < 1:
        parser.error("--lines, --invoices, --contracts and --rounds must be >= 1")
    if args.lines < LINES_PER_JOB:
        parser.error(f"--lines must be at least {LINES_PER_JOB}")
    return args, odoo_args


class ProfitabilityBench:
    def __init__(self, env, args):
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
        self.args = args
        self.company = self.env.company
        self.contracts = self.env["service.contract"]
        self.start = fields.Date.context_today(self.env["res.partner"]).replace(
            day=1
        ) - datetime.timedelta(days=MONTHS * 30)

    # ------------------------------------------------------------------
    # Templates made by the ORM, then copied in SQL
    # ------------------------------------------------------------------
    def templates(self):
        env = self.setup_env
        company = self.company
        no_tax = env["account.tax"]
        customer = env["res.partner"].create(
            {"name": "Bench profitability customer", "is_company": True}
        )
        product = env["product.product"].create(
            {
                "name": "Bench labour",
                "type": "service",
                "list_price": 50.0,
                "taxes_id": no_tax,
            }
        )
        fee = env["product.product"].create(
            {
                "name": "Bench fee",
                "type": "service",
                "list_price": 130.0,
                "taxes_id": no_tax,
            }
        )
        part = env["product.product"].create(
            {
                "name": "Bench part",
                "type": "consu",
                "is_storable": True,
                "list_price": 20.0,
                "standard_price": 8.0,
                "taxes_id": no_tax,
            }
        )
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        env["stock.quant"]._update_available_quantity(part, warehouse.lot_stock_id, 100)
        for name in ("service_travel_product_id", "service_mileage_product_id"):
            if not company[name]:
                company[name] = env["product.product"].create(
                    {
                        "name": f"Bench {name}",
                        "type": "service",
                        "list_price": 1.0,
                        "standard_price": 0.5,
                        "taxes_id": no_tax,
                    }
                )
        activity = env["service.activity.type"].create(
            {"name": "Bench repair", "code": "BENCH-REP", "product_id": product.id}
        )
        technician = env["hr.employee"].create(
            {"name": "Bench technician", "hourly_cost": 30.0}
        )
        contract = env["service.contract"].create(
            {
                "partner_id": customer.id,
                "contract_type": "maintenance",
                "billing_method": "flat_rate",
                "date_start": self.start,
                "recurring_interval_number": 1,
                "recurring_interval_type": "month",
                "coverage_labor_pct": 0.0,
                "coverage_parts_pct": 0.0,
                "coverage_travel_pct": 0.0,
                "line_ids": [Command.create({"product_id": fee.id, "price_unit": 130})],
            }
        )
        contract.action_start()
        dated = {"date": self.start}
        job = env["service.intervention"].create(
            {
                "partner_id": customer.id,
                "contract_id": contract.id,
                "technician_id": technician.id,
                "scheduled_start": datetime.datetime.combine(
                    self.start, datetime.time(9)
                ),
                "line_ids": [
                    Command.create(
                        {"line_type": "activity", "activity_type_id": activity.id}
                        | dated
                    ),
                    Command.create(
                        {"line_type": "part", "product_id": part.id, "quantity": 2}
                        | dated
                    ),
                    Command.create({"line_type": "travel"} | dated),
                    Command.create({"line_type": "mileage", "quantity": 30} | dated),
                    Command.create(
                        {"line_type": "expense", "name": "Parking", "price_unit": 5}
                        | dated
                    ),
                ],
            }
        )
        job.action_start()
        job.action_done()
        invoicing = env["service.invoicing"]
        errors = {}
        fee_invoice = invoicing._invoice_contracts(
            date=self.start, contracts=contract, post=True, errors=errors
        )
        work_invoice = invoicing._invoice_work(
            date=self.start, interventions=job, post=True, errors=errors
        )
        if len(fee_invoice) != 1 or len(work_invoice) != 1:
            raise RuntimeError(
                f"the template contract or work was not invoiced: {errors} "
                f"({len(fee_invoice)} fee and {len(work_invoice)} work invoices)"
            )
        if len(job.line_ids) != LINES_PER_JOB:
            raise RuntimeError(f"{len(job.line_ids)} template lines")
        env.flush_all()
        return contract, job, fee_invoice, work_invoice

    def columns(self, table):
        self.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in self.cr.fetchall()]

    def copy(self, table, source, overrides, where):
        """INSERT copies of the rows of ``table`` from ``source`` (SQL
        joining ``t``, the template rows, with anything else), the columns
        of ``overrides`` ({column: SQL}) computed, the others copied."""
        columns = self.columns(table)
        self.cr.execute(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s",
                SQL.identifier(table),
                SQL(", ").join(SQL.identifier(c) for c in columns),
                SQL(", ").join(
                    overrides.get(c, SQL("t.%s", SQL.identifier(c))) for c in columns
                ),
                source,
                where,
            )
        )
        return self.cr.rowcount

    def populate(self):
        """Copy the templates into the history; return the new contracts."""
        args = self.args
        contract, job, fee_invoice, work_invoice = self.templates()
        cr = self.cr
        jobs = args.lines // LINES_PER_JOB
        fee_count = args.invoices // 2
        work_count = min(args.invoices - fee_count, jobs)
        month = SQL("make_interval(days => (%s %% %s) * 30)", SQL("g"), MONTHS)
        # contracts: BENCH/C/<g>
        self.copy(
            "service_contract",
            SQL(
                "service_contract t CROSS JOIN generate_series(1, %s) g",
                args.contracts,
            ),
            {"name": SQL("'BENCH/C/' || g")},
            SQL("t.id = %s", contract.id),
        )
        cr.execute(
            "SELECT id FROM service_contract WHERE name LIKE 'BENCH/C/%%' ORDER BY id"
        )
        contract_ids = [row[0] for row in cr.fetchall()]
        cr.execute(
            "CREATE TEMP TABLE bench_contract ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY id) - 1 AS k, id "
            "FROM service_contract WHERE name LIKE 'BENCH/C/%%'"
        )
        # interventions: BENCH/SI/<g>, done (one in 20 re-opened)
        self.copy(
            "service_intervention",
            SQL(
                "service_intervention t CROSS JOIN generate_series(1, %s) g "
                "JOIN bench_contract c ON c.k = g %% %s",
                jobs,
                len(contract_ids),
            ),
            {
                "name": SQL("'BENCH/SI/' || g"),
                "contract_id": SQL("c.id"),
                "state": SQL(
                    "CASE WHEN g %% 20 = 0 THEN 'in_progress' ELSE 'done' END"
                ),
            },
            SQL("t.id = %s", job.id),
        )
        cr.execute(
            "CREATE TEMP TABLE bench_job ON COMMIT DROP AS "
            "SELECT substr(name, 10)::int AS g, id FROM service_intervention "
            "WHERE name LIKE 'BENCH/SI/%%'"
        )
        cr.execute("CREATE INDEX ON bench_job (g)")
        # work lines: the five template lines per intervention, dated by month
        self.copy(
            "service_intervention_line",
            SQL(
                "service_intervention_line t CROSS JOIN bench_job j",
            ),
            {
                "intervention_id": SQL("j.id"),
                "date": SQL("t.date + make_interval(days => (j.g %% %s) * 30)", MONTHS),
                "cost_subtotal": SQL("t.cost_subtotal * (1 + (j.g %% 7) / 10.0)"),
                "name": SQL("t.name || ' ' || j.g"),
            },
            SQL("t.intervention_id = %s", job.id),
        )
        # fee invoices: copies of the fee invoice, one per contract and month
        moves = {}
        for kind, template, count in (
            ("fee", fee_invoice, fee_count),
            ("work", work_invoice, work_count),
        ):
            self.copy(
                "account_move",
                SQL("account_move t CROSS JOIN generate_series(1, %s) g", count),
                {
                    "name": SQL("'BENCH/%s/' || g", SQL(kind.upper())),
                    "ref": SQL("'BENCH/%s/' || g", SQL(kind.upper())),
                    "date": SQL("t.date + %s", month),
                    "invoice_date": SQL("t.invoice_date + %s", month),
                    "state": SQL(
                        "CASE WHEN g %% 50 = 0 THEN 'cancel' ELSE t.state END"
                    ),
                    "service_period_start": SQL(
                        "CASE WHEN t.service_period_start IS NOT NULL "
                        "THEN DATE '1900-01-01' + g END"
                    ),
                    "sequence_prefix": SQL("'BENCH/%s/'", SQL(kind.upper())),
                    "sequence_number": SQL("g"),
                },
                SQL("t.id = %s", template.id),
            )
            cr.execute(
                SQL(
                    "CREATE TEMP TABLE %s ON COMMIT DROP AS "
                    "SELECT substr(ref, %s)::int AS g, id, date, invoice_date, state "
                    "FROM account_move WHERE ref LIKE %s",
                    SQL.identifier(f"bench_{kind}_move"),
                    len(f"BENCH/{kind.upper()}/") + 1,
                    f"BENCH/{kind.upper()}/%",
                )
            )
            moves[kind] = count
        # their lines: fee lines of a contract each, work lines of the five
        # lines of one intervention each
        line_overrides = {
            "move_id": SQL("m.id"),
            "date": SQL("m.date"),
            "invoice_date": SQL("m.invoice_date"),
            "parent_state": SQL("m.state"),
            "move_name": SQL("'BENCH'"),
        }
        self.copy(
            "account_move_line",
            SQL(
                "account_move_line t CROSS JOIN bench_fee_move m "
                "JOIN bench_contract c ON c.k = m.g %% %s",
                len(contract_ids),
            ),
            dict(
                line_overrides,
                service_contract_id=SQL(
                    "CASE WHEN t.service_contract_id IS NOT NULL THEN c.id END"
                ),
            ),
            SQL("t.move_id = %s", fee_invoice.id),
        )
        cr.execute(
            "UPDATE account_move SET service_contract_id = c.id "
            "FROM bench_fee_move m JOIN bench_contract c ON c.k = m.g %% %s "
            "WHERE account_move.id = m.id",
            [len(contract_ids)],
        )
        self.copy(
            "account_move_line",
            SQL("account_move_line t CROSS JOIN bench_work_move m"),
            dict(line_overrides, name=SQL("t.name || ' ' || m.g")),
            SQL("t.move_id = %s", work_invoice.id),
        )
        # each work invoice line bills the copy of its template work line:
        # the names of the template's pairs, suffixed with the copy's number
        cr.execute("ANALYZE account_move_line, service_intervention_line")
        cr.execute(
            """
            CREATE TEMP TABLE bench_billed ON COMMIT DROP AS
            SELECT t.name AS invoice_line, tl.name AS work_line
              FROM account_move_line t
              JOIN service_intervention_line_account_move_line_rel tr
                ON tr.move_line_id = t.id
              JOIN service_intervention_line tl ON tl.id = tr.intervention_line_id
             WHERE t.move_id = %s
            """,
            [work_invoice.id],
        )
        cr.execute(
            """
            INSERT INTO service_intervention_line_account_move_line_rel
                   (move_line_id, intervention_line_id)
            SELECT aml.id, line.id
              FROM bench_work_move m
              JOIN bench_job j ON j.g = m.g
             CROSS JOIN bench_billed b
              JOIN account_move_line aml
                ON aml.move_id = m.id AND aml.name = b.invoice_line || ' ' || m.g
              JOIN service_intervention_line line
                ON line.intervention_id = j.id AND line.name = b.work_line || ' ' || j.g
            """
        )
        billed = cr.rowcount
        cr.execute("ANALYZE")
        self.env.invalidate_all()
        return {
            "contracts": len(contract_ids),
            "jobs": jobs,
            "lines": jobs * LINES_PER_JOB,
            "invoices": moves["fee"] + moves["work"],
            "billed": billed,
            "contract_ids": contract_ids,
        }

    # ------------------------------------------------------------------
    # Measures
    # ------------------------------------------------------------------
    def measure(self, func):
        """Run ``func`` with empty caches: (seconds, queries, result)."""
        self.env.invalidate_all()
        if func == self.contract_figures:
            # a form reads the figures of records already loaded
            self.contracts.mapped("name")
            self.env.company.currency_id.mapped("name")
        gc.collect()
        queries = self.cr.sql_log_count
        start = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - start
        return seconds, self.cr.sql_log_count - queries, result

    def ours_read_group(self):
        return self.env[REPORT]._read_group(
            [],
            ["contract_id", "date:month"],
            ["revenue:sum", "cost:sum", "margin_percent:avg"],
        )

    def ours_web_read_group(self):
        return self.env[REPORT].web_read_group(
            [],
            ["contract_id", "date:month"],
            ["revenue:sum", "cost:sum", "margin:sum", "margin_percent:avg"],
            limit=None,
        )

    def ours_pivot(self):
        return self.env[REPORT].formatted_read_group(
            [],
            ["contract_id", "date:month"],
            ["revenue:sum", "cost:sum", "margin:sum", "margin_percent:avg"],
        )

    def baseline(self):
        return self.env["account.move.line"]._read_group(
            [
                ("display_type", "=", "product"),
                ("parent_state", "!=", "cancel"),
                ("move_id.move_type", "in", ("out_invoice", "out_refund")),
            ],
            ["partner_id", "date:month"],
            ["balance:sum"],
        )

    def contract_figures(self):
        return self.contracts.read(
            ["service_revenue", "service_cost", "service_margin"]
        )

    def explain(self, domain, fname, month=True):
        """PostgreSQL's plan of the report grouped by ``fname`` (and month)."""
        Report = self.env[REPORT]
        query = Report._search(domain)
        groupby = [Report._field_to_sql(Report._table, fname, query)]
        if month:
            date = Report._field_to_sql(Report._table, "date", query)
            groupby.append(SQL("date_trunc('month', %s)", date))
        groupby = SQL(", ").join(groupby)
        self.cr.execute(
            SQL(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT %s, SUM(%s), SUM(%s) FROM %s "
                "WHERE %s GROUP BY %s",
                groupby,
                Report._field_to_sql(Report._table, "revenue", query),
                Report._field_to_sql(Report._table, "cost", query),
                query.from_clause,
                query.where_clause or SQL("TRUE"),
                groupby,
            )
        )
        return "\n".join(row[0] for row in self.cr.fetchall())


def run(env, args):
    bench = ProfitabilityBench(env, args)
    print(
        f"Profitability report benchmark: {args.lines} work lines, {args.invoices} "
        f"invoices, {args.contracts} contracts, {args.rounds} round(s), database "
        f"{env.cr.dbname}",
        flush=True,
    )
    start = time.perf_counter()
    data = bench.populate()
    print(
        f"  inserted {data['contracts']} contracts, {data['jobs']} interventions, "
        f"{data['lines']} work lines, {data['invoices']} invoices "
        f"({data['billed']} work lines billed) in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    bench.contracts = bench.env["service.contract"].browse(data["contract_ids"][:PAGE])
    Report = bench.env[REPORT]
    totals = Report._read_group([], ["source"], ["__count", "revenue:sum", "cost:sum"])
    for source, count, revenue, cost in totals:
        print(
            f"  {source:14} {count:>8} rows  revenue {revenue:>14,.2f}  "
            f"cost {cost:>14,.2f}"
        )

    variants = {
        "baseline": bench.baseline,
        "read_group": bench.ours_read_group,
        "web_read_group": bench.ours_web_read_group,
        "pivot": bench.ours_pivot,
        "figures": bench.contract_figures,
    }
    # warm-up: registry caches, record rules, translations
    for func in variants.values():
        func()
    times = {name: [] for name in variants}
    queries = {}
    groups = {}
    for r in range(args.rounds):
        for name, func in variants.items():
            seconds, count, result = bench.measure(func)
            times[name].append(seconds)
            queries[name] = count
            if name in ("baseline", "read_group", "pivot"):
                groups[name] = len(result)
            elif name == "web_read_group":
                groups[name] = result["length"]
        print(
            f"  round {r + 1}/{args.rounds}: "
            + ", ".join(f"{name} {times[name][-1]:.3f} s" for name in variants),
            flush=True,
        )
    if args.profile:
        profile = cProfile.Profile()
        bench.env.invalidate_all()
        profile.enable()
        bench.ours_pivot()
        profile.disable()
        print("\ncProfile of the pivot's formatted_read_group (cumulative, top 30):")
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(
            30
        )
    if args.explain:
        print("\nPlan of the grouping by contract and month:")
        print(bench.explain([], "contract_id"))
        print(f"\nPlan of the figures of {PAGE} contracts:")
        print(
            bench.explain(
                [("contract_id", "in", bench.contracts.ids)], "contract_id", False
            )
        )

    median = statistics.median
    base = median(times["baseline"])
    w = 14
    print()
    print(f"Grouped reads (median of {args.rounds}; min in brackets):")
    print(
        f"  {'':44}{'seconds':>{w}}{'queries':>{w}}{'groups':>{w}}{'x baseline':>{w}}"
    )
    labels = {
        "baseline": "baseline: account.move.line by partner+month",
        "read_group": "report _read_group by contract+month",
        "web_read_group": "report web_read_group by contract+month",
        "pivot": "(pivot formatted_read_group contract+month)",
        "figures": f"contract form figures of {PAGE} contracts",
    }
    for name, label in labels.items():
        seconds = median(times[name])
        print(
            f"  {label:44}{seconds:>{w}.3f}{queries[name]:>{w}d}"
            f"{groups.get(name, ''):>{w}}{seconds / base:>{w}.2f}"
            f"  [{min(times[name]):.3f}]"
        )
    # the target: the grouped read and the list view's call; the pivot's
    # formatted_read_group adds Odoo's formatting of each of its thousands
    # of groups (labels of months, a domain per group), shown for reference
    ours = max(median(times[name]) for name in ("read_group", "web_read_group"))
    speed_ok = ours <= TARGET_SECONDS
    figures_ok = queries["figures"] <= FIGURES_QUERIES
    verdict = "PASS" if speed_ok and figures_ok else "FAIL"
    print(
        f"{verdict}: grouping by contract and month {ours:.3f} s (target <= "
        f"{TARGET_SECONDS:.1f} s), {ours / base:.2f}x the baseline; contract "
        f"figures of {PAGE} contracts in {queries['figures']} queries (target "
        f"<= {FIGURES_QUERIES})"
    )
    if verdict == "FAIL" and not (args.explain or args.profile):
        print(
            "  see the plan: tools/bench.sh profitability --explain; the Python "
            "side: --profile"
        )


def main(argv=None):
    benchlib.main(parse_args, run, argv)


if __name__ == "__main__":
    main()
