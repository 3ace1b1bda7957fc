# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Practices: protocols started by events (a new customer, a fiscal period)
or launched on many customers at once, their step deadlines and progress."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .test_intervention import InterventionCommon

# the maintenance contracts of the launch tests (not the common fixture's)
MAINTENANCE = (
    "[('contract_type', '=', 'maintenance'), ('partner_id.name', 'like', 'Client')]"
)


class PracticeCommon(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Planning = cls.env["service.planning"]
        cls.Intervention = cls.env["service.intervention"]
        cls.env.company.write(
            {
                "service_preventive_horizon_days": 30,
                "fiscalyear_last_day": 31,
                "fiscalyear_last_month": "12",
            }
        )
        cls.onboarding = cls.env["service.protocol"].create(
            {
                "name": "New customer file",
                "trigger": "new_customer",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Collect documents",
                            "activity_type_id": cls.activity_inspection.id,
                            "deadline_days": 5,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Open the file",
                            "activity_type_id": cls.activity_inspection.id,
                            "deadline_days": 15,
                        }
                    ),
                ],
            }
        )
        cls.tax_return = cls.env["service.protocol"].create(
            {
                "name": "Yearly return",
                "trigger": "fiscal_period",
                "fiscal_period_unit": "year",
                "step_ids": [Command.create({"name": "File the return"})],
            }
        )
        cls.vat_return = cls.env["service.protocol"].create(
            {
                "name": "Quarterly VAT",
                "trigger": "fiscal_period",
                "fiscal_period_unit": "quarter",
                "step_ids": [Command.create({"name": "File VAT"})],
            }
        )

    @classmethod
    def _new_contract(
        cls, partner, protocols, start=date(2026, 1, 1), run=True, **values
    ):
        contract = cls.env["service.contract"].create(
            {
                "partner_id": partner.id,
                "contract_type": "assistance",
                "billing_method": "none",
                "date_start": start,
                "protocol_ids": [Command.set(protocols.ids)],
                **values,
            }
        )
        if run:
            contract.action_start()
        return contract

    def _jobs(self, protocol):
        return self.Intervention.search([("protocol_id", "=", protocol.id)])


@tagged("post_install", "-at_install")
class TestPracticeTriggers(PracticeCommon):
    def test_new_customer_acts_once_on_the_first_running_contract(self):
        newcomer = self.env["res.partner"].create(
            {"name": "Nova Srl", "is_company": True}
        )
        first = self._new_contract(newcomer, self.onboarding)
        job = self._jobs(self.onboarding)
        self.assertEqual(len(job), 1)
        self.assertEqual(job.partner_id, newcomer)
        self.assertEqual(job.contract_id, first)
        self.assertFalse(job.object_ids, "a practice on a customer, not a machine")
        self.assertEqual(
            job.line_ids.mapped("name"), ["Collect documents", "Open the file"]
        )
        # a second contract is not a new customer; the cron adds nothing
        self._new_contract(newcomer, self.onboarding)
        self.Planning._cron_service_preventive(date=date(2026, 1, 2))
        # cancelled, reset and started again: still the same customer
        first.action_cancel()
        first.action_draft()
        first.action_start()
        self.assertEqual(self._jobs(self.onboarding), job)

    def test_customer_with_an_earlier_contract_is_not_new(self):
        # self.customer has a running maintenance contract already
        self._new_contract(self.customer, self.onboarding)
        self.assertFalse(self._jobs(self.onboarding))

    def test_new_customer_needs_the_protocol_on_the_contract(self):
        newcomer = self.env["res.partner"].create({"name": "Plain", "is_company": True})
        self._new_contract(newcomer, self.env["service.protocol"])
        self.assertFalse(self._jobs(self.onboarding))

    def test_fiscal_year_once_per_customer_and_year(self):
        self._new_contract(self.customer_b, self.tax_return)
        # two contracts of the same customer: one return per year
        self._new_contract(self.customer_b, self.tax_return)
        created = self.Planning._cron_service_preventive(date=date(2026, 3, 10))
        self.assertEqual(len(created), 1)
        self.assertEqual(created.partner_id, self.customer_b)
        self.assertEqual(created.preventive_due_date, date(2026, 1, 1))
        self.assertEqual(created.line_ids.name, "File the return")
        # reruns during the year add nothing, also after it is done
        self.assertFalse(self.Planning._cron_service_preventive(date=date(2026, 3, 11)))
        created.line_ids.done = True
        created.action_start()
        created.action_done()
        self.assertFalse(self.Planning._cron_service_preventive(date=date(2026, 11, 1)))
        # within the horizon of next year's start: next year's return
        nxt = self.Planning._cron_service_preventive(date=date(2026, 12, 15))
        self.assertEqual(nxt.preventive_due_date, date(2027, 1, 1))
        self.assertFalse(self.Planning._cron_service_preventive(date=date(2027, 1, 2)))

    def test_fiscal_quarters_follow_the_company_fiscal_year(self):
        # fiscal year ending on March 31: quarters start Apr 1, Jul 1, Oct 1...
        self.env.company.write(
            {"fiscalyear_last_day": 31, "fiscalyear_last_month": "3"}
        )
        self._new_contract(self.customer_b, self.vat_return)
        created = self.Planning._cron_service_preventive(date=date(2026, 5, 10))
        self.assertEqual(created.preventive_due_date, date(2026, 4, 1))
        self.assertFalse(self.Planning._cron_service_preventive(date=date(2026, 5, 11)))
        created = self.Planning._cron_service_preventive(date=date(2026, 6, 15))
        self.assertEqual(created.preventive_due_date, date(2026, 7, 1))
        self.assertFalse(self.Planning._cron_service_preventive(date=date(2026, 7, 1)))
        self.assertEqual(len(self._jobs(self.vat_return)), 2)

    def test_fiscal_period_skips_ended_contracts(self):
        self._new_contract(
            self.customer_b,
            self.tax_return,
            start=date(2025, 1, 1),
            date_end=date(2025, 12, 31),
        )
        # a contract ended last year gets no return for this year
        self.assertFalse(
            self.Planning._cron_service_preventive(date=date(2026, 1, 5)).filtered(
                lambda job: job.partner_id == self.customer_b
            )
        )


