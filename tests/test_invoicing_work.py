# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .test_intervention import InterventionCommon


@tagged("post_install", "-at_install")
class TestInvoicingWork(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Invoicing = cls.env["service.invoicing"]

    def _done_intervention(self, partner=None, **values):
        """A done intervention: 2 h labour (covered 100% by the contract),
        2 parts (covered 50%), travel (not covered)."""
        partner = partner or self.customer
        intervention = self._intervention(
            partner_id=partner.id,
            object_ids=(
                [Command.create({"lot_id": self.boiler_lot.id})]
                if partner == self.customer
                else []
            ),
            **values,
        )
        obj = intervention.object_ids[:1]
        intervention.line_ids = [
            Command.create(
                {
                    "line_type": "activity",
                    "activity_type_id": self.activity_repair.id,
                    "quantity": 2,
                    "object_id": obj.id,
                    "date": date(2026, 11, 2),
                }
            ),
            Command.create(
                {
                    "line_type": "part",
                    "product_id": self.product_part.id,
                    "quantity": 2,
                    "object_id": obj.id,
                    "date": date(2026, 11, 2),
                }
            ),
            Command.create({"line_type": "travel", "date": date(2026, 11, 2)}),
        ]
        intervention.action_start()
        intervention.action_done()
        return intervention

    def test_executed_work_invoiced_with_coverage(self):
        intervention = self._done_intervention()
        labour, part, travel = intervention.line_ids
        self.assertEqual(labour.invoice_status, "no")  # fully covered
        self.assertEqual(part.invoice_status, "to_invoice")
        self.assertEqual(intervention.invoice_status, "to_invoice")
        move = self.Invoicing._invoice_work(date=date(2026, 11, 30))
        self.assertEqual(len(move), 1)
        self.assertEqual(move.partner_id, intervention.partner_invoice_id)
        self.assertEqual(move.invoice_origin, intervention.name)
        self.assertEqual(len(move.invoice_line_ids), 2)
        part_aml = part.invoice_line_ids
        self.assertEqual(part_aml.move_id, move)
        self.assertEqual(part_aml.service_intervention_line_ids, part)
        # a 50%-covered line bills 50%
        self.assertEqual(part_aml.discount, 50)
        self.assertEqual(part_aml.price_subtotal, 20.0)
        self.assertIn(intervention.name, part_aml.name)
        self.assertIn("BX-INT-1", part_aml.name)
        self.assertIn("11/02/2026", part_aml.name)
        self.assertIn(f"{self.contract.name}: parts 50%", part_aml.name)
        self.assertEqual(travel.invoice_line_ids.price_subtotal, 40.0)
        self.assertEqual(move.amount_untaxed, 60.0)
        self.assertEqual(part.invoice_status, "invoiced")
        self.assertEqual(labour.invoice_status, "no")
        self.assertEqual(intervention.invoice_status, "invoiced")
        self.assertEqual(intervention.invoice_ids, move)
        self.assertEqual(move.service_intervention_ids, intervention)
        self.assertEqual(move.service_intervention_count, 1)
        # never twice
        self.assertFalse(self.Invoicing._invoice_work(date=date(2026, 11, 30)))

    def test_technician_name_on_invoice_line(self):
        intervention = self._done_intervention(partner=self.customer_b)
        self.Invoicing._invoice_work(date=date(2026, 11, 30))
        labour = intervention.line_ids.filtered(
            lambda line: line.line_type == "activity"
        )
        self.assertIn("Tess Technician", labour.invoice_line_ids.name)
        self.assertEqual(labour.invoice_line_ids.price_subtotal, 100.0)

    def test_only_done_interventions_up_to_the_date(self):
        intervention = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        intervention.line_ids = [Command.create({"line_type": "travel"})]
        self.assertFalse(self.Invoicing._invoice_work(date=date(2027, 1, 1)))
        done = self._done_intervention(partner=self.customer_b)
        self.assertFalse(self.Invoicing._invoice_work(date=date(2026, 11, 1)))
        self.assertEqual(
            self.Invoicing._invoice_work(
                date=date(2026, 11, 2)
            ).service_intervention_ids,
            done,
        )

    def test_grouping_per_intervention_or_customer(self):
        first = self._done_intervention(partner=self.customer_b)
        second = self._done_intervention(partner=self.customer_b)
        moves = self.Invoicing._invoice_work(date=date(2026, 11, 30))
        self.assertEqual(len(moves), 2)
        self.assertEqual(moves.service_intervention_ids, first | second)
        moves.button_cancel()
        self.env.company.service_work_invoice_grouping = "customer"
        move = self.Invoicing._invoice_work(date=date(2026, 11, 30))
        self.assertEqual(len(move), 1)
        self.assertEqual(move.service_intervention_ids, first | second)
        self.assertEqual(len(move.invoice_line_ids), 6)
        self.assertIn(first.name, move.invoice_origin)
        self.assertIn(second.name, move.invoice_origin)

    def test_batches_never_split_an_invoice(self):
        """A job whose lines straddle a batch boundary gets one invoice, with
        all its billable lines (batches hold whole invoices)."""
        first = self._done_intervention(partner=self.customer_b)
        second = self._done_intervention(partner=self.customer_b)
        # each job bills 3 lines: a batch of 2 would cut the first one
        moves = self.Invoicing._invoice_work(date=date(2026, 11, 30), batch_size=2)
        self.assertEqual(len(moves), 2)
        for job in first | second:
            move = moves.filtered(lambda m, j=job: m.service_intervention_ids == j)
            self.assertEqual(len(move), 1)
            self.assertEqual(len(move.invoice_line_ids), 3)
        self.env.company.service_work_invoice_grouping = "customer"
        moves.button_cancel()
        move = self.Invoicing._invoice_work(date=date(2026, 11, 30), batch_size=2)
        self.assertEqual(len(move), 1)
        self.assertEqual(len(move.invoice_line_ids), 6)

    def test_cancelled_invoice_makes_work_billable_again(self):
        intervention = self._done_intervention(partner=self.customer_b)
        move = self.Invoicing._invoice_work(date=date(2026, 11, 30))
        self.assertEqual(intervention.invoice_status, "invoiced")
        move.button_cancel()
        self.assertEqual(intervention.invoice_status, "to_invoice")
        again = self.Invoicing._invoice_work(date=date(2026, 11, 30))
        self.assertEqual(again.service_intervention_ids, intervention)
        self.assertEqual(intervention.invoice_status, "invoiced")

    def test_deleted_draft_invoice_makes_work_billable_again(self):
        intervention = self._done_intervention(partner=self.customer_b)
        move = self.Invoicing._invoice_work(date=date(2026, 11, 30))
        move.unlink()
        self.assertEqual(intervention.invoice_status, "to_invoice")
        self.assertTrue(self.Invoicing._invoice_work(date=date(2026, 11, 30)))

    def test_work_invoicing_queries_do_not_grow_per_intervention(self):
        """Invoicing 6 interventions costs well under 3x invoicing 2."""
        costs = []
        for count in (2, 6):
            for __ in range(count):
                self._done_intervention(partner=self.customer_b)
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            moves = self.Invoicing._invoice_work(date=date(2026, 11, 30))
            self.env.flush_all()
            costs.append(self.cr.sql_log_count - before)
            self.assertEqual(len(moves), count)
        self.assertLess(costs[1] / 6, costs[0] / 2, costs)

    def test_create_invoice_button(self):
        intervention = self._done_intervention(partner=self.customer_b)
        action = intervention.action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.service_intervention_ids, intervention)
        with self.assertRaisesRegex(UserError, "nothing left to invoice"):
            intervention.action_create_invoice()
        draft = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        with self.assertRaisesRegex(UserError, "before invoicing it"):
            draft.action_create_invoice()


