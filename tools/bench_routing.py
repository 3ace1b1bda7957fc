"""Benchmark of day routes: the quality and speed of Optimise Route, and the map.

Random but seeded instances in a 60 x 60 km area around Bologna: each
technician starts and ends at home (a random place), works 8:00-18:00 and has
8 jobs of 20 to 50 minutes; a third of the jobs have a 2-hour appointment
window and some are pinned (the time was promised). The windows and pins are
drawn around a nearest-neighbour day, so that every instance can be planned.
Distances are the add-on's estimate (straight line x 1.3 at 50 km/h).

(1) Driving of a 20-technician day, over --seeds seeds, for
    (a) the order as entered (by the start times the dispatcher typed:
        windows' and pins' times, the other jobs anywhere in the day),
    (b) nearest neighbour from home (windows ignored),
    (c) Optimise Route: ``service.intervention._route_optimize`` on
        the day built in the database (each technician's jobs, partners with
        their coordinates, a calendar), as the admin user; checked for
        violated windows, working hours and drives (``violations``).
    Targets: (c) at least 20 % less driving than (a) on average; no
    violation; server time of one technician < 1 s, of the 20 < 10 s.
(2) Exhaustive optimum: --exact instances of one technician and 8 jobs,
    every order tried (8! = 40,320, each scheduled at the earliest and
    checked), against the solver. Target: within 2 % on average.
(3) Map: ``get_route_map_data`` of the 20 x 8 day, median of 5 server times
    and the queries it sends, against a 5 x 2 day. Targets: < 300 ms and no
    more queries than for the small day.

Everything runs in one transaction rolled back at the end (benchlib). Exits 0
on PASS and FAIL alike (it is a report), non-zero on errors.

Run by ``make bench`` / ``tools/bench.sh routing [OPTIONS]``; by hand:
``.venv/bin/python tools/bench_routing.py [OPTIONS] -d DB --addons-path=...``.
"""

import argparse
import datetime
import itertools
import math
import random
import statistics
import time

import benchlib

from odoo import Command

TECHNICIANS = 20
JOBS = 8
AREA_KM = 60.0
ORIGIN = (44.40, 11.10)  # south-west corner, near Bologna
DAY = datetime.date(2026, 6, 15)  # a Monday
DAY_START = datetime.datetime(2026, 6, 15)
WORK = (8 * 60, 18 * 60)
ROAD_FACTOR = 1.3
SPEED = 50.0
SAVING_TARGET = 0.20
OPTIMUM_TARGET = 0.02
ONE_TARGET_S = 1.0
ALL_TARGET_S = 10.0
MAP_TARGET_MS = 300.0


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog="Other options are Odoo's: -d DB, --addons-path, --db_host, ...",
    )
    parser.add_argument("--seeds", type=int, default=3, help="20-technician days (3)")
    parser.add_argument("--exact", type=int, default=10, help="exhaustive cases (10)")
    args, odoo_args = parser.parse_known_args(argv)
    if min(args.seeds, args.exact) < 1:
        parser.error("--seeds and --exact must be at least 1")
    return args, odoo_args


# ----------------------------------------------------------------------
# Instances (plain data, the solver's terms)
# ----------------------------------------------------------------------
def place(rng):
    """A random (lat, lon) in the area, rounded as the add-on rounds."""
    north, east = rng.uniform(0, AREA_KM), rng.uniform(0, AREA_KM)
    lat = ORIGIN[0] + north / 111.2
    lon = ORIGIN[1] + east / (111.2 * math.cos(math.radians(ORIGIN[0])))
    return (round(lat, 4), round(lon, 4))


def leg(a, b, haversine_km):
    if a == b:
        return (0.0, 0.0)
    km = haversine_km(a, b) * ROAD_FACTOR
    return (km, km / SPEED * 60)