@tagged("post_install", "-at_install")
class TestPracticeLaunch(PracticeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env["service.protocol"].create(
            {
                "name": "New safety rule",
                "trigger": "manual",
                "step_ids": [
                    Command.create({"name": "Inform", "deadline_days": 3}),
                    Command.create({"name": "Certify", "deadline_days": 30}),
                ],
            }
        )
        customers = cls.env["res.partner"].create(
            [{"name": f"Client {i}", "is_company": True} for i in range(3)]
        )
        cls.maintenance = cls.env["service.contract"]
        for customer in customers:
            cls.maintenance |= cls._new_contract(
                customer,
                cls.env["service.protocol"],
                contract_type="maintenance",
                billing_method="none",
            )
        cls.maintenance[0].technician_id = cls.technician_2

    def _wizard(self, user=None, **values):
        form = Form(
            self.env["service.protocol.launch"].with_user(user or self.user_officer)
        )
        form.protocol_id = self.rule.with_user(user or self.user_officer)
        for name, value in values.items():
            setattr(form, name, value)
        return form

    def test_dry_run_previews_without_creating(self):
        form = self._wizard(
            target="domain",
            contract_domain=MAINTENANCE,
            dry_run=True,
        )
        self.assertEqual(form.preview_count, 3)
        self.assertIn(self.maintenance[0].display_name, form.preview_names)
        wizard = form.save()
        action = wizard.action_launch()
        self.assertEqual(action["res_model"], "service.protocol.launch")
        self.assertFalse(self._jobs(self.rule))

    def test_launch_in_batches_with_a_launch_reference(self):
        form = self._wizard(
            target="domain",
            contract_domain=MAINTENANCE,
            date_deadline=date(2099, 1, 1),
        )
        wizard = form.save()
        creates = []
        Planning = type(self.env["service.planning"])
        original = Planning._create_practices

        def spy(planning, vals_list):
            creates.append(len(vals_list))
            return original(planning, vals_list)

        with (
            patch.object(type(wizard), "_batch_size", 2),
            patch.object(Planning, "_create_practices", spy),
        ):
            action = wizard.action_launch()
        self.assertEqual(creates, [2, 1], "two batches, one create each")
        batch = self.env["service.protocol.launch.batch"].browse(action["res_id"])
        jobs = self._jobs(self.rule)
        self.assertEqual(jobs.launch_id, batch)
        self.assertEqual(jobs.contract_id, self.maintenance)
        self.assertEqual(len(jobs.line_ids), 6)
        # the contract's usual technician, when the wizard names none
        self.assertEqual(
            jobs.filtered(lambda j: j.contract_id == self.maintenance[0]).technician_id,
            self.technician_2,
        )
        self.assertEqual(batch.with_user(self.user_officer).intervention_count, 3)
        self.assertIn("3 jobs created", batch.message_ids[0].body)

    def test_launch_on_customers_with_a_technician(self):
        newcomer = self.env["res.partner"].create(
            {"name": "No contract", "is_company": True}
        )
        wizard = self._wizard(target="partners", technician_id=self.technician)
        wizard.partner_ids.add(newcomer)
        wizard.partner_ids.add(self.maintenance[1].partner_id)
        wizard.save().action_launch()
        jobs = self._jobs(self.rule)
        self.assertEqual(jobs.partner_id, newcomer | self.maintenance[1].partner_id)
        self.assertEqual(jobs.technician_id, self.technician)
        self.assertEqual(
            jobs.filtered(lambda j: j.partner_id == newcomer).contract_id,
            self.env["service.contract"],
        )

    def test_two_launches_of_the_same_day_create_each_job_once(self):
        first = self._wizard(target="contracts")
        first.contract_ids.add(self.maintenance[0])
        first.save().action_launch()
        # another officer, another wizard, the same protocol the same day
        second = self._wizard(target="contracts")
        for contract in self.maintenance[:2]:
            second.contract_ids.add(contract)
        batch = self.env["service.protocol.launch.batch"].browse(
            second.save().action_launch()["res_id"]
        )
        jobs = self._jobs(self.rule)
        self.assertEqual(len(jobs), 2, "one job per contract, not three")
        self.assertEqual(jobs.contract_id, self.maintenance[:2])
        self.assertEqual(batch.intervention_ids.contract_id, self.maintenance[1])
        self.assertIn("1 skipped", batch.message_ids[0].body)
        # a third launch on the same contracts has nothing left to create
        third = self._wizard(target="contracts")
        third.contract_ids.add(self.maintenance[0])
        with self.assertRaisesRegex(UserError, "already launched today"):
            third.save().action_launch()
        self.assertEqual(len(self._jobs(self.rule)), 2)

    def test_batch_counts_done_open_late(self):
        wizard = self._wizard(
            target="contracts", date_deadline=date.today() - timedelta(days=1)
        )
        for contract in self.maintenance:
            wizard.contract_ids.add(contract)
        batch = self.env["service.protocol.launch.batch"].browse(
            wizard.save().action_launch()["res_id"]
        )
        jobs = batch.intervention_ids.sorted("id")
        jobs[0].line_ids.done = True
        jobs[0].action_start()
        jobs[0].action_done()
        jobs[1].action_cancel()
        batch = batch.with_user(self.user_officer)
        batch.invalidate_recordset()
        self.assertEqual(
            (
                batch.intervention_count,
                batch.count_done,
                batch.count_open,
                batch.count_late,
            ),
            (3, 1, 1, 1),
        )
        self.assertEqual(batch.progress, 50.0)
        late = self.Intervention.search(batch.action_view_late()["domain"])
        self.assertEqual(late, jobs[2])
        # the form opens with its smart buttons for the officer
        with Form(batch) as form:
            self.assertEqual(form.count_late, 1)

    def test_technician_cannot_launch(self):
        with self.assertRaises(AccessError):
            self.env["service.protocol.launch"].with_user(self.user_technician).create(
                {"protocol_id": self.rule.id}
            )

    def test_open_from_the_protocol(self):
        action = self.rule.with_user(self.user_officer).action_open_launch()
        self.assertEqual(action["context"]["default_protocol_id"], self.rule.id)


@tagged("post_install", "-at_install")
class TestPracticeSteps(PracticeCommon):
    def _practice(self, start):
        job = self.Intervention.create(
            {
                "partner_id": self.customer_b.id,
                "protocol_id": self.onboarding.id,
                "scheduled_start": start,
            }
        )
        job.action_apply_protocol()
        return job

    def test_late_steps_and_progress(self):
        start = fields.Datetime.now() - timedelta(days=8)
        job = self._practice(start).with_user(self.user_officer)
        collect, open_file = job.line_ids.sorted("sequence")
        # 5 days for the documents (late), 15 to open the file (not yet)
        self.assertTrue(collect.step_late)
        self.assertFalse(open_file.step_late)
        self.assertEqual(
            open_file.step_deadline,
            fields.Date.context_today(job, start) + timedelta(days=15),
        )
        self.assertTrue(job.is_late)
        self.assertIn(job, self.Intervention.search([("is_late", "=", True)]))
        self.assertEqual(job.step_progress, 0.0)
        collect.done = True
        self.assertFalse(collect.step_late)
        self.assertEqual(job.step_progress, 50.0)
        self.assertFalse(job.is_late)
        self.assertNotIn(job, self.Intervention.search([("is_late", "=", True)]))

    def test_progress_in_the_form_as_officer(self):
        job = self._practice(datetime(2026, 1, 5, 9, 0))
        with Form(job.with_user(self.user_officer)) as form:
            with form.line_ids.edit(0) as line:
                line.done = True
            self.assertEqual(form.step_progress, 50.0)
        self.assertEqual(job.step_progress, 50.0)

    def test_practice_without_objects_reads_well(self):
        job = self._practice(datetime(2026, 1, 5, 9, 0))
        self.assertFalse(job.object_ids)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.user_officer)
            ._render_qweb_html(
                "service_management.report_service_intervention", job.ids
            )[0]
            .decode()
        )
        self.assertIn("Collect documents", html)
        self.assertNotIn("Serviced products", html)
        line = job.line_ids[0]
        values = line._prepare_invoice_line_values()
        self.assertNotIn("()", values["name"])
        self.assertTrue(values["name"].startswith(job.name))
