"""Benchmark of planning: the timeline, the preventive cron and practice launches.

Three measures, each in its own transaction rolled back after it (nothing is
ever committed), as the admin user for (a) and (c) and the superuser (the
scheduled action's user) for (b):

(a) Timeline: one week of the planning board for 20 technicians, loaded the
    way OCA ``web_timeline`` loads it: ``search_read`` with the fields of the
    add-on's timeline view (its ``<field>`` elements, dates, duration, group
    by, colour fields, ``display_name``), ordered by the group-by field, on
    the week's domain (``scheduled_start`` before the week's end,
    ``scheduled_end`` after its start, the 20 technicians). The week holds the
    same 100 jobs with 5,000 and with 50,000 interventions in the database
    (the rest is history over five years, inserted in one SQL statement
    copied from one ORM-made job, then ``ANALYZE``). Targets: median server
    time under 150 ms at 50,000; the same number of queries at 5,000 and
    50,000 (it does not grow with history).
(b) Preventive cron: N running contracts x 2 monthly protocols of 3 steps,
    each due once within a 30-day horizon, planned by one call of
    ``service.planning._cron_service_preventive(date)`` (2N jobs, 6N work
    lines). Reported: time, queries per created job, peak Python memory
    (``tracemalloc``, in a separate run: tracing slows Python down), the
    time of each batch of 200 contracts, and time per contract at 500 and
    2,000 (target: CPU time of the process within 25%, i.e. flat; wall time
    is printed too, it also counts what other processes of a busy machine
    take).
(c) Launch: ``service.protocol.launch`` on 1,000 customers (a 3-step
    protocol), against a bare ``service.intervention.create`` of the same
    1,000 jobs with their 3,000 step lines as ``Command.create`` (the values
    the launch builds). Reported: time per created job of both and the ratio
    (target <= 1.5x).

The timed region of each is the call then ``cr.flush()`` (what a commit runs
first); ``cr.sql_log_count`` counts its queries; the ORM cache is emptied
before. Exits 0 on PASS and FAIL alike (it is a report), non-zero on errors.

Run by ``make bench`` / ``tools/bench.sh planning [OPTIONS]``; by hand:
``.venv/bin/python tools/bench_planning.py [OPTIONS] -d DB --addons-path=...
[other Odoo options]``.
"""

import argparse
import datetime
import gc
import statistics
import time
import tracemalloc
from unittest.mock import patch

import benchlib
from lxml import etree

from odoo import Command

TIMELINE_TARGET_MS = 150.0
FLAT_PER_CONTRACT = 1.25  # time per contract at 2,000 / at 500
LAUNCH_TARGET_RATIO = 1.5  # launch / bare create, per job
TECHNICIANS = 20
WEEK_JOBS_PER_TECHNICIAN = 5
TODAY = datetime.date(2026, 6, 15)  # a Monday
WEEK_START = datetime.datetime(2026, 6, 15)
WEEK_END = WEEK_START + datetime.timedelta(days=7)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog="Other options are Odoo's: -d DB, --addons-path, --db_host, ...",
    )
    parser.add_argument(
        "--history", type=int, default=50000, help="interventions in the DB (50000)"
    )
    parser.add_argument(
        "--contracts", type=int, default=2000, help="contracts of the cron (2000)"
    )
    parser.add_argument(
        "--customers", type=int, default=1000, help="customers of the launch (1000)"
    )
    parser.add_argument("--rounds", type=int, default=10, help="timeline loads (10)")
    args, odoo_args = parser.parse_known_args(argv)
    if min(args.history, args.contracts, args.customers, args.rounds) < 1:
        parser.error("sizes and rounds must be at least 1")
    return args, odoo_args


