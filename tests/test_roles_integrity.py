# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each defect of issue 9 as the user who met it: costs and notes leaks,
standard screens of other roles, workflow and context bypasses, coverage that
depended on how lines were typed, stale computes, parts and stock."""

from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .test_intervention import InterventionCommon


@tagged("post_install", "-at_install")
class TestCostsAndNotesLeaks(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_partner = cls.env["res.partner"].create(
            {"name": "Acme Portal", "parent_id": cls.customer.id}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="sm_leak_portal",
            groups="base.group_portal",
            partner_id=cls.portal_partner.id,
        )
        cls.job = cls._intervention(note="<p>Gate code 1234</p>")
        cls.line = cls._line(
            cls.job, line_type="activity", activity_type_id=cls.activity_inspection.id
        )
        cls.contract.note = "<p>Discount agreed by phone</p>"
        cls.boiler_lot.service_note = "<p>Key under the mat</p>"

    def test_technician_cannot_read_costs(self):
        lines = self.env["service.intervention.line"].with_user(self.tech_user)
        for fname in ("cost_subtotal", "margin", "unit_cost"):
            with self.assertRaises(AccessError, msg=fname):
                lines.search_read([("id", "=", self.line.id)], [fname])
            with self.assertRaises(AccessError, msg=fname):
                lines._read_group([], [], [f"{fname}:sum"])
        self.tech_user.group_ids += self.env.ref("base.group_allow_export")
        with self.assertRaises(AccessError):
            self.line.with_user(self.tech_user).export_data(["cost_subtotal"])
        with self.assertRaises(AccessError):
            self.activity_inspection.with_user(self.tech_user).read(["cost_per_hour"])
        # the officer still sees them
        self.assertAlmostEqual(
            self.line.with_user(self.user_officer).cost_subtotal, 42.0
        )

    def test_portal_cannot_read_costs_or_internal_notes(self):
        env = self.env(user=self.portal_user)
        self.assertTrue(env["service.intervention"].search([]))
        cases = [
            ("service.intervention", self.job, "note"),
            ("service.contract", self.contract, "note"),
            ("stock.lot", self.boiler_lot, "service_note"),
            ("service.intervention.line", self.line, "cost_subtotal"),
            ("service.intervention.line", self.line, "margin"),
        ]
        for model, record, fname in cases:
            with self.subTest(model=model, field=fname), self.assertRaises(AccessError):
                env[model].browse(record.id).read([fname])


@tagged("post_install", "-at_install")
class TestStandardScreensForOtherRoles(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="sm_salesman",
            groups="sales_team.group_sale_salesman",
            name="Sally Sales",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="sm_accountant",
            groups="account.group_account_invoice",
            name="Andy Accountant",
        )
        van = cls.env["stock.location"].create(
            {
                "name": "Van 1",
                "usage": "internal",
                "location_id": cls.warehouse.view_location_id.id,
            }
        )
        cls.technician.service_location_id = van
        cls.colleague_user = new_test_user(
            cls.env,
            login="sm_colleague",
            groups="service_management.group_service_technician",
        )
        cls.colleague = cls.env["hr.employee"].create(
            {"name": "Carl Colleague", "user_id": cls.colleague_user.id}
        )

    def _sell(self, product):
        """The salesman sells ``product`` and confirms the order."""
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        return order

    def test_salesman_sells_a_contract_with_a_default_protocol(self):
        protocol = self.env["service.protocol"].create({"name": "Yearly revision"})
        product = self.env["product.product"].create(
            {
                "name": "Maintenance plan",
                "type": "service",
                "list_price": 120.0,
                "service_contract_product": True,
                "service_contract_type": "maintenance",
                "service_billing_method": "flat_rate",
                "service_protocol_id": protocol.id,
            }
        )
        order = self._sell(product)
        self.assertEqual(order.service_contract_count, 1)
        contract = order.service_contract_ids
        self.assertEqual(contract.sudo().protocol_ids, protocol)
        self.assertEqual(contract.create_uid, self.salesman)

    def test_contract_sold_at_no_charge_stays_draft(self):
        self.company.service_contract_auto_start = True
        product = self.env["product.product"].create(
            {
                "name": "Free first year",
                "type": "service",
                "list_price": 0.0,
                "service_contract_product": True,
                "service_billing_method": "flat_rate",
            }
        )
        order = self._sell(product)
        self.assertEqual(order.service_contract_ids.state, "draft")

    def test_salesman_opens_a_service_invoice(self):
        job = self._intervention()
        self._line(job, line_type="travel")
        job.action_start()
        job.action_done()
        invoice = self.env["service.invoicing"]._invoice_work(
            date=date(2100, 1, 1), interventions=job
        )
        self.assertTrue(invoice)
        # salesmen see the invoices they are the salesperson of
        invoice.invoice_user_id = self.salesman
        form = invoice.with_user(self.salesman)
        values = form.web_read(
            {
                "name": {},
                "service_contract_id": {"fields": {"display_name": {}}},
                "invoice_line_ids": {"fields": {"name": {}, "price_subtotal": {}}},
            }
        )
        self.assertEqual(values[0]["invoice_line_ids"][0]["price_subtotal"], 40.0)
        # the link to executed work is not on their screen
        self.assertNotIn(
            "service_intervention_count",
            self.env["account.move"].with_user(self.salesman).fields_get(),
        )

    def test_non_hr_users_open_interventions_with_a_van(self):
        job = self._intervention(technician_ids=[Command.set(self.colleague.ids)])
        self.assertEqual(job.location_id.name, "Van 1")
        spec = {
            "name": {},
            "technician_id": {"fields": {"display_name": {}}},
            "technician_ids": {"fields": {"display_name": {}}},
            "location_id": {"fields": {"display_name": {}}},
            "color": {},
        }
        for user in (self.accountant, self.user_officer, self.colleague_user):
            with self.subTest(user=user.login):
                values = job.with_user(user).web_read(spec)
                self.assertEqual(
                    values[0]["technician_id"]["display_name"], "Tess Technician"
                )
        # a technician reassigns a job: the van is read for them
        with Form(job.with_user(self.user_officer)) as form:
            form.technician_id = self.colleague
            form.technician_id = self.technician
        self.assertEqual(job.location_id.name, "Van 1")

    def test_accountant_invoices_work_from_the_intervention(self):
        job = self._intervention(technician_ids=[Command.set(self.colleague.ids)])
        self._line(job, line_type="travel")
        self._line(job, line_type="part", product_id=self.product_part.id)
        job.action_start()
        job.action_done()
        action = job.with_user(self.accountant).action_create_invoice()
        invoice = self.env["account.move"].search(
            [("invoice_origin", "=", job.name), ("move_type", "=", "out_invoice")]
        )
        self.assertTrue(action)
        self.assertEqual(invoice.amount_untaxed, job.amount_total)
        self.assertEqual(invoice.invoice_user_id, job.user_id)
        self.assertEqual(job.invoice_status, "invoiced")

    def test_officer_without_billing_opens_and_deletes_contracts(self):
        contract = self.env["service.contract"].create({"partner_id": self.customer.id})
        as_officer = contract.with_user(self.user_officer)
        self.assertNotIn(
            "invoice_count",
            as_officer.fields_get(),
            "officers without billing rights do not get the invoice button",
        )
        values = as_officer.web_read(
            {"name": {}, "intervention_count": {}, "lot_count": {}}
        )
        self.assertEqual(values[0]["intervention_count"], 0)
        as_officer.unlink()
        self.assertFalse(contract.exists())

    def test_accountant_opens_a_contract(self):
        protocol = self.env["service.protocol"].create({"name": "Check"})
        self.contract.protocol_ids = protocol
        values = self.contract.with_user(self.accountant).web_read(
            {
                "lot_ids": {"fields": {"display_name": {}}},
                "protocol_ids": {"fields": {"display_name": {}}},
                "invoice_count": {},
            }
        )
        self.assertEqual(values[0]["lot_ids"][0]["display_name"], "BX-INT-1")
        self.assertEqual(values[0]["protocol_ids"][0]["display_name"], "Check")


@tagged("post_install", "-at_install")
class TestWorkflowIntegrity(InterventionCommon):
    def test_state_only_through_actions(self):
        job = self._intervention().with_user(self.tech_user)
        self._line(job, line_type="activity", activity_type_id=self.activity_repair.id)
        for state in ("done", "cancelled", "in_progress"):
            with (
                self.subTest(state=state),
                self.assertRaisesRegex(UserError, "changes only through its buttons"),
            ):
                job.write({"state": state})
        officer_job = job.with_user(self.user_officer)
        with self.assertRaisesRegex(UserError, "changes only through its buttons"):
            officer_job.write({"state": "draft"})
        with self.assertRaisesRegex(UserError, "starts as a draft"):
            self.env["service.intervention"].with_user(self.user_officer).create(
                {"partner_id": self.customer.id, "state": "done"}
            )
        with self.assertRaisesRegex(UserError, "changes only through its buttons"):
            self.contract.with_user(self.user_officer).write({"state": "draft"})
        # the buttons still work
        job.action_start()
        job.action_done()
        self.assertEqual(job.state, "done")

    def test_client_context_cannot_skip_checks(self):
        job = self._intervention()
        line = self._line(job, line_type="travel")
        job.action_start()
        job.action_done()
        for key in ("service_line_force_write", "service_trusted_write"):
            with self.subTest(key=key), self.assertRaisesRegex(UserError, "re-open"):
                line.with_context(**{key: True}).write({"quantity": 0.0})
        for key in ("service_contract_change_allowed", "service_trusted_write"):
            with self.subTest(key=key), self.assertRaisesRegex(UserError, "reason"):
                self.contract.with_context(**{key: True}).write(
                    {"date_end": date(2030, 1, 1)}
                )

    def test_client_context_cannot_invoice_ahead_or_skip_the_installed_base(self):
        contract = self.env["service.contract"].create(
            {
                "partner_id": self.customer.id,
                "contract_type": "maintenance",
                "date_start": date.today() + timedelta(days=40),
                "line_ids": [Command.create({"product_id": self.product_labour.id})],
            }
        )
        contract.action_start()
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            contract.with_context(
                service_invoice_date="2100-01-01"
            ).action_create_invoice()
        lots = self._make_lots(self.boiler, ["BX-CTX-1"])
        picking = self._picking(self.customer_site, self.boiler, 1)
        self._validate(picking.with_context(service_skip_installed_base=True), lots)
        self.assertEqual(lots.service_partner_id, self.customer)

    def test_change_of_running_contract_logs_old_and_new(self):
        self.contract.write(
            {"date_end": date(2030, 12, 31), "change_reason": "Customer asked"}
        )
        message = self.contract.message_ids.filtered(
            lambda m: "Customer asked" in m.body
        )
        self.assertEqual(len(message), 1)
        self.assertIn("→", message.body)
        self.assertIn("2030", message.body)

    def test_contract_of_another_customer_refused(self):
        other = self.env["service.contract"].create(
            {"partner_id": self.customer_b.id, "contract_type": "assistance"}
        )
        other.action_start()
        with self.assertRaisesRegex(ValidationError, "choose one of the customer"):
            self._intervention(contract_id=other.id)

    def test_serial_of_another_company_refused_on_a_contract(self):
        lot = self.env["stock.lot"].create(
            {
                "name": "FOREIGN-1",
                "product_id": self.boiler.id,
                "company_id": self.other_company.id,
            }
        )
        lot.service_partner_id = self.customer
        with self.assertRaisesRegex(UserError, "company inconsistencies"):
            self.env["service.contract"].create(
                {
                    "partner_id": self.customer.id,
                    "lot_ids": [Command.set(lot.ids)],
                }
            )

    def test_two_company_user_creates_an_intervention(self):
        user = new_test_user(
            self.env,
            login="sm_two_companies",
            groups="service_management.group_service_officer",
            company_id=self.other_company.id,
            company_ids=[Command.set((self.company | self.other_company).ids)],
        )
        env = self.env(
            user=user,
            context=dict(
                self.env.context,
                allowed_company_ids=[self.other_company.id, self.company.id],
            ),
        )
        job = env["service.intervention"].create({"partner_id": self.customer.id})
        self.assertEqual(job.company_id, self.other_company)
        self.assertFalse(job.contract_id, "company A's contract is never proposed")

    def test_absurd_quantities_refused(self):
        job = self._intervention()
        with self.assertRaisesRegex(ValidationError, "more than a day"):
            self._line(job, line_type="activity", quantity=1e9)
        with self.assertRaisesRegex(ValidationError, "not plausible"):
            self._line(
                job, line_type="part", product_id=self.product_part.id, quantity=1e300
            )
        with self.assertRaisesRegex(ValidationError, "not plausible"):
            self.env["service.contract.line"].create(
                {
                    "contract_id": self.contract.id,
                    "product_id": self.product_labour.id,
                    "quantity": 1e9,
                }
            )


@tagged("post_install", "-at_install")
class TestCoverageByConstruction(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the boiler is under warranty today
        cls.boiler_lot.warranty_end_date = date(2099, 1, 1)
        cls.second_lot = cls._make_lots(cls.boiler, ["BX-INT-2"])
        cls.second_lot.write(
            {"service_partner_id": cls.customer.id, "service_state": "installed"}
        )

    def test_line_typed_before_saving_gets_the_only_object(self):
        with Form(
            self.env["service.intervention"].with_user(self.user_officer)
        ) as form:
            form.partner_id = self.customer
            with form.object_ids.new() as obj:
                obj.lot_id = self.boiler_lot
            with form.line_ids.new() as line:
                line.line_type = "activity"
                line.activity_type_id = self.activity_repair
        job = form.record
        line = job.line_ids
        self.assertEqual(line.object_id, job.object_ids)
        self.assertEqual(line.coverage_pct, 100.0)
        self.assertEqual(line.price_subtotal, 0.0)

    def test_object_chosen_before_saving(self):
        with Form(
            self.env["service.intervention"].with_user(self.user_officer)
        ) as form:
            form.partner_id = self.customer
            with form.object_ids.new() as obj:
                obj.lot_id = self.second_lot
            with form.object_ids.new() as obj:
                obj.lot_id = self.boiler_lot
            with form.line_ids.new() as line:
                line.line_type = "part"
                line.product_id = self.product_part
                line.object_lot_id = self.boiler_lot
        line = form.record.line_ids
        self.assertEqual(line.object_id.lot_id, self.boiler_lot)
        self.assertEqual(line.coverage_reason[:8], "Warranty")
        self.assertEqual(line.price_subtotal, 0.0)

    def test_line_without_object_never_gets_less_coverage(self):
        job = self._intervention(
            object_ids=[
                Command.create({"lot_id": self.second_lot.id}),
                Command.create({"lot_id": self.boiler_lot.id}),
            ]
        )
        line = self._line(job, line_type="part", product_id=self.product_part.id)
        self.assertFalse(line.object_id)
        self.assertEqual(line.coverage_pct, 100.0)
        self.assertEqual(job.amount_total, 0.0)

    def test_protocol_steps_go_to_each_object(self):
        category = self.env["product.category"].create({"name": "Boilers"})
        self.boiler.categ_id = category
        protocol = self.env["service.protocol"].create(
            {
                "name": "Boiler check",
                "product_categ_ids": [Command.set(category.ids)],
                "step_ids": [
                    Command.create(
                        {
                            "name": "Clean burner",
                            "activity_type_id": self.activity_repair.id,
                            "product_id": self.product_part.id,
                        }
                    )
                ],
            }
        )
        job = self._intervention(
            protocol_id=protocol.id,
            object_ids=[
                Command.create({"lot_id": self.second_lot.id}),
                Command.create({"lot_id": self.boiler_lot.id}),
                Command.create({"product_id": self.product_part.id}),
            ],
        )
        job.action_apply_protocol()
        boilers = job.object_ids.filtered("lot_id")
        self.assertEqual(len(job.line_ids), 4, "an activity and a part per boiler")
        self.assertEqual(job.line_ids.object_id, boilers)
        warranty = job.line_ids.filtered(
            lambda line: line.object_id.lot_id == self.boiler_lot
        )
        self.assertEqual(set(warranty.mapped("coverage_pct")), {100.0})
        job.action_apply_protocol()
        self.assertEqual(len(job.line_ids), 4, "applied once per object")


@tagged("post_install", "-at_install")
class TestPartsAndStaleData(InterventionCommon):
    def _done_job_with_part(self, qty=2):
        job = self._intervention()
        part = self._line(
            job, line_type="part", product_id=self.product_part.id, quantity=qty
        )
        job.action_start()
        job.action_done()
        return job, part

    def test_part_moves_carry_the_intervention(self):
        job, part = self._done_job_with_part()
        move = part.stock_move_id
        self.assertEqual(move.state, "done")
        self.assertEqual(move.service_intervention_id, job)
        self.assertEqual(move.reference, job.name)

    def test_moved_part_locked_until_returned(self):
        job, part = self._done_job_with_part()
        job.action_reopen()
        with self.assertRaisesRegex(UserError, "already left stock"):
            part.quantity = 1
        with self.assertRaisesRegex(UserError, "already left stock"):
            part.unlink()
        available = self.env["stock.quant"]._get_available_quantity(
            self.product_part, self.stock_location
        )
        part.action_return_part()
        self.assertFalse(part.part_moved)
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(
                self.product_part, self.stock_location
            ),
            available + 2,
        )
        part.quantity = 1
        job.action_done()
        self.assertEqual(part.stock_move_id.quantity, 1)

    def test_finishing_warns_when_parts_go_below_zero(self):
        job = self._intervention()
        self._line(job, line_type="part", product_id=self.product_part.id, quantity=25)
        job.action_start()
        self.assertIn("below zero", job.with_user(self.tech_user).parts_warning)
        self.assertIn("25 needed, 20", job.parts_warning)
        job.line_ids.quantity = 5
        self.assertFalse(job.parts_warning)

    def test_stale_computes(self):
        contract = self.env["service.contract"].create(
            {
                "partner_id": self.customer.id,
                "contract_type": "maintenance",
                "line_ids": [
                    Command.create(
                        {"product_id": self.product_labour.id, "price_unit": 120}
                    )
                ],
            }
        )
        self.assertEqual(contract.recurring_monthly, 120.0)
        contract.billing_method = "none"
        self.assertEqual(contract.recurring_monthly, 0.0)
        self.assertEqual(contract.lot_count, 0)
        contract.lot_ids = self.boiler_lot
        self.assertEqual(contract.lot_count, 1)
        job = self._intervention()
        expense = self._line(job, line_type="expense", name="Parking", price_unit=5.0)
        self.assertEqual(expense.unit_cost, 5.0)
        expense.price_unit = 7.5
        self.assertEqual(expense.unit_cost, 7.5)

    def test_technician_finishes_their_job_with_a_part(self):
        job = self._intervention().with_user(self.tech_user)
        self._line(job, line_type="part", product_id=self.product_part.id, quantity=1)
        job.action_start()
        job.action_done()
        self.assertEqual(job.state, "done")
        self.assertTrue(job.line_ids.part_moved)
