# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.service_management.models.service_document_mixin import trusted

from .common import ServiceStockCommon


class ContractCommon(ServiceStockCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_product = cls.env["product.product"].create(
            {"name": "Maintenance fee", "type": "service", "list_price": 300.0}
        )
        cls.lot_1, cls.lot_2 = cls._make_lots(cls.boiler, ["C-001", "C-002"])
        cls.lot_1.service_partner_id = cls.customer
        cls.lot_2.service_partner_id = cls.customer_b

    @classmethod
    def _contract(cls, **values):
        vals = {
            "partner_id": cls.customer.id,
            "contract_type": "maintenance",
            "date_start": date(2026, 1, 1),
            "date_end": date(2026, 12, 31),
            "recurring_interval_number": 3,
            "recurring_interval_type": "month",
            "line_ids": [
                Command.create({"product_id": cls.fee_product.id, "quantity": 1})
            ],
        }
        vals.update(values)
        return cls.env["service.contract"].create(vals)


@tagged("post_install", "-at_install")
class TestContract(ContractCommon):
    def test_sequence_and_defaults_per_type(self):
        contract = self._contract()
        self.assertRegex(contract.name, r"^SC/\d{4}/\d{4}$")
        self.assertEqual(contract.billing_method, "flat_rate")
        self.assertEqual(contract.coverage_labor_pct, 100)
        self.assertEqual(contract.line_ids.price_unit, 300.0)
        self.assertEqual(contract.amount_untaxed, 300.0)
        self.assertEqual(contract.recurring_monthly, 100.0)
        with Form(self.env["service.contract"]) as form:
            form.partner_id = self.customer
            form.contract_type = "warranty"
            self.assertEqual(form.billing_method, "none")
            self.assertEqual(form.coverage_labor_pct, 100)
            self.assertEqual(form.coverage_parts_pct, 100)
            form.contract_type = "assistance"
            self.assertEqual(form.billing_method, "time_and_materials")
            self.assertEqual(form.coverage_labor_pct, 0)
            # assistance: the user picks a forfait or a consuntivo
            form.billing_method = "flat_rate"
            with form.line_ids.new() as line:
                line.product_id = self.fee_product
        self.assertEqual(form.record.billing_method, "flat_rate")
        self.assertEqual(form.record.partner_invoice_id, self.customer)

    def test_fee_line_price_from_pricelist_and_taxes(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 22 test", "amount": 22, "type_tax_use": "sale"}
        )
        self.fee_product.taxes_id = tax
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Service -10%",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.fee_product.id,
                            "compute_price": "percentage",
                            "percent_price": 10,
                        }
                    )
                ],
            }
        )
        contract = self._contract(pricelist_id=pricelist.id)
        self.assertEqual(contract.line_ids.price_unit, 270.0)
        self.assertEqual(contract.line_ids.tax_ids, tax)

    def test_start_sets_first_invoice_date(self):
        in_advance = self._contract()
        in_arrears = self._contract(recurring_invoicing_mode="in_arrears")
        (in_advance | in_arrears).action_start()
        self.assertEqual(in_advance.state, "running")
        self.assertEqual(in_advance.next_invoice_date, date(2026, 1, 1))
        self.assertEqual(in_arrears.next_invoice_date, date(2026, 4, 1))
        with self.assertRaisesRegex(UserError, "Only draft contracts can be started"):
            in_advance.action_start()

    def test_not_billed_contract_needs_no_invoice_date(self):
        warranty = self._contract(contract_type="warranty", line_ids=[])
        warranty.action_start()
        self.assertEqual(warranty.state, "running")
        self.assertFalse(warranty.next_invoice_date)

    def test_close_cancel_and_reset(self):
        contract = self._contract()
        contract.action_start()
        contract.action_close()
        self.assertEqual(contract.state, "closed")
        with self.assertRaisesRegex(UserError, "it cannot be cancelled"):
            contract.action_cancel()
        draft = self._contract()
        draft.action_cancel()
        draft.action_draft()
        self.assertEqual(draft.state, "draft")

    def test_running_contract_changes_need_a_reason(self):
        contract = self._contract()
        contract.action_start()
        with self.assertRaisesRegex(UserError, "enter a reason"):
            contract.write({"date_end": date(2027, 6, 30)})
        with self.assertRaisesRegex(UserError, "from the contract form"):
            contract.line_ids.price_unit = 1.0
        with Form(contract) as form:
            form.date_end = date(2027, 6, 30)
            with form.line_ids.edit(0) as line:
                line.price_unit = 350.0
            form.change_reason = "Customer added a second boiler room"
        self.assertEqual(contract.date_end, date(2027, 6, 30))
        self.assertEqual(contract.line_ids.price_unit, 350.0)
        self.assertFalse(contract.change_reason)
        self.assertIn(
            "Customer added a second boiler room", contract.message_ids[0].body
        )
        # other fields stay freely editable
        contract.user_id = self.user_officer
        self.assertEqual(contract.user_id, self.user_officer)

    def test_contract_document(self):
        contract = self._contract(lot_ids=[Command.set(self.lot_1.ids)])
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            "service_management.action_report_service_contract", contract.ids
        )
        html = html.decode()
        self.assertIn(contract.name, html)
        self.assertIn("C-001", html)  # covered serial
        self.assertIn("Maintenance fee", html)
        self.assertIn("Coverage of executed work", html)

    def test_renew_extends_same_contract(self):
        protocol = self.env["service.protocol"].create({"name": "Yearly"})
        contract = self._contract(
            lot_ids=[Command.set(self.lot_1.ids)],
            protocol_ids=[Command.set(protocol.ids)],
            renewal_months=12,
        )
        contract.action_start()
        contract.action_renew()
        self.assertEqual(contract.date_end, date(2027, 12, 31))
        self.assertEqual(contract.lot_ids, self.lot_1)
        self.assertEqual(contract.protocol_ids, protocol)
        self.assertIn("renewed until 12/31/2027", contract.message_ids[0].body)

    def test_expiry_cron_expires_and_renews(self):
        self.company.service_renewal_price_index = 2.0
        expiring = self._contract(date_end=date(2026, 3, 31))
        renewing = self._contract(date_end=date(2026, 3, 31), auto_renew=True)
        late = self._contract(
            date_start=date(2024, 1, 1),
            date_end=date(2024, 12, 31),
            auto_renew=True,
            renewal_months=12,
        )
        ongoing = self._contract(date_end=date(2026, 12, 31))
        (expiring | renewing | late | ongoing).action_start()
        Contract = self.env["service.contract"]
        expired, renewed = Contract._cron_service_contract_expiry(date=date(2026, 4, 1))
        self.assertEqual(expired, expiring)
        self.assertEqual(renewed, renewing | late)
        self.assertEqual(expiring.state, "expired")
        self.assertIn("Contract expired on 03/31/2026", expiring.message_ids[0].body)
        self.assertEqual(renewing.state, "running")
        self.assertEqual(renewing.date_end, date(2027, 3, 31))
        self.assertEqual(renewing.line_ids.price_unit, 306.0)
        # two terms late: renewed twice to reach the run date
        self.assertEqual(late.date_end, date(2026, 12, 31))
        self.assertEqual(ongoing.state, "running")
        # a second run changes nothing
        expired, renewed = Contract._cron_service_contract_expiry(date=date(2026, 4, 1))
        self.assertFalse(expired | renewed)


