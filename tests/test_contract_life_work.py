# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The work side of a contract's life: prepaid hours per term refill at
renewal, work invoices grouped by what changes them, margins in one
currency."""

from datetime import date

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .test_allowance import AllowanceCommon


@tagged("post_install", "-at_install")
class TestContractLifeWork(AllowanceCommon):
    @freeze_time("2027-01-20")
    def test_term_package_refills_at_renewal(self):
        self.package.write(
            {
                "allowance_period": "term",
                "date_end": date(2026, 12, 31),
                "renewal_months": 12,
                "change_reason": "One-year term",
            }
        )
        self._job([8.0], date(2026, 11, 10))
        self.package.action_renew()
        self.assertEqual(self.package.date_term_start, date(2027, 1, 1))
        job = self._job([6.0], date(2027, 1, 12))
        line = self._labour(job)
        # the new term brings 10 fresh hours: all 6 covered
        self.assertEqual(line.allowance_hours, 6.0)
        self.assertEqual(line.allowance_period_start, date(2027, 1, 1))
        self.assertEqual(job.amount_total, 0.0)
        self.assertEqual(self.package.allowance_hours_left, 4.0)

    def test_work_invoices_split_by_fiscal_position(self):
        """Per-customer work invoices: jobs at a site taxed under another
        fiscal position get their own invoice, with their own taxes (before,
        the first job's fiscal position taxed every job of the invoice)."""
        self.env.company.service_work_invoice_grouping = "customer"
        self.package.allowance_hours = 0
        export = self.env["account.fiscal.position"].create({"name": "Export"})
        domestic_tax = self.env["account.tax"].create(
            {"name": "VAT 22%", "amount": 22.0}
        )
        export_tax = self.env["account.tax"].create(
            {
                "name": "Export 0%",
                "amount": 0.0,
                "fiscal_position_ids": [Command.set(export.ids)],
                "original_tax_ids": [Command.set(domestic_tax.ids)],
            }
        )
        self.activity_repair.product_id.taxes_id = domestic_tax
        home = self._job([2.0], date(2026, 3, 2))
        abroad = self._job([2.0], date(2026, 3, 3))
        annex = self.env["res.partner"].create(
            {
                "name": "Beta Hotel, Nice annex",
                "type": "delivery",
                "parent_id": self.customer_b.id,
                "property_account_position_id": export.id,
            }
        )
        self.env.cr.execute(
            "UPDATE service_intervention SET partner_shipping_id = %s WHERE id = %s",
            [annex.id, abroad.id],
        )
        abroad.invalidate_recordset()
        moves = self.env["service.invoicing"]._invoice_work(date=date(2026, 3, 31))
        self.assertEqual(len(moves), 2, "one invoice per fiscal position")
        by_job = {move.service_intervention_ids: move for move in moves}
        self.assertFalse(by_job[home].fiscal_position_id)
        self.assertEqual(by_job[home].invoice_line_ids.tax_ids, domestic_tax)
        self.assertEqual(by_job[abroad].fiscal_position_id, export)
        self.assertEqual(by_job[abroad].invoice_line_ids.tax_ids, export_tax)

    def test_margin_subtracts_a_cost_in_the_same_currency(self):
        """The cost (company currency) is converted to the line's currency
        before it is subtracted from the price (before: 20 EUR − 8 USD)."""
        euro = self.env.ref("base.EUR")
        euro.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": euro.id, "rate": 2.0, "name": date(2026, 1, 1)}
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Euro customers", "currency_id": euro.id}
        )
        job = self._intervention(
            partner_id=self.customer_b.id, object_ids=[], pricelist_id=pricelist.id
        )
        self.assertEqual(job.currency_id, euro)
        job.action_start()
        line = self._line(
            job,
            line_type="part",
            product_id=self.product_part.id,
            quantity=1,
            price_unit=20.0,
            date=date(2026, 3, 2),
        )
        self.assertEqual(line.sudo().unit_cost, 8.0)  # USD, the company's
        self.assertEqual(line.sudo().cost_subtotal, 16.0)  # in EUR
        self.assertEqual(line.sudo().margin, 4.0)
