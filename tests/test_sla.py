# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from freezegun import freeze_time
from lxml import html

from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .test_intervention import InterventionCommon


def _office_hours():
    """Monday to Friday, 8-12 and 13-17."""
    return [
        Command.create(
            {
                "name": f"{day} {period}",
                "dayofweek": str(day),
                "hour_from": start,
                "hour_to": end,
                "day_period": period,
            }
        )
        for day in range(5)
        for period, start, end in (("morning", 8, 12), ("afternoon", 13, 17))
    ]


class SlaCommon(InterventionCommon):
    """Beta Hotel's assistance contract promises a response in 4 working
    hours and a resolution in 16 (2 and 8 when urgent); the company works
    Monday to Friday, 8-12 and 13-17 in Rome (UTC+1 in March)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Office hours (test)",
                "tz": "Europe/Rome",
                "attendance_ids": [Command.clear(), *_office_hours()],
            }
        )
        cls.company.resource_calendar_id = cls.calendar
        cls.assistance = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer_b.id,
                "contract_type": "assistance",
                "date_start": date(2026, 1, 1),
                "sla_response_hours": 4,
                "sla_resolution_hours": 16,
                "sla_urgent_response_hours": 2,
                "sla_urgent_resolution_hours": 8,
            }
        )
        cls.assistance.action_start()

    @classmethod
    def _request(cls, when, **values):
        """A request of Beta Hotel made at ``when`` (UTC)."""
        vals = {
            "partner_id": cls.customer_b.id,
            "object_ids": [],
            "origin": "request",
            "date_request": when,
            "scheduled_start": False,
        }
        return cls._intervention(**dict(vals, **values))


@tagged("post_install", "-at_install")
class TestSlaDeadlines(SlaCommon):
    def test_friday_evening_request_waits_for_monday(self):
        # Friday 6 March 2026, 18:00 in Rome
        request = self._request(datetime(2026, 3, 6, 17, 0))
        self.assertEqual(request.contract_id, self.assistance)
        # Monday 8:00 + 4 h = 12:00 in Rome
        self.assertEqual(request.sla_response_deadline, datetime(2026, 3, 9, 11, 0))
        # 8 h on Monday, 8 h on Tuesday: Tuesday 17:00 in Rome
        self.assertEqual(request.sla_resolution_deadline, datetime(2026, 3, 10, 16, 0))
        self.assertEqual(request.sla_result, "pending")

    def test_request_late_in_the_day_goes_on_the_next_morning(self):
        # Tuesday 16:00 in Rome: 1 h today, 3 h on Wednesday
        request = self._request(datetime(2026, 3, 10, 15, 0))
        self.assertEqual(request.sla_response_deadline, datetime(2026, 3, 11, 10, 0))

    def test_urgent_requests_get_their_own_times(self):
        request = self._request(datetime(2026, 3, 6, 17, 0), priority="1")
        self.assertEqual(request.sla_response_deadline, datetime(2026, 3, 9, 9, 0))
        self.assertEqual(request.sla_resolution_deadline, datetime(2026, 3, 9, 16, 0))

    def test_planned_work_and_contracts_without_times_promise_nothing(self):
        planned = self._request(datetime(2026, 3, 6, 17, 0), origin="planned")
        self.assertFalse(planned.sla_response_deadline)
        self.assertEqual(planned.sla_state, "none")
        self.assertEqual(self._intervention().sla_state, "none")

    def test_later_contract_changes_keep_the_deadlines(self):
        request = self._request(datetime(2026, 3, 6, 17, 0))
        self.assertEqual(request.sla_response_deadline, datetime(2026, 3, 9, 11, 0))
        self.assertEqual(request.sla_resolution_deadline, datetime(2026, 3, 10, 16, 0))
        self.assistance.sla_response_hours = 1
        request.invalidate_recordset()
        self.assertEqual(request.sla_response_deadline, datetime(2026, 3, 9, 11, 0))

    def test_met_when_scheduled_and_done_in_time(self):
        request = self._request(datetime(2026, 3, 6, 17, 0))
        Intervention = self.env["service.intervention"]
        with freeze_time("2026-03-09 09:00:00"):
            request.write(
                {
                    "scheduled_start": datetime(2026, 3, 10, 8, 0),
                    "technician_id": self.technician.id,
                }
            )
            request.action_schedule()
            self.assertEqual(request.sla_responded_on, datetime(2026, 3, 9, 9, 0))
            self.assertEqual(request.sla_state, "on_track")
            self.assertEqual(request.sla_next_deadline, datetime(2026, 3, 10, 16, 0))
            self.assertEqual(request.sla_time_left, "1 d 7 h left")
        # the resolution window is 95 h: at risk in its last 19 h
        with freeze_time("2026-03-10 10:00:00"):
            request.invalidate_recordset()
            self.assertEqual(request.sla_state, "at_risk")
            self.assertEqual(request.sla_time_left, "6 h 00 min left")
            self.assertIn(request, Intervention.search([("sla_state", "=", "at_risk")]))
            self.assertNotIn(
                request, Intervention.search([("sla_state", "=", "breached")])
            )
            request.action_start()
            self._line(
                request,
                line_type="activity",
                activity_type_id=self.activity_repair.id,
                quantity=1.0,
            )
            request.action_done()
            self.assertEqual(request.sla_result, "met")
            self.assertEqual(request.sla_state, "met")
            self.assertFalse(request.sla_time_left)

    def test_breached_when_nobody_answers_in_time(self):
        request = self._request(datetime(2026, 3, 6, 17, 0))
        Intervention = self.env["service.intervention"]
        with freeze_time("2026-03-09 12:30:00"):
            # not answered yet: late, though nothing is stored yet
            self.assertEqual(request.sla_result, "pending")
            self.assertEqual(request.sla_state, "breached")
            self.assertEqual(request.sla_time_left, "1 h 30 min late")
            self.assertIn(
                request, Intervention.search([("sla_state", "=", "breached")])
            )
            self.assertNotIn(
                request, Intervention.search([("sla_state", "=", "on_track")])
            )
            request.action_start()
            self.assertEqual(request.sla_result, "breached")
            self.assertIn(
                request, Intervention.search([("sla_state", "in", ["breached"])])
            )

    def test_resolution_breached_after_reopening(self):
        request = self._request(datetime(2026, 3, 6, 17, 0), priority="1")
        with freeze_time("2026-03-09 08:30:00"):
            request.action_start()
            self._line(
                request,
                line_type="activity",
                activity_type_id=self.activity_repair.id,
                quantity=1.0,
            )
            request.action_done()
            self.assertEqual(request.sla_result, "met")
        with freeze_time("2026-03-09 17:00:00"):
            request.action_reopen()
            self.assertEqual(request.sla_result, "pending")
            self.assertEqual(request.sla_state, "breached")
            request.action_done()
            self.assertEqual(request.sla_result, "breached")

    def test_commitments_met_per_contract_and_month(self):
        met = self._request(datetime(2026, 3, 6, 17, 0))
        late = self._request(datetime(2026, 3, 6, 17, 0))
        with freeze_time("2026-03-09 09:00:00"):
            met.action_start()
        with freeze_time("2026-03-09 12:00:00"):
            late.action_start()
        groups = self.env["service.intervention"]._read_group(
            [("contract_id", "=", self.assistance.id), ("sla_result", "!=", False)],
            ["contract_id", "date_request:month", "sla_result"],
            ["__count"],
        )
        self.assertEqual(
            {result: count for __, __, result, count in groups},
            {"pending": 1, "breached": 1},
        )


@tagged("post_install", "-at_install")
class TestSlaRoles(SlaCommon):
    def test_technician_sees_the_deadline_of_their_job(self):
        request = self._request(
            datetime(2026, 3, 6, 17, 0), technician_id=self.technician.id
        )
        with (
            freeze_time("2026-03-09 10:30:00"),
            Form(request.with_user(self.tech_user)) as form,
        ):
            self.assertEqual(form.sla_state, "at_risk")
            self.assertEqual(form.sla_time_left, "0 h 30 min left")
            self.assertEqual(
                fields.Datetime.to_datetime(form.sla_response_deadline),
                datetime(2026, 3, 9, 11, 0),
            )

    def test_the_answer_is_the_schedule_not_a_typed_date(self):
        request = self._request(datetime(2026, 3, 6, 17, 0))
        with self.assertRaisesRegex(UserError, "schedule or start it"):
            request.with_user(self.user_officer).sla_responded_on = datetime(
                2026, 3, 9, 8, 0
            )
        self.assertFalse(request.sla_responded_on)

    def test_officer_filters_at_risk_and_breached(self):
        request = self._request(datetime(2026, 3, 6, 17, 0))
        officer = self.env["service.intervention"].with_user(self.user_officer)
        with freeze_time("2026-03-09 10:30:00"):
            self.assertEqual(officer.search([("sla_state", "=", "at_risk")]), request)
            self.assertFalse(officer.search([("sla_state", "=", "breached")]))
            self.assertIn(request, officer.search([("sla_state", "!=", "none")]))

    def test_planning_board_marks_late_requests(self):
        """The dispatcher's board loads the SLA state of each job the way
        the timeline does and draws a red SLA badge on a breached one."""
        request = self._request(
            datetime(2026, 3, 6, 17, 0),
            technician_id=self.technician.id,
            scheduled_start=datetime(2026, 3, 10, 8, 0),
        )
        officer = self.env["service.intervention"].with_user(self.user_officer)
        view = officer.get_views([(False, "timeline")])["views"]["timeline"]
        self.assertIn("sla_state", view["arch"])
        self.assertIn("text-bg-danger o_service_sla_marker", view["arch"])
        with freeze_time("2026-03-09 12:30:00"):
            records = officer.web_search_read(
                [("id", "=", request.id)], {"sla_state": {}, "has_conflict": {}}
            )["records"]
        self.assertEqual(records[0]["sla_state"], "breached")


@tagged("post_install", "-at_install")
class TestSlaPortal(HttpCase):
    """A customer sees the deadlines of their requests and the hours left on
    their contract; another customer sees neither."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.resource_calendar_id = cls.env["resource.calendar"].create(
            {
                "name": "Office hours (portal test)",
                "tz": "Europe/Rome",
                "attendance_ids": [Command.clear(), *_office_hours()],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "SLA Condominium", "is_company": True}
        )
        cls.portal_user = new_test_user(
            cls.env, login="sm_sla_portal", groups="base.group_portal"
        )
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.other = cls.env["res.partner"].create(
            {"name": "Other SLA Customer", "is_company": True}
        )
        cls.other_user = new_test_user(
            cls.env, login="sm_sla_other", groups="base.group_portal"
        )
        cls.other_user.partner_id.parent_id = cls.other
        cls.contract = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer.id,
                "contract_type": "assistance",
                "date_start": date(2026, 1, 1),
                "allowance_hours": 12,
                "allowance_period": "term",
                "sla_response_hours": 4,
                "sla_resolution_hours": 16,
            }
        )
        cls.contract.action_start()
        cls.request = cls.env["service.intervention"].create(
            {
                "partner_id": cls.customer.id,
                "origin": "request",
                "date_request": datetime(2026, 3, 6, 17, 0),
            }
        )

    def test_customer_sees_deadlines_and_hours_left(self):
        self.authenticate("sm_sla_portal", "sm_sla_portal")
        page = self.url_open(f"/my/service/interventions/{self.request.id}")
        self.assertEqual(page.status_code, 200)
        tree = html.fromstring(page.text)
        response = tree.xpath("string(//div[hasclass('o_service_sla_response')])")
        self.assertIn("We respond by", response)
        self.assertIn("03/09/2026", response)
        page = self.url_open(f"/my/service/contracts/{self.contract.id}")
        self.assertEqual(page.status_code, 200)
        tree = html.fromstring(page.text)
        self.assertEqual(
            tree.xpath("string(//span[hasclass('o_service_hours_left')])"), "12"
        )

    def test_other_customer_sees_neither(self):
        self.authenticate("sm_sla_other", "sm_sla_other")
        for url in (
            f"/my/service/interventions/{self.request.id}",
            f"/my/service/contracts/{self.contract.id}",
        ):
            page = self.url_open(url, allow_redirects=False)
            self.assertEqual(page.status_code, 404, url)
            self.assertNotIn("We respond by", page.text)
            self.assertNotIn("o_service_hours_left", page.text)

    def test_shared_link_shows_no_hours(self):
        """Someone the contract's link was sent to is not its customer."""
        self.authenticate(None, None)
        token = self.contract._portal_ensure_token()
        page = self.url_open(
            f"/my/service/contracts/{self.contract.id}?access_token={token}"
        )
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.contract.name, page.text)
        self.assertNotIn("o_service_hours_left", page.text)