@tagged("post_install", "-at_install")
class TestInvoicingWizard(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract_b = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer_b.id,
                "contract_type": "maintenance",
                "date_start": date(2026, 10, 1),
                "date_end": date(2026, 12, 15),
                "recurring_interval_number": 1,
                "line_ids": [Command.create({"product_id": cls.product_labour.id})],
            }
        )
        cls.contract_b.action_start()
        cls.zero_contract = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer_b.id,
                "contract_type": "maintenance",
                "date_start": date(2026, 11, 1),
                "line_ids": [Command.create({"product_id": cls.product_labour.id})],
            }
        )
        cls.zero_contract.action_start()
        # its fee falls to zero while it runs: nothing to invoice
        cls.zero_contract.write(
            {
                "line_ids": [
                    Command.update(cls.zero_contract.line_ids.id, {"quantity": 0})
                ],
                "change_reason": "Free of charge from November",
            }
        )
        work = cls.env["service.intervention"].create(
            {
                "partner_id": cls.customer_b.id,
                "line_ids": [
                    Command.create({"line_type": "travel", "date": date(2026, 11, 3)})
                ],
            }
        )
        work.action_start()
        work.action_done()
        cls.work = work
        cls.billing_officer = new_test_user(
            cls.env,
            login="sm_billing",
            groups="service_management.group_service_officer,account.group_account_invoice",
        )

    def _wizard(self, **values):
        form = Form(self.env["service.invoice.wizard"].with_user(self.billing_officer))
        form.date = date(2026, 12, 1)
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def test_preview_creates_nothing_and_warns(self):
        moves_before = self.env["account.move"].search_count([])
        wizard = self._wizard()
        wizard.action_preview()
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self.contract_b.next_invoice_date, date(2026, 10, 1))
        lines = wizard.line_ids
        # contract_b: October, November, December (ends on the 15th); the
        # main customer's contract; the executed work; no 0.00 invoice of the
        # zero contract
        by_origin = {}
        for line in lines:
            by_origin.setdefault(line.origin, self.env["service.invoice.wizard.line"])
            by_origin[line.origin] |= line
        self.assertEqual(len(by_origin[self.contract_b.name]), 3)
        december = by_origin[self.contract_b.name].filtered(
            lambda line: line.period_start == date(2026, 12, 1)
        )
        self.assertIn("ends within this period", december.warnings)
        self.assertIn("differs by", december.warnings)  # pro-rated: -50%
        self.assertNotIn(self.zero_contract.name, by_origin)
        self.assertEqual(by_origin[self.work.name].kind, "work")
        self.assertEqual(by_origin[self.work.name].amount_untaxed, 40.0)
        self.assertGreaterEqual(wizard.warning_count, 1)

    def test_filters_customers_contracts_and_flows(self):
        wizard = self._wizard()
        wizard.partner_ids = self.customer
        wizard.action_preview()
        self.assertEqual(
            wizard.line_ids.partner_id.commercial_partner_id, self.customer
        )
        wizard = self._wizard(invoice_work=False)
        wizard.contract_ids = self.contract_b
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.contract_id, self.contract_b)
        wizard = self._wizard(invoice_contracts=False)
        wizard.action_preview()
        self.assertEqual(set(wizard.line_ids.mapped("kind")), {"work"})
        wizard = self._wizard(invoice_contracts=False, invoice_work=False)
        with self.assertRaisesRegex(UserError, "Choose what to invoice"):
            wizard.action_preview()

    def test_create_and_post(self):
        wizard = self._wizard(post=True)
        wizard.partner_ids = self.customer_b
        action = wizard.with_user(self.env.user).action_create_invoices()
        moves = self.env["account.move"].search(action["domain"])
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(moves.service_contract_id, self.contract_b)
        self.assertEqual(moves.service_intervention_ids, self.work)
        # invoiced up to its end: it leaves the daily scan
        self.assertFalse(self.contract_b.next_invoice_date)
        self.assertEqual(self.contract_b.invoiced_until, date(2026, 12, 15))
        # the zero periods are settled without invoice, and said so
        self.assertEqual(self.zero_contract.next_invoice_date, date(2027, 1, 1))
        self.assertIn("the fee is zero", self.zero_contract.message_ids[0].body)
        again = self._wizard()
        again.partner_ids = self.customer_b
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            again.action_create_invoices()
