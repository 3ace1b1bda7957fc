# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A job as a stop of its technician's day route (issue 20, "Day routes").

The job site is the intervention's site partner, placed by its
``partner_latitude`` / ``partner_longitude`` (``base_geolocalize``). A
technician's day starts at their start place (home or depot, else the
company) and ends at their end place; each job stores its rank in the day
and the leg that leads to it from the previous stop.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain

from . import service_route_solver as solver
from .service_route_leg import round_place
from .service_write_policy_mixin import OFFICER, SYSTEM

# these change the stops of a day and their order
ROUTE_FIELDS = frozenset(
    (
        "technician_id",
        "scheduled_start",
        "scheduled_end",
        "state",
        "partner_shipping_id",
        "partner_id",
    )
)
ROUTE_STATES = ("draft", "scheduled", "in_progress", "done")
# seconds OR-Tools searches the best order of one technician's day
ROUTE_TIME_LIMIT = 0.3


def has_place(lat, lon):
    return bool(lat or lon)


class ServiceRouteStop(models.AbstractModel):
    _name = "service.route.stop"
    _description = "Stop of a Day Route"
    # the dispatcher takes the appointment; the route is computed
    _write_policy = {
        "window_start": OFFICER,
        "window_end": OFFICER,
        "is_pinned": OFFICER,
        "route_sequence": SYSTEM,
        "route_leg_km": SYSTEM,
        "route_leg_minutes": SYSTEM,
    }
    _numeric_bounds = {
        "route_leg_km": (0, 100000),
        "route_leg_minutes": (0, 100000),
    }

    window_start = fields.Datetime(
        string="Window From",
        help="The customer expects the technician from this moment (empty: "
        "any time in working hours).",
    )
    window_end = fields.Datetime(
        string="Window To",
        help="The customer expects the technician to arrive by this moment "
        "(empty: any time in working hours).",
    )
    is_pinned = fields.Boolean(
        string="Time Promised",
        help="The time was promised to the customer: Optimise Route keeps it.",
    )
    route_sequence = fields.Integer(
        string="Stop",
        readonly=True,
        copy=False,
        help="Rank of the job in its technician's day route.",
    )
    route_leg_km = fields.Float(
        string="Leg (km)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="Driving distance from the previous stop (or the start place).",
    )
    route_leg_minutes = fields.Float(
        string="Leg (min)",
        readonly=True,
        copy=False,
        digits=(16, 0),
        help="Driving time from the previous stop (or the start place).",
    )

    @api.constrains("window_start", "window_end")
    def _check_window(self):
        for job in self:
            if (
                job.window_start
                and job.window_end
                and job.window_end < job.window_start
            ):
                raise ValidationError(
                    self.env._(
                        "%(job)s: the appointment window ends before it starts.",
                        job=job.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD: the route of the days a change touches follows it
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self.env.context.get("service_route_no_refresh"):
            records._route_refresh_later(records._route_days())
        return records

    def write(self, vals):
        refresh = not self.env.context.get("service_route_no_refresh") and bool(
            ROUTE_FIELDS & set(vals)
        )
        before = self._route_days() if refresh else set()
        result = super().write(vals)
        if refresh:
            self._route_refresh_later(before | self._route_days())
        return result

    def _route_refresh_later(self, day_keys):
        """Refresh the routes of these days once, before the transaction
        commits (whatever the number of writes that touched them)."""
        if not day_keys:
            return
        data = self.env.cr.precommit.data
        pending = data.get("service.route.refresh")
        if pending is None:
            pending = data["service.route.refresh"] = set()
            env = self.env

            @self.env.cr.precommit.add
            def refresh():
                keys = data.pop("service.route.refresh", set())
                env["service.intervention"].sudo()._route_refresh(keys)

        pending.update(day_keys)

    # ------------------------------------------------------------------
    # Places and days
    # ------------------------------------------------------------------
    @api.model
    def _route_tz(self):
        return pytz.timezone(
            self.env.context.get("tz")
            or self.env.user.tz
            or self.env.company.partner_id.tz
            or "UTC"
        )

    @api.model
    def _route_day_bounds(self, day):
        """Naive UTC start and end of a local day (``date`` or 'YYYY-MM-DD')."""
        day = fields.Date.to_date(day)
        tz = self._route_tz()
        start = tz.localize(datetime.combine(day, time.min))
        stop = tz.localize(datetime.combine(day + timedelta(days=1), time.min))
        return (
            start.astimezone(pytz.utc).replace(tzinfo=None),
            stop.astimezone(pytz.utc).replace(tzinfo=None),
        )

    def _route_local_day(self, value):
        return (
            pytz.utc.localize(value).astimezone(self._route_tz()).date()
            if value
            else False
        )

    def _route_days(self):
        """{(technician id, local date)} of these jobs."""
        return {
            (job.technician_id.id, self._route_local_day(job.scheduled_start))
            for job in self.sudo()
            if job.technician_id and job.scheduled_start
        }

    @api.model
    def _route_places(self, employees):
        """{employee id: (start partner, end partner)} (read as superuser:
        the places are HR data, the dispatcher has no HR rights)."""
        result = {}
        for employee in employees.sudo():
            company_partner = (employee.company_id or self.env.company).partner_id
            result[employee.id] = (
                employee.service_route_start_partner_id or company_partner,
                employee.service_route_end_partner_id or company_partner,
            )
        return result

    def _route_site(self):
        self.ensure_one()
        return self.partner_shipping_id or self.partner_id

    @api.model
    def _route_point(self, partner):
        """Rounded (lat, lon) of a partner, or None when it has no place."""
        if not partner or not has_place(
            partner.partner_latitude, partner.partner_longitude
        ):
            return None
        return round_place(partner.partner_latitude, partner.partner_longitude)

    # ------------------------------------------------------------------
    # Legs of a day
    # ------------------------------------------------------------------
    @api.model
    def _route_legs(self, start, points, end, matrix):
        """Legs of a route: ``[(km, minutes)]`` to each point (from the
        previous point that has a place, or ``start``), then the leg home.
        ``points`` may hold None (a stop without place: a zero leg)."""
        legs = []
        previous = start
        for point in points:
            if point is None:
                legs.append((0.0, 0.0))
                continue
            legs.append(
                matrix.get((previous, point), (0.0, 0.0)) if previous else (0.0, 0.0)
            )
            previous = point
        home = (
            matrix.get((previous, end), (0.0, 0.0)) if previous and end else (0.0, 0.0)
        )
        return legs, home

    @api.model
    def _route_pairs(self, start, points, end):
        """The legs of a route through ``points`` (None: no place)."""
        located = [p for p in [start, *points, end] if p]
        return list(zip(located, located[1:], strict=False))

    @api.model
    def _route_problem_pairs(self, vehicles, jobs, allow_reassign):
        """Every leg the solver may drive: between the places of each
        technician's day, or of the whole day when jobs may move."""
        groups = defaultdict(set)
        for v, vehicle in enumerate(vehicles):
            groups[0 if allow_reassign else v] |= {vehicle.start, vehicle.end}
        for job in jobs:
            groups[0 if allow_reassign else job.vehicle].add(job.place)
        return [
            (a, b)
            for places in groups.values()
            for a in places
            for b in places
            if a and b
        ]

    @api.model
    def _route_day_jobs(self, day_keys):
        """The jobs of technicians' days, as superuser, in one query:
        ``{(technician id, date): jobs in time order}``."""
        if not day_keys:
            return {}
        # a moved job's end is recomputed before its start is flushed
        self.env["service.intervention"].flush_model(
            ["technician_id", "scheduled_start", "scheduled_end", "state"]
        )
        domain = Domain.FALSE
        by_day = defaultdict(list)
        for technician_id, day in day_keys:
            by_day[day].append(technician_id)
        for day, technician_ids in by_day.items():
            start, stop = self._route_day_bounds(day)
            domain |= Domain(
                [
                    ("technician_id", "in", technician_ids),
                    ("scheduled_start", ">=", start),
                    ("scheduled_start", "<", stop),
                ]
            )
        jobs = (
            self.env["service.intervention"]
            .sudo()
            .search_fetch(
                domain & Domain("state", "in", ROUTE_STATES),
                [
                    "technician_id",
                    "scheduled_start",
                    "partner_id",
                    "partner_shipping_id",
                    "company_id",
                    "route_sequence",
                    "route_leg_km",
                    "route_leg_minutes",
                ],
                order="scheduled_start, id",
            )
        )
        result = defaultdict(lambda: self.env["service.intervention"].sudo())
        for job in jobs:
            key = (
                job.technician_id.id,
                self._route_local_day(job.scheduled_start),
            )
            if key in day_keys:
                result[key] |= job
        return result

    @api.model
    def _route_compute(self, day_keys, with_totals=False):
        """Rank and leg of every job of these days (``{(technician id,
        date)}``): ``{job: (rank, km, minutes)}``, without writing."""
        day_keys = {key for key in day_keys if key[0] and key[1]}
        if not day_keys:
            return ({}, {}) if with_totals else {}
        jobs_of = self._route_day_jobs(day_keys)
        all_jobs = self.env["service.intervention"].sudo().concat(*jobs_of.values())
        employees = self.env["hr.employee"].sudo().browse({k[0] for k in day_keys})
        places = self._route_places(employees)
        pairs = []
        for key, jobs in jobs_of.items():
            start, end = places[key[0]]
            pairs += self._route_pairs(
                self._route_point(start),
                [self._route_point(job._route_site()) for job in jobs],
                self._route_point(end),
            )
        # no request to a routing server here (it runs before each commit):
        # the legs it gave for the map or the optimisation are cached
        matrix = self.env["service.route.leg"]._matrix(
            [],
            all_jobs.company_id[:1] or self.env.company,
            pairs=pairs,
            fetch=False,
        )
        result = {}
        totals = {}
        for key, jobs in jobs_of.items():
            start, end = places[key[0]]
            stops = [self._route_point(job._route_site()) for job in jobs]
            legs, home = self._route_legs(
                self._route_point(start), stops, self._route_point(end), matrix
            )
            for rank, (job, (km, minutes)) in enumerate(
                zip(jobs, legs, strict=True), 1
            ):
                result[job] = (rank, round(km, 1), round(minutes))
            totals[key] = (
                sum(km for km, _m in legs) + home[0],
                sum(m for _k, m in legs) + home[1],
            )
        if with_totals:
            return result, totals
        return result

    def _route_refresh(self, day_keys=None):
        """Recompute and store the rank and leg of every job of these days
        (default: the days of these jobs)."""
        computed = self._route_compute(
            self._route_days() if day_keys is None else day_keys
        )
        updates = defaultdict(list)
        for job, values in computed.items():
            if (job.route_sequence, job.route_leg_km, job.route_leg_minutes) != values:
                updates[values].append(job.id)
        Intervention = (
            self.env["service.intervention"]
            .sudo()
            ._service_trusted()
            .with_context(service_route_no_refresh=True, tracking_disable=True)
        )
        for (rank, km, minutes), ids in updates.items():
            Intervention.browse(ids).write(
                {
                    "route_sequence": rank,
                    "route_leg_km": km,
                    "route_leg_minutes": minutes,
                }
            )

    # ------------------------------------------------------------------
    # Mileage and travel of a job from its route
    # ------------------------------------------------------------------
    def _route_leg(self):
        """(km, minutes) of this job's leg of its technician's day route, as
        the day is now, or None when it has no leg (no technician, time or
        place)."""
        self.ensure_one()
        job = self._origin.sudo()
        if not job or not job._route_point(job._route_site()):
            return None
        values = self._route_compute(job._route_days()).get(job)
        return values[1:] if values and values[1] else None

    def _route_line_quantity(self, line):
        """Quantity proposed on a new travel or mileage line of this job."""
        self.ensure_one()
        if line.line_type == "mileage":
            return self._route_mileage_km()
        # travel: the leg's driving time when the travel product is sold by
        # the hour, else one trip
        uom = line.product_id.uom_id
        hour = self.env.ref("uom.product_uom_hour")
        if (
            self.company_id.service_mileage_source == "route"
            and uom
            and uom._has_common_reference(hour)
        ):
            leg = self._route_leg()
            if leg:
                return hour._compute_quantity(leg[1] / 60.0, uom, round=False)
        return 1.0

    def _route_mileage_km(self):
        """The kilometres proposed on a mileage line of this job: its leg of
        the route or the customer's fixed distance, as the company chooses
        (the fixed distance when the job has no leg)."""
        self.ensure_one()
        fixed = self.partner_id.service_distance_km
        if self.company_id.service_mileage_source != "route":
            return fixed
        leg = self._route_leg()
        return leg[0] if leg else fixed

    # ------------------------------------------------------------------
    # Map of a day
    # ------------------------------------------------------------------
    @api.model
    def get_route_map_data(self, date, employee_ids=None):
        """The day's routes, as the map draws them.

        :param date: 'YYYY-MM-DD' (the user's local day)
        :param employee_ids: technicians to show (default: all the user may
            see jobs of)
        :return: ``{"technicians": [...], "missing": [...]}``; a constant
            number of queries whatever the number of jobs
        """
        start, stop = self._route_day_bounds(date)
        domain = Domain(
            [
                ("technician_id", "!=", False),
                ("scheduled_start", ">=", start),
                ("scheduled_start", "<", stop),
                ("state", "in", ROUTE_STATES),
            ]
        )
        if employee_ids:
            domain &= Domain("technician_id", "in", list(employee_ids))
        Intervention = self.env["service.intervention"]
        Intervention.flush_model(["scheduled_start", "scheduled_end"])
        # record rules apply: a technician gets his own jobs only
        jobs = Intervention.search_fetch(
            domain,
            [
                "name",
                "technician_id",
                "partner_id",
                "partner_shipping_id",
                "company_id",
                "scheduled_start",
                "scheduled_end",
                "window_start",
                "window_end",
                "is_pinned",
                "has_conflict",
                "state",
            ],
            order="scheduled_start, id",
        )
        late_ids = (
            set(Intervention._late_ids([("id", "in", jobs.ids)])) if jobs else set()
        )
        jobs = jobs.sudo()
        sites = (jobs.partner_shipping_id | jobs.partner_id).sudo()
        sites.fetch(
            [
                "name",
                "street",
                "zip",
                "city",
                "partner_latitude",
                "partner_longitude",
                "commercial_partner_id",
            ]
        )
        employees = jobs.technician_id.sudo()
        employees.fetch(
            [
                "name",
                "color",
                "company_id",
                "service_route_start_partner_id",
                "service_route_end_partner_id",
            ]
        )
        places = self._route_places(employees)
        place_partners = (
            self.env["res.partner"]
            .sudo()
            .concat(*(p for pair in places.values() for p in pair))
        )
        place_partners.fetch(["name", "partner_latitude", "partner_longitude"])
        commercial = sites.commercial_partner_id
        commercial.fetch(["name"])
        pairs = []
        for employee in employees:
            start_partner, end_partner = places[employee.id]
            pairs += self._route_pairs(
                self._route_point(start_partner),
                [
                    self._route_point(j._route_site())
                    for j in jobs
                    if j.technician_id == employee
                ],
                self._route_point(end_partner),
            )
        matrix = self.env["service.route.leg"]._matrix(
            [], jobs.company_id[:1] or self.env.company, pairs=pairs
        )
        jobs_of = defaultdict(list)
        missing = []
        for job in jobs:
            jobs_of[job.technician_id.id].append(job)
            site = job._route_site()
            if not self._route_point(site):
                missing.append(
                    {
                        "id": job.id,
                        "name": job.name,
                        "partner_name": job.partner_id.commercial_partner_id.name
                        or site.name,
                    }
                )
        technicians = []
        for employee in employees.sorted("name"):
            start_partner, end_partner = places[employee.id]
            start_point = self._route_point(start_partner)
            end_point = self._route_point(end_partner)
            day_jobs = jobs_of[employee.id]
            stop_points = [
                self._route_point(j._route_site()) for j in day_jobs
            ]
            legs, home = self._route_legs(
                start_point, stop_points, end_point, matrix
            )
            stops = []
            for rank, (job, point, (km, minutes)) in enumerate(
                zip(day_jobs, stop_points, legs, strict=True), 1
            ):
                site = job._route_site()
                stops.append(
                    {
                        "id": job.id,
                        "name": job.name,
                        "partner_name": job.partner_id.commercial_partner_id.name
                        or site.name,
                        "address": ", ".join(
                            p for p in (site.street, site.zip, site.city) if p
                        ),
                        "lat": point[0] if point else False,
                        "lon": point[1] if point else False,
                        "sequence": rank,
                        "scheduled_start": fields.Datetime.to_string(
                            job.scheduled_start
                        ),
                        "scheduled_end": fields.Datetime.to_string(job.scheduled_end),
                        "window_start": fields.Datetime.to_string(job.window_start),
                        "window_end": fields.Datetime.to_string(job.window_end),
                        "is_pinned": job.is_pinned,
                        "is_late": job.id in late_ids
                        or bool(
                            job.window_end
                            and job.scheduled_start
                            and job.scheduled_start > job.window_end
                        ),
                        "has_conflict": job.has_conflict,
                        "leg_km": round(km, 1),
                        "leg_minutes": round(minutes),
                        "state": job.state,
                    }
                )
            total_km = sum(km for km, _m in legs) + home[0]
            total_minutes = sum(m for _k, m in legs) + home[1]
            technicians.append(
                {
                    "id": employee.id,
                    "name": employee.name,
                    "color": employee.color or 0,
                    "start": self._route_map_place(start_partner, start_point),
                    "end": self._route_map_place(end_partner, end_point),
                    "km": round(total_km, 1),
                    "minutes": round(total_minutes),
                    "stops": stops,
                }
            )
        return {"technicians": technicians, "missing": missing}

    @api.model
    def _route_map_place(self, partner, point):
        return {
            "lat": point[0] if point else False,
            "lon": point[1] if point else False,
            "name": partner.name or "",
        }

    # ------------------------------------------------------------------
    # Optimise Route
    # ------------------------------------------------------------------
    @api.model
    def _route_optimize(self, day, employees, allow_reassign=False):
        """The best order of the technicians' jobs of ``day`` (the
        technicians' of ``employees``, default all with jobs that day).

        :return: ``{"jobs": {job id: values}, "lines": [values of
            service.route.optimize.line]}``; ``jobs`` holds the moved jobs
            only (new technician, start and end, old ones, the reason)
        """
        self._route_check_dispatcher()
        problem = self._route_problem(day, employees, allow_reassign)
        if not problem["jobs"]:
            return {"jobs": {}, "lines": []}
        vehicles, jobs = problem["vehicles"], problem["solver_jobs"]
        matrix = problem["matrix"]
        routes = notes = None
        if allow_reassign and len(vehicles) > 1:
            routes, notes = self._route_solve(
                vehicles, jobs, matrix, allow_reassign=True
            )
        if routes is None:
            routes, notes = self._route_solve(vehicles, jobs, matrix)
        return self._route_plan(problem, routes, notes)

    @api.model
    def _route_problem(self, day, employees, allow_reassign):
        """The records of the day turned into the solver's terms."""
        day = fields.Date.to_date(day)
        origin, stop = self._route_day_bounds(day)
        domain = Domain(
            [
                ("technician_id", "!=", False),
                ("scheduled_start", ">=", origin),
                ("scheduled_start", "<", stop),
                ("state", "in", ROUTE_STATES),
            ]
        )
        if employees:
            domain &= Domain("technician_id", "in", employees.ids)
        self.env["service.intervention"].flush_model(
            ["scheduled_start", "scheduled_end"]
        )
        # as the dispatcher: the record rules say which jobs they plan
        records = self.env["service.intervention"].search(
            domain, order="scheduled_start, id"
        )
        technicians = (records.technician_id | employees).sudo().sorted("name")
        availability = self._availability(technicians, origin, stop)
        places = self._route_places(technicians)
        now = fields.Datetime.now()

        def minutes(value):
            return int(round((value - origin).total_seconds() / 60))

        skills = self._route_skills(records, technicians, allow_reassign)
        vehicles = []
        vehicle_of = {}
        for employee in technicians:
            days, leaves = availability[employee.id]
            free = [
                (max(0, minutes(a)), min(minutes(stop), minutes(b)))
                for a, b, _meta in days - leaves
            ]
            start_partner, end_partner = places[employee.id]
            vehicle_of[employee.id] = len(vehicles)
            vehicles.append(
                solver.Vehicle(
                    employee.id,
                    self._route_point(start_partner),
                    self._route_point(end_partner),
                    [(a, b) for a, b in free if b > a],
                    skills["technicians"].get(employee.id, frozenset()),
                )
            )
        earliest = minutes(now) if origin <= now < stop else None
        solver_jobs = []
        for job in records:
            start = minutes(job.scheduled_start)
            end = job.scheduled_end or job.scheduled_start + timedelta(
                hours=job.scheduled_duration or 1.0
            )
            fixed = job.is_pinned or job.state in ("in_progress", "done")
            low = minutes(job.window_start) if job.window_start else None
            high = minutes(job.window_end) if job.window_end else None
            if earliest is not None and not fixed:
                low = max(low or 0, earliest)
            solver_jobs.append(
                solver.Job(
                    job.id,
                    self._route_point(job.sudo()._route_site()),
                    max(1, minutes(end) - start),
                    vehicle_of[job.technician_id.id],
                    start,
                    (low, high),
                    fixed,
                    skills["jobs"].get(job.id, frozenset()),
                )
            )
        matrix = self.env["service.route.leg"]._matrix(
            [],
            records.company_id[:1] or self.env.company,
            pairs=self._route_problem_pairs(
                vehicles, solver_jobs, allow_reassign
            ),
        )
        return {
            "origin": origin,
            "jobs": records,
            "technicians": technicians,
            "vehicles": vehicles,
            "solver_jobs": solver_jobs,
            "matrix": matrix,
        }

    @api.model
    def _route_skills(self, records, technicians, allow_reassign):
        """Activity types each job needs (its activity lines and its
        protocol's steps) and each technician does (those of the lines they
        worked on and of their jobs of the day)."""
        result = {"jobs": {}, "technicians": {}}
        if not allow_reassign:
            return result
        records = records.sudo()
        for job in records:
            needed = (
                job.line_ids.filtered(
                    lambda line: line.line_type == "activity"
                ).activity_type_id
                | job.protocol_id.step_ids.activity_type_id
            )
            result["jobs"][job.id] = frozenset(needed.ids)
        groups = (
            self.env["service.intervention.line"]
            .sudo()
            ._read_group(
                [
                    ("employee_id", "in", technicians.ids),
                    ("activity_type_id", "!=", False),
                ],
                ["employee_id", "activity_type_id"],
            )
        )
        done = defaultdict(set)
        for employee, activity_type in groups:
            done[employee.id].add(activity_type.id)
        for job in records:
            done[job.technician_id.id] |= result["jobs"][job.id]
        result["technicians"] = {key: frozenset(ids) for key, ids in done.items()}
        return result

    @api.model
    def _route_solve(self, vehicles, jobs, matrix, allow_reassign=False):
        """Routes of all vehicles: one problem with reassignment, else one
        per technician. Returns (routes, {vehicle: note}) or (None, None)
        when the joint problem cannot place every job."""
        notes = {}
        if allow_reassign:
            found = solver.solve(
                vehicles,
                jobs,
                matrix,
                allow_reassign=True,
                time_limit=min(8.0, ROUTE_TIME_LIMIT * len(vehicles) + 0.5),
            )
            if not found or found[1]:
                return None, None
            return solver.round_routes(vehicles, jobs, matrix, found[0]), notes
        routes = []
        for v, vehicle in enumerate(vehicles):
            mine = [j for j, job in enumerate(jobs) if job.vehicle == v]
            current = solver.Route(v, [(j, jobs[j].start) for j in mine])
            if not any(not jobs[j].fixed for j in mine) or len(mine) < 2:
                routes.append(current)
                continue
            found = solver.solve(
                [vehicle],
                [solver.Job(**{**jobs[j].__dict__, "vehicle": 0}) for j in mine],
                matrix,
                time_limit=ROUTE_TIME_LIMIT,
            )
            if not found or found[1]:
                notes[v] = self.env._(
                    "No order fits every job in the working hours, leaves and "
                    "appointment windows: the day is left as it is."
                )
                routes.append(current)
                continue
            local = solver.round_routes(
                [vehicle],
                [jobs[j] for j in mine],
                matrix,
                [solver.Route(0, found[0][0].visits)],
            )[0]
            routes.append(solver.Route(v, [(mine[k], t) for k, t in local.visits]))
        return routes, notes

    @api.model
    def _route_plan(self, problem, routes, notes):
        """The wizard's proposal: the moved jobs and a line per technician
        (the day kept as it is when the new order drives more)."""
        vehicles, jobs = problem["vehicles"], problem["solver_jobs"]
        matrix, origin = problem["matrix"], problem["origin"]
        records = problem["jobs"]
        by_id = {job.id: job for job in records}
        before_of = defaultdict(list)
        for j, job in enumerate(jobs):
            before_of[job.vehicle].append(j)
        moves = {}
        lines = []
        for route in routes:
            v = route.vehicle
            vehicle = vehicles[v]
            before = solver.route_cost(
                matrix, vehicle, [jobs[j].place for j in before_of[v]]
            )
            after = solver.route_cost(
                matrix, vehicle, [jobs[j].place for j, _t in route.visits]
            )
            visits = route.visits
            keep = (
                after[0] > before[0] - 0.05
                and not solver.violations(
                    vehicle, jobs, matrix, [(j, jobs[j].start) for j in before_of[v]]
                )
                and sorted(j for j, _t in visits) == sorted(before_of[v])
            )
            if keep and not notes.get(v):
                visits, after = [(j, jobs[j].start) for j in before_of[v]], before
            moved = 0
            for rank, (j, start) in enumerate(visits, 1):
                job = jobs[j]
                if job.fixed or (start == job.start and job.vehicle == v):
                    continue
                record = by_id[job.key]
                new_start = origin + timedelta(minutes=start)
                moves[str(record.id)] = {
                    "employee_id": vehicle.key,
                    "old_employee_id": record.technician_id.id,
                    "start": fields.Datetime.to_string(new_start),
                    "end": fields.Datetime.to_string(
                        new_start + timedelta(minutes=job.duration)
                    ),
                    "old_start": fields.Datetime.to_string(record.scheduled_start),
                    "sequence": rank,
                    "stops": len(visits),
                    "km_before": round(before[0], 1),
                    "km_after": round(after[0], 1),
                }
                moved += 1
            if not before_of[v] and not visits:
                continue
            lines.append(
                {
                    "employee_id": vehicle.key,
                    "job_count": len(visits),
                    "moved_count": moved,
                    "km_before": round(before[0], 1),
                    "km_after": round(after[0], 1),
                    "minutes_before": round(before[1]),
                    "minutes_after": round(after[1]),
                    "note": notes.get(v)
                    or (
                        self.env._("Already the shortest order found.")
                        if not moved
                        else False
                    ),
                }
            )
        return {"jobs": moves, "lines": lines}

    @api.model
    def _route_apply(self, proposal):
        """Write a plan computed by ``_route_optimize``: the new
        times (and technicians), a note on each moved job's chatter."""
        self._route_check_dispatcher()
        if not proposal:
            return True
        jobs = (
            self.env["service.intervention"]
            .browse([int(key) for key in proposal])
            .exists()
        )
        changed = jobs.filtered(
            lambda job: (
                fields.Datetime.to_string(job.scheduled_start)
                != proposal[str(job.id)]["old_start"]
                or job.technician_id.id != proposal[str(job.id)]["old_employee_id"]
                or job.is_pinned
                or job.state not in ("draft", "scheduled")
            )
        )
        if changed or len(jobs) != len(proposal):
            raise UserError(
                self.env._(
                    "The day changed since the routes were computed (%(jobs)s): "
                    "compute them again.",
                    jobs=", ".join(changed.mapped("name")) or "-",
                )
            )
        employees = (
            self.env["hr.employee"]
            .sudo()
            .browse(
                {values["employee_id"] for values in proposal.values()}
                | {values["old_employee_id"] for values in proposal.values()}
            )
        )
        names = {employee.id: employee.name for employee in employees}
        days = jobs._route_days()
        for job in jobs:
            values = proposal[str(job.id)]
            vals = {"scheduled_start": values["start"], "scheduled_end": values["end"]}
            if values["employee_id"] != job.technician_id.id:
                vals["technician_id"] = values["employee_id"]
            job.with_context(service_route_no_refresh=True).write(vals)
        jobs.flush_recordset()
        for job in jobs:
            job.message_post(
                body=self._route_move_note(job, proposal[str(job.id)], names),
                subtype_xmlid="mail.mt_note",
            )
        self._route_refresh(days | jobs._route_days())
        return True

    def _route_move_note(self, job, values, names):
        tz = self._route_tz()

        def hour(value):
            value = fields.Datetime.to_datetime(value)
            return pytz.utc.localize(value).astimezone(tz).strftime("%H:%M")

        note = self.env._(
            "Optimise Route moved this job from %(old)s to %(new)s (stop "
            "%(stop)s of %(stops)s) to cut driving: the day's route of "
            "%(technician)s is %(after)s km instead of %(before)s km.",
            old=hour(values["old_start"]),
            new=hour(values["start"]),
            stop=values["sequence"],
            stops=values["stops"],
            technician=names.get(values["employee_id"], ""),
            after=f"{values['km_after']:.1f}",
            before=f"{values['km_before']:.1f}",
        )
        if values["employee_id"] != values["old_employee_id"]:
            note += " " + self.env._(
                "It moved from %(old)s to %(new)s, who does the same activities.",
                old=names.get(values["old_employee_id"], ""),
                new=names.get(values["employee_id"], ""),
            )
        return note

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @api.model
    def _route_check_dispatcher(self):
        if not self.env.user.has_group("service_management.group_service_officer"):
            raise AccessError(
                self.env._(
                    "Only the dispatcher (Service / Officer) plans the day: "
                    "ask them to optimise the route."
                )
            )

    def action_service_route_optimize(self):
        """Open Optimise Route for the day (and technicians) of these jobs,
        else for the day in the context (``service_route_date``, the board's)
        or today, all technicians."""
        self._route_check_dispatcher()
        jobs = self.filtered("scheduled_start")
        day = (
            self._route_local_day(min(jobs.mapped("scheduled_start")))
            if jobs
            else fields.Date.to_date(self.env.context.get("service_route_date"))
            or fields.Date.context_today(self)
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_route_optimize"
        )
        action["context"] = {
            "default_date": fields.Date.to_string(day),
            "default_employee_ids": [Command.set(jobs.technician_id.ids)],
        }
        return action
