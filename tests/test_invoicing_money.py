# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import date, datetime
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

ENGINE_LOGGER = "odoo.addons.service_management.models.service_invoicing"


@tagged("post_install", "-at_install")
class TestInvoicingMoney(AccountTestInvoicingCommon):
    """The money edges of service invoicing, on a company with a chart of
    accounts: positive fees, a bounded price index, no empty invoices, exact
    pro-rata and work amounts, posting failures isolated per invoice, and
    invoicing by users with billing rights only."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.quick_ref(
            "service_management.group_service_manager"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        cls.Invoicing = cls.env["service.invoicing"]
        no_tax = cls.env["account.tax"]
        cls.customer, cls.customer_b, cls.customer_c = cls.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "lang": "en_US"}
                for name in ("Hotel Aurora", "Beta Hotel", "Gamma Spa")
            ]
        )
        cls.fee = cls._create_product(
            name="Maintenance fee", type="service", lst_price=130.0, taxes_id=no_tax
        )
        cls.rebate = cls._create_product(
            name="Loyalty rebate", type="service", lst_price=0.0, taxes_id=no_tax
        )
        cls.labour = cls._create_product(
            name="Labour", type="service", lst_price=50.0, taxes_id=no_tax
        )
        cls.taxed_labour = cls._create_product(
            name="Taxed labour", type="service", lst_price=50.0, taxes_id=cls.tax_sale_a
        )
        cls.tax_included = cls.env["account.tax"].create(
            {
                "name": "VAT 22% included (test)",
                "amount": 22.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cls.included_labour = cls._create_product(
            name="Labour, tax included",
            type="service",
            lst_price=61.0,
            taxes_id=cls.tax_included,
        )
        activities = cls.env["service.activity.type"].create(
            [
                {"name": "Repair", "code": "M-REP", "product_id": cls.labour.id},
                {"name": "Audit", "code": "M-AUD", "product_id": cls.taxed_labour.id},
                {
                    "name": "Check",
                    "code": "M-CHK",
                    "product_id": cls.included_labour.id,
                },
            ]
        )
        cls.activity, cls.taxed_activity, cls.included_activity = activities
        cls.boiler = cls._create_product(
            name="Boiler", type="consu", is_storable=True, tracking="serial"
        )
        cls.boiler_lot = cls.env["stock.lot"].create(
            {
                "name": "BX-MONEY-1",
                "product_id": cls.boiler.id,
                "service_partner_id": cls.customer.id,
            }
        )
        cls.technician = (
            cls.env["hr.employee"]
            .sudo()
            .create({"name": "Tess Technician", "company_id": cls.env.company.id})
        )
        cls.accountant = new_test_user(
            cls.env,
            login="sm_billing_only",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
        )
        cls.dispatcher = new_test_user(
            cls.env,
            login="sm_money_dispatcher",
            groups="service_management.group_service_officer",
            company_id=cls.env.company.id,
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @classmethod
    def _contract(cls, lines=None, partner=None, start=True, **values):
        """A monthly flat-rate contract from 2026-01-01; ``lines`` are
        (product, quantity, unit price) and default to one fee of 130."""
        if lines is None:
            lines = [(cls.fee, 1.0, 130.0)]
        vals = {
            "partner_id": (partner or cls.customer).id,
            "contract_type": "maintenance",
            "date_start": date(2026, 1, 1),
            "recurring_interval_number": 1,
            "recurring_interval_type": "month",
            "line_ids": [
                Command.create(
                    {"product_id": product.id, "quantity": qty, "price_unit": price}
                )
                for product, qty, price in lines
            ],
        }
        vals.update(values)
        contract = cls.env["service.contract"].create(vals)
        if start:
            contract.action_start()
        return contract

    @staticmethod
    def _change_lines(contract, commands):
        contract.write({"line_ids": commands, "change_reason": "Renegotiated"})

    def _invoices(self, contract):
        return self.env["account.move"].search(
            [("service_contract_id", "=", contract.id), ("state", "!=", "cancel")]
        )

    def _done_intervention(self, partner, lines, activity=None, **values):
        """A done intervention with one activity line per (hours, unit price,
        discount %, coverage %) of ``lines``, on 2026-01-10."""
        intervention = self.env["service.intervention"].create(
            {
                "partner_id": partner.id,
                "scheduled_start": datetime(2026, 1, 10, 9, 0),
                **values,
            }
        )
        intervention.line_ids = [
            Command.create(
                {
                    "line_type": "activity",
                    "activity_type_id": (activity or self.activity).id,
                    "date": date(2026, 1, 10),
                    "quantity": hours,
                    "price_unit": price,
                    "discount": discount,
                    "coverage_pct": coverage,
                    "coverage_reason": "Goodwill" if coverage else False,
                }
            )
            for hours, price, discount, coverage in lines
        ]
        intervention.action_start()
        intervention.action_done()
        for line, (hours, price, discount, coverage) in zip(
            intervention.line_ids, lines, strict=True
        ):
            self.assertEqual(
                (line.quantity, line.price_unit, line.discount, line.coverage_pct),
                (hours, price, discount, coverage),
            )
        return intervention

    def _wizard(self, user, **values):
        form = Form(self.env["service.invoice.wizard"].with_user(user))
        form.date = date(2026, 1, 31)
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    @contextmanager
    def _refused_posting(self, partner):
        """Posting any invoice of ``partner`` fails as the tax office would."""
        Move = type(self.env["account.move"])
        original = Move._post

        def _post(moves, soft=True):
            if partner in moves.partner_id.commercial_partner_id:
                raise UserError(
                    moves.env._("The tax office refuses invoices of this customer.")
                )
            return original(moves, soft=soft)

        with patch.object(Move, "_post", _post), mute_logger(ENGINE_LOGGER):
            yield

    # ------------------------------------------------------------------
    # 1. Flat-rate contracts start and renew with a positive fee only
    # ------------------------------------------------------------------
    def test_flat_rate_contract_needs_a_positive_fee_to_start(self):
        for lines, message in (
            ([(self.fee, 0.0, 130.0)], "positive total"),
            ([(self.fee, 1.0, 130.0), (self.rebate, 1.0, -245.0)], "positive total"),
            ([], "add at least one fee line"),
        ):
            with self.subTest(lines=lines):
                contract = self._contract(lines=lines, start=False)
                with self.assertRaises(UserError) as caught, self.cr.savepoint():
                    contract.action_start()
                self.assertIn(contract.name, str(caught.exception))
                self.assertIn(message, str(caught.exception))
                self.assertEqual(contract.state, "draft")
                self.assertFalse(self._invoices(contract))
        # a contract billed by executed work needs no fee
        assistance = self._contract(lines=[], contract_type="assistance", start=False)
        assistance.action_start()
        self.assertEqual(assistance.state, "running")

    def test_flat_rate_contract_needs_a_positive_fee_to_renew(self):
        contract = self._contract(date_end=date(2026, 6, 30), auto_renew=True)
        self._change_lines(
            contract,
            [Command.create({"product_id": self.rebate.id, "price_unit": -245.0})],
        )
        self.assertEqual(contract.amount_untaxed, -115.0)
        with self.assertRaises(UserError) as caught, self.cr.savepoint():
            contract.action_renew()
        self.assertIn(contract.name, str(caught.exception))
        self.assertIn("cannot be renewed", str(caught.exception))
        self.assertEqual(contract.date_end, date(2026, 6, 30))
        # nor by the daily expiry action: it expires with the reason, and the
        # other contracts still renew
        healthy = self._contract(date_end=date(2026, 6, 30), auto_renew=True)
        expired, renewed = self.env["service.contract"]._cron_service_contract_expiry(
            date=date(2026, 7, 2)
        )
        self.assertEqual(renewed, healthy)
        self.assertIn(contract, expired)
        self.assertEqual(contract.state, "expired")
        self.assertEqual(contract.date_end, date(2026, 6, 30))
        self.assertTrue(
            contract.message_ids.filtered(
                lambda m: "Automatic renewal failed" in m.body
            )
        )
        # fixed, it renews
        self._change_lines(contract, [Command.unlink(contract.line_ids[-1].id)])
        contract.action_renew()
        self.assertEqual(contract.date_end, date(2027, 6, 30))

    # ------------------------------------------------------------------
    # 2. The renewal price index is bounded
    # ------------------------------------------------------------------
    def test_renewal_price_index_is_bounded(self):
        company = self.env.company
        for index in (-100.0, -150.0, -50.5, 100.5, 250.0):
            with (
                self.subTest(index=index),
                self.assertRaisesRegex(ValidationError, r"between -50% and \+100%"),
                self.cr.savepoint(),
            ):
                company.service_renewal_price_index = index
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["res.config.settings"].create(
                {"service_renewal_price_index": -100.0}
            ).execute()
        self.assertEqual(company.service_renewal_price_index, 0.0)
        contract = self._contract(date_end=date(2026, 6, 30))
        company.service_renewal_price_index = 100.0
        contract.action_renew()
        self.assertEqual(contract.amount_untaxed, 260.0)
        company.service_renewal_price_index = -50.0
        contract.action_renew()
        self.assertEqual(contract.amount_untaxed, 130.0)

    # ------------------------------------------------------------------
    # 3. No invoice with nothing to bill
    # ------------------------------------------------------------------
    def test_zero_fee_period_gets_no_invoice(self):
        contract = self._contract()
        self._change_lines(
            contract, [Command.update(contract.line_ids.id, {"quantity": 0.0})]
        )
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 2, 15)))
        self.assertFalse(self._invoices(contract))
        # January and February are settled without invoice, and said so
        self.assertEqual(contract.next_invoice_date, date(2026, 3, 1))
        self.assertIn("the fee is zero", contract.message_ids[0].body)
        self.assertIn("01/01/2026", contract.message_ids[0].body)
        self.assertIn("02/01/2026", contract.message_ids[0].body)
        # the next run has nothing to look at: no loop, no repeated note
        messages = len(contract.message_ids)
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 2, 15)))
        self.assertEqual(len(contract.message_ids), messages)

    def test_closed_contract_without_fee_lines_stops_invoicing(self):
        contract = self._contract()
        contract.action_close()
        contract.line_ids.unlink()
        self.assertFalse(self.Invoicing._invoice_contracts(date=date(2026, 3, 1)))
        self.assertFalse(self._invoices(contract))
        self.assertFalse(contract.next_invoice_date)
        self.assertIn("without fee lines", contract.message_ids[0].body)
        self.assertFalse(
            self.Invoicing._invoice_contracts(
                date=date(2026, 12, 1), contracts=contract
            )
        )

    def test_negative_fee_is_reported_not_invoiced(self):
        contract = self._contract()
        self._change_lines(
            contract,
            [Command.create({"product_id": self.rebate.id, "price_unit": -245.0})],
        )
        self.assertEqual(contract.amount_untaxed, -115.0)
        errors = {}
        with mute_logger(ENGINE_LOGGER):
            moves = self.Invoicing._invoice_contracts(
                date=date(2026, 1, 1), errors=errors
            )
        self.assertFalse(moves)
        self.assertFalse(self._invoices(contract))
        self.assertIn("negative", errors[contract])
        self.assertEqual(contract.next_invoice_date, date(2026, 1, 1))
        self.assertIn("Automatic invoicing failed", contract.message_ids[0].body)
        rows = self.Invoicing._preview(date(2026, 1, 1), contracts=contract)
        self.assertEqual(len(rows), 1)
        self.assertIn("cannot be invoiced", rows[0]["warnings"])
        self.assertIn("negative", rows[0]["warnings"])

    # ------------------------------------------------------------------
    # 4. Pro-rata exact to the cent
    # ------------------------------------------------------------------
    def test_pro_rata_applies_to_the_price_exact_to_the_cent(self):
        contract = self._contract(date_end=date(2026, 1, 15))
        move = self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
        line = move.invoice_line_ids
        self.assertEqual(line.quantity, 1.0)
        self.assertEqual(line.price_unit, 62.9)
        self.assertEqual(move.amount_untaxed, 62.9)  # 130 x 15/31 = 62.903
        self.assertEqual(
            line.name, "Maintenance fee 01/01/2026–01/15/2026 (15/31 days)"
        )
        self.assertEqual(move.service_period_end, date(2026, 1, 15))
        self.assertEqual(self._invoices(contract), move)
        # with a discount: 130 x 15/31 x 90% = 56.613
        discounted = self._contract(date_end=date(2026, 1, 15))
        self._change_lines(
            discounted,
            [Command.update(discounted.line_ids.id, {"discount": 10.0})],
        )
        move = self.Invoicing._invoice_contracts(
            date=date(2026, 1, 1), contracts=discounted
        )
        self.assertEqual(move.amount_untaxed, 56.61)

    # ------------------------------------------------------------------
    # 5. A posting failure is isolated per invoice
    # ------------------------------------------------------------------
    def test_posting_failure_does_not_stop_the_others(self):
        good = self._contract()
        refused = self._contract(partner=self.customer_b)
        other = self._contract(partner=self.customer_c)
        wizard = self._wizard(
            self.env.user, post=True, invoice_work=False, date=date(2026, 1, 1)
        )
        with self._refused_posting(self.customer_b):
            action = wizard.action_create_invoices()
        # the wizard shows what went wrong, the invoices one click away
        self.assertEqual(action["res_model"], "service.invoice.wizard")
        self.assertEqual(action["res_id"], wizard.id)
        self.assertIn("3 invoice(s) created", wizard.result)
        self.assertIn("could not be posted and stays in draft", wizard.result)
        self.assertIn("Beta Hotel", wizard.result)
        self.assertIn("The tax office refuses", wizard.result)
        moves = wizard.invoice_ids
        self.assertEqual(
            {move.service_contract_id: move.state for move in moves},
            {good: "posted", refused: "draft", other: "posted"},
        )
        self.assertIn("could not be posted", refused.message_ids[0].body)
        self.assertFalse(
            good.message_ids.filtered(lambda m: "could not be posted" in m.body)
        )
        action = wizard.action_open_created_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), moves)

    def test_auto_post_failure_is_isolated_for_work(self):
        self.env.company.service_invoice_auto_post = True
        good = self._done_intervention(self.customer_c, [(2.0, 50.0, 0.0, 0.0)])
        refused = self._done_intervention(self.customer_b, [(1.0, 50.0, 0.0, 0.0)])
        post_errors = {}
        with self._refused_posting(self.customer_b):
            moves = self.Invoicing._invoice_work(
                date=date(2026, 1, 31), post_errors=post_errors
            )
        self.assertEqual(len(moves), 2)
        self.assertEqual(good.invoice_ids.state, "posted")
        self.assertEqual(refused.invoice_ids.state, "draft")
        self.assertEqual(list(post_errors), [refused.invoice_ids])
        self.assertIn("could not be posted", refused.message_ids[0].body)
        self.assertIn("could not be posted", refused.invoice_ids.message_ids[0].body)

    # ------------------------------------------------------------------
    # 6. Salesperson
    # ------------------------------------------------------------------
    def test_salesperson_is_the_documents_responsible(self):
        intervention = self._done_intervention(
            self.customer_b, [(1.0, 50.0, 0.0, 0.0)], user_id=self.dispatcher.id
        )
        move = self.Invoicing.with_user(self.accountant)._invoice_work(
            date=date(2026, 1, 31)
        )
        self.assertEqual(move.service_intervention_ids, intervention)
        self.assertEqual(move.invoice_user_id, self.dispatcher)
        contract = self._contract(user_id=self.dispatcher.id)
        move = self.Invoicing.with_user(self.accountant)._invoice_contracts(
            date=date(2026, 1, 1), contracts=contract
        )
        self.assertEqual(move.invoice_user_id, self.dispatcher)

    # ------------------------------------------------------------------
    # 7. The invoice of executed work is the signed amount, to the cent
    # ------------------------------------------------------------------
    def test_work_invoice_equals_the_signed_amount(self):
        # hours, unit price, discount %, coverage %
        combinations = [
            (1.35, 43.33, 12.5, 33.33),
            (2.5, 37.77, 7.0, 15.0),
            (0.75, 19.99, 0.0, 33.33),
            (3.0, 12.34, 12.5, 0.0),
            (1.0, 204.49, 3.0, 66.67),
            (0.33, 99.99, 33.33, 33.33),
            (7.25, 41.17, 2.5, 12.5),
            (2.25, 47.5, 12.5, 33.33),
        ]
        interventions = [
            self._done_intervention(self.customer_b, [combination])
            for combination in combinations
        ]
        # all of them on one intervention, with a 15% tax, with a tax included
        interventions.append(self._done_intervention(self.customer_b, combinations))
        for activity in (self.taxed_activity, self.included_activity):
            interventions.append(
                self._done_intervention(
                    self.customer_b, combinations, activity=activity
                )
            )
        self.Invoicing._invoice_work(date=date(2026, 1, 31))
        currency = self.env.company.currency_id
        for intervention in interventions:
            move = intervention.invoice_ids
            self.assertEqual(len(move), 1)
            self.assertFalse(
                currency.compare_amounts(
                    intervention.amount_total, move.amount_untaxed
                ),
                f"{intervention.line_ids.mapped('price_subtotal')} signed, "
                f"{move.invoice_line_ids.mapped('price_subtotal')} invoiced",
            )
            for line in intervention.line_ids:
                # the invoice line's share of the invoice, rounding included
                self.assertFalse(
                    currency.compare_amounts(
                        line.price_subtotal, -line.invoice_line_ids.amount_currency
                    )
                )
        # 1.35 h x 43.33 less 12.5% and 33.33% covered
        self.assertEqual(interventions[0].amount_total, 34.13)

    # ------------------------------------------------------------------
    # 8. Invoicing by users with billing rights only
    # ------------------------------------------------------------------
    def test_billing_user_previews_and_creates(self):
        due = self._contract()
        broken = self._contract(partner=self.customer_b)
        work = self._done_intervention(
            self.customer,
            [(1.5, 50.0, 0.0, 0.0)],
            technician_id=self.technician.id,
            object_ids=[Command.create({"lot_id": self.boiler_lot.id})],
        )
        Contract = type(self.env["service.contract"])
        original = Contract._prepare_invoice_values

        def prepare(contract, period):
            vals = original(contract, period)
            if contract == broken:
                # a broken reference: the database refuses this invoice
                vals["invoice_line_ids"][0][2]["account_id"] = 999999999
            return vals

        with (
            patch.object(Contract, "_prepare_invoice_values", prepare),
            mute_logger("odoo.sql_db", ENGINE_LOGGER),
        ):
            wizard = self._wizard(self.accountant)
            wizard.action_preview()
            wizard.action_preview()  # a second preview replaces the first
            rows = {row.origin: row for row in wizard.line_ids}
            self.assertEqual(set(rows), {due.name, broken.name, work.name})
            self.assertEqual(rows[due.name].amount_untaxed, 130.0)
            self.assertEqual(rows[work.name].amount_untaxed, 75.0)
            self.assertTrue(rows[broken.name].warnings.startswith("cannot be invoiced"))
            self.assertEqual(rows[broken.name].contract_id, broken)
            # nothing was created nor logged by the preview
            self.assertFalse(self._invoices(due))
            self.assertNotIn(
                "Automatic invoicing failed", broken.message_ids[:1].body or ""
            )

            action = wizard.action_create_invoices()
        self.assertEqual(action["res_model"], "service.invoice.wizard")
        self.assertIn(f"{broken.name} cannot be invoiced", wizard.result)
        moves = wizard.invoice_ids
        self.assertEqual(moves.service_contract_id, due)
        self.assertEqual(moves.service_intervention_ids, work)
        self.assertEqual(set(moves.mapped("state")), {"draft"})
        self.assertEqual(due.next_invoice_date, date(2026, 2, 1))
        self.assertEqual(broken.next_invoice_date, date(2026, 1, 1))
        work_line = moves.invoice_line_ids.filtered("service_intervention_line_ids")
        self.assertIn("BX-MONEY-1", work_line.name)
        self.assertIn("Tess Technician", work_line.name)
        message = broken.message_ids[0]
        self.assertIn("Automatic invoicing failed", message.body)
        self.assertEqual(message.author_id, self.accountant.partner_id)

    # ------------------------------------------------------------------
    # 9. Unexpected errors are not mistaken for a failing invoice
    # ------------------------------------------------------------------
    def test_unexpected_errors_stop_the_run(self):
        self._contract()
        original = type(self.Invoicing)._move_contract_markers

        def move_markers(invoicing, next_dates, contracts):
            if contracts:
                raise ZeroDivisionError("a bug, not bad data")
            return original(invoicing, next_dates, contracts)

        with (
            patch.object(type(self.Invoicing), "_move_contract_markers", move_markers),
            self.assertRaises(ZeroDivisionError),
        ):
            self.Invoicing._invoice_contracts(date=date(2026, 1, 1))
