# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatcher's planning board: conflicts, free slots, the unplanned
queue, the workload report and moves on the timeline."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .test_batching import QueryCountMixin
from .test_intervention import InterventionCommon

MONDAY = datetime(2026, 11, 2)


def week_calendar(env, name):
    """Monday to Friday, 8-12 and 13-17, in UTC."""
    attendances = [Command.clear()]
    for day in range(5):
        for period, hour_from, hour_to in (
            ("morning", 8, 12),
            ("afternoon", 13, 17),
        ):
            attendances.append(
                Command.create(
                    {
                        "name": f"{day} {period}",
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": period,
                    }
                )
            )
    return env["resource.calendar"].create(
        {"name": name, "tz": "UTC", "attendance_ids": attendances}
    )


class PlanningCommon(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = week_calendar(cls.env, "Board week (test)")
        cls.tech_user_2 = new_test_user(
            cls.env,
            login="pb_technician_2",
            groups="service_management.group_service_technician",
            name="Ugo Helper",
        )
        cls.technician_2.user_id = cls.tech_user_2
        (cls.technician | cls.technician_2).write(
            {"resource_calendar_id": cls.calendar.id, "tz": "UTC"}
        )
        cls.officer = cls.user_officer

    @classmethod
    def _job(cls, start, hours=1.0, technician=None, **values):
        return cls._intervention(
            scheduled_start=start,
            scheduled_duration=hours,
            technician_id=(technician or cls.technician).id,
            object_ids=[],
            **values,
        )

    def _leave(self, start, stop, resource=None):
        return self.env["resource.calendar.leaves"].create(
            {
                "name": "Time off",
                "calendar_id": self.calendar.id,
                "resource_id": resource.id if resource else False,
                "date_from": start,
                "date_to": stop,
            }
        )


@tagged("post_install", "-at_install")
class TestPlanningConflicts(QueryCountMixin, PlanningCommon):
    def test_overlap_flags_both_jobs_and_shows_the_other(self):
        first = self._job(MONDAY.replace(hour=9), hours=2)
        second = self._job(MONDAY.replace(hour=10))
        for job, other in ((first, second), (second, first)):
            job = job.with_user(self.officer)
            self.assertTrue(job.has_conflict)
            self.assertIn(other.name, job.conflict_reason)
            self.assertIn("another job at that time", job.conflict_reason)
        conflicts = (
            self.env["service.intervention"]
            .with_user(self.officer)
            .search(self._filter_domain("conflict"))
        )
        self.assertEqual(conflicts, first | second)
        # the colleague's job at the same time is no conflict
        colleague = self._job(MONDAY.replace(hour=9), technician=self.technician_2)
        self.assertFalse(colleague.has_conflict)

    def test_neighbour_updated_when_the_other_job_moves(self):
        first = self._job(MONDAY.replace(hour=9), hours=2)
        second = self._job(MONDAY.replace(hour=10)).with_user(self.officer)
        second.write({"scheduled_start": MONDAY.replace(hour=14)})
        self.assertFalse(first.has_conflict)
        self.assertFalse(second.has_conflict)
        second.write({"scheduled_start": MONDAY.replace(hour=10)})
        self.assertTrue(first.has_conflict)
        # given to the colleague: no more conflict for the first
        second.write({"technician_id": self.technician_2.id})
        self.assertFalse(first.has_conflict)
        second.write({"technician_id": self.technician.id})
        self.assertTrue(first.has_conflict)
        # cancelled jobs do not count
        second.action_cancel()
        self.assertFalse(first.has_conflict)
        self.assertFalse(second.has_conflict)
        second.action_draft()
        self.assertTrue(first.has_conflict)
        second.unlink()
        self.assertFalse(first.has_conflict)
        self.assertFalse(first.conflict_reason)

    def test_outside_working_hours(self):
        cases = {
            MONDAY.replace(hour=18): True,  # evening
            MONDAY.replace(hour=7, minute=30): True,  # starts before 8
            MONDAY + timedelta(days=5, hours=9): True,  # Saturday
            MONDAY.replace(hour=11, minute=30): False,  # over lunch: same day
            MONDAY.replace(hour=16): False,
        }
        for start, conflict in cases.items():
            job = self._job(start)
            self.assertEqual(job.has_conflict, conflict, start)
            if conflict:
                self.assertIn("outside the working hours", job.conflict_reason)

    def test_leave_and_public_holiday(self):
        tuesday = MONDAY + timedelta(days=1)
        self._leave(tuesday, tuesday + timedelta(days=1), self.technician.resource_id)
        job = self._job(tuesday.replace(hour=9))
        self.assertTrue(job.has_conflict)
        self.assertIn("Tess Technician is on leave", job.conflict_reason)
        colleague = self._job(tuesday.replace(hour=9), technician=self.technician_2)
        self.assertFalse(colleague.has_conflict)
        wednesday = MONDAY + timedelta(days=2)
        self._leave(wednesday, wednesday + timedelta(days=1))  # public holiday
        self.assertTrue(self._job(wednesday.replace(hour=9)).has_conflict)

    def test_other_company_and_cancelled_jobs_do_not_count(self):
        first = self._job(MONDAY.replace(hour=9), hours=2)
        second = self._job(MONDAY.replace(hour=10))
        self.assertTrue(first.has_conflict)
        # a job of another company (same employee record) does not count
        self.env.cr.execute(
            "UPDATE service_intervention SET company_id = %s WHERE id = %s",
            (self.other_company.id, second.id),
        )
        self.env.invalidate_all()
        self.env.add_to_compute(first._fields["has_conflict"], first)
        self.env.add_to_compute(first._fields["conflict_reason"], first)
        self.assertFalse(first.has_conflict)
        cancelled = self._job(MONDAY.replace(hour=9, minute=30))
        cancelled.action_cancel()
        self.assertFalse(cancelled.has_conflict)
        self.assertFalse(first.has_conflict)

    def test_conflicts_of_a_batch_cost_the_queries_of_two_jobs(self):
        jobs = self.env["service.intervention"]
        for day in range(5):
            for technician in (self.technician, self.technician_2):
                jobs |= self._job(
                    MONDAY + timedelta(days=day, hours=9), technician=technician
                )
        jobs |= self._job(MONDAY.replace(hour=9, minute=30))
        self.env.flush_all()
        pair = jobs[:2]

        def recompute(records):
            def run():
                for name in ("has_conflict", "conflict_reason"):
                    self.env.add_to_compute(records._fields[name], records)
                records.flush_recordset(["has_conflict", "conflict_reason"])

            return run

        two = self._queries(recompute(pair))
        eleven = self._queries(recompute(jobs))
        self.assertEqual(eleven, two)
        self.assertLessEqual(eleven, 15)
        self.assertEqual(len(jobs.filtered("has_conflict")), 2)

    def _filter_domain(self, name):
        arch = etree.fromstring(
            self.env.ref("service_management.service_intervention_view_search").arch
        )
        node = arch.xpath(f"//filter[@name='{name}']")[0]
        return safe_eval(node.get("domain"), {"uid": self.env.uid})


@tagged("post_install", "-at_install")
class TestPlanningMoves(PlanningCommon):
    def _done_job(self):
        job = self._job(MONDAY.replace(hour=9))
        job.action_schedule()
        job.action_start()
        self._line(job, line_type="activity", activity_type_id=self.activity_repair.id)
        job.action_done()
        return job

    def test_dispatcher_reassigns_and_moves_a_job(self):
        job = self._job(MONDAY.replace(hour=9))
        job.action_schedule()
        self.env.cr.precommit.run()  # end of the creating transaction
        board = job.with_user(self.officer)
        # what the board writes on a drop onto another row, one hour later
        board.write(
            {
                "scheduled_start": "2026-11-02 10:00:00",
                "scheduled_end": "2026-11-02 11:00:00",
                "scheduled_duration": 1.0,
                "technician_id": self.technician_2.id,
            }
        )
        self.assertEqual(job.technician_id, self.technician_2)
        self.assertEqual(job.scheduled_start, MONDAY.replace(hour=10))
        self.assertEqual(job.scheduled_end, MONDAY.replace(hour=11))
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written on commit
        tracked = job.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("technician_id", tracked)
        self.assertIn("scheduled_start", tracked)
        self.assertIn("scheduled_end", tracked)
        # resized on the board: the planned hours follow the end
        board.write(
            {
                "scheduled_start": "2026-11-02 10:00:00",
                "scheduled_end": "2026-11-02 12:30:00",
                "scheduled_duration": 2.5,
            }
        )
        self.assertEqual(job.scheduled_duration, 2.5)
        self.assertEqual(job.scheduled_end, MONDAY.replace(hour=12, minute=30))

    def test_done_or_cancelled_job_cannot_be_moved(self):
        done = self._done_job().with_user(self.officer)
        with self.assertRaisesRegex(UserError, "is Done: it cannot be moved"):
            done.write({"scheduled_start": "2026-11-03 09:00:00"})
        with self.assertRaisesRegex(UserError, "cannot be moved"):
            done.write({"technician_id": self.technician_2.id})
        self.assertEqual(done.technician_id, self.technician)
        # saving the same values is no move
        done.write({"technician_id": self.technician.id})
        cancelled = self._job(MONDAY.replace(hour=14)).with_user(self.officer)
        cancelled.action_cancel()
        with self.assertRaisesRegex(UserError, "is Cancelled: it cannot be moved"):
            cancelled.write({"scheduled_end": "2026-11-02 18:00:00"})

    def test_board_arch(self):
        """No one-click delete, opens on the week, grouped by technician."""
        arch = etree.fromstring(
            self.env["service.intervention"]
            .with_user(self.officer)
            .get_views([(False, "timeline")])["views"]["timeline"]["arch"]
        )
        self.assertEqual(arch.get("delete"), "0")
        self.assertEqual(arch.get("mode"), "week")
        self.assertEqual(arch.get("default_group_by"), "technician_id")
        self.assertEqual(arch.get("date_delay"), "scheduled_duration")
        self.assertIn("o_service_planning_board", arch.get("class"))

    def test_calendar_shows_the_customer(self):
        job = self._job(MONDAY.replace(hour=9))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_intervention_planning"
        )
        context = safe_eval(action["context"])
        [event] = (
            self.env["service.intervention"]
            .with_user(self.officer)
            .with_context(**context)
            .web_search_read([("id", "=", job.id)], {"display_name": {}})["records"]
        )
        self.assertEqual(event["display_name"], f"{job.name} · {self.customer.name}")