@tagged("post_install", "-at_install")
class TestContractConstraints(ContractCommon):
    def test_end_before_start(self):
        with self.assertRaisesRegex(ValidationError, "ends .* before it starts"):
            self._contract(date_end=date(2025, 12, 31))

    def test_interval_must_be_positive(self):
        with self.assertRaisesRegex(ValidationError, "enter 1 or more"):
            self._contract(recurring_interval_number=0)

    @mute_logger("odoo.sql_db")
    def test_coverage_between_0_and_100(self):
        for value in (-1, 101):
            with (
                self.subTest(value=value),
                self.assertRaises(IntegrityError),
                self.cr.savepoint(),
            ):
                self._contract(coverage_parts_pct=value)

    def test_covered_product_of_another_customer(self):
        with self.assertRaisesRegex(ValidationError, "can only cover products"):
            self._contract(lot_ids=[Command.set((self.lot_1 | self.lot_2).ids)])
        contract = self._contract(lot_ids=[Command.set(self.lot_1.ids)])
        self.assertEqual(contract.lot_ids, self.lot_1)

    def test_flat_rate_fee_line_needs_product(self):
        with self.assertRaisesRegex(ValidationError, "every fee line needs a product"):
            self._contract(line_ids=[Command.create({"name": "Free text fee"})])

    def test_running_flat_rate_needs_lines_and_invoice_date(self):
        contract = self._contract(line_ids=[])
        with (
            self.assertRaisesRegex(ValidationError, "add at least one fee line"),
            self.cr.savepoint(),
        ):
            contract.action_start()
        self.assertEqual(contract.state, "draft")
        contract = self._contract()
        contract.action_start()
        with self.assertRaisesRegex(ValidationError, "set its next invoice date"):
            trusted(contract).write({"next_invoice_date": False})

    def test_delete_with_invoices_refused(self):
        contract = self._contract()
        contract.action_start()
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "service_contract_id": contract.id,
            }
        )
        with self.assertRaisesRegex(UserError, "archive it instead"):
            contract.unlink()
        contract.action_archive()
        self.assertFalse(contract.active)
        draft = self._contract()
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_multi_company_isolation(self):
        other_customer = self.env["res.partner"].create(
            {"name": "Other Co customer", "company_id": self.other_company.id}
        )
        foreign = self.env["service.contract"].create(
            {
                "partner_id": other_customer.id,
                "company_id": self.other_company.id,
                "contract_type": "warranty",
            }
        )
        mine = self._contract()
        visible = self.env["service.contract"].with_user(self.user_officer).search([])
        self.assertIn(mine, visible)
        self.assertNotIn(foreign, visible)
        with self.assertRaises(AccessError):
            foreign.with_user(self.user_officer).read(["name"])
        # each company numbers its own contracts
        self.assertTrue(foreign.name.startswith("SC/"))
        # a customer of another company cannot be used
        with self.assertRaisesRegex(UserError, "company inconsistencies"):
            self._contract(partner_id=other_customer.id)

    def test_technician_reads_but_cannot_edit(self):
        contract = self._contract()
        as_technician = contract.with_user(self.user_technician)
        self.assertEqual(as_technician.partner_id, self.customer)
        with self.assertRaises(AccessError):
            as_technician.write({"note": "<p>x</p>"})
