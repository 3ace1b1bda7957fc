# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Day routes in the browser: the technician's My Route on a phone, the
dispatcher's map beside the planning board and Optimise Route."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .test_planning_board import week_calendar


def _place(env, name, lat, lon, **values):
    return env["res.partner"].create(
        {
            "name": name,
            "is_company": True,
            "partner_latitude": lat,
            "partner_longitude": lon,
            **values,
        }
    )


@tagged("post_install", "-at_install")
class TestMyRouteTour(HttpCase):
    """A technician opens My Route on a 375-pixel phone and navigates."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tech_user = new_test_user(
            cls.env,
            login="route_phone_tech",
            groups="service_management.group_service_technician",
            name="Route Phone Technician",
            tz="UTC",
        )
        depot = _place(cls.env, "Route Depot", 44.48, 11.30)
        technician = cls.env["hr.employee"].create(
            {
                "name": "Route Phone Technician",
                "user_id": cls.tech_user.id,
                "tz": "UTC",
                "service_route_start_partner_id": depot.id,
                "service_route_end_partner_id": depot.id,
            }
        )
        one = _place(
            cls.env, "Route Stop One", 44.4949, 11.3426, street="Via Rizzoli 1"
        )
        two = _place(
            cls.env, "Route Stop Two", 44.5068, 11.365, street="Via Stalingrado 2"
        )
        today = datetime.combine(fields.Date.today(), datetime.min.time())
        cls.jobs = cls.env["service.intervention"].create(
            [
                {
                    "partner_id": partner.id,
                    "technician_id": technician.id,
                    "scheduled_start": today.replace(hour=hour),
                    "scheduled_duration": 1.0,
                }
                for partner, hour in ((two, 11), (one, 9))
            ]
        )
        cls.jobs.action_schedule()

    def test_my_route_on_a_phone(self):
        data = (
            self.env["service.intervention"]
            .with_user(self.tech_user)
            .get_route_map_data(fields.Date.to_string(fields.Date.today()))
        )
        (route,) = data["technicians"]
        self.assertEqual(
            [stop["partner_name"] for stop in route["stops"]],
            ["Route Stop One", "Route Stop Two"],
        )
        self.assertGreater(route["stops"][1]["leg_km"], 0)
        self.start_tour("/odoo", "service_my_route_tour", login="route_phone_tech")


class RouteDayCase(HttpCase):
    """A dispatcher, two technicians and their day: three stops on a line
    north of the depot entered far first, and a site without coordinates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env,
            login="route_dispatcher",
            groups="service_management.group_service_officer",
            name="Rita Dispatcher",
            tz="UTC",
        )
        calendar = week_calendar(cls.env, "Route tour week")
        depot = _place(cls.env, "Route Tour Depot", 44.49, 11.34)
        cls.technician, cls.helper = cls.env["hr.employee"].create(
            [
                {
                    "name": name,
                    "resource_calendar_id": calendar.id,
                    "tz": "UTC",
                    "service_route_start_partner_id": depot.id,
                    "service_route_end_partner_id": depot.id,
                }
                for name in ("Route Technician", "Route Helper")
            ]
        )
        # a line north of the depot, entered far first: the best order is
        # near, middle, far
        far = _place(cls.env, "Far Customer", 44.70, 11.34)
        near = _place(cls.env, "Near Customer", 44.52, 11.34)
        middle = _place(cls.env, "Middle Customer", 44.61, 11.34)
        nowhere = cls.env["res.partner"].create(
            {"name": "Nowhere Customer", "is_company": True}
        )
        # the next working day (the tours pick it on the map): Optimise Route
        # never moves a job of today before now, whatever the time of the run
        day = fields.Date.today() + timedelta(days=1)
        if day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
        cls.day = datetime.combine(day, datetime.min.time())
        cls.far, cls.near, cls.middle, cls.nowhere = cls.env[
            "service.intervention"
        ].create(
            [
                {
                    "partner_id": partner.id,
                    "technician_id": technician.id,
                    "scheduled_start": cls.day.replace(hour=hour),
                    "scheduled_duration": 1.0,
                }
                for partner, hour, technician in (
                    (far, 8, cls.technician),
                    (near, 10, cls.technician),
                    (middle, 13, cls.technician),
                    # a site without coordinates: listed beside the map
                    (nowhere, 9, cls.helper),
                )
            ]
        )
        (cls.far | cls.near | cls.middle | cls.nowhere).action_schedule()


@tagged("post_install", "-at_install")
class TestRouteOptimizeTour(RouteDayCase):
    """The dispatcher sees the day on the map beside the board, runs
    Optimise Route and accepts it."""

    def test_optimise_the_day_from_the_map(self):
        self.start_tour(
            "/odoo/action-service_management.action_service_intervention_planning",
            "service_route_optimize_tour",
            login="route_dispatcher",
        )
        order = (self.far | self.near | self.middle).sorted("scheduled_start")
        self.assertEqual(order.ids, [self.near.id, self.middle.id, self.far.id])
        self.assertEqual(order.mapped("route_sequence"), [1, 2, 3])
        for job in order:
            self.assertEqual(job.scheduled_start.date(), self.day.date())


@tagged("post_install", "-at_install")
class TestDayRoutesPhoneTour(RouteDayCase):
    """The map of the day on a 375-pixel phone: below the board a tap away,
    and Day Routes on its own, nothing wider than the screen."""

    browser_size = "375x667"
    touch_enabled = True

    def test_day_map_on_a_phone(self):
        self.start_tour(
            "/odoo/action-service_management.action_service_intervention_planning",
            "service_day_routes_phone_tour",
            login="route_dispatcher",
        )
