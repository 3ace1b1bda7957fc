# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What is billed is what was done: planned and done work lines, the amount
the customer signs, the day's report, the measures of the work reports."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .test_intervention import InterventionCommon
from .test_phone import SIGNATURE_PNG


class ExecutionCommon(InterventionCommon):
    """Beta Hotel (no contract, no email) and a two-step protocol: a burner
    check (1 h, 2 nozzles) and a flue analysis (0.5 h, 1 gasket)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_accountant = new_test_user(
            cls.env,
            login="sm_execution_accountant",
            groups="account.group_account_invoice",
        )
        cls.gasket = cls.env["product.product"].create(
            {
                "name": "Gasket (test)",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0,
                "standard_price": 4.0,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.gasket, cls.stock_location, 10
        )
        cls.protocol = cls.env["service.protocol"].create(
            {
                "name": "Burner service",
                "code": "EXEC",
                "step_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Burner check",
                            "activity_type_id": cls.activity_repair.id,
                            "planned_hours": 1.0,
                            "product_id": cls.product_part.id,
                            "product_qty": 2,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Flue analysis",
                            "activity_type_id": cls.activity_inspection.id,
                            "planned_hours": 0.5,
                            "product_id": cls.gasket.id,
                            "product_qty": 1,
                        }
                    ),
                ],
            }
        )
        cls.step_check, cls.step_flue = cls.protocol.step_ids

    @classmethod
    def _job(cls, protocol=None, **values):
        values.setdefault("scheduled_start", datetime(2026, 11, 9, 9, 0))
        return cls._intervention(
            partner_id=cls.customer_b.id,
            object_ids=[],
            protocol_id=(protocol if protocol is not None else cls.protocol).id,
            **values,
        )

    @staticmethod
    def _step(job, step, line_type):
        return job.line_ids.filtered(
            lambda line: line.protocol_step_id == step and line.line_type == line_type
        )

    def _close(self, job, **values):
        """The Close Job screen of ``job`` as its technician, filled in."""
        close = job.with_user(self.tech_user).action_close_job()
        wizard = (
            self.env[close["res_model"]]
            .with_user(self.tech_user)
            .browse(close["res_id"])
        )
        with Form(wizard, view=close["views"][0][0]) as form:
            form.signed_by = "Mario Rossi"
            form.signature = SIGNATURE_PNG
            if not job.partner_id.email:
                form.report_email = "frontdesk@beta.example.com"
            for name, value in values.items():
                setattr(form, name, value)
        return wizard


@tagged("post_install", "-at_install")
class TestExecutionPlannedWork(ExecutionCommon):
    @freeze_time("2026-11-02 10:00:00")
    def test_protocol_lines_are_planned_on_the_jobs_day_for_its_technician(self):
        job = self._job()
        job.with_user(self.user_officer).action_apply_protocol()
        lines = job.line_ids
        self.assertEqual(len(lines), 4)
        self.assertEqual(set(lines.mapped("execution_state")), {"planned"})
        self.assertEqual(set(lines.mapped("date")), {date(2026, 11, 9)})
        self.assertEqual(lines.employee_id, self.technician, "never the officer")
        self.assertEqual(job.amount_total, 0.0, "planned work costs nothing")
        self.assertEqual(sum(lines.mapped("cost_subtotal")), 0.0)
        self.assertEqual(set(lines.mapped("invoice_status")), {"no"})
        # the job moves to another day and technician: its to-do follows
        job.write(
            {
                "scheduled_start": datetime(2026, 11, 10, 9, 0),
                "technician_id": self.technician_2.id,
            }
        )
        self.assertEqual(set(lines.mapped("date")), {date(2026, 11, 10)})
        self.assertEqual(lines.employee_id, self.technician_2)

    def test_half_executed_protocol_bills_and_moves_only_the_done_half(self):
        job = self._job()
        job.with_user(self.user_officer).action_apply_protocol()
        check = self._step(job, self.step_check, "activity")
        nozzles = self._step(job, self.step_check, "part")
        tech_job = job.with_user(self.tech_user)
        with freeze_time("2026-11-09 10:00:00"):
            tech_job.action_start()
            # every item of the protocol is on the technician's checklist
            self.assertEqual(tech_job.step_line_ids, job.line_ids)
            check.with_user(self.tech_user).done = True
            # one nozzle of the two planned was used
            nozzles.with_user(self.tech_user).write({"quantity": 1.0, "done": True})
            self.assertEqual(job.amount_total, 70.0)  # 1 h x 50 + 1 x 20
            tech_job.action_done()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.line_ids, check | nozzles, "the planned half is dropped")
        self.assertEqual(check.date, date(2026, 11, 9))
        self.assertEqual(check.employee_id, self.technician)
        self.assertIn(
            "Planned work not done, dropped",
            " ".join(job.message_ids.mapped("body")),
        )
        moves = self.env["stock.move"].search(
            [("service_intervention_id", "=", job.id)]
        )
        self.assertEqual(moves.product_id, self.product_part, "no gasket moved")
        self.assertEqual(moves.quantity, 1.0)
        # the accountant invoices what was done
        job.with_user(self.user_accountant).action_create_invoice()
        invoice = job.line_ids.invoice_line_ids.move_id
        self.assertEqual(invoice.amount_untaxed, 70.0)
        self.assertEqual(
            invoice.invoice_line_ids.service_intervention_line_ids, check | nozzles
        )
        for label in invoice.invoice_line_ids.mapped("name"):
            self.assertNotIn(":", label, "no stray colon in the label")
            self.assertTrue(label.startswith(job.name))

    def test_lines_typed_ahead_by_an_officer_are_planned(self):
        job = self._job(protocol=self.env["service.protocol"])
        with Form(job.with_user(self.user_officer)) as form:
            with form.line_ids.new() as line:
                line.line_type = "activity"
                line.activity_type_id = self.activity_repair
        self.assertEqual(job.line_ids.execution_state, "planned")
        self.assertEqual(job.amount_total, 0.0)
        # on a started job, the work typed is work done
        job.action_start()
        with Form(job.with_user(self.user_officer)) as form:
            with form.line_ids.new() as line:
                line.line_type = "travel"
        self.assertEqual(
            job.line_ids.sorted("id").mapped("execution_state"), ["planned", "done"]
        )
        # by the job's technician, whoever typed it
        self.assertEqual(job.line_ids.employee_id, self.technician)

    def test_nothing_done_nothing_to_finish(self):
        job = self._job()
        job.action_apply_protocol()
        job.action_start()
        with self.assertRaisesRegex(UserError, "Record the work done"):
            job.action_done()

    def test_part_used_needs_a_quantity(self):
        job = self._job(protocol=self.env["service.protocol"])
        with self.assertRaisesRegex(ValidationError, "enter the quantity used"):
            self._line(job, line_type="part", product_id=self.gasket.id, quantity=0)


@tagged("post_install", "-at_install")
class TestExecutionClose(ExecutionCommon):
    @freeze_time("2026-11-09 10:00:00")
    def test_signed_amount_is_the_invoiced_amount(self):
        """Prepaid hours (the 2.25 h line crosses the 1.5 h left), parts
        covered 50 %, travel and mileage covered 25 %."""
        package = self.env["service.contract"].create(
            {
                "partner_id": self.customer_b.id,
                "contract_type": "assistance",
                "date_start": date(2026, 1, 1),
                "allowance_hours": 1.5,
                "coverage_parts_pct": 50,
                "coverage_travel_pct": 25,
            }
        )
        package.action_start()
        job = self._job()
        self.assertEqual(job.contract_id, package)
        job.action_apply_protocol()
        job.with_user(self.tech_user).action_start()
        self._line(
            job,
            line_type="activity",
            activity_type_id=self.activity_repair.id,
            quantity=2.25,
        )
        self._line(job, line_type="part", product_id=self.product_part.id, quantity=3)
        self._line(job, line_type="travel")
        self._line(job, line_type="mileage", quantity=42)
        # 2.25 h x 50 + 3 x 20 x 50 % + 40 x 75 % + 42 km x 0.5 x 75 %
        self.assertEqual(job.amount_total, 188.25)
        wizard = self._close(job)
        # 0.75 h beyond the prepaid hours: 37.50 + 30 + 30 + 15.75
        self.assertEqual(wizard.amount_total, 113.25)
        # the lines as Done bills them: the labour split at the prepaid hours
        self.assertIn("Prepaid hours: 0 of 1.5 h left", wizard.preview_html)
        self.assertIn("37.50", wizard.preview_html)
        self.assertNotIn("Burner check", wizard.preview_html, "planned work")
        self.assertEqual(job.amount_total, 188.25, "the preview changed nothing")
        self.assertFalse(job.line_ids.filtered("allowance_hours"))
        self.assertEqual(len(wizard.planned_line_ids), 4)
        wizard.action_done_and_send()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.amount_total, 113.25)
        self.assertEqual(job.signed_amount, 113.25)
        job.with_user(self.user_accountant).action_create_invoice()
        invoice = job.line_ids.invoice_line_ids.move_id
        self.assertEqual(invoice.amount_untaxed, 113.25, "what was signed, to the cent")
        html = (
            self.env["ir.actions.report"]
            .with_user(self.tech_user)
            ._render_qweb_html(
                "service_management.report_service_intervention", job.ids
            )[0]
            .decode()
        )
        self.assertIn("o_service_signed_amount", html)

    def test_mandatory_part_blocks_done_and_no_signature_is_kept(self):
        protocol = self.env["service.protocol"].create(
            {
                "name": "Nozzle replacement",
                "code": "NOZ",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Replace the nozzle",
                            "activity_type_id": self.activity_repair.id,
                            "planned_hours": 0.5,
                            "product_id": self.product_part.id,
                            "product_qty": 1,
                            "mandatory": True,
                        }
                    )
                ],
            }
        )
        job = self._job(protocol=protocol)
        job.action_apply_protocol()
        job.with_user(self.tech_user).action_start()
        step = self._step(job, protocol.step_ids, "activity")
        part = self._step(job, protocol.step_ids, "part")
        self.assertEqual(
            job.with_user(self.tech_user).step_line_ids,
            step | part,
            "the mandatory part is on the checklist",
        )
        step.with_user(self.tech_user).done = True
        self.assertEqual(job.step_progress, 50.0, "the part is still to confirm")
        wizard = self._close(job)
        with self.assertRaisesRegex(UserError, "Tick the mandatory steps"):
            wizard.action_done_and_send()
        job.invalidate_recordset()
        self.assertEqual(job.state, "in_progress")
        self.assertFalse(job.signature, "no signature on a job not closed")
        self.assertFalse(job.signed_by)
        # confirmed as not used: Done goes through, nothing leaves stock
        part.with_user(self.tech_user).write({"quantity": 0.0, "done": True})
        self._close(job).action_done_and_send()
        self.assertEqual(job.state, "done")
        self.assertTrue(job.signature)
        self.assertFalse(part.stock_move_id)
        self.assertEqual(job.signed_amount, 25.0)  # 0.5 h x 50

    def test_follow_up_and_report_to_a_customer_without_email(self):
        job = self._job()
        job.action_apply_protocol()
        job.with_user(self.tech_user).action_start()
        check = self._step(job, self.step_check, "activity")
        check.with_user(self.tech_user).done = True
        wizard = self._close(job, planned_lines="follow_up")
        self.assertEqual(wizard.amount_total, 50.0)
        self.assertEqual(wizard.planned_line_ids, job.line_ids - check)
        wizard.action_done_and_send()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.line_ids, check)
        follow_up = self.env["service.intervention"].search(
            [("follow_up_of_id", "=", job.id)]
        )
        self.assertEqual(follow_up.state, "draft")
        self.assertEqual(follow_up.partner_id, self.customer_b)
        self.assertEqual(len(follow_up.line_ids), 3)
        self.assertEqual(set(follow_up.line_ids.mapped("execution_state")), {"planned"})
        # the report went to the address typed, kept on the job only
        self.assertEqual(job.report_email, "frontdesk@beta.example.com")
        self.assertFalse(self.customer_b.email)
        mail = self.env["mail.mail"].search(
            [("model", "=", job._name), ("res_id", "=", job.id)]
        )
        self.assertEqual(mail.email_to, "frontdesk@beta.example.com")
        self.assertFalse(mail.recipient_ids)
        self.assertTrue(mail.attachment_ids, "the report is attached")
        self.assertIn(
            "Report sent to frontdesk@beta.example.com",
            " ".join(job.message_ids.mapped("body")),
        )

    def test_a_wrong_address_closes_nothing(self):
        job = self._job(protocol=self.env["service.protocol"])
        job.with_user(self.tech_user).action_start()
        self._line(job, line_type="travel")
        wizard = self._close(job, report_email="frontdesk at beta")
        with self.assertRaisesRegex(UserError, "not a valid email address"):
            wizard.action_done_and_send()
        job.invalidate_recordset()
        self.assertEqual(job.state, "in_progress")
        self.assertFalse(job.signature)
        self.assertFalse(job.report_email)


@tagged("post_install", "-at_install")
class TestExecutionReports(ExecutionCommon):
    def test_day_report_holds_only_the_work_done_that_day(self):
        self.tech_user.tz = "UTC"
        with freeze_time("2026-11-02 08:00:00"):
            today_job = self._job(
                protocol=self.env["service.protocol"],
                scheduled_start=datetime(2026, 11, 2, 8, 0),
            )
            next_week = self._job()
            next_week.with_user(self.user_officer).action_apply_protocol()
            today_job.with_user(self.tech_user).action_timer_start()
        with freeze_time("2026-11-02 08:14:00"):
            today_job.with_user(self.tech_user).action_timer_stop()
        with freeze_time("2026-11-02 18:00:00"):
            action = (
                self.env["service.work.day"]
                .with_user(self.tech_user)
                .action_open_my_day()
            )
        work_day = self.env["service.work.day"].browse(action["res_id"])
        self.assertEqual(work_day.date, date(2026, 11, 2))
        self.assertEqual(work_day.line_ids, today_job.line_ids)
        self.assertEqual(work_day.hours, 0.25)
        pages = (today_job.line_ids | next_week.line_ids)._daily_pages()
        self.assertEqual(len(pages), 1)
        self.assertEqual([job["job"] for job in pages[0]["jobs"]], [today_job])
        self.assertEqual(pages[0]["total_hours"], 0.25)

    def test_work_analysis_keeps_hours_and_kilometres_apart(self):
        job = self._job(protocol=self.env["service.protocol"])
        for values in (
            {"line_type": "activity", "quantity": 2.25},
            {"line_type": "travel", "quantity": 0.5},
            {"line_type": "mileage", "quantity": 36},
            {"line_type": "part", "product_id": self.gasket.id, "quantity": 4},
            {"line_type": "expense", "name": "Parking", "price_unit": 3.0},
            # planned, not done: in no measure
            {"line_type": "activity", "quantity": 1.0, "done": False},
        ):
            if values["line_type"] == "activity":
                values["activity_type_id"] = self.activity_repair.id
            self._line(job, **values)
        [(hours, km, parts, expenses)] = self.env[
            "service.intervention.line"
        ]._read_group(
            [("intervention_id", "=", job.id)],
            [],
            ["hours:sum", "distance_km:sum", "part_qty:sum", "expense_amount:sum"],
        )
        self.assertEqual((hours, km, parts, expenses), (2.75, 36.0, 4.0, 3.0))
        Line = self.env["service.intervention.line"].with_user(self.user_officer)
        for xmlid in ("view_pivot", "view_list"):
            arch = Line.get_view(
                self.env.ref(f"service_management.service_intervention_line_{xmlid}").id
            )["arch"]
            self.assertIn('name="hours"', arch)
            self.assertIn('name="distance_km"', arch)
            self.assertNotIn('name="quantity" string="Hours"', arch)
