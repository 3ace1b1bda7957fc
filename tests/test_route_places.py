# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Day routes (issue 20): places of job sites (geocoding, HTTP mocked),
travel between them (estimate, OSRM mocked), mileage from the route and the
map of a day."""

from datetime import date, timedelta
from unittest.mock import MagicMock, patch

import requests

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models import (
    res_partner as partner_module,
    service_route_leg as leg_module,
)
from ..models.service_route_leg import haversine_km
from .test_batching import QueryCountMixin
from .test_route_optimize import DEPOT_LON, LAT, MONDAY, RouteCommon, at

NOMINATIM = f"{partner_module.__name__}.requests.get"
OSRM = f"{leg_module.__name__}.requests.get"


def response(status, payload):
    answer = MagicMock(status_code=status)
    answer.json.return_value = payload
    answer.raise_for_status.side_effect = (
        requests.HTTPError(f"{status}") if status >= 400 else None
    )
    return answer


@tagged("post_install", "-at_install")
class TestRouteGeocoding(RouteCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        provider = cls.env.ref("base_geolocalize.geoprovider_open_street")
        cls.env["ir.config_parameter"].set_param(
            "base_geolocalize.geo_provider", provider.id
        )
        cls.italy = cls.env.ref("base.it")
        cls.unplaced = cls.env["res.partner"].create(
            [
                {
                    "name": f"Unplaced {n}",
                    "street": f"Via Indipendenza {n}",
                    "zip": "40121",
                    "city": "Bologna",
                    "country_id": cls.italy.id,
                }
                for n in range(1, 4)
            ]
        )

    def test_success_places_the_partner(self):
        partner = self.unplaced[0]
        with (
            patch(
                NOMINATIM,
                return_value=response(200, [{"lat": "44.4990", "lon": "11.3430"}]),
            ) as get,
        ):
            result = partner._service_geocode()
        self.assertEqual(result["ok"], partner)
        self.assertAlmostEqual(partner.partner_latitude, 44.499)
        self.assertAlmostEqual(partner.partner_longitude, 11.343)
        self.assertEqual(partner.date_localization, fields.Date.context_today(partner))
        params = get.call_args.kwargs["params"]
        self.assertIn("Via Indipendenza 1", params["q"])
        self.assertIn("Bologna", params["q"])
        self.assertTrue(get.call_args.kwargs["timeout"])

    def test_not_found_is_noted_and_not_retried_at_once(self):
        partner = self.unplaced[0]
        with patch(NOMINATIM, return_value=response(200, [])):
            result = partner._service_geocode()
        self.assertEqual(result["not_found"], partner)
        self.assertFalse(partner.partner_latitude)
        self.assertIn("was not found on the map", partner.message_ids[:1].body)
        # a job in 9 days needs it: the scheduled action waits a week first
        self._job(fields.Datetime.now() + timedelta(days=9), partner_id=partner.id)
        Partner = self.env["res.partner"]
        self.assertNotIn(partner, Partner._service_partners_to_geocode())
        later = fields.Date.today() + timedelta(days=8)
        self.assertIn(partner, Partner._service_partners_to_geocode(today=later))

    def test_rate_limit_stops_the_run_one_request_a_second(self):
        answers = [
            response(200, [{"lat": "44.5", "lon": "11.3"}]),
            response(429, {"error": "Too many requests"}),
            response(200, [{"lat": "44.6", "lon": "11.4"}]),
        ]
        with (
            patch(NOMINATIM, side_effect=answers) as get,
            patch.object(partner_module.time, "sleep") as sleep,
        ):
            result = self.unplaced._service_geocode()
        self.assertEqual(get.call_count, 2)
        self.assertEqual(result["ok"], self.unplaced[0])
        self.assertEqual(result["rate_limited"], self.unplaced[1:])
        self.assertFalse(self.unplaced[1].partner_latitude)
        # the second request waited for the first second to pass
        self.assertEqual(sleep.call_count, 1)
        self.assertGreater(sleep.call_args.args[0], 0.9)
        with (
            patch(NOMINATIM, side_effect=[response(429, {})]),
            patch.object(partner_module.time, "sleep"),
            self.assertRaisesRegex(UserError, "wait"),
        ):
            self.unplaced[1:].action_service_geocode()

    def test_officer_locates_customers_from_the_action_menu(self):
        action = self.env.ref("service_management.action_service_partner_geocode")

        def menu(user):
            Actions = self.env["ir.actions.actions"].with_user(user)
            bindings = Actions.get_bindings("res.partner").get("action", [])
            return [binding["id"] for binding in bindings]

        self.assertIn(action.id, menu(self.user_officer))
        self.assertNotIn(action.id, menu(self.user_technician))
        officer_action = action.with_user(self.user_officer).with_context(
            active_model="res.partner", active_ids=self.unplaced[:1].ids
        )
        with (
            patch(
                NOMINATIM, side_effect=[response(200, [{"lat": "44.5", "lon": "11.3"}])]
            ),
            patch.object(partner_module.time, "sleep"),
        ):
            result = officer_action.run()
        self.assertEqual(result["params"]["type"], "success")
        self.assertAlmostEqual(self.unplaced[0].partner_latitude, 44.5)

    def test_scheduled_action_places_the_sites_of_the_next_jobs(self):
        tomorrow = fields.Datetime.now() + timedelta(days=1)
        for partner in self.unplaced:
            self._job(tomorrow, partner_id=partner.id)
        # far in the future: not yet
        later = self.env["res.partner"].create(
            {"name": "Later", "city": "Modena", "country_id": self.italy.id}
        )
        self._job(tomorrow + timedelta(days=60), partner_id=later.id)
        todo = self.env["res.partner"]._service_partners_to_geocode()
        self.assertEqual(todo & (self.unplaced | later), self.unplaced)
        with (
            patch(
                NOMINATIM, return_value=response(200, [{"lat": "44.5", "lon": "11.3"}])
            ) as get,
            patch.object(partner_module.time, "sleep"),
        ):
            result = self.env["res.partner"]._cron_service_geocode(limit=2)
        self.assertEqual(get.call_count, 2)
        self.assertEqual(len(result["ok"]), 2)

    def test_address_change_forgets_the_place_without_blocking(self):
        partner = self.sites["A"]
        partner.date_localization = date(2026, 1, 1)
        with patch(NOMINATIM) as get:
            partner.write({"street": "Via Zamboni 33"})
        get.assert_not_called()
        self.assertFalse(partner.partner_latitude)
        self.assertFalse(partner.date_localization)
        trigger = self.env["ir.cron.trigger"].search(
            [
                (
                    "cron_id",
                    "=",
                    self.env.ref("service_management.ir_cron_service_geocode").id,
                )
            ]
        )
        self.assertTrue(trigger)
        # typed by hand: kept
        partner.write(
            {"city": "Imola", "partner_latitude": 44.35, "partner_longitude": 11.71}
        )
        self.assertEqual(partner.partner_latitude, 44.35)


@tagged("post_install", "-at_install")
class TestRouteLegs(RouteCommon):
    def _points(self):
        return [(LAT, DEPOT_LON), (LAT, DEPOT_LON + 0.05), (LAT, DEPOT_LON + 0.10)]

    def test_estimate_without_osrm_sends_no_request(self):
        Leg = self.env["service.route.leg"]
        with patch(OSRM) as get:
            matrix = Leg._matrix(self._points(), self.company)
        get.assert_not_called()
        a, b, __ = self._points()
        km, minutes = matrix[a, b]
        self.assertAlmostEqual(km, haversine_km(a, b) * 1.3)
        self.assertAlmostEqual(km, 5.16, delta=0.05)
        self.assertAlmostEqual(minutes, km / 50 * 60)
        self.company.service_route_speed_kmh = 25.0
        self.assertAlmostEqual(Leg._matrix([a, b], self.company)[a, b][1], minutes * 2)
        self.assertEqual(matrix[a, a], (0.0, 0.0))

    def test_osrm_table_once_then_cached(self):
        self.company.service_osrm_url = "https://osrm.test/"
        points = self._points()
        table = {
            "code": "Ok",
            "distances": [[0, 6000, 12000], [6100, 0, 6050], [12100, 6020, 0]],
            "durations": [[0, 420, 840], [430, 0, 425], [850, 410, 0]],
        }
        Leg = self.env["service.route.leg"]
        with patch(OSRM, return_value=response(200, table)) as get:
            matrix = Leg._matrix(points, self.company)
        self.assertEqual(get.call_count, 1)
        url = get.call_args.args[0]
        self.assertTrue(
            url.startswith("https://osrm.test/table/v1/driving/11.0000,44.5000;")
        )
        self.assertTrue(get.call_args.kwargs["timeout"])
        self.assertEqual(matrix[points[0], points[1]], (6.0, 7.0))
        self.assertEqual(matrix[points[2], points[0]], (12.1, 850 / 60))
        self.assertEqual(Leg.search_count([("source", "=", "osrm")]), 6)
        with patch(OSRM) as get:
            again = Leg._matrix(points, self.company)
        get.assert_not_called()
        self.assertEqual(again[points[0], points[1]], (6.0, 7.0))

    def test_osrm_beyond_100_places_asks_by_blocks(self):
        self.company.service_osrm_url = "https://osrm.test"
        points = [(LAT, DEPOT_LON + 0.001 * k) for k in range(120)]

        def table(url, **kwargs):
            size = len(url.rsplit("/", 1)[1].split(";"))
            self.assertLessEqual(size, 100)
            grid = [[1000.0 * abs(i - j) for j in range(size)] for i in range(size)]
            return response(200, {"code": "Ok", "distances": grid, "durations": grid})

        # a route through the 120 places: its 119 legs
        legs = list(zip(points, points[1:], strict=False))
        with patch(OSRM, side_effect=table) as get:
            matrix = self.env["service.route.leg"]._matrix([], self.company, pairs=legs)
        # blocks of 50 places, only those holding legs: 0-0, 0-1, 1-1, 1-2, 2-2
        self.assertEqual(get.call_count, 5)
        self.assertEqual({matrix[leg][0] for leg in legs}, {1.0})

    def test_osrm_error_falls_back_to_the_estimate(self):
        self.company.service_osrm_url = "https://osrm.test"
        a, b, __ = self._points()
        Leg = self.env["service.route.leg"]
        with patch(OSRM, side_effect=requests.ConnectionError("down")):
            matrix = Leg._matrix([a, b], self.company)
        self.assertAlmostEqual(matrix[a, b][0], haversine_km(a, b) * 1.3)
        self.assertFalse(Leg.search_count([("source", "=", "osrm")]))
        with patch(OSRM, return_value=response(500, {})):
            matrix = Leg._matrix([a, b], self.company)
        self.assertAlmostEqual(matrix[a, b][0], haversine_km(a, b) * 1.3)


@tagged("post_install", "-at_install")
class TestRouteMileage(RouteCommon):
    def test_mileage_from_the_route_or_the_customer(self):
        first = self._stop("A", at(9))
        second = self._stop("C", at(11))
        self.company.service_mileage_source = "customer"
        self.assertEqual(self._line(second, line_type="mileage").quantity, 42.0)
        self.company.service_mileage_source = "route"
        # from the previous stop (A, 8 km away), not from the depot
        self.assertAlmostEqual(
            self._line(second, line_type="mileage").quantity, 10.3, delta=0.2
        )
        self.assertAlmostEqual(
            self._line(first, line_type="mileage").quantity, 5.2, delta=0.2
        )
        # no place: the customer's distance
        nowhere = self.env["res.partner"].create(
            {"name": "Nowhere", "service_distance_km": 17.0}
        )
        third = self._job(at(14), partner_id=nowhere.id)
        self.assertEqual(self._line(third, line_type="mileage").quantity, 17.0)

    def test_travel_hours_from_the_route(self):
        self.travel_product.uom_id = self.uom_hour
        self.company.service_mileage_source = "route"
        job = self._stop("A", at(9))
        line = self._line(job, line_type="travel")
        # 5.2 km at 50 km/h
        self.assertAlmostEqual(line.quantity, 5.16 / 50, delta=0.01)

    def test_stored_route_follows_a_move_at_commit(self):
        first = self._stop("A", at(9))
        second = self._stop("C", at(11))
        self.env.cr.flush()  # what a commit runs first: the precommit hooks
        self.assertEqual((first.route_sequence, second.route_sequence), (1, 2))
        self.assertAlmostEqual(first.route_leg_km, 5.2, delta=0.1)
        self.assertAlmostEqual(second.route_leg_km, 10.3, delta=0.2)
        first.with_user(self.user_officer).write({"scheduled_start": at(14)})
        self.env.cr.flush()
        self.assertEqual((second.route_sequence, first.route_sequence), (1, 2))
        self.assertAlmostEqual(second.route_leg_km, 15.5, delta=0.2)
        self.assertAlmostEqual(first.route_leg_km, 10.3, delta=0.2)

    def test_work_report_shows_the_day_route_km(self):
        self._stop("A", at(9))
        self._stop("B", at(11))
        day = (
            self.env["service.work.day"]
            .sudo()
            ._service_route_day_km(self.technician, MONDAY.date())
        )
        # depot → A → B → depot
        self.assertAlmostEqual(day, 4 * 5.16, delta=0.3)


@tagged("post_install", "-at_install")
class TestRouteMapData(QueryCountMixin, RouteCommon):
    def _map(self, user, **kwargs):
        return (
            self.env["service.intervention"]
            .with_user(user)
            .get_route_map_data("2026-11-02", **kwargs)
        )

    def test_map_of_the_day(self):
        self._stop("C", at(9), window_start=at(8), window_end=at(10), is_pinned=True)
        self._stop("A", at(11))
        nowhere = self.env["res.partner"].create({"name": "Nowhere"})
        lost = self._job(at(15), partner_id=nowhere.id)
        self._stop("B", at(9), technician=self.technician_2)
        data = self._map(self.user_officer)
        self.assertEqual(
            [t["name"] for t in data["technicians"]], ["Tess Technician", "Ugo Helper"]
        )
        tess = data["technicians"][0]
        self.assertEqual(tess["start"]["lat"], LAT)
        self.assertEqual(
            [s["partner_name"] for s in tess["stops"]], ["Site C", "Site A", "Nowhere"]
        )
        first = tess["stops"][0]
        self.assertEqual(first["sequence"], 1)
        self.assertTrue(first["is_pinned"])
        self.assertEqual(first["window_start"], "2026-11-02 08:00:00")
        self.assertAlmostEqual(first["leg_km"], 15.5, delta=0.3)
        self.assertEqual(first["lon"], DEPOT_LON + 0.15)
        self.assertEqual(first["state"], "draft")
        # depot → C → A → depot: 3 + 2 + 1 steps of ~5.16 km
        self.assertAlmostEqual(tess["km"], 6 * 5.16, delta=0.5)
        self.assertEqual(
            data["missing"],
            [{"id": lost.id, "name": lost.name, "partner_name": "Nowhere"}],
        )
        # the technician gets his own day only
        mine = self._map(self.user_technician)
        self.assertEqual([t["id"] for t in mine["technicians"]], self.technician.ids)
        only = self._map(self.user_officer, employee_ids=self.technician_2.ids)
        self.assertEqual([t["id"] for t in only["technicians"]], self.technician_2.ids)

    def test_map_queries_do_not_grow_with_the_jobs(self):
        self._stop("A", at(9))
        self._stop("B", at(9), technician=self.technician_2)
        self._map(self.user_officer)  # warm the registry's caches
        few = self._queries(lambda: self._map(self.user_officer))
        for hour in (10, 11, 13, 14, 15):
            self._stop("C", at(hour))
            self._stop("D", at(hour), technician=self.technician_2)
        self.env["service.intervention"].search([]).write({"window_end": at(18)})
        many = self._queries(lambda: self._map(self.user_officer))
        self.assertEqual(few, many)
        self.assertLessEqual(many, 15)
