# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ServiceCommon


class InvoicingCommon(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Invoicing = cls.env["service.invoicing"]
        cls.customer = cls.env["res.partner"].create(
            {"name": "Hotel Aurora", "is_company": True, "lang": "en_US"}
        )
        cls.invoice_address = cls.env["res.partner"].create(
            {"name": "Aurora accounts", "type": "invoice", "parent_id": cls.customer.id}
        )
        cls.fee = cls.env["product.product"].create(
            {"name": "Maintenance fee", "type": "service", "list_price": 300.0}
        )
        cls.fee_2 = cls.env["product.product"].create(
            {"name": "Remote monitoring", "type": "service", "list_price": 20.0}
        )

    @classmethod
    def _contract(cls, start=date(2026, 1, 1), lines=None, **values):
        vals = {
            "partner_id": cls.customer.id,
            "contract_type": "maintenance",
            "date_start": start,
            "recurring_interval_number": 3,
            "recurring_interval_type": "month",
            "line_ids": [
                Command.create({"product_id": product.id, "quantity": qty})
                for product, qty in (lines or [(cls.fee, 1)])
            ],
        }
        vals.update(values)
        contract = cls.env["service.contract"].create(vals)
        contract.action_start()
        return contract

    def _invoices(self, contract):
        return self.env["account.move"].search(
            [("service_contract_id", "=", contract.id), ("state", "!=", "cancel")],
            order="service_period_start",
        )


@tagged("post_install", "-at_install")
class TestInvoicingContracts(InvoicingCommon):
    def test_in_advance_quarterly(self):
        contract = self._contract(lines=[(self.fee, 1), (self.fee_2, 2)])
        self.assertEqual(contract.partner_invoice_id, self.invoice_address)
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2025, 12, 31)))
        moves = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.move_type, "out_invoice")
        self.assertEqual(moves.state, "draft")
        self.assertEqual(moves.partner_id, self.invoice_address)
        self.assertEqual(moves.service_contract_id, contract)
        self.assertEqual(moves.service_period_start, date(2026, 1, 1))
        self.assertEqual(moves.service_period_end, date(2026, 3, 31))
        self.assertEqual(moves.invoice_date, date(2026, 1, 1))
        self.assertEqual(moves.invoice_origin, contract.name)
        self.assertEqual(moves.amount_untaxed, 340.0)
        self.assertEqual(
            moves.invoice_line_ids.mapped("name"),
            [
                "Maintenance fee 01/01/2026–03/31/2026",
                "Remote monitoring 01/01/2026–03/31/2026",
            ],
        )
        self.assertEqual(moves.invoice_line_ids.service_contract_id, contract)
        self.assertEqual(contract.next_invoice_date, date(2026, 4, 1))
        self.assertEqual(contract.invoice_count, 1)
        action = moves.action_view_service_contract()
        self.assertEqual(action["res_id"], contract.id)

    def test_in_arrears(self):
        contract = self._contract(recurring_invoicing_mode="in_arrears")
        self.assertEqual(contract.next_invoice_date, date(2026, 4, 1))
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 3, 31)))
        moves = self.Invoicing._invoice_contracts(date=date(2026, 4, 1))
        self.assertEqual(moves.service_period_start, date(2026, 1, 1))
        self.assertEqual(moves.service_period_end, date(2026, 3, 31))
        self.assertEqual(moves.invoice_date, date(2026, 4, 1))
        self.assertEqual(contract.next_invoice_date, date(2026, 7, 1))

    def test_several_late_periods_oldest_first(self):
        contract = self._contract(recurring_interval_number=1)
        moves = self.Invoicing._invoice_contracts(date=date(2026, 3, 15))
        self.assertEqual(len(moves), 3)
        self.assertEqual(
            self._invoices(contract).mapped("service_period_start"),
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
        )
        self.assertLess(moves[0].id, moves[2].id)
        self.assertEqual(contract.next_invoice_date, date(2026, 4, 1))

    def test_pro_rata_last_period_and_nothing_beyond_the_end(self):
        contract = self._contract(
            recurring_interval_number=1, date_end=date(2026, 2, 14)
        )
        moves = self.Invoicing._invoice_contracts(date=date(2026, 6, 1))
        self.assertEqual(len(moves), 2)
        self.assertEqual(moves.service_contract_id, contract)
        january, february = moves.sorted("service_period_start")
        self.assertEqual(january.invoice_line_ids.quantity, 1.0)
        self.assertEqual(february.service_period_end, date(2026, 2, 14))
        # the price is pro-rated, the quantity kept
        self.assertEqual(february.invoice_line_ids.quantity, 1.0)
        self.assertEqual(february.invoice_line_ids.price_unit, 150.0)
        self.assertIn("(14/28 days)", february.invoice_line_ids.name)
        self.assertEqual(february.amount_untaxed, 150.0)
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 12, 1)))

    def test_pro_rata_setting_off(self):
        self.env.company.service_invoice_prorata = False
        contract = self._contract(
            recurring_interval_number=1, date_end=date(2026, 1, 10)
        )
        moves = self.Invoicing._invoice_contracts(date=date(2026, 6, 1))
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.invoice_line_ids.quantity, 1.0)
        self.assertEqual(moves.service_period_end, date(2026, 1, 10))
        self.assertEqual(self._invoices(contract), moves)

    def test_expired_contract_billed_up_to_its_end_only(self):
        contract = self._contract(
            recurring_interval_number=1, date_end=date(2026, 2, 28)
        )
        self.env["service.contract"]._cron_service_contract_expiry(
            date=date(2026, 3, 5)
        )
        self.assertEqual(contract.state, "expired")
        moves = self.Invoicing._invoice_contracts(date=date(2026, 5, 1))
        self.assertEqual(
            moves.mapped("service_period_start"), [date(2026, 1, 1), date(2026, 2, 1)]
        )
        draft = self._contract()
        draft.action_cancel()
        self.assertFalse(
            self.Invoicing._invoice_contracts(date=date(2026, 5, 1), contracts=draft)
        )

    def test_not_billed_contracts_are_ignored(self):
        assistance = self._contract(contract_type="assistance", line_ids=[])
        self.assertEqual(assistance.billing_method, "time_and_materials")
        self.assertFalse(
            self.Invoicing._invoice_contracts(
                date=date(2026, 5, 1), contracts=assistance
            )
        )

    def test_double_run_creates_nothing_more(self):
        contract = self._contract()
        first = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        second = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        self.assertEqual(len(first), 1)
        self.assertFalse(second)
        self.assertEqual(len(self._invoices(contract)), 1)

    @mute_logger("odoo.sql_db")
    def test_database_forbids_a_second_invoice_for_a_period(self):
        contract = self._contract()
        move = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            move.copy(
                {
                    "service_contract_id": contract.id,
                    "service_period_start": move.service_period_start,
                }
            )
            self.env.flush_all()

    def test_cancelled_invoice_makes_the_period_billable_again(self):
        contract = self._contract()
        moves = self.Invoicing._invoice_contracts(date=date(2026, 4, 1))
        self.assertEqual(contract.next_invoice_date, date(2026, 7, 1))
        first = moves.sorted("service_period_start")[0]
        first.button_cancel()
        self.assertEqual(contract.next_invoice_date, date(2026, 1, 1))
        self.assertIn("billable again", contract.message_ids[0].body)
        again = self.Invoicing._invoice_contracts(date=date(2026, 4, 1))
        # the cancelled period is invoiced again, the other one is not
        self.assertEqual(again.service_period_start, date(2026, 1, 1))
        self.assertEqual(len(self._invoices(contract)), 2)
        self.assertEqual(contract.next_invoice_date, date(2026, 7, 1))

    def test_deleted_draft_invoice_makes_the_period_billable_again(self):
        contract = self._contract()
        move = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        move.unlink()
        self.assertEqual(contract.next_invoice_date, date(2026, 1, 1))
        self.assertEqual(
            len(self.Invoicing._invoice_contracts(date=date(2026, 1, 1))), 1
        )

    def test_failing_contract_does_not_stop_the_others(self):
        good_1 = self._contract()
        bad = self._contract()
        good_2 = self._contract()
        Contract = type(self.env["service.contract"])
        original = Contract._prepare_invoice_values

        def prepare(contract, period):
            vals = original(contract, period)
            if contract == bad:
                # a broken reference: the database refuses this invoice
                vals["invoice_line_ids"][0][2]["account_id"] = 999999999
            return vals

        with (
            patch.object(Contract, "_prepare_invoice_values", prepare),
            mute_logger(
                "odoo.sql_db", "odoo.addons.service_management.models.service_invoicing"
            ),
        ):
            moves = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        self.assertEqual(moves.service_contract_id, good_1 | good_2)
        self.assertEqual(good_1.next_invoice_date, date(2026, 4, 1))
        self.assertEqual(bad.next_invoice_date, date(2026, 1, 1))
        self.assertFalse(self._invoices(bad))
        self.assertIn("Automatic invoicing failed", bad.message_ids[0].body)
        # fixed, the next run invoices it
        self.assertEqual(
            self.Invoicing._invoice_contracts(
                date=date(2026, 1, 1)
            ).service_contract_id,
            bad,
        )

    def test_taxes_and_fiscal_position(self):
        tax_22 = self.env["account.tax"].create(
            {"name": "VAT 22 (test)", "amount": 22, "type_tax_use": "sale"}
        )
        self.fee.taxes_id = tax_22
        fiscal_position = self.env["account.fiscal.position"].create(
            {"name": "Export (test)"}
        )
        tax_0 = self.env["account.tax"].create(
            {
                "name": "VAT 0 export (test)",
                "amount": 0,
                "type_tax_use": "sale",
                "fiscal_position_ids": [Command.set(fiscal_position.ids)],
                "original_tax_ids": [Command.set(tax_22.ids)],
            }
        )
        self.assertEqual(fiscal_position.map_tax(tax_22), tax_0)
        normal = self._contract()
        export = self._contract(fiscal_position_id=fiscal_position.id)
        self.assertEqual(normal.line_ids.tax_ids, tax_22)
        self.assertEqual(export.line_ids.tax_ids, tax_0)
        moves = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        by_contract = {move.service_contract_id: move for move in moves}
        self.assertEqual(by_contract[normal].amount_total, 366.0)
        self.assertEqual(by_contract[export].fiscal_position_id, fiscal_position)
        self.assertEqual(by_contract[export].invoice_line_ids.tax_ids, tax_0)
        self.assertEqual(by_contract[export].amount_total, 300.0)

    def test_pricelist_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        company_currency = self.env.company.currency_id
        currency = eur if company_currency != eur else self.env.ref("base.USD")
        currency.active = True
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign prices", "currency_id": currency.id}
        )
        contract = self._contract(pricelist_id=pricelist.id)
        self.assertEqual(contract.currency_id, currency)
        move = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        self.assertEqual(move.currency_id, currency)
        self.assertEqual(move.invoice_line_ids.price_unit, contract.line_ids.price_unit)

    def test_create_invoice_button(self):
        contract = self._contract(start=date.today())
        action = contract.action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.service_contract_id, contract)
        with self.assertRaisesRegex(Exception, "Nothing to invoice"):
            contract.action_create_invoice()

    def test_auto_post_except_warnings(self):
        self.env.company.service_invoice_auto_post = True
        good = self._contract()
        ending = self._contract(date_end=date(2026, 2, 15))
        moves = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        by_contract = {move.service_contract_id: move for move in moves}
        self.assertEqual(by_contract[good].state, "posted")
        # warning: the contract ends within this period
        self.assertEqual(by_contract[ending].state, "draft")
        # an explicit choice overrides the setting
        self._contract()
        self.assertEqual(
            set(
                self.Invoicing._invoice_contracts(
                    date=date(2026, 1, 1), post=False
                ).mapped("state")
            ),
            {"draft"},
        )

    def test_invoicing_queries_do_not_grow_per_contract(self):
        """Invoicing 12 contracts costs well under 3x invoicing 4."""
        costs = []
        for count, day in ((4, date(2026, 1, 1)), (12, date(2026, 1, 2))):
            for __ in range(count):
                self._contract(start=day)
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            moves = self.Invoicing._invoice_contracts(date=day)
            self.env.flush_all()
            costs.append(self.cr.sql_log_count - before)
            self.assertEqual(len(moves), count)
        per_contract = [costs[0] / 4, costs[1] / 12]
        self.assertLess(per_contract[1], per_contract[0], costs)