@tagged("post_install", "-at_install")
class TestPlanningQueue(PlanningCommon):
    def test_unplanned_queue_urgent_and_oldest_first(self):
        def request(day, priority="0", **values):
            vals = {
                "date_request": datetime(2026, 10, day, 8),
                "priority": priority,
                "object_ids": [],
                "technician_id": False,
                "scheduled_start": False,
            }
            return self._intervention(**dict(vals, **values))

        old = request(1)
        newest_urgent = request(20, "1")
        oldest_urgent = request(5, "1")
        recent = request(15)
        dated_without_technician = request(10, scheduled_start=MONDAY)
        planned = self._job(MONDAY.replace(hour=9))
        planned.action_schedule()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_intervention_request"
        )
        self.assertEqual(safe_eval(action["context"])["search_default_unplanned"], 1)
        arch = etree.fromstring(
            self.env.ref(
                "service_management.service_intervention_view_list_unplanned"
            ).arch
        )
        search = etree.fromstring(
            self.env.ref("service_management.service_intervention_view_search").arch
        )
        domain = safe_eval(search.xpath("//filter[@name='unplanned']")[0].get("domain"))
        queue = (
            self.env["service.intervention"]
            .with_user(self.officer)
            .search(domain, order=arch.get("default_order"))
        )
        self.assertEqual(
            queue.ids,
            [
                oldest_urgent.id,
                newest_urgent.id,
                old.id,
                dated_without_technician.id,
                recent.id,
            ],
        )

    def test_first_free_slot_skips_nights_weekends_leaves_and_jobs(self):
        Intervention = self.env["service.intervention"].with_user(self.officer)
        next_monday = MONDAY + timedelta(days=7)
        self._job(next_monday.replace(hour=8), hours=2)
        self._leave(
            next_monday.replace(hour=10),
            next_monday.replace(hour=12),
            self.technician.resource_id,
        )
        friday_evening = MONDAY + timedelta(days=4, hours=16, minutes=30)
        technician, start = Intervention._first_free_slot(
            self.technician, 1.0, friday_evening
        )
        self.assertEqual(technician, self.technician)
        self.assertEqual(start, next_monday.replace(hour=13))
        # half an hour is left on Friday, rounded to the quarter
        technician, start = Intervention._first_free_slot(
            self.technician, 0.5, friday_evening.replace(minute=20)
        )
        self.assertEqual(start, friday_evening)
        # the colleague is free on Monday morning: the earliest of both
        technician, start = Intervention._first_free_slot(
            self.technician | self.technician_2, 1.0, friday_evening
        )
        self.assertEqual(
            (technician, start), (self.technician_2, next_monday.replace(hour=8))
        )

    def test_plan_wizard_proposes_and_schedules(self):
        next_monday = MONDAY + timedelta(days=7)
        self._job(next_monday.replace(hour=8), hours=2)
        self._job(next_monday.replace(hour=8), hours=3, technician=self.technician_2)
        job = self._intervention(
            object_ids=[], technician_id=False, scheduled_start=False
        )
        # the technicians of the company are these two
        self.env["hr.employee"].search(
            [("id", "not in", (self.technician | self.technician_2).ids)]
        ).active = False
        action = job.with_user(self.officer).action_plan()
        with freeze_time("2026-11-06 16:30:00"):
            wizard = Form(
                self.env[action["res_model"]]
                .with_user(self.officer)
                .with_context(**action["context"])
            )
            self.assertEqual(wizard.technician_id, self.technician)
            self.assertEqual(wizard.scheduled_start, next_monday.replace(hour=10))
            self.assertIn("First free slot of Tess Technician", wizard.proposal)
            self.assertFalse(wizard.conflict_reason)
            # another technician: their own first free slot
            wizard.technician_id = self.technician_2
            self.assertEqual(wizard.scheduled_start, next_monday.replace(hour=11))
            # a slot chosen by hand over a job shows the clash
            wizard.scheduled_start = next_monday.replace(hour=9)
            self.assertIn("another job at that time", wizard.conflict_reason)
            wizard.scheduled_start = next_monday.replace(hour=14)
            wizard.scheduled_duration = 1.5
            wizard.save().action_confirm()
        self.assertEqual(job.state, "scheduled")
        self.assertEqual(job.technician_id, self.technician_2)
        self.assertEqual(job.scheduled_start, next_monday.replace(hour=14))
        self.assertEqual(job.scheduled_end, next_monday.replace(hour=15, minute=30))
        self.assertFalse(job.has_conflict)

    def test_plan_wizard_refused_to_technicians(self):
        job = self._intervention(object_ids=[], technician_id=False)
        with self.assertRaises(AccessError):
            self.env["service.intervention.plan"].with_user(self.tech_user).create(
                {"intervention_id": job.id}
            )


