# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each defect of issue 23 ("every field has an owner") as the role that met
it: writes over RPC of fields the role does not own, signed work changed,
serials of other customers fitted as parts, bad numbers, timers."""

import math
import re
from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.service_write_policy_mixin import ServiceWritePolicyError
from .test_phone import SIGNATURE_PNG, PhoneCommon


@tagged("post_install", "-at_install")
class TestTechnicianWrites(PhoneCommon):
    """What a technician may write on his own jobs, and what he may not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.job.line_ids = [
            Command.create(
                {
                    "line_type": "activity",
                    "activity_type_id": cls.activity_inspection.id,
                    "quantity": 1.0,
                }
            )
        ]
        cls.line = cls.job.line_ids
        cls.protocol = cls.env["service.protocol"].create({"name": "Yearly check"})
        cls.my_job = cls.job.with_user(cls.tech_user)
        cls.my_line = cls.line.with_user(cls.tech_user)

    def test_records_his_work(self):
        self.my_line.write({"quantity": 2.0, "name": "Burner cleaned"})
        self.my_job.write({"work_summary": "<p>Cleaned</p>"})
        self.assertEqual(self.line.quantity, 2.0)

    def test_cannot_mark_his_lines_invoiced(self):
        with self.assertRaisesRegex(ServiceWritePolicyError, "Invoice Status"):
            self.my_line.write({"invoice_status": "invoiced"})

    def test_cannot_price_or_cover_his_lines(self):
        for values in (
            {"coverage_pct": 100, "coverage_reason": "Goodwill"},
            {"discount": 100},
            {"price_unit": 0.0},
            {"billable": False},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(ServiceWritePolicyError),
            ):
                self.my_line.write(values)

    def test_cannot_link_a_stock_move(self):
        # any past move: its return would reverse a customer's delivery
        with self.assertRaises(ServiceWritePolicyError):
            self.my_line.write({"stock_move_id": 999999})

    def test_cannot_touch_sla_keys_or_planning(self):
        colleague = self.technician_2
        for values in (
            {"sla_result": "met"},
            {"sla_resolution_deadline": datetime(2027, 11, 2)},
            {"date_request": datetime(2026, 11, 1)},
            {"practice_key": "protocol:1:partner:1"},
            {"protocol_id": self.protocol.id},
            {"scheduled_start": datetime(2026, 11, 5, 9, 0)},
            {"technician_id": colleague.id},
            {"signed_on": datetime(2026, 1, 1)},
            {"invoice_status": "invoiced"},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                self.my_job.write(values)

    def test_creates_jobs_for_himself_only(self):
        Job = self.env["service.intervention"].with_user(self.tech_user)
        own = Job.create(
            {"partner_id": self.customer.id, "technician_id": self.technician.id}
        )
        self.assertEqual(own.technician_id, self.technician)
        with self.assertRaises(ServiceWritePolicyError):
            Job.create(
                {"partner_id": self.customer.id, "technician_id": self.technician_2.id}
            )

    def test_signed_job_is_frozen(self):
        self.my_job.action_timer_start()
        self.my_job.write({"signature": SIGNATURE_PNG, "signed_by": "Mr Acme"})
        self.assertTrue(self.job.signed_on)
        for values in (
            {"signature": False},
            {"signed_by": "Someone else"},
            {"work_summary": "<p>Nothing done</p>"},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                self.my_job.write(values)

    def test_reopen_is_an_officer_s_and_asks_a_new_signature(self):
        self.my_job.action_timer_start()
        self.my_job.write({"signature": SIGNATURE_PNG, "signed_by": "Mr Acme"})
        self.my_job.action_timer_stop()
        self.my_job.action_done()
        with self.assertRaises(AccessError):
            self.my_job.action_reopen()
        self.job.with_user(self.user_officer).action_reopen()
        self.assertFalse(self.job.signature)
        self.assertFalse(self.job.signed_on)
        self.assertIn("Mr Acme", self.job.message_ids[0].body)

    def test_timers_belong_to_the_application(self):
        Timer = self.env["service.intervention.timer"].with_user(self.tech_user)
        other_job = self._intervention(technician_id=self.technician_2.id)
        with self.assertRaises(AccessError):
            Timer.create({"intervention_id": other_job.id})
        self.my_job.action_timer_start()
        timer = self.my_job._my_timer()
        for values in (
            {"user_id": self.helper_user.id},
            {"elapsed": -5.0},
            {"date_running": datetime(2020, 1, 1)},
        ):
            # refused (elapsed is also out of range)
            with self.subTest(values=values), self.assertRaises(UserError):
                timer.write(values)

    def test_work_day_signature_time_and_freeze(self):
        day = self.env["service.work.day"].create(
            {"employee_id": self.technician.id, "date": date(2026, 11, 2)}
        )
        my_day = day.with_user(self.tech_user)
        with self.assertRaises(ServiceWritePolicyError):
            my_day.write({"signed_on": datetime(2026, 1, 1)})
        self.my_line.date = date(2026, 11, 2)
        self.line.employee_id = self.technician
        my_day.write({"signature": SIGNATURE_PNG})
        self.assertTrue(day.signed_on)
        with self.assertRaises(UserError):
            my_day.write({"signature": False})
        # the hours of the signed day are frozen too
        with self.assertRaisesRegex(UserError, "is signed"):
            self.my_line.write({"quantity": 5.0})


@tagged("post_install", "-at_install")
class TestScanIsSafe(PhoneCommon):
    def _part_line(self, lot, product=None):
        return self.env["service.intervention.line"].create(
            {
                "intervention_id": self.job.id,
                "line_type": "part",
                "product_id": (product or lot.product_id).id,
                "lot_id": lot.id,
            }
        )

    def test_serial_installed_at_another_customer_refused(self):
        lot = self._make_lots(self.boiler, ["BX-OTHER-1"])
        lot.write(
            {"service_partner_id": self.customer_b.id, "service_state": "installed"}
        )
        with self.assertRaisesRegex(ValidationError, "installed at Beta Hotel"):
            self._part_line(lot)

    def test_returned_serial_refused(self):
        lot = self._make_lots(self.boiler, ["BX-RET-1"])
        lot.write(
            {"service_partner_id": self.customer_b.id, "service_state": "returned"}
        )
        with self.assertRaisesRegex(ValidationError, "BX-RET-1"):
            self._part_line(lot)

    def test_serial_of_another_product_refused(self):
        with self.assertRaisesRegex(ValidationError, "belongs to"):
            self._part_line(self.board_lot, product=self.product_part)


@tagged("post_install", "-at_install")
class TestOtherRolesWrites(PhoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="fo_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.accountant = new_test_user(
            cls.env, login="fo_accountant", groups="account.group_account_invoice"
        )

    def test_officer_cannot_write_invoice_status(self):
        with self.assertRaises(ServiceWritePolicyError):
            self.job.with_user(self.user_officer).write({"invoice_status": "invoiced"})

    def test_salesman_writes_his_own_contracts_only(self):
        with self.assertRaises(AccessError):
            self.contract.with_user(self.salesman).write(
                {"coverage_labor_pct": 0, "change_reason": "Because"}
            )
        with self.assertRaises(AccessError):
            self.contract.with_user(self.salesman).action_cancel()
        own = (
            self.env["service.contract"]
            .with_user(self.salesman)
            .create({"partner_id": self.customer.id, "contract_type": "assistance"})
        )
        own.write({"allowance_hours": 10})
        self.assertEqual(own.allowance_hours, 10)

    def test_accountant_opens_an_intervention_with_timers(self):
        self.job.with_user(self.tech_user).action_timer_start()
        job = self.job.with_user(self.accountant)
        job.invalidate_recordset()
        self.assertTrue(job.read(["name", "timer_ids", "timer_state"]))


@tagged("post_install", "-at_install")
class TestBadNumbers(PhoneCommon):
    def test_nan_and_infinities_name_the_field(self):
        line = self.env["service.intervention.line"].create(
            {"intervention_id": self.job.id, "line_type": "activity"}
        )
        for fname in ("quantity", "price_unit", "discount", "coverage_pct"):
            label = re.escape(line._fields[fname]._description_string(self.env))
            for value in (math.nan, math.inf, -math.inf):
                with (
                    self.subTest(field=fname, value=value),
                    self.assertRaisesRegex(ValidationError, label),
                ):
                    line.write({fname: value})
        cases = (
            (self.job, {"scheduled_duration": math.nan}),
            (self.activity_inspection, {"default_duration": math.inf}),
            (self.contract, {"allowance_hours": math.nan, "change_reason": "x"}),
            (self.contract, {"sla_response_hours": math.inf, "change_reason": "x"}),
            (self.customer, {"service_distance_km": math.nan}),
        )
        for record, values in cases:
            with self.subTest(values=values), self.assertRaises(ValidationError):
                record.write(values)

    def test_out_of_range(self):
        line = self.env["service.intervention.line"].create(
            {"intervention_id": self.job.id, "line_type": "activity"}
        )
        with self.assertRaises(ValidationError):
            line.write({"discount": 150})
        with self.assertRaises(ValidationError):
            self.env["service.preventive.preview"].create({"days": 10**9})


@tagged("post_install", "-at_install")
class TestTimersNeverBlock(PhoneCommon):
    def test_long_timer_is_capped_with_a_message(self):
        job = self.job.with_user(self.tech_user)
        with freeze_time("2026-11-02 09:00:00"):
            job.action_timer_start()
        with freeze_time("2026-11-05 09:00:00"):
            action = job.action_timer_stop()
        line = self.env["service.intervention.line"].browse(action["res_id"])
        self.assertEqual(line.quantity, 24.0)
        self.assertIn("72.00", self.job.message_ids[0].body)

    def test_done_from_the_back_office_stops_the_timers(self):
        job = self.job.with_user(self.tech_user)
        with freeze_time("2026-11-02 09:00:00"):
            job.action_timer_start()
        with freeze_time("2026-11-02 10:00:00"):
            self.job.with_user(self.user_officer).action_done()
        self.assertEqual(self.job.state, "done")
        self.assertFalse(self.job.timer_ids)
        line = self.job.line_ids.filtered(
            lambda rec: rec.employee_id == self.technician
        )
        self.assertEqual(line.quantity, 1.0)

    def test_officer_discards_a_forgotten_timer(self):
        self.job.with_user(self.tech_user).action_timer_start()
        # the helper, also on the job, does not see his colleague's timer
        Timer = self.env["service.intervention.timer"]
        domain = [("intervention_id", "=", self.job.id)]
        self.assertFalse(Timer.with_user(self.helper_user).search(domain))
        timers = Timer.with_user(self.user_officer).search(domain)
        self.assertEqual(len(timers), 1)
        timers.action_discard()
        self.assertFalse(self.job.timer_ids)
        self.assertIn("discarded", self.job.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestSlaHistory(PhoneCommon):
    def test_request_date_tracked_and_changed_with_a_reason_once_answered(self):
        self.assertTrue(self.job._fields["date_request"].tracking)
        job = self._intervention()
        job.write({"date_request": datetime(2026, 10, 30, 9, 0)})
        trusted_job = job._service_trusted()
        trusted_job.write({"sla_responded_on": datetime(2026, 10, 30, 10, 0)})
        officer_job = job.with_user(self.user_officer)
        with self.assertRaisesRegex(UserError, "reason"):
            officer_job.write({"date_request": datetime(2026, 11, 1, 9, 0)})
        officer_job.write(
            {
                "date_request": datetime(2026, 10, 29, 9, 0),
                "date_request_reason": "Typed on the wrong day",
            }
        )
        self.assertEqual(job.date_request, datetime(2026, 10, 29, 9, 0))
        self.assertIn("Typed on the wrong day", job.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestRunsAndLaunches(PhoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env["service.protocol"].create(
            {"name": "Safety rule", "trigger": "manual"}
        )

    def _wizard(self, **values):
        return (
            self.env["service.protocol.launch"]
            .with_user(self.user_officer)
            .create({"protocol_id": self.rule.id, **values})
        )

    def test_same_launch_submitted_twice_launches_once(self):
        wizard = self._wizard(
            target="partners", partner_ids=[Command.set(self.customer.ids)]
        )
        first = wizard.action_launch()
        second = wizard.action_launch()
        self.assertEqual(first["res_id"], second["res_id"])
        jobs = self.env["service.intervention"].search(
            [("protocol_id", "=", self.rule.id)]
        )
        self.assertEqual(len(jobs), 1)

    def test_condition_on_a_missing_field_is_a_clear_error(self):
        wizard = self._wizard(
            target="domain", contract_domain="[('no_such_field', '=', 1)]"
        )
        with self.assertRaisesRegex(UserError, "cannot be read"):
            wizard.action_launch()

    def test_customer_name_with_html_is_escaped(self):
        customer = self.env["res.partner"].create(
            {"name": '<a href="https://evil.example.com">Evil</a>', "is_company": True}
        )
        onboarding = self.env["service.protocol"].create(
            {"name": "Onboarding", "trigger": "new_customer"}
        )
        contract = self.env["service.contract"].create(
            {
                "partner_id": customer.id,
                "contract_type": "assistance",
                "protocol_ids": [Command.set(onboarding.ids)],
            }
        )
        contract.action_start()
        job = self.env["service.intervention"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertTrue(job)
        self.assertNotIn("<a href", str(job.description))
        self.assertIn("&lt;a href", str(job.description))

    def test_workload_weeks_bounded(self):
        Workload = self.env["service.workload.report"].with_user(self.user_officer)
        with self.assertRaises(ValidationError):
            Workload.action_open_workload(weeks=10**6)

    def test_backfill_bounded_by_the_user_companies(self):
        wizard = (
            self.env["service.installed.base.backfill"]
            .with_user(self.user_officer)
            .create({})
        )
        # the replay reads stock as superuser: only the user's companies
        self.assertIn("company_id", str(wizard._move_line_domain()))


@tagged("post_install", "-at_install")
class TestSalesmanPortalPage(HttpCase):
    def test_salesman_opens_his_contract_page(self):
        salesman = new_test_user(
            self.env, login="fo_portal_sales", groups="sales_team.group_sale_salesman"
        )
        customer = self.env["res.partner"].create(
            {"name": "Sold Customer", "is_company": True}
        )
        contract = (
            self.env["service.contract"]
            .with_user(salesman)
            .create({"partner_id": customer.id, "contract_type": "assistance"})
        )
        self.authenticate("fo_portal_sales", "fo_portal_sales")
        response = self.url_open(f"/my/service/contracts/{contract.id}")
        self.assertEqual(response.status_code, 200)