class Instance:
    """One technician's day: home, jobs, the typed and NN orders."""

    def __init__(self, rng, solver, haversine_km):
        self.solver = solver
        while True:
            home = place(rng)
            places = [place(rng) for _ in range(JOBS)]
            durations = [rng.randrange(20, 55, 5) for _ in range(JOBS)]
            matrix = {
                (a, b): leg(a, b, haversine_km)
                for a in [home, *places]
                for b in [home, *places]
            }
            nn_order = self.nearest(home, places, matrix)
            clock, starts = WORK[0], {}
            at = home
            for j in nn_order:
                clock += int(round(matrix[at, places[j]][1]))
                starts[j] = clock
                clock += durations[j]
                at = places[j]
            # a margin for the windows and pins to be honest
            if clock + int(round(matrix[at, home][1])) <= WORK[1] - 30:
                break
        self.home, self.places, self.durations = home, places, durations
        self.matrix, self.nn_order, self.nn_starts = matrix, nn_order, starts
        self.windows, self.pinned, self.typed = {}, set(), {}
        for j in range(JOBS):
            if rng.random() < 1 / 3:
                low = max(WORK[0], starts[j] - rng.randrange(0, 120, 15))
                self.windows[j] = (low, low + 120)
                self.typed[j] = low
            elif rng.random() < 0.12:
                self.pinned.add(j)
                self.typed[j] = starts[j]
            else:
                self.typed[j] = rng.randrange(WORK[0], WORK[1] - 60, 15)

    @staticmethod
    def nearest(home, places, matrix):
        left, order, at = set(range(len(places))), [], home
        while left:
            j = min(left, key=lambda k: (matrix[at, places[k]][0], k))
            order.append(j)
            left.remove(j)
            at = places[j]
        return order

    def vehicle(self):
        return self.solver.Vehicle(0, self.home, self.home, [WORK])

    def jobs(self):
        return [
            self.solver.Job(
                j,
                self.places[j],
                self.durations[j],
                0,
                self.typed[j],
                self.windows.get(j, (None, None)),
                j in self.pinned,
            )
            for j in range(JOBS)
        ]

    def km(self, order):
        return self.solver.route_cost(
            self.matrix, self.vehicle(), [self.places[j] for j in order]
        )

    def typed_order(self):
        return sorted(range(JOBS), key=lambda j: (self.typed[j], j))

    def earliest(self, order):
        """Start times of ``order`` at the earliest, or None if it breaks a
        window, a pin or the working time."""
        jobs = self.jobs()
        clock, at, visits = WORK[0], self.home, []
        for j in order:
            job = jobs[j]
            arrival = clock + int(round(self.matrix[at, job.place][1]))
            if job.fixed:
                if arrival > job.start:
                    return None
                start = job.start
            else:
                start = max(arrival, job.window[0] or WORK[0])
                if job.window[1] is not None and start > job.window[1]:
                    return None
            if start + job.duration > WORK[1]:
                return None
            visits.append((j, start))
            clock, at = start + job.duration, job.place
        if clock + int(round(self.matrix[at, self.home][1])) > WORK[1]:
            return None
        return visits

    def exhaustive(self):
        best = None
        for order in itertools.permutations(range(JOBS)):
            km = self.km(order)[0]
            if best is not None and km >= best:
                continue
            if self.earliest(order) is not None:
                best = km
        return best


# ----------------------------------------------------------------------
# The day in the database
# ----------------------------------------------------------------------
def build_day(env, instances, tag):
    """Employees, homes, sites and jobs of ``instances`` (one per
    technician); returns the employees (in order) and the jobs per one."""
    su = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
    calendar = su["resource.calendar"].create(
        {
            "name": f"{tag} 8-18",
            "tz": "UTC",
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": f"{day} {period}",
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": period,
                    }
                )
                for day in range(5)
                for period, hour_from, hour_to in (
                    ("morning", 8, 12),
                    ("afternoon", 12, 18),
                )
            ],
        }
    )
    homes = su["res.partner"].create(
        [
            {
                "name": f"{tag} home {t}",
                "partner_latitude": inst.home[0],
                "partner_longitude": inst.home[1],
            }
            for t, inst in enumerate(instances)
        ]
    )
    employees = su["hr.employee"].create(
        [
            {
                "name": f"{tag} technician {t:02d}",
                "resource_calendar_id": calendar.id,
                "tz": "UTC",
                "service_route_start_partner_id": homes[t].id,
                "service_route_end_partner_id": homes[t].id,
            }
            for t in range(len(instances))
        ]
    )
    sites = su["res.partner"].create(
        [
            {
                "name": f"{tag} site {t}-{j}",
                "is_company": True,
                "partner_latitude": inst.places[j][0],
                "partner_longitude": inst.places[j][1],
            }
            for t, inst in enumerate(instances)
            for j in range(JOBS)
        ]
    )

    def stamp(minutes):
        return DAY_START + datetime.timedelta(minutes=minutes)

    values = []
    for t, inst in enumerate(instances):
        for j in range(JOBS):
            window = inst.windows.get(j)
            values.append(
                {
                    "partner_id": sites[t * JOBS + j].id,
                    "technician_id": employees[t].id,
                    "scheduled_start": stamp(inst.typed[j]),
                    "scheduled_duration": inst.durations[j] / 60,
                    "window_start": window and stamp(window[0]),
                    "window_end": window and stamp(window[1]),
                    "is_pinned": j in inst.pinned,
                    "object_ids": [],
                }
            )
    jobs = su["service.intervention"].create(values)
    su.flush_all()
    return employees, jobs


