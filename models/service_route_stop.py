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
# a job's place in its day: its rank and the leg that leads to it
ROUTE_VALUES = ("route_sequence", "route_leg_km", "route_leg_minutes")
# what the route of a day reads of its jobs
ROUTE_JOB_FIELDS = [
    "technician_id",
    "scheduled_start",
    "partner_id",
    "partner_shipping_id",
    "company_id",
    "route_sequence",
    "route_leg_km",
    "route_leg_minutes",
]
# the times of a stop on the map
MAP_TIME_FIELDS = ("scheduled_start", "scheduled_end", "window_start", "window_end")
# what the route of a day flushes first (a moved job's end is recomputed
# before its start is flushed)
ROUTE_FLUSH_FIELDS = ["technician_id", "scheduled_start", "scheduled_end", "state"]
# what the map shows of the jobs, their sites and technicians
MAP_JOB_FIELDS = [
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
]
MAP_SITE_FIELDS = [
    "name",
    "street",
    "zip",
    "city",
    "partner_latitude",
    "partner_longitude",
    "commercial_partner_id",
]
MAP_EMPLOYEE_FIELDS = [
    "name",
    "color",
    "company_id",
    "service_route_start_partner_id",
    "service_route_end_partner_id",
]
# seconds OR-Tools searches the best order of one technician's day
ROUTE_TIME_LIMIT = 0.3


def has_place(lat, lon):
    return bool(lat or lon)