@tagged("post_install", "-at_install")
class TestPlanningWorkload(PlanningCommon):
    def test_planned_against_available_hours(self):
        self._job(MONDAY.replace(hour=9), hours=3)
        self._job(MONDAY.replace(hour=13), hours=6)  # until 19: overbooked
        cancelled = self._job(MONDAY.replace(hour=8), hours=1)
        cancelled.action_cancel()
        tuesday = MONDAY + timedelta(days=1)
        self._leave(tuesday, tuesday + timedelta(days=1), self.technician.resource_id)
        self._job(tuesday.replace(hour=9), hours=2)
        # a night job across midnight counts on both days
        self._job(MONDAY + timedelta(days=2, hours=23), hours=2)
        Report = self.env["service.workload.report"].with_user(self.officer)
        rows = Report._refresh(date(2026, 11, 2), date(2026, 11, 8))
        mine = {
            row.date: (row.planned_hours, row.available_hours, row.overbooked_hours)
            for row in rows
            if row.employee_id == self.technician
        }
        self.assertEqual(mine[date(2026, 11, 2)], (9.0, 8.0, 1.0))
        self.assertEqual(mine[date(2026, 11, 3)], (2.0, 0.0, 2.0))
        self.assertEqual(mine[date(2026, 11, 4)], (1.0, 8.0, 0.0))
        self.assertEqual(mine[date(2026, 11, 5)], (1.0, 8.0, 0.0))
        self.assertNotIn(date(2026, 11, 7), mine)  # Saturday: nothing
        colleague = rows.filtered(
            lambda r: r.employee_id == self.technician_2 and r.date == date(2026, 11, 2)
        )
        self.assertEqual(
            (colleague.planned_hours, colleague.available_hours), (0.0, 8.0)
        )
        # per week, as the pivot shows it
        [week] = Report.formatted_read_group(
            [("employee_id", "=", self.technician.id)],
            ["date:week"],
            ["planned_hours:sum", "available_hours:sum"],
        )
        self.assertEqual(week["planned_hours:sum"], 13.0)
        self.assertEqual(week["available_hours:sum"], 32.0)
        # another dispatcher's refresh does not touch these rows
        other = new_test_user(
            self.env,
            login="pb_officer_2",
            groups="service_management.group_service_officer",
        )
        self.env["service.workload.report"].with_user(other)._refresh(
            date(2026, 11, 2), date(2026, 11, 2)
        )
        self.assertTrue(rows.exists())
        self.assertFalse(Report.with_user(other).search([("id", "in", rows.ids)]))

    def test_workload_menu_opens_the_pivot(self):
        action = (
            self.env["service.workload.report"]
            .with_user(self.officer)
            .action_open_workload()
        )
        self.assertEqual(action["res_model"], "service.workload.report")
        self.assertTrue(action["view_mode"].startswith("pivot"))