def check_plan(env, plan, employees, instances, solver):
    """Violations of the applied plan, job by job (window, working time,
    drive from the previous stop): none expected."""
    problems = []
    jobs = env["service.intervention"].search([("technician_id", "in", employees.ids)])
    moved = plan["jobs"]
    for t, employee in enumerate(employees):
        inst = instances[t]
        mine = jobs.filtered(lambda j, e=employee: j.technician_id == e).sorted("id")
        visits = []
        for j, job in enumerate(mine):
            values = moved.get(str(job.id))
            start = (
                datetime.datetime.fromisoformat(values["start"])
                if values
                else job.scheduled_start
            )
            visits.append((j, int((start - DAY_START).total_seconds() // 60)))
        visits.sort(key=lambda v: v[1])
        problems += solver.violations(inst.vehicle(), inst.jobs(), inst.matrix, visits)
    return problems


def timed(env, func):
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, env.cr.sql_log_count - queries, result


def logged_queries(env, func, *args):
    """The SQL queries ``func(*args)`` runs, caches empty (diagnostics)."""
    env.invalidate_all()
    cr, queries = env.cr, []
    execute = cr.execute

    def log(query, params=None, log_exceptions=True):
        queries.append(" ".join(str(query).split())[:160])
        return execute(query, params, log_exceptions)

    cr.execute = log
    try:
        func(*args)
    finally:
        cr.execute = execute
    return queries


def run(env, args):
    from odoo.addons.service_management.models import (  # noqa: PLC0415
        service_route_solver as solver,
    )
    from odoo.addons.service_management.models.service_route_leg import (  # noqa: PLC0415
        haversine_km,
    )

    admin = env.ref("base.user_admin")
    user_env = env(user=admin, su=False, context=dict(admin.context_get(), tz="UTC"))
    env.company.sudo().write(
        {
            "service_route_road_factor": ROAD_FACTOR,
            "service_route_speed_kmh": SPEED,
            "service_osrm_url": False,
        }
    )
    print(f"Routing benchmark, database {env.cr.dbname}", flush=True)
    verdicts = []

    # (1) 20-technician days
    print(
        f"\n(1) {TECHNICIANS} technicians x {JOBS} jobs, {AREA_KM:g} x {AREA_KM:g} km, "
        f"{args.seeds} seeds"
    )
    print(
        f"  {'seed':>4} {'(a) entered':>16} {'(b) nearest':>16} {'(c) optimised':>16}"
        f" {'saving':>7} {'viol.':>5} {'1 tech':>7} {'20 techs':>8}"
    )
    savings, one_times, all_times, violations = [], [], [], 0
    map_day = None
    for seed in range(args.seeds):
        rng = random.Random(seed)
        instances = [Instance(rng, solver, haversine_km) for _ in range(TECHNICIANS)]
        a = [inst.km(inst.typed_order()) for inst in instances]
        b = [inst.km(inst.nn_order) for inst in instances]
        employees, __ = build_day(env, instances, f"RB{seed}")
        optimise = user_env["service.intervention"]._route_optimize
        one_s, __, __ = timed(env, lambda e=employees, o=optimise: o(DAY, e[:1]))
        all_s, __, plan = timed(env, lambda e=employees, o=optimise: o(DAY, e))
        lines = {line["employee_id"]: line for line in plan["lines"]}
        c_km = sum(lines[e.id]["km_after"] for e in employees)
        c_min = sum(lines[e.id]["minutes_after"] for e in employees)
        problems = check_plan(env, plan, employees, instances, solver)
        violations += len(problems)
        a_km, a_min = sum(x[0] for x in a), sum(x[1] for x in a)
        b_km, b_min = sum(x[0] for x in b), sum(x[1] for x in b)
        saving = 1 - c_km / a_km
        savings.append(saving)
        one_times.append(one_s)
        all_times.append(all_s)
        print(
            f"  {seed:>4} {a_km:>7.0f} km {a_min / 60:>4.1f} h"
            f" {b_km:>7.0f} km {b_min / 60:>4.1f} h"
            f" {c_km:>7.0f} km {c_min / 60:>4.1f} h"
            f" {saving:>6.1%} {len(problems):>5} {one_s:>6.2f}s {all_s:>7.2f}s",
            flush=True,
        )
        if problems:
            print(f"       violations: {problems[:5]}")
        map_day = map_day or employees
    saving = statistics.mean(savings)
    ok = saving >= SAVING_TARGET and not violations
    verdicts.append(ok)
    print(
        f"  {'PASS' if ok else 'FAIL'}: (c) drives {saving:.1%} less than (a) on "
        f"average (target >= {SAVING_TARGET:.0%}), {violations} violated windows, "
        "working hours or drives (target 0)"
    )
    one, every = max(one_times), max(all_times)
    ok = one < ONE_TARGET_S and every < ALL_TARGET_S
    verdicts.append(ok)
    print(
        f"  {'PASS' if ok else 'FAIL'}: server time one technician {one:.2f} s "
        f"(target < {ONE_TARGET_S:g}), {TECHNICIANS} technicians {every:.2f} s "
        f"(target < {ALL_TARGET_S:g}), worst of {args.seeds}",
        flush=True,
    )

    # (2) exhaustive
    print(
        f"\n(2) One technician, {JOBS} jobs: solver vs every order, {args.exact} cases"
    )
    gaps = []
    rng = random.Random(1000)
    for case in range(args.exact):
        inst = Instance(rng, solver, haversine_km)
        best = inst.exhaustive()
        found = solver.solve([inst.vehicle()], inst.jobs(), inst.matrix, time_limit=0.3)
        routes, dropped = found
        km = inst.km([j for j, _t in routes[0].visits])[0]
        gap = km / best - 1
        gaps.append(gap)
        print(
            f"  case {case}: optimum {best:6.1f} km, solver {km:6.1f} km "
            f"({gap:+.2%}){', DROPPED ' + str(dropped) if dropped else ''}",
            flush=True,
        )
    gap = statistics.mean(gaps)
    ok = gap <= OPTIMUM_TARGET
    verdicts.append(ok)
    print(
        f"  {'PASS' if ok else 'FAIL'}: {gap:.2%} above the optimum on average "
        f"(target <= {OPTIMUM_TARGET:.0%})"
    )

    # (3) map
    print(f"\n(3) Map of a day: get_route_map_data, {TECHNICIANS} x {JOBS} vs 5 x 2")
    Intervention = user_env["service.intervention"]
    small_employees, small = build_day(
        env, [Instance(random.Random(7), solver, haversine_km) for _ in range(5)], "RBS"
    )
    # the small day: 2 jobs of each of 5 technicians, on the next day
    keep = small.browse()
    for employee in small_employees:
        keep |= small.filtered(lambda j, e=employee: j.technician_id == e)[:2]
    (small - keep).sudo().unlink()
    keep.sudo().write(
        {
            "scheduled_start": DAY_START + datetime.timedelta(days=1, hours=9),
            "window_start": False,
            "window_end": False,
        }
    )
    env.flush_all()
    day = DAY.isoformat()
    next_day = (DAY + datetime.timedelta(days=1)).isoformat()
    # a first load of each warms the registry's caches (rules, groups)
    Intervention.get_route_map_data(day, map_day.ids)
    Intervention.get_route_map_data(next_day, keep.technician_id.ids)
    times = []
    for __ in range(5):
        seconds, __, data = timed(
            env, lambda: Intervention.get_route_map_data(day, map_day.ids)
        )
        times.append(seconds * 1000)
    small_data = Intervention.get_route_map_data(next_day, keep.technician_id.ids)
    # the queries each load sends through the cursor
    big_queries = logged_queries(env, Intervention.get_route_map_data, day, map_day.ids)
    small_queries = logged_queries(
        env, Intervention.get_route_map_data, next_day, keep.technician_id.ids
    )
    big_q, small_q = len(big_queries), len(small_queries)
    if big_q > small_q:
        for label, queries in (("20 x 8", big_queries), ("5 x 2", small_queries)):
            print(f"  queries of {label}:")
            for query in queries:
                print(f"    {query}")
    ms = statistics.median(times)
    stops = sum(len(t["stops"]) for t in data["technicians"])
    small_stops = sum(len(t["stops"]) for t in small_data["technicians"])
    ok = ms < MAP_TARGET_MS and big_q <= small_q
    verdicts.append(ok)
    print(
        f"  {'PASS' if ok else 'FAIL'}: {stops} stops in {ms:.1f} ms (median of 5, "
        f"target < {MAP_TARGET_MS:g}), {big_q} queries vs {small_q} for "
        f"{small_stops} stops ({'constant' if big_q <= small_q else 'GROW'})"
    )
    print(
        f"\n{'PASS' if all(verdicts) else 'FAIL'}: saving, speed, optimum, map = "
        f"{', '.join('PASS' if v else 'FAIL' for v in verdicts)}"
    )


def main(argv=None):
    benchlib.main(parse_args, run, argv)


if __name__ == "__main__":
    main()
