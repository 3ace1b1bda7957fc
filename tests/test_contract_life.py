# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A contract's whole life bills every day under contract exactly once: one
test per defect found across sale, start, renewal, close, cancellation and
date edits (each failed before the fix)."""

from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from ..models.service_document_mixin import trusted
from .test_invoicing_contract import InvoicingCommon


@tagged("post_install", "-at_install")
class TestContractLife(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.service_invoice_prorata = True
        cls.monthly_fee = cls.env["product.product"].create(
            {
                "name": "Monthly plan",
                "type": "service",
                "list_price": 120.0,
                "taxes_id": [Command.clear()],
            }
        )

    def _monthly(self, start, **values):
        return self._contract(
            start=start,
            lines=[(self.monthly_fee, 1)],
            recurring_interval_number=1,
            **values,
        )

    def _billed(self, contract):
        """[(start, end, signed untaxed amount)] of the contract's invoices
        and credit notes, in order."""
        return [
            (
                move.service_period_start,
                move.service_period_end,
                move.amount_untaxed * (1 if move.move_type == "out_invoice" else -1),
            )
            for move in self.env["account.move"].search(
                [("service_contract_id", "=", contract.id), ("state", "!=", "cancel")],
                order="service_period_start, move_type",
            )
        ]

    # ------------------------------------------------------------------
    # Close and cancel
    # ------------------------------------------------------------------
    def test_closed_contract_stops_invoicing(self):
        contract = self._monthly(date(2026, 1, 1))
        self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        contract._close(date(2026, 1, 31))
        self.assertEqual(contract.state, "closed")
        self.assertEqual(contract.date_end, date(2026, 1, 31))
        self.assertFalse(contract.next_invoice_date)
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 5, 1)))
        self.assertEqual(
            self._billed(contract), [(date(2026, 1, 1), date(2026, 1, 31), 120.0)]
        )

    def test_close_mid_period_credits_the_unused_days(self):
        contract = self._monthly(date(2026, 1, 1))
        self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        contract._close(date(2026, 1, 10))
        self.assertEqual(
            self._billed(contract),
            [
                (date(2026, 1, 1), date(2026, 1, 31), 120.0),
                (date(2026, 1, 11), date(2026, 1, 31), -81.29),  # 120 × 21/31
            ],
        )
        credit = self.env["account.move"].search(
            [
                ("service_contract_id", "=", contract.id),
                ("move_type", "=", "out_refund"),
            ]
        )
        self.assertIn("closed on 01/10/2026", credit.invoice_line_ids.name)

    def test_close_without_pro_rata_keeps_the_period_billed(self):
        self.env.company.service_invoice_prorata = False
        contract = self._monthly(date(2026, 1, 1))
        self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        contract._close(date(2026, 1, 10))
        self.assertEqual(
            self._billed(contract), [(date(2026, 1, 1), date(2026, 1, 31), 120.0)]
        )

    def test_close_in_arrears_bills_the_last_days(self):
        contract = self._monthly(
            date(2026, 1, 1), recurring_invoicing_mode="in_arrears"
        )
        contract._close(date(2026, 2, 14))
        self.assertEqual(contract.next_invoice_date, date(2026, 2, 1))
        self.Invoicing._invoice_contracts(date=date(2026, 6, 1))
        self.assertEqual(
            self._billed(contract),
            [
                (date(2026, 1, 1), date(2026, 1, 31), 120.0),
                (date(2026, 2, 1), date(2026, 2, 14), 60.0),  # 14/28
            ],
        )
        self.assertFalse(contract.next_invoice_date)

    def test_cannot_close_before_the_start(self):
        contract = self._monthly(date(2026, 3, 1))
        with self.assertRaisesRegex(UserError, "Cancel it instead"):
            contract._close(date(2026, 2, 1))

    def test_cancelled_contract_bills_nothing_more(self):
        contract = self._monthly(date(2026, 1, 1))
        self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        contract.action_cancel()
        self.assertFalse(contract.next_invoice_date)
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 6, 1)))

    def test_finished_contracts_leave_the_daily_scan(self):
        contract = self._monthly(date(2026, 1, 1), date_end=date(2026, 2, 28))
        self.Invoicing._invoice_contracts(date=date(2026, 2, 1))
        self.assertFalse(contract.next_invoice_date)
        self.assertEqual(contract.invoiced_until, date(2026, 2, 28))
        domain = self.Invoicing._due_contract_domain(date(2027, 1, 1))
        self.assertNotIn(contract, self.env["service.contract"].search(domain))
        # renewed: it is scanned again, from the day after the last billed day
        contract.action_renew()
        self.assertEqual(contract.next_invoice_date, date(2026, 3, 1))

    # ------------------------------------------------------------------
    # Periods from the start
    # ------------------------------------------------------------------
    def test_month_end_periods_do_not_drift(self):
        contract = self._monthly(
            date(2026, 1, 31), recurring_invoicing_mode="in_arrears"
        )
        self.Invoicing._invoice_contracts(date=date(2026, 5, 31))
        starts = [start for start, __, __ in self._billed(contract)]
        self.assertEqual(
            starts,
            [
                date(2026, 1, 31),
                date(2026, 2, 28),
                date(2026, 3, 31),
                date(2026, 4, 30),
            ],
        )
        self.assertEqual(
            [end for __, end, __ in self._billed(contract)],
            [
                date(2026, 2, 27),
                date(2026, 3, 30),
                date(2026, 4, 29),
                date(2026, 5, 30),
            ],
        )
        self.assertEqual(contract.next_invoice_date, date(2026, 6, 30))
        # prepaid-hour buckets follow the same boundaries
        self.assertEqual([contract._allowance_bucket(day) for day in starts], starts)
        self.assertEqual(
            contract._allowance_bucket(date(2026, 3, 30)), date(2026, 2, 28)
        )

    def test_renewal_bills_the_days_after_the_cut(self):
        contract = self._monthly(
            date(2026, 1, 15), date_end=date(2026, 12, 31), renewal_months=12
        )
        self.Invoicing._invoice_contracts(date=date(2026, 12, 31))
        self.assertEqual(
            self._billed(contract)[-1], (date(2026, 12, 15), date(2026, 12, 31), 65.81)
        )  # 120 × 17/31
        self.assertFalse(contract.next_invoice_date)
        contract.action_renew()
        self.assertEqual(contract.date_end, date(2027, 12, 31))
        self.Invoicing._invoice_contracts(date=date(2027, 1, 15))
        self.assertEqual(
            self._billed(contract)[-2:],
            [
                (date(2027, 1, 1), date(2027, 1, 14), 54.19),  # 120 × 14/31
                (date(2027, 1, 15), date(2027, 2, 14), 120.0),
            ],
        )

    # ------------------------------------------------------------------
    # Protected dates and prices
    # ------------------------------------------------------------------
    def test_next_invoice_date_is_bounded_and_needs_a_reason(self):
        contract = self._monthly(date(2026, 1, 1), date_end=date(2026, 12, 31))
        with self.assertRaisesRegex(UserError, "enter a reason"):
            contract.next_invoice_date = date(2026, 3, 1)
        with self.assertRaisesRegex(ValidationError, "between its start"):
            contract.write(
                {"next_invoice_date": date(2025, 12, 1), "change_reason": "Early"}
            )
        with self.assertRaisesRegex(ValidationError, "between its start"):
            contract.write(
                {"next_invoice_date": date(2027, 3, 1), "change_reason": "Late"}
            )
        contract.write(
            {"next_invoice_date": date(2026, 3, 1), "change_reason": "Customer asked"}
        )
        self.assertIn("Customer asked", contract.message_ids[0].body)
        # postponed, never skipped: the periods due by then are billed together
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 2, 1)))
        self.Invoicing._invoice_contracts(date=date(2026, 3, 1))
        self.assertEqual(
            [start for start, __, __ in self._billed(contract)],
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
        )
        self.assertEqual(contract.next_invoice_date, date(2026, 4, 1))

    def test_fees_never_reprice_themselves(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Dearer",
                "item_ids": [
                    Command.create(
                        {
                            "compute_price": "fixed",
                            "fixed_price": 150.0,
                            "applied_on": "0_product_variant",
                            "product_id": self.monthly_fee.id,
                        }
                    )
                ],
            }
        )
        contract = self._monthly(date(2026, 1, 1))
        line = contract.line_ids
        self.assertEqual(line.price_unit, 120.0)
        contract.write({"pricelist_id": pricelist.id, "change_reason": "Dearer"})
        self.assertEqual(line.price_unit, 120.0)
        with Form(contract) as form:
            with form.line_ids.edit(0) as edit:
                edit.quantity = 2
            form.change_reason = "Second boiler room"
        self.assertEqual(line.quantity, 2)
        self.assertEqual(line.price_unit, 120.0)
        # a fiscal position without mapping removes the taxes it knows
        domestic = self.env["account.fiscal.position"].create({"name": "Domestic"})
        tax = self.env["account.tax"].create(
            {
                "name": "Test 10%",
                "amount": 10.0,
                "fiscal_position_ids": [Command.set(domestic.ids)],
            }
        )
        trusted(line).write({"tax_ids": [Command.set(tax.ids)]})
        empty = self.env["account.fiscal.position"].create({"name": "Removes taxes"})
        contract.write({"fiscal_position_id": empty.id, "change_reason": "Moved"})
        self.assertEqual(line.tax_ids, tax, "taxes are not re-mapped by themselves")
        with self.assertRaisesRegex(UserError, "enter a reason"):
            contract.action_reprice_fees()
        contract.with_context(
            service_change_reason="New price list agreed"
        ).action_reprice_fees()
        self.assertEqual(line.price_unit, 150.0)
        self.assertIn("New price list agreed", contract.message_ids[0].body)

    def test_currency_does_not_change_after_invoices(self):
        contract = self._monthly(date(2026, 1, 1))
        self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        other = self.env["res.currency"].search(
            [("id", "!=", contract.currency_id.id), ("active", "in", (True, False))],
            limit=1,
        )
        other.active = True
        with self.assertRaisesRegex(UserError, "cannot change"):
            contract.write({"currency_id": other.id, "change_reason": "Euro"})

    def test_reason_carries_only_the_fields_it_protects(self):
        contract = self._monthly(date(2026, 1, 1))
        with self.assertRaisesRegex(UserError, "status of"):
            contract.with_user(self.user_officer).write(
                {
                    "date_end": date(2026, 6, 30),
                    "state": "draft",
                    "change_reason": "Shorter",
                }
            )
        self.assertEqual(contract.state, "running")
        self.assertFalse(contract.date_end)

    def test_dates_and_start_cannot_move_over_invoiced_days(self):
        contract = self._monthly(date(2026, 1, 1))
        self.Invoicing._invoice_contracts(date=date(2026, 2, 1))
        with self.assertRaisesRegex(UserError, "start cannot move"):
            contract.write({"date_start": date(2026, 1, 15), "change_reason": "x"})
        with self.assertRaisesRegex(UserError, "end cannot be earlier"):
            contract.write({"date_end": date(2026, 2, 10), "change_reason": "x"})

    # ------------------------------------------------------------------
    # Isolation and bounds
    # ------------------------------------------------------------------
    def test_one_broken_contract_does_not_stop_the_run(self):
        healthy = self._monthly(date(2026, 1, 1))
        broken = self._monthly(date(2026, 1, 1))
        # written before the bounds existed
        self.env.cr.execute(
            "UPDATE service_contract SET recurring_interval_number = 1000000 "
            "WHERE id = %s",
            [broken.id],
        )
        broken.invalidate_recordset()
        errors = {}
        moves = self.Invoicing._invoice_contracts(date=date(2026, 3, 1), errors=errors)
        self.assertEqual(moves.service_contract_id, healthy)
        self.assertEqual(len(moves), 3)
        self.assertIn("cannot be computed", errors[broken])
        self.assertIn("cannot be computed", broken.message_ids[0].body)

    def test_expiry_run_survives_an_impossible_renewal(self):
        healthy = self._monthly(
            date(2025, 1, 1), date_end=date(2025, 12, 31), auto_renew=True
        )
        broken = self._monthly(
            date(2025, 1, 1), date_end=date(2025, 12, 31), auto_renew=True
        )
        # written before the bounds existed
        self.env.cr.execute(
            "ALTER TABLE service_contract "
            "DROP CONSTRAINT service_contract_renewal_months_positive"
        )
        self.env.cr.execute(
            "UPDATE service_contract SET renewal_months = 10000000 WHERE id = %s",
            [broken.id],
        )
        broken.invalidate_recordset()
        expired, renewed = self.env["service.contract"]._cron_service_contract_expiry(
            date=date(2026, 1, 5)
        )
        self.assertEqual(renewed, healthy)
        self.assertEqual(expired, broken)
        self.assertIn(
            "shorter renewal term", " ".join(broken.message_ids.mapped("body"))
        )

    def test_intervals_terms_and_horizon_are_bounded(self):
        with self.assertRaisesRegex(ValidationError, "too long"):
            self._contract(recurring_interval_number=1000000)
        with self.assertRaises(ValidationError):
            self._contract(renewal_months=10000000)
        wizard = self.env["service.invoice.wizard"]
        with self.assertRaisesRegex(ValidationError, "too far ahead"):
            wizard.create({"date": date(2100, 12, 31)})


@tagged("post_install", "-at_install")
class TestContractLifeSale(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Monthly maintenance plan",
                "type": "service",
                "list_price": 120.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
                "service_contract_product": True,
                "service_contract_type": "maintenance",
                "service_billing_method": "flat_rate",
                "service_recurring_interval_number": 1,
                "service_recurring_interval_type": "month",
                "service_contract_duration_months": 12,
            }
        )
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Sam Seller",
                "login": "sm_life_seller",
                "group_ids": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )

    def _order(self, qty=1, lines=1):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "date_order": datetime(2026, 2, 10, 10),
                "order_line": [
                    Command.create({"product_id": self.plan.id, "product_uom_qty": qty})
                    for __ in range(lines)
                ],
            }
        )
        order.action_confirm()
        return order

    def test_sold_contract_is_billed_once_by_the_contract(self):
        order = self._order()
        contract = order.service_contract_ids
        self.assertEqual(contract.state, "running")
        self.assertEqual(order.order_line.service_contract_id, contract)
        self.assertEqual(order.order_line.qty_to_invoice, 0.0)
        self.assertEqual(order.order_line.invoice_status, "no")
        self.assertEqual(order.invoice_status, "no")
        with self.assertRaises(UserError):
            order._create_invoices()
        moves = self.Invoicing._invoice_contracts(date=contract.date_start)
        self.assertEqual(moves.amount_untaxed, 120.0)
        self.assertFalse(order.invoice_ids)

    def test_cancel_and_confirm_again_keeps_one_contract(self):
        order = self._order(lines=2)
        contract = order.service_contract_ids
        self.assertEqual(len(contract), 1)
        self.assertEqual(order.order_line.service_contract_id, contract)
        order._action_cancel()
        self.assertEqual(contract.state, "cancelled")
        order.action_draft()
        order.action_confirm()
        self.assertEqual(order.service_contract_ids, contract)
        self.assertEqual(contract.state, "running")
        self.assertEqual(len(contract.line_ids), 2)
        # confirming again never creates twice
        order._service_create_contracts()
        self.assertEqual(order.service_contract_ids, contract)

    def test_cancelling_an_invoiced_order_warns(self):
        order = self._order()
        contract = order.service_contract_ids
        self.Invoicing._invoice_contracts(date=contract.date_start)
        order._action_cancel()
        self.assertEqual(contract.state, "running")
        self.assertIn("already has invoices", contract.message_ids[0].body)
        self.assertIn("already has invoices", order.message_ids[0].body)
