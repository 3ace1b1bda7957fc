# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Optimise Route (issue 20): hand-made days whose best order is known,
optimised by the dispatcher; the technician may not."""

from datetime import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from ..models.service_write_policy_mixin import trusted
from .test_planning_board import MONDAY, PlanningCommon

# the depot (the company) and four customers east of it on a line, about
# 4 km apart: the best order of a day is A, B, C, D (or back)
LAT = 44.5
DEPOT_LON = 11.0


def at(hour, minute=0):
    return MONDAY.replace(hour=hour, minute=minute)


class RouteCommon(PlanningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.user_officer, cls.user_technician, cls.env.user):
            user.tz = "UTC"
        cls.company.partner_id.write(
            {"partner_latitude": LAT, "partner_longitude": DEPOT_LON}
        )
        cls.company.write(
            {
                "service_route_road_factor": 1.3,
                "service_route_speed_kmh": 50.0,
                "service_osrm_url": False,
            }
        )
        cls.sites = {
            name: cls.env["res.partner"].create(
                {
                    "name": f"Site {name}",
                    "is_company": True,
                    "city": "Bologna",
                    "partner_latitude": LAT,
                    "partner_longitude": DEPOT_LON + 0.05 * rank,
                    "service_distance_km": 42.0,
                }
            )
            for rank, name in enumerate("ABCD", 1)
        }

    @classmethod
    def _stop(cls, name, start, hours=1.0, technician=None, **values):
        return cls._job(
            start,
            hours=hours,
            technician=technician,
            partner_id=cls.sites[name].id,
            **values,
        )

    def _end_east(self):
        """Tess ends her day east of D: the line is driven one way only."""
        east = self.env["res.partner"].create(
            {
                "name": "Home",
                "partner_latitude": LAT,
                "partner_longitude": DEPOT_LON + 0.25,
            }
        )
        self.technician.sudo().service_route_end_partner_id = east

    def _optimise(self, employees=None, allow_reassign=False, apply=True):
        """Run the wizard as the dispatcher; return it (applied)."""
        Wizard = self.env["service.route.optimize"].with_user(self.user_officer)
        form = Form(Wizard)
        form.date = MONDAY.date()
        for employee in employees or ():
            form.employee_ids.add(employee)
        form.allow_reassign = allow_reassign
        wizard = form.save()
        wizard.action_compute()
        if apply:
            wizard.action_apply()
        return wizard

    def _order(self, jobs):
        return [
            job.partner_id.name[-1] for job in jobs.sorted(lambda j: j.scheduled_start)
        ]


@tagged("post_install", "-at_install")
class TestRouteOptimize(RouteCommon):
    def test_line_of_stops_is_driven_in_order(self):
        self._end_east()
        jobs = (
            self._stop("C", at(9))
            | self._stop("A", at(10))
            | self._stop("D", at(11))
            | self._stop("B", at(14))
        )
        wizard = self._optimise()
        self.assertEqual(self._order(jobs), ["A", "B", "C", "D"])
        line = wizard.line_ids
        self.assertEqual(line.employee_id, self.technician)
        self.assertEqual(line.job_count, 4)
        # depot → A → B → C → D → home: 5 steps of ~5.2 km, not 13
        self.assertLess(line.km_after, line.km_before * 0.5)
        self.assertAlmostEqual(line.km_after, 5 * 3.97 * 1.3, delta=0.5)
        self.assertGreater(line.moved_count, 0)
        # the stored route follows, each moved job says why on its chatter
        by_rank = jobs.sorted("route_sequence")
        self.assertEqual(by_rank.mapped("route_sequence"), [1, 2, 3, 4])
        self.assertEqual(self._order(by_rank), ["A", "B", "C", "D"])
        self.assertAlmostEqual(by_rank[0].route_leg_km, 5.2, delta=0.2)
        self.assertAlmostEqual(by_rank[0].route_leg_minutes, 6, delta=1)
        moved = jobs.filtered(
            lambda j: "Optimise Route moved this job" in (j.message_ids[:1].body or "")
        )
        self.assertEqual(len(moved), line.moved_count)
        # no job overlaps the next one, driving included
        for first, second in zip(by_rank, by_rank[1:], strict=False):
            self.assertLessEqual(first.scheduled_end, second.scheduled_start)
        self.assertFalse(jobs.filtered("has_conflict"))

    def test_window_forces_the_far_stop_first(self):
        jobs = (
            self._stop("A", at(9))
            | self._stop("B", at(10))
            | self._stop("C", at(11))
            | self._stop("D", at(14), window_start=at(8), window_end=at(8, 30))
        )
        self._optimise()
        self.assertEqual(self._order(jobs), ["D", "C", "B", "A"])
        far = jobs.filtered(lambda j: j.partner_id == self.sites["D"])
        self.assertLessEqual(far.scheduled_start, at(8, 30))

    def test_pinned_job_keeps_its_time(self):
        pinned = self._stop("C", at(9), is_pinned=True)
        jobs = (
            pinned
            | self._stop("A", at(10))
            | self._stop("D", at(11))
            | self._stop("B", at(14))
        )
        wizard = self._optimise()
        self.assertEqual(pinned.scheduled_start, at(9))
        self.assertNotIn(str(pinned.id), wizard.proposal)
        # nothing fits before 9:00 (the day starts at 8:00): C, D, B, A
        self.assertEqual(self._order(jobs), ["C", "D", "B", "A"])
        self.assertFalse(
            pinned.message_ids.filtered(lambda m: "Optimise Route" in (m.body or ""))
        )

    def test_leave_moves_the_day_out_of_it(self):
        self._end_east()
        self._leave(at(13), at(17), resource=self.technician.resource_id)
        jobs = (
            self._stop("C", at(14), hours=0.75)
            | self._stop("A", at(9), hours=0.75)
            | self._stop("B", at(15), hours=0.75)
        )
        self._optimise(employees=self.technician)
        self.assertEqual(self._order(jobs), ["A", "B", "C"])
        for job in jobs:
            self.assertGreaterEqual(job.scheduled_start, at(8))
            self.assertLessEqual(job.scheduled_end, at(13))
        self.assertFalse(jobs.filtered("has_conflict"))

    def test_done_and_running_jobs_stay(self):
        self._end_east()
        done = self._stop("D", at(8))
        trusted(done).write({"state": "done"})
        running = self._stop("A", at(10))
        trusted(running).write({"state": "in_progress"})
        movable = self._stop("B", at(15)) | self._stop("C", at(16))
        self._optimise()
        self.assertEqual(done.scheduled_start, at(8))
        self.assertEqual(running.scheduled_start, at(10))
        # after A (10:00-11:00) the others follow it on the line
        self.assertEqual(self._order(movable | running), ["A", "B", "C"])

    def test_shortest_day_is_left_alone(self):
        jobs = (
            self._stop("A", at(9)) | self._stop("B", at(11)) | self._stop("C", at(13))
        )
        wizard = self._optimise(apply=False)
        self.assertFalse(wizard.proposal)
        self.assertEqual(wizard.line_ids.moved_count, 0)
        self.assertAlmostEqual(wizard.line_ids.km_before, wizard.line_ids.km_after)
        wizard.action_apply()
        self.assertEqual(self._order(jobs), ["A", "B", "C"])

    def test_day_changed_before_apply_is_refused(self):
        job = self._stop("C", at(9))
        self._stop("A", at(10))
        wizard = self._optimise(apply=False)
        job.write({"scheduled_start": at(15)})
        with self.assertRaisesRegex(UserError, "changed"):
            wizard.action_apply()

    def _place(self, name, lon):
        return self.env["res.partner"].create(
            {"name": name, "partner_latitude": LAT, "partner_longitude": lon}
        )

    def test_reassign_gives_a_job_to_the_colleague_nearby(self):
        # Ugo starts and ends 40 km east, where one of Tess's jobs is
        east = self._place("East depot", DEPOT_LON + 0.50)
        self.technician_2.sudo().write(
            {
                "service_route_start_partner_id": east.id,
                "service_route_end_partner_id": east.id,
            }
        )
        far = self._job(at(11), partner_id=self._place("Far", DEPOT_LON + 0.40).id)
        near = self._stop("A", at(9))
        colleague = self._job(
            at(9),
            technician=self.technician_2,
            partner_id=self._place("East", DEPOT_LON + 0.45).id,
        )
        # a repair needs a technician who repairs: Ugo never did one
        repair = self._stop("B", at(14))
        self._line(
            repair, line_type="activity", activity_type_id=self.activity_repair.id
        )
        both = self.technician | self.technician_2
        self._optimise(employees=both)
        self.assertEqual(far.technician_id, self.technician)
        self._optimise(employees=both, allow_reassign=True)
        self.assertEqual(far.technician_id, self.technician_2)
        self.assertEqual(near.technician_id, self.technician)
        self.assertEqual(colleague.technician_id, self.technician_2)
        self.assertEqual(repair.technician_id, self.technician)
        self.assertIn("who does the same activities", far.message_ids[:1].body)
        self.assertFalse((far | near | colleague | repair).filtered("has_conflict"))

    def test_technician_may_not_optimise(self):
        self._stop("C", at(9))
        self._stop("A", at(10))
        jobs = self.env["service.intervention"].with_user(self.user_technician)
        with self.assertRaisesRegex(AccessError, "dispatcher"):
            jobs.search([]).action_service_route_optimize()
        with self.assertRaisesRegex(AccessError, "dispatcher"):
            jobs._route_optimize(MONDAY.date(), self.technician)
        with self.assertRaises(AccessError):
            self.env["service.route.optimize"].with_user(self.user_technician).create(
                {"date": MONDAY.date()}
            )

    def test_action_from_the_list_opens_the_day(self):
        jobs = self._stop("C", at(9)) | self._stop("A", at(10))
        action = jobs.with_user(self.user_officer).action_service_route_optimize()
        self.assertEqual(action["res_model"], "service.route.optimize")
        self.assertEqual(action["context"]["default_date"], "2026-11-02")
        self.assertEqual(
            action["context"]["default_employee_ids"],
            [Command.set(self.technician.ids)],
        )

    def test_window_validation(self):
        with self.assertRaises(ValidationError):
            self._stop(
                "A", at(9), window_start=datetime(2026, 11, 2, 10), window_end=at(9)
            )