@tagged("post_install", "-at_install")
class TestPlanningBoardTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env,
            login="pb_dispatcher",
            groups="service_management.group_service_officer",
            name="Dina Dispatcher",
            tz="UTC",
        )
        calendar = week_calendar(cls.env, "Board tour week")
        technicians = cls.env["hr.employee"].create(
            [
                {"name": name, "resource_calendar_id": calendar.id, "tz": "UTC"}
                for name in ("Board Technician A", "Board Technician B")
            ]
        )
        cls.technician_a, cls.technician_b = technicians
        customer = cls.env["res.partner"].create(
            {"name": "Board Customer", "is_company": True}
        )
        today = fields.Date.today()
        # in the middle of the week the board opens on: this one, or the
        # next one on a weekend
        monday = today - timedelta(days=today.weekday())
        if today.weekday() >= 5:
            monday += timedelta(weeks=1)
        wednesday = datetime.combine(monday + timedelta(days=2), datetime.min.time())
        cls.start = wednesday.replace(hour=9)
        cls.job, cls.other_job = cls.env["service.intervention"].create(
            [
                {
                    "name": "PB-TOUR-JOB",
                    "partner_id": customer.id,
                    "technician_id": cls.technician_a.id,
                    "scheduled_start": cls.start,
                    "scheduled_duration": 3.0,
                },
                {
                    "name": "PB-TOUR-OTHER",
                    "partner_id": customer.id,
                    "technician_id": cls.technician_b.id,
                    "scheduled_start": wednesday.replace(hour=14),
                    "scheduled_duration": 2.0,
                },
            ]
        )
        (cls.job | cls.other_job).action_schedule()

    def test_drag_a_job_onto_another_technician(self):
        self.start_tour(
            "/odoo/action-service_management.action_service_intervention_planning",
            "service_planning_board_tour",
            login="pb_dispatcher",
        )
        job = self.job
        self.assertEqual(job.technician_id, self.technician_b)
        self.assertNotEqual(job.scheduled_start, self.start)
        # moved later, on a quarter hour, the same length
        self.assertGreater(job.scheduled_start, self.start)
        self.assertEqual(job.scheduled_start.minute % 15, 0)
        self.assertEqual(job.scheduled_start.second, 0)
        self.assertEqual(job.scheduled_end - job.scheduled_start, timedelta(hours=3))
        self.assertAlmostEqual(job.scheduled_duration, 3.0, places=2)
        self.assertEqual(job.write_uid, self.officer)
        self.assertIn(
            "technician_id",
            job.message_ids.tracking_value_ids.field_id.mapped("name"),
        )