class PlanningBench:
    def __init__(self, env):
        self.su_env = env(
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
        self.count = 0

    def measure(self, func, env=None):
        """Run ``func`` then flush as a commit would: (seconds, queries, result)."""
        (env or self.env).invalidate_all()
        gc.collect()
        queries = self.cr.sql_log_count
        start, cpu = time.perf_counter(), time.process_time()
        result = func()
        self.cr.flush()
        seconds = time.perf_counter() - start
        # CPU time of this process: what other processes of a busy machine
        # take from the wall time does not count
        self.last_cpu = time.process_time() - cpu
        return seconds, self.cr.sql_log_count - queries, result

    def tag(self):
        self.count += 1
        return f"PB{self.count:03d}"

    # ------------------------------------------------------------------
    # fixtures
    # ------------------------------------------------------------------
    def customers(self, count, tag):
        return self.su_env["res.partner"].create(
            [
                {"name": f"{tag} customer {i:05d}", "is_company": True}
                for i in range(count)
            ]
        )

    def protocols(self, tag, count, trigger="periodic"):
        return self.su_env["service.protocol"].create(
            [
                {
                    "name": f"{tag} protocol {p}",
                    "trigger": trigger,
                    "interval_number": 1,
                    "interval_type": "month",
                    "step_ids": [
                        Command.create({"name": f"Step {s}", "planned_hours": 0.5})
                        for s in range(3)
                    ],
                }
                for p in range(count)
            ]
        )

    # ------------------------------------------------------------------
    # (a) timeline
    # ------------------------------------------------------------------
    def timeline_fields(self):
        Intervention = self.env["service.intervention"]
        views = Intervention.get_views([(False, "timeline")])
        arch = etree.fromstring(views["views"]["timeline"]["arch"])
        names = ["display_name"]
        names += [node.get("name") for node in arch.iter("field")]
        names += [
            arch.get(attr)
            for attr in ("date_start", "date_stop", "date_delay", "default_group_by")
            if arch.get(attr)
        ]
        names.append("state")  # the colours
        known = Intervention._fields
        fields = list(dict.fromkeys(n for n in names if n in known))
        return fields, arch.get("default_group_by")

    def insert_history(self, template, technicians, count, offset):
        """``count`` past interventions copied from ``template`` in one
        INSERT, spread over five years before the measured week."""
        cr = self.cr
        cr.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_name = 'service_intervention' AND column_name != 'id'"""
        )
        columns = [row[0] for row in cr.fetchall()]
        overrides = {
            "name": "'HIST' || lpad((g + %(offset)s)::text, 6, '0')",
            "technician_id": "(%(techs)s)[1 + (g %% %(ntech)s)]",
            "technician_user_id": "NULL",
            "state": "'done'",
            "scheduled_start": "%(week)s - interval '1 day' * (1 + g %% 1800)"
            " - interval '1 hour' * (g %% 8)",
            "scheduled_end": "%(week)s - interval '1 day' * (1 + g %% 1800)"
            " - interval '1 hour' * (g %% 8) + interval '2 hours'",
            "date_request": "%(week)s - interval '1 day' * (1 + g %% 1800)",
            "preventive_due_date": "NULL",
            "practice_key": "NULL",
            "launch_id": "NULL",
            "access_token": "NULL",
        }
        select = ", ".join(overrides.get(col, f'i."{col}"') for col in columns)
        names = ", ".join(f'"{col}"' for col in columns)
        cr.execute(
            f"""INSERT INTO service_intervention ({names})
                SELECT {select}
                FROM service_intervention i, generate_series(1, %(count)s) g
                WHERE i.id = %(template)s""",  # noqa: S608 (column names only)
            {
                "offset": offset,
                "techs": technicians.ids,
                "ntech": len(technicians),
                "week": WEEK_START,
                "count": count,
                "template": template.id,
            },
        )
        cr.execute("ANALYZE service_intervention")

    def timeline(self, sizes, rounds):
        tag = self.tag()
        env = self.su_env
        technicians = env["hr.employee"].create(
            [{"name": f"{tag} technician {t:02d}"} for t in range(TECHNICIANS)]
        )
        customers = self.customers(50, tag)
        week_jobs = env["service.intervention"].create(
            [
                {
                    "partner_id": customers[(t * 7 + j) % len(customers)].id,
                    "technician_id": tech.id,
                    "origin": "planned",
                    "scheduled_start": WEEK_START
                    + datetime.timedelta(days=j, hours=8 + t % 4),
                    "scheduled_duration": 2.0,
                }
                for t, tech in enumerate(technicians)
                for j in range(WEEK_JOBS_PER_TECHNICIAN)
            ]
        )
        env.flush_all()
        fields, group_by = self.timeline_fields()
        domain = [
            ("scheduled_start", "<", WEEK_END),
            ("scheduled_end", ">=", WEEK_START),
            ("technician_id", "in", technicians.ids),
        ]
        Intervention = self.env["service.intervention"]
        results = {}
        inserted = 0
        for size in sizes:
            self.insert_history(week_jobs[0], technicians, size - inserted, inserted)
            inserted = size
            runs = []
            for _r in range(rounds + 1):  # the first one warms up
                runs.append(
                    self.measure(
                        lambda: Intervention.search_read(domain, fields, order=group_by)
                    )
                )
            runs = runs[1:]
            rows = {len(result) for _s, _q, result in runs}
            if rows != {len(week_jobs)}:
                raise RuntimeError(f"the week shows {rows} jobs, not {len(week_jobs)}")
            total = Intervention.search_count([])
            results[size] = (
                statistics.median(s for s, _q, _r in runs) * 1000,
                max(q for _s, q, _r in runs),
                total,
            )
        return fields, results

    # ------------------------------------------------------------------
    # (b) preventive cron
    # ------------------------------------------------------------------
    def preventive_fixture(self, count):
        tag = self.tag()
        env = self.su_env
        protocols = self.protocols(tag, 2)
        customers = self.customers(count, tag)
        contracts = env["service.contract"].create(
            [
                {
                    "partner_id": customer.id,
                    "contract_type": "maintenance",
                    "billing_method": "none",
                    # monthly from the 20th: each protocol due once in 30 days
                    "date_start": datetime.date(2026, 1, 20),
                    "protocol_ids": [Command.set(protocols.ids)],
                }
                for customer in customers
            ]
        )
        env.flush_all()
        # started in SQL: the fixture, not the measure
        self.cr.execute(
            "UPDATE service_contract SET state = 'running' WHERE id = ANY(%s)",
            [contracts.ids],
        )
        self.cr.execute("ANALYZE service_contract")
        env.invalidate_all()
        return contracts

    def preventive(self, count, memory=False):
        """(seconds, queries, jobs, peak memory, seconds per batch of 200)"""
        try:
            self.preventive_fixture(count)
            Planning = self.su_env["service.planning"]
            batches = []
            planning_class = type(Planning)
            plan_batch = planning_class._plan_batch

            def timed_batch(planning, *args):
                # a batch ends when the next one is planned: time between
                batches.append(time.perf_counter())
                return plan_batch(planning, *args)

            if memory:
                tracemalloc.start()
            with patch.object(planning_class, "_plan_batch", timed_batch):
                seconds, queries, created = self.measure(
                    lambda: Planning._cron_service_preventive(date=TODAY),
                    self.su_env,
                )
            batches.append(time.perf_counter())
            batch_times = [b - a for a, b in zip(batches, batches[1:], strict=False)]
            peak = None
            if memory:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            jobs = len(created)
            if jobs != 2 * count:
                raise RuntimeError(f"{jobs} jobs planned for {count} contracts")
            return seconds, queries, jobs, peak, batch_times, self.last_cpu
        finally:
            self.cr.rollback()

    # ------------------------------------------------------------------
    # (c) launch
    # ------------------------------------------------------------------
    def launch(self, count, bare):
        try:
            tag = self.tag()
            protocol = self.protocols(tag, 1, trigger="manual")
            customers = self.customers(count, tag)
            self.su_env.flush_all()
            env = self.env
            if bare:
                Planning = env["service.planning"]
                protocol = protocol.with_env(env)
                dummy = env["service.intervention"].new({"protocol_id": protocol.id})
                empty = env["service.intervention.object"]
                lines = []
                for step in protocol.step_ids:
                    values = dummy._prepare_step_line(step, "activity", empty)
                    values.pop("intervention_id")
                    lines.append(Command.create(values))
                vals_list = [
                    dict(
                        Planning._prepare_practice_values(protocol, customer),
                        line_ids=lines,
                    )
                    for customer in customers.with_env(env)
                ]
                func = lambda: env["service.intervention"].create(vals_list)  # noqa: E731
            else:
                wizard = env["service.protocol.launch"].create(
                    {
                        "protocol_id": protocol.id,
                        "target": "partners",
                        "partner_ids": [Command.set(customers.ids)],
                    }
                )
                func = wizard.action_launch
            seconds, queries, _result = self.measure(func)
            jobs = env["service.intervention"].search_count(
                [("partner_id", "in", customers.ids)]
            )
            lines = env["service.intervention.line"].search_count(
                [("partner_id", "in", customers.ids)]
            )
            if (jobs, lines) != (count, 3 * count):
                raise RuntimeError(f"{jobs} jobs and {lines} lines for {count}")
            return seconds, queries
        finally:
            self.cr.rollback()


def run(env, args):
    bench = PlanningBench(env)
    print(f"Planning benchmark, database {env.cr.dbname}", flush=True)
    verdicts = []

    # (a) timeline
    small = max(args.history // 10, TECHNICIANS * WEEK_JOBS_PER_TECHNICIAN + 1)
    sizes = (small, args.history) if small < args.history else (args.history,)
    try:
        fields, timeline = bench.timeline(sizes, args.rounds)
    finally:
        bench.cr.rollback()
    print(
        f"\n(a) Timeline: one week, {TECHNICIANS} technicians, "
        f"{TECHNICIANS * WEEK_JOBS_PER_TECHNICIAN} jobs; search_read of {fields}"
    )
    for size in sizes:
        ms, queries, total = timeline[size]
        print(
            f"  {total:>7,} interventions: {ms:7.1f} ms (median of {args.rounds}), "
            f"{queries} queries"
        )
    ms, big_q, _total = timeline[sizes[-1]]
    same_q = timeline[sizes[0]][1] == big_q
    ok = ms < TIMELINE_TARGET_MS and same_q
    verdicts.append(ok)
    print(
        f"  {'PASS' if ok else 'FAIL'}: {ms:.1f} ms (target < {TIMELINE_TARGET_MS:g}), "
        f"queries {timeline[sizes[0]][1]} vs {big_q} "
        f"({'do not grow' if same_q else 'GROW'} with history)",
        flush=True,
    )

    # (b) preventive cron
    n = args.contracts
    small_n = min(500, n)
    print(
        "\n(b) Preventive cron: contracts x 2 monthly protocols, 30-day horizon",
        flush=True,
    )
    measures = {}
    for count in dict.fromkeys((small_n, n)):
        seconds, queries, jobs, _peak, batch_times, cpu = bench.preventive(count)
        measures[count] = (seconds, queries, jobs, cpu)
        print(
            f"  {count:>5} contracts: {seconds:7.2f} s ({cpu:.2f} s CPU), {jobs} jobs, "
            f"{queries} queries ({queries / jobs:.2f} per job), "
            f"{seconds / count * 1000:.2f} ms per contract "
            f"({cpu / count * 1000:.2f} ms CPU)",
            flush=True,
        )
        print(
            "        seconds per batch of 200 contracts, in order: "
            + " ".join(f"{t:.1f}" for t in batch_times),
            flush=True,
        )
    _s, _q, _j, peak, _b, _c = bench.preventive(n, memory=True)
    print(
        f"  peak Python memory at {n} contracts (tracemalloc): "
        f"{peak / 1024 / 1024:.1f} MiB"
    )
    wall_flat = (measures[n][0] / n) / (measures[small_n][0] / small_n)
    flat = (measures[n][3] / n) / (measures[small_n][3] / small_n)
    ok = flat <= FLAT_PER_CONTRACT
    verdicts.append(ok)
    print(
        f"  {'PASS' if ok else 'FAIL'}: CPU time per contract {small_n} -> {n}: "
        f"{flat:.2f}x (target <= {FLAT_PER_CONTRACT:.2f}x, flat; wall time "
        f"{wall_flat:.2f}x on this machine's load); one call, "
        f"{measures[n][1] / measures[n][2]:.2f} queries per created job",
        flush=True,
    )

    # (c) launch
    c = args.customers
    print(f"\n(c) Launch of a 3-step protocol on {c} customers", flush=True)
    bench.launch(min(c, 50), False)  # warm-up
    bench.launch(min(c, 50), True)
    launch_s, launch_q = bench.launch(c, False)
    bare_s, bare_q = bench.launch(c, True)
    ratio = launch_s / bare_s
    print(f"  {'':22}{'launch':>12}{'bare create':>14}")
    print(f"  {'wall time (s)':22}{launch_s:>12.3f}{bare_s:>14.3f}")
    print(f"  {'ms per job':22}{launch_s / c * 1000:>12.2f}{bare_s / c * 1000:>14.2f}")
    print(f"  {'SQL queries':22}{launch_q:>12}{bare_q:>14}")
    ok = ratio <= LAUNCH_TARGET_RATIO
    verdicts.append(ok)
    print(
        f"  {'PASS' if ok else 'FAIL'}: launch/bare = {ratio:.2f}x per job "
        f"(target <= {LAUNCH_TARGET_RATIO:.2f}x)"
    )
    print(
        f"\n{'PASS' if all(verdicts) else 'FAIL'}: timeline, preventive cron, launch "
        f"= {', '.join('PASS' if v else 'FAIL' for v in verdicts)}"
    )


def main(argv=None):
    benchlib.main(parse_args, run, argv)


if __name__ == "__main__":
    main()