def minutes_from(origin, value):
    """Whole minutes from ``origin`` to ``value`` (naive datetimes)."""
    return int(round((value - origin).total_seconds() / 60))


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
            if job._is_window_reversed():
                raise ValidationError(
                    self.env._(
                        "%(job)s: the appointment window ends before it starts.",
                        job=job.display_name,
                    )
                )

    def _is_window_reversed(self):
        """The appointment window ends before it starts."""
        self.ensure_one()
        return bool(
            self.window_start
            and self.window_end
            and self.window_end < self.window_start
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
        if day_keys:
            self._get_route_refresh_keys().update(day_keys)

    def _get_route_refresh_keys(self):
        """The days to refresh before the commit (the first call of the
        transaction registers the refresh)."""
        data = self.env.cr.precommit.data
        if data.get("service.route.refresh") is None:
            data["service.route.refresh"] = set()
            Intervention = self.env["service.intervention"].sudo()
            self.env.cr.precommit.add(Intervention._route_refresh_pending)
        return data["service.route.refresh"]

    @api.model
    def _route_refresh_pending(self):
        """Before the commit: refresh the routes of the days touched."""
        keys = self.env.cr.precommit.data.pop("service.route.refresh", set())
        self._route_refresh(keys)

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
        return (
            self._get_route_utc_midnight(day),
            self._get_route_utc_midnight(day + timedelta(days=1)),
        )

    @api.model
    def _get_route_utc_midnight(self, day):
        """Naive UTC moment of the start of a local day."""
        start = self._route_tz().localize(datetime.combine(day, time.min))
        return start.astimezone(pytz.utc).replace(tzinfo=None)

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
        return {
            employee.id: self._get_route_employee_places(employee)
            for employee in employees.sudo()
        }

    @api.model
    def _get_route_employee_places(self, employee):
        """(start, end) partners of an employee's days (default: the company)."""
        company_partner = (employee.company_id or self.env.company).partner_id
        return (
            employee.service_route_start_partner_id or company_partner,
            employee.service_route_end_partner_id or company_partner,
        )

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
            legs.append(self._get_route_leg_between(matrix, previous, point))
            previous = point or previous
        return legs, self._get_route_leg_between(matrix, previous, end)

    @api.model
    def _get_route_leg_between(self, matrix, a, b):
        """(km, minutes) from place ``a`` to place ``b`` (zero when one of
        them is None)."""
        return matrix.get((a, b), (0.0, 0.0)) if a and b else (0.0, 0.0)

    @api.model
    def _route_pairs(self, start, points, end):
        """The legs of a route through ``points`` (None: no place)."""
        located = [p for p in [start, *points, end] if p]
        return list(zip(located, located[1:], strict=False))

    @api.model
    def _route_problem_pairs(self, vehicles, jobs, allow_reassign):
        """Every leg the solver may drive: between the places of each
        technician's day, or of the whole day when jobs may move."""
        groups = self._get_route_place_groups(vehicles, jobs, allow_reassign)
        return [
            pair
            for places in groups.values()
            for pair in self._route_group_pairs(places)
        ]

    @api.model
    def _route_group_pairs(self, places):
        """Every leg between two places of a group (None: no place)."""
        return [(a, b) for a in places for b in places if a and b]

    @api.model
    def _get_route_place_groups(self, vehicles, jobs, allow_reassign):
        """The places of each technician's day (one group when jobs move)."""
        groups = defaultdict(set)
        for v, vehicle in enumerate(vehicles):
            groups[0 if allow_reassign else v] |= {vehicle.start, vehicle.end}
        for job in jobs:
            groups[0 if allow_reassign else job.vehicle].add(job.place)
        return groups

    @api.model
    def _get_route_day_domain(self, day, technician_ids=None):
        """Jobs on the routes of a local day (of these technicians, default
        all)."""
        start, stop = self._route_day_bounds(day)
        return Domain(
            [("scheduled_start", ">=", start), ("scheduled_start", "<", stop)]
        ) & self._get_route_planned_domain(technician_ids)

    @api.model
    def _get_route_planned_domain(self, technician_ids=None):
        """Jobs in a route state of these technicians (default: of any)."""
        domain = Domain("state", "in", ROUTE_STATES)
        if technician_ids:
            return domain & Domain("technician_id", "in", list(technician_ids))
        return domain & Domain("technician_id", "!=", False)

    @api.model
    def _get_route_days_domain(self, day_keys):
        """Jobs on the routes of technicians' days (``{(technician id,
        date)}``): one domain per date."""
        by_day = defaultdict(list)
        for technician_id, day in day_keys:
            by_day[day].append(technician_id)
        return Domain.OR(
            self._get_route_day_domain(day, ids) for day, ids in by_day.items()
        )

    @api.model
    def _route_day_jobs(self, day_keys):
        """The jobs of technicians' days, as superuser, in one query:
        ``{(technician id, date): jobs in time order}``."""
        if not day_keys:
            return {}
        jobs = self._search_route_jobs(self._get_route_days_domain(day_keys))
        return self._get_route_jobs_of_days(jobs, day_keys)

    @api.model
    def _search_route_jobs(self, domain):
        """The jobs of ``domain`` as superuser, in time order."""
        Intervention = self.env["service.intervention"].sudo()
        Intervention.flush_model(ROUTE_FLUSH_FIELDS)
        return Intervention.search_fetch(
            domain, ROUTE_JOB_FIELDS, order="scheduled_start, id"
        )

    @api.model
    def _get_route_jobs_of_days(self, jobs, day_keys):
        """``{(technician id, date): jobs}`` of these jobs, on these days."""
        result = defaultdict(jobs.browse)
        for job in jobs:
            key = (job.technician_id.id, self._route_local_day(job.scheduled_start))
            if key in day_keys:
                result[key] |= job
        return result

    def _get_route_points(self, places):
        """(start, [stop of each of these jobs], end) points of a
        technician's day; ``places``: their (start, end) partners."""
        start, end = places
        return (
            self._route_point(start),
            [self._route_point(job._route_site()) for job in self],
            self._route_point(end),
        )

    def _get_route_matrix(self, days, fetch=True):
        """Legs of the routes of these jobs' days, ``days`` their (start,
        stops, end) points: see ``service.route.leg._matrix``."""
        return self.env["service.route.leg"]._matrix(
            [],
            self.company_id[:1] or self.env.company,
            pairs=self._get_route_days_pairs(days),
            fetch=fetch,
        )

    @api.model
    def _get_route_days_pairs(self, days):
        """The legs of these days' routes, ``days`` their (start, stops,
        end) points."""
        return [
            pair
            for start, stops, end in days
            for pair in self._route_pairs(start, stops, end)
        ]

    @api.model
    def _get_route_totals(self, legs, home):
        """(km, minutes) of a day's legs and its way home."""
        return (
            sum(km for km, _m in legs) + home[0],
            sum(m for _k, m in legs) + home[1],
        )

    def _get_route_ranks(self, legs):
        """``{job: (rank, km, minutes)}`` of these jobs of a day, in order."""
        return {
            job: (rank, round(km, 1), round(minutes))
            for rank, (job, (km, minutes)) in enumerate(zip(self, legs, strict=True), 1)
        }

    @api.model
    def _route_compute(self, day_keys, with_totals=False):
        """Rank and leg of every job of these days (``{(technician id,
        date)}``): ``{job: (rank, km, minutes)}``, without writing."""
        day_keys = {key for key in day_keys if key[0] and key[1]}
        if not day_keys:
            return ({}, {}) if with_totals else {}
        result, totals = self._get_route_days_values(self._route_day_jobs(day_keys))
        return (result, totals) if with_totals else result

    @api.model
    def _get_route_days_values(self, jobs_of):
        """Rank and leg of the jobs of these days (``{(technician id, date):
        jobs}``), and each day's totals."""
        points = self._get_route_day_points(jobs_of)
        # no request to a routing server here (it runs before each commit):
        # the legs it gave for the map or the optimisation are cached
        jobs = self.env["service.intervention"].sudo().concat(*jobs_of.values())
        matrix = jobs._get_route_matrix(points.values(), fetch=False)
        return self._get_route_day_values(jobs_of, points, matrix)

    @api.model
    def _get_route_day_points(self, jobs_of):
        """``{(technician id, date): (start, stops, end) points}`` of days."""
        employees = self.env["hr.employee"].sudo().browse({key[0] for key in jobs_of})
        places = self._route_places(employees)
        return {
            key: jobs._get_route_points(places[key[0]]) for key, jobs in jobs_of.items()
        }

    @api.model
    def _get_route_day_values(self, jobs_of, points, matrix):
        """Rank and leg of the jobs of these days, and each day's totals."""
        result, totals = {}, {}
        for key, jobs in jobs_of.items():
            legs, home = self._route_legs(*points[key], matrix)
            result.update(jobs._get_route_ranks(legs))
            totals[key] = self._get_route_totals(legs, home)
        return result, totals

    @api.model
    def _get_route_updates(self, computed):
        """``{(rank, km, minutes): job ids}`` of the computed values that
        differ from the stored ones."""
        updates = defaultdict(list)
        for job, values in computed.items():
            if (job.route_sequence, job.route_leg_km, job.route_leg_minutes) != values:
                updates[values].append(job.id)
        return updates

    def _route_refresh(self, day_keys=None):
        """Recompute and store the rank and leg of every job of these days
        (default: the days of these jobs)."""
        computed = self._route_compute(
            self._route_days() if day_keys is None else day_keys
        )
        self._write_route_updates(self._get_route_updates(computed))

    @api.model
    def _write_route_updates(self, updates):
        """Store ``{(rank, km, minutes): job ids}``, as the system (without
        refreshing the routes again)."""
        Intervention = self.env["service.intervention"].sudo()._service_trusted()
        Intervention = Intervention.with_context(
            service_route_no_refresh=True, tracking_disable=True
        )
        for values, ids in updates.items():
            Intervention.browse(ids).write(dict(zip(ROUTE_VALUES, values, strict=True)))

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
        return self._get_route_travel_quantity(line.product_id.uom_id)

    def _get_route_travel_quantity(self, uom):
        """A travel line's quantity in ``uom``: the leg's driving time when
        the travel product is sold by the hour, else one trip."""
        self.ensure_one()
        hour = self.env.ref("uom.product_uom_hour")
        leg = self._is_route_travel_timed(uom, hour) and self._route_leg()
        return hour._compute_quantity(leg[1] / 60.0, uom, round=False) if leg else 1.0

    def _is_route_travel_timed(self, uom, hour):
        """Travel is charged by driving time: the company takes mileage from
        the route and ``uom`` is a time unit (of ``hour``'s category)."""
        self.ensure_one()
        return self.company_id.service_mileage_source == "route" and bool(
            uom and uom._has_common_reference(hour)
        )

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
        jobs, late_ids = self._get_route_map_jobs(date, employee_ids)
        places = jobs._get_route_map_places()
        jobs_of = jobs._get_route_by_technician()
        points = {
            key: day._get_route_points(places[key]) for key, day in jobs_of.items()
        }
        matrix = jobs._get_route_matrix(points.values())
        technicians = [
            jobs_of[employee.id]._get_route_map_technician(
                employee, places[employee.id], points[employee.id], matrix, late_ids
            )
            for employee in jobs.technician_id.sorted("name")
        ]
        return {"technicians": technicians, "missing": jobs._get_route_map_missing()}

    def _get_route_by_technician(self):
        """``{employee id: their jobs}`` of these jobs, in order."""
        jobs_of = defaultdict(self.browse)
        for job in self:
            jobs_of[job.technician_id.id] |= job
        return jobs_of

    @api.model
    def _get_route_map_jobs(self, date, employee_ids):
        """The jobs of the map (as superuser) and the ids of the late ones."""
        Intervention = self.env["service.intervention"]
        Intervention.flush_model(["scheduled_start", "scheduled_end"])
        # record rules apply: a technician gets his own jobs only
        jobs = Intervention.search_fetch(
            self._get_route_day_domain(date, employee_ids),
            MAP_JOB_FIELDS,
            order="scheduled_start, id",
        )
        late_ids = (
            set(Intervention._late_ids([("id", "in", jobs.ids)])) if jobs else set()
        )
        return jobs.sudo(), late_ids

    def _get_route_map_places(self):
        """``{employee id: (start, end) partners}``, read with the sites."""
        sites = (self.partner_shipping_id | self.partner_id).sudo()
        sites.fetch(MAP_SITE_FIELDS)
        employees = self.technician_id.sudo()
        employees.fetch(MAP_EMPLOYEE_FIELDS)
        places = self._route_places(employees)
        self._fetch_route_map_partners(places, sites)
        return places

    @api.model
    def _fetch_route_map_partners(self, places, sites):
        """Read the start and end partners and the sites' customers."""
        partners = self.env["res.partner"].sudo()
        partners = partners.concat(*(p for pair in places.values() for p in pair))
        partners.fetch(["name", "partner_latitude", "partner_longitude"])
        sites.commercial_partner_id.fetch(["name"])

    def _get_route_map_missing(self):
        """The jobs of the map whose site has no place."""
        return [
            job._get_route_map_job()
            for job in self
            if not self._route_point(job._route_site())
        ]

    def _get_route_map_technician(self, employee, places, points, matrix, late_ids):
        """A technician's day on the map: these jobs are its stops."""
        legs, home = self._route_legs(*points, matrix)
        km, minutes = self._get_route_totals(legs, home)
        stops = zip(self, points[1], legs, strict=True)
        return {
            "id": employee.id,
            "name": employee.name,
            "color": employee.color or 0,
            "start": self._route_map_place(places[0], points[0]),
            "end": self._route_map_place(places[1], points[2]),
            "km": round(km, 1),
            "minutes": round(minutes),
            "stops": [
                job._get_route_map_stop(rank, point, leg, late_ids)
                for rank, (job, point, leg) in enumerate(stops, 1)
            ],
        }

    def _get_route_map_job(self):
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "partner_name": self.partner_id.commercial_partner_id.name
            or self._route_site().name,
        }

    def _get_route_map_stop(self, rank, point, leg, late_ids):
        """This job as the ``rank``-th stop of its day on the map."""
        self.ensure_one()
        site = self._route_site()
        return {
            **self._get_route_map_job(),
            "address": ", ".join(p for p in (site.street, site.zip, site.city) if p),
            **self._get_route_lat_lon(point),
            "sequence": rank,
            **self._get_route_map_times(),
            "is_pinned": self.is_pinned,
            "is_late": self.id in late_ids or self._is_route_late(),
            "has_conflict": self.has_conflict,
            "leg_km": round(leg[0], 1),
            "leg_minutes": round(leg[1]),
            "state": self.state,
        }

    def _get_route_map_times(self):
        self.ensure_one()
        return {name: fields.Datetime.to_string(self[name]) for name in MAP_TIME_FIELDS}

    def _is_route_late(self):
        """The job is planned after its appointment window."""
        self.ensure_one()
        return bool(
            self.window_end
            and self.scheduled_start
            and self.scheduled_start > self.window_end
        )

    @api.model
    def _get_route_lat_lon(self, point):
        return {
            "lat": point[0] if point else False,
            "lon": point[1] if point else False,
        }

    @api.model
    def _route_map_place(self, partner, point):
        return {**self._get_route_lat_lon(point), "name": partner.name or ""}

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
        routes, notes = self._get_route_solution(problem, allow_reassign)
        return self._route_plan(problem, routes, notes)

    @api.model
    def _get_route_solution(self, problem, allow_reassign):
        """Routes and notes of a problem: jobs move between technicians
        when asked and the joint problem places every job, else each
        technician's day is solved alone."""
        vehicles, jobs = problem["vehicles"], problem["solver_jobs"]
        if allow_reassign and len(vehicles) > 1:
            routes, notes = self._route_solve(
                vehicles, jobs, problem["matrix"], allow_reassign=True
            )
            if routes is not None:
                return routes, notes
        return self._route_solve(vehicles, jobs, problem["matrix"])

    @api.model
    def _route_problem(self, day, employees, allow_reassign):
        """The records of the day turned into the solver's terms."""
        origin, stop = self._route_day_bounds(day)
        records = self._get_route_problem_jobs(day, employees)
        technicians = (records.technician_id | employees).sudo().sorted("name")
        skills = self._route_skills(records, technicians, allow_reassign)
        vehicles = self._get_route_vehicles(
            technicians, origin, stop, skills["technicians"]
        )
        solver_jobs = records._prepare_route_solver_jobs(
            (origin, stop), technicians, skills["jobs"]
        )
        pairs = self._route_problem_pairs(vehicles, solver_jobs, allow_reassign)
        matrix = self.env["service.route.leg"]._matrix(
            [], records.company_id[:1] or self.env.company, pairs=pairs
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
    def _get_route_problem_jobs(self, day, employees):
        """The jobs of the day to plan (of ``employees``, default all)."""
        Intervention = self.env["service.intervention"]
        Intervention.flush_model(["scheduled_start", "scheduled_end"])
        # as the dispatcher: the record rules say which jobs they plan
        return Intervention.search(
            self._get_route_day_domain(day, employees.ids),
            order="scheduled_start, id",
        )

    @api.model
    def _get_route_earliest(self, origin, stop):
        """The first minute a movable job may start: now on the current day."""
        now = fields.Datetime.now()
        return minutes_from(origin, now) if origin <= now < stop else None

    @api.model
    def _get_route_vehicles(self, technicians, origin, stop, skills):
        """The technicians as the solver's vehicles (one per technician, in
        their order)."""
        availability = self._availability(technicians, origin, stop)
        places = self._route_places(technicians)
        return [
            solver.Vehicle(
                employee.id,
                self._route_point(places[employee.id][0]),
                self._route_point(places[employee.id][1]),
                self._get_route_free(availability[employee.id], origin, stop),
                skills.get(employee.id, frozenset()),
            )
            for employee in technicians
        ]

    @api.model
    def _get_route_free(self, availability, origin, stop):
        """Free working intervals of a technician's day, in minutes from
        ``origin``: their working time minus their leaves."""
        days, leaves = availability
        end = minutes_from(origin, stop)
        free = [
            (max(0, minutes_from(origin, a)), min(end, minutes_from(origin, b)))
            for a, b, _meta in days - leaves
        ]
        return [(a, b) for a, b in free if b > a]

    def _prepare_route_solver_jobs(self, bounds, technicians, skills):
        """These jobs of the day (``bounds``: its start and end) in the
        solver's terms; ``technicians``: the vehicles, in order."""
        vehicle_of = {employee.id: v for v, employee in enumerate(technicians)}
        earliest = self._get_route_earliest(*bounds)
        return [
            job._prepare_route_solver_job(bounds[0], earliest, vehicle_of, skills)
            for job in self
        ]

    def _prepare_route_solver_job(self, origin, earliest, vehicle_of, skills):
        """This job in the solver's terms (times in minutes from
        ``origin``)."""
        self.ensure_one()
        start = minutes_from(origin, self.scheduled_start)
        end = minutes_from(origin, self._get_route_end())
        fixed = self.is_pinned or self.state in ("in_progress", "done")
        return solver.Job(
            self.id,
            self._route_point(self.sudo()._route_site()),
            max(1, end - start),
            vehicle_of[self.technician_id.id],
            start,
            self._get_route_window(origin, None if fixed else earliest),
            fixed,
            skills.get(self.id, frozenset()),
        )

    def _get_route_end(self):
        """When the job ends (an hour, or its duration, when not set)."""
        self.ensure_one()
        return self.scheduled_end or self.scheduled_start + timedelta(
            hours=self.scheduled_duration or 1.0
        )

    def _get_route_window(self, origin, earliest=None):
        """(earliest, latest) start of this job in minutes from ``origin``:
        its appointment window, not before ``earliest``."""
        self.ensure_one()
        low = minutes_from(origin, self.window_start) if self.window_start else None
        high = minutes_from(origin, self.window_end) if self.window_end else None
        if earliest is not None:
            low = max(low or 0, earliest)
        return (low, high)

    @api.model
    def _route_skills(self, records, technicians, allow_reassign):
        """Activity types each job needs (its activity lines and its
        protocol's steps) and each technician does (those of the lines they
        worked on and of their jobs of the day)."""
        if not allow_reassign:
            return {"jobs": {}, "technicians": {}}
        records = records.sudo()
        jobs = records._get_route_job_skills()
        done = self._get_route_done_skills(technicians)
        for job in records:
            done[job.technician_id.id] |= jobs[job.id]
        technicians = {key: frozenset(ids) for key, ids in done.items()}
        return {"jobs": jobs, "technicians": technicians}

    def _get_route_job_skills(self):
        """``{job id: activity type ids}`` these jobs need."""
        return {
            job.id: frozenset(
                (
                    job.line_ids.filtered(
                        lambda line: line.line_type == "activity"
                    ).activity_type_id
                    | job.protocol_id.step_ids.activity_type_id
                ).ids
            )
            for job in self
        }

    @api.model
    def _get_route_done_skills(self, technicians):
        """``{employee id: activity type ids}`` of the lines they worked on
        (one query)."""
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
        return done

    @api.model
    def _route_solve(self, vehicles, jobs, matrix, allow_reassign=False):
        """Routes of all vehicles: one problem with reassignment, else one
        per technician. Returns (routes, {vehicle: note}) or (None, None)
        when the joint problem cannot place every job."""
        if allow_reassign:
            return self._get_route_joint_solution(vehicles, jobs, matrix)
        routes, notes = [], {}
        for v, vehicle in enumerate(vehicles):
            route, note = self._get_route_vehicle_solution(v, vehicle, jobs, matrix)
            routes.append(route)
            if note:
                notes[v] = note
        return routes, notes

    @api.model
    def _get_route_joint_solution(self, vehicles, jobs, matrix):
        """Routes of all vehicles solved together (jobs may change
        technician), or (None, None) when a job does not fit."""
        time_limit = min(8.0, ROUTE_TIME_LIMIT * len(vehicles) + 0.5)
        found = solver.solve(
            vehicles, jobs, matrix, allow_reassign=True, time_limit=time_limit
        )
        if not found or found[1]:
            return None, None
        return solver.round_routes(vehicles, jobs, matrix, found[0]), {}

    @api.model
    def _get_route_vehicle_solution(self, v, vehicle, jobs, matrix):
        """(route, note) of the ``v``-th technician solved alone: their day
        as it is when nothing moves or no order fits."""
        mine = [j for j, job in enumerate(jobs) if job.vehicle == v]
        current = solver.Route(v, [(j, jobs[j].start) for j in mine])
        if all(jobs[j].fixed for j in mine) or len(mine) < 2:
            return current, False
        visits = self._get_route_reordered(vehicle, [jobs[j] for j in mine], matrix)
        if visits is None:
            return current, self.env._(
                "No order fits every job in the working hours, leaves and "
                "appointment windows: the day is left as it is."
            )
        return solver.Route(v, [(mine[k], t) for k, t in visits]), False

    @api.model
    def _get_route_reordered(self, vehicle, jobs, matrix):
        """Best visits ``[(k, start)]`` of one technician's ``jobs`` (``k``
        indexes ``jobs``), or None when no order places them all."""
        found = solver.solve(
            [vehicle],
            [solver.Job(**{**job.__dict__, "vehicle": 0}) for job in jobs],
            matrix,
            time_limit=ROUTE_TIME_LIMIT,
        )
        if not found or found[1]:
            return None
        routes = [solver.Route(0, found[0][0].visits)]
        return solver.round_routes([vehicle], jobs, matrix, routes)[0].visits

    @api.model
    def _route_plan(self, problem, routes, notes):
        """The wizard's proposal: the moved jobs and a line per technician
        (the day kept as it is when the new order drives more)."""
        before_of = self._get_route_jobs_of_vehicles(problem["solver_jobs"])
        by_id = {job.id: job for job in problem["jobs"]}
        moves, lines = {}, []
        for route in routes:
            v = route.vehicle
            note = notes.get(v)
            visits, costs = self._get_route_kept(problem, route, before_of[v], note)
            moved = self._get_route_moves(problem, by_id, v, visits, costs)
            moves.update(moved)
            if before_of[v] or visits:
                vehicle = problem["vehicles"][v]
                lines.append(
                    self._prepare_route_line(vehicle, visits, len(moved), costs, note)
                )
        return {"jobs": moves, "lines": lines}

    @api.model
    def _get_route_jobs_of_vehicles(self, jobs):
        """``{vehicle index: indexes of its solver jobs}`` as the day is."""
        jobs_of = defaultdict(list)
        for j, job in enumerate(jobs):
            jobs_of[job.vehicle].append(j)
        return jobs_of

    @api.model
    def _get_route_kept(self, problem, route, before, note):
        """The visits of a technician's day and their (before, after)
        costs: the new route, or the day as it is when the new order drives
        no less, breaks nothing and keeps the same jobs (without a note)."""
        jobs, matrix = problem["solver_jobs"], problem["matrix"]
        vehicle = problem["vehicles"][route.vehicle]
        current = [(j, jobs[j].start) for j in before]
        cost_before = solver.route_cost(
            matrix, vehicle, [jobs[j].place for j in before]
        )
        cost_after = solver.route_cost(
            matrix, vehicle, [jobs[j].place for j, _t in route.visits]
        )
        keep = cost_after[0] > cost_before[0] - 0.05 and sorted(
            j for j, _t in route.visits
        ) == sorted(before)
        if keep and not note and not solver.violations(vehicle, jobs, matrix, current):
            return current, (cost_before, cost_before)
        return route.visits, (cost_before, cost_after)

    @api.model
    def _get_route_moves(self, problem, by_id, v, visits, costs):
        """``{job id: values}`` of the jobs of the ``v``-th technician's new
        route that change time or technician."""
        jobs, vehicle = problem["solver_jobs"], problem["vehicles"][v]
        moves = {}
        for rank, (j, start) in enumerate(visits, 1):
            job = jobs[j]
            if job.fixed or (start == job.start and job.vehicle == v):
                continue
            new_start = problem["origin"] + timedelta(minutes=start)
            moves[str(job.key)] = {
                **by_id[job.key]._prepare_route_move(new_start, job.duration),
                "employee_id": vehicle.key,
                "sequence": rank,
                "stops": len(visits),
                "km_before": round(costs[0][0], 1),
                "km_after": round(costs[1][0], 1),
            }
        return moves

    def _prepare_route_move(self, new_start, duration):
        """Old and new times (and old technician) of this job's move."""
        self.ensure_one()
        return {
            "old_employee_id": self.technician_id.id,
            "start": fields.Datetime.to_string(new_start),
            "end": fields.Datetime.to_string(new_start + timedelta(minutes=duration)),
            "old_start": fields.Datetime.to_string(self.scheduled_start),
        }

    @api.model
    def _prepare_route_line(self, vehicle, visits, moved, costs, note):
        """Values of the wizard's line of a technician."""
        (km_before, minutes_before), (km_after, minutes_after) = costs
        return {
            "employee_id": vehicle.key,
            "job_count": len(visits),
            "moved_count": moved,
            "km_before": round(km_before, 1),
            "km_after": round(km_after, 1),
            "minutes_before": round(minutes_before),
            "minutes_after": round(minutes_after),
            "note": note
            or (
                self.env._("Already the shortest order found.") if not moved else False
            ),
        }

    @api.model
    def _route_apply(self, proposal):
        """Write a plan computed by ``_route_optimize``: the new times (and
        technicians), a note on each moved job's chatter."""
        self._route_check_dispatcher()
        if not proposal:
            return True
        jobs = self.env["service.intervention"].browse([int(key) for key in proposal])
        jobs = jobs.exists()
        jobs._check_route_unchanged(proposal)
        days = jobs._route_days()
        jobs._write_route_moves(proposal)
        jobs._post_route_move_notes(proposal)
        self._route_refresh(days | jobs._route_days())
        return True

    def _check_route_unchanged(self, proposal):
        """Raise when a job of the proposal changed since it was computed."""
        changed = self.filtered(
            lambda job: job._is_route_changed(proposal[str(job.id)])
        )
        if changed or len(self) != len(proposal):
            raise UserError(
                self.env._(
                    "The day changed since the routes were computed (%(jobs)s): "
                    "compute them again.",
                    jobs=", ".join(changed.mapped("name")) or "-",
                )
            )

    def _is_route_changed(self, values):
        """This job moved, changed technician, was pinned or started since
        its move ``values`` were computed."""
        self.ensure_one()
        return (
            fields.Datetime.to_string(self.scheduled_start) != values["old_start"]
            or self.technician_id.id != values["old_employee_id"]
            or self.is_pinned
            or self.state not in ("draft", "scheduled")
        )

    def _write_route_moves(self, proposal):
        """Write the new times (and technicians) of these jobs."""
        for job in self:
            values = proposal[str(job.id)]
            vals = {"scheduled_start": values["start"], "scheduled_end": values["end"]}
            if values["employee_id"] != job.technician_id.id:
                vals["technician_id"] = values["employee_id"]
            job.with_context(service_route_no_refresh=True).write(vals)
        self.flush_recordset()

    def _post_route_move_notes(self, proposal):
        """Say on each job's chatter why it moved."""
        names = self._get_route_employee_names(proposal)
        for job in self:
            job.message_post(
                body=self._route_move_note(job, proposal[str(job.id)], names),
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _get_route_employee_names(self, proposal):
        """``{employee id: name}`` of the old and new technicians."""
        ids = {values["employee_id"] for values in proposal.values()}
        ids |= {values["old_employee_id"] for values in proposal.values()}
        employees = self.env["hr.employee"].sudo().browse(ids)
        return {employee.id: employee.name for employee in employees}

    @api.model
    def _get_route_hour(self, value):
        """'HH:MM' of a naive UTC datetime (or its string) in the user's
        time zone."""
        value = fields.Datetime.to_datetime(value)
        return pytz.utc.localize(value).astimezone(self._route_tz()).strftime("%H:%M")

    def _route_move_note(self, job, values, names):
        note = self.env._(
            "Optimise Route moved this job from %(old)s to %(new)s (stop "
            "%(stop)s of %(stops)s) to cut driving: the day's route of "
            "%(technician)s is %(after)s km instead of %(before)s km.",
            old=self._get_route_hour(values["old_start"]),
            new=self._get_route_hour(values["start"]),
            stop=values["sequence"],
            stops=values["stops"],
            technician=names.get(values["employee_id"], ""),
            after=f"{values['km_after']:.1f}",
            before=f"{values['km_before']:.1f}",
        )
        if values["employee_id"] != values["old_employee_id"]:
            note += " " + self._get_route_reassign_note(values, names)
        return note

    @api.model
    def _get_route_reassign_note(self, values, names):
        return self.env._(
            "It moved from %(old)s to %(new)s, who does the same activities.",
            old=names.get(values["old_employee_id"], ""),
            new=names.get(values["employee_id"], ""),
        )

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
        else for the board's day or today, all technicians."""
        self._route_check_dispatcher()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_route_optimize"
        )
        action["context"] = self.filtered("scheduled_start")._get_route_action_context()
        return action

    def _get_route_action_context(self):
        """Optimise Route's defaults: the day and technicians of these jobs."""
        return {
            "default_date": fields.Date.to_string(self._get_route_action_day()),
            "default_employee_ids": [Command.set(self.technician_id.ids)],
        }

    def _get_route_action_day(self):
        """The first day of these jobs, else the board's day (context
        ``service_route_date``), else today."""
        if self:
            return self._route_local_day(min(self.mapped("scheduled_start")))
        day = fields.Date.to_date(self.env.context.get("service_route_date"))
        return day or fields.Date.context_today(self)
