# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Work on many records costs (about) what it costs on one: counts, warnings,
renewals and the invoicing cron are batched, not looped."""

from datetime import date
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import ServiceStockCommon
from .test_invoicing_contract import InvoicingCommon


class QueryCountMixin:
    def _queries(self, func):
        """The number of SQL queries ``func()`` runs, caches empty."""
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        func()
        return self.cr.sql_log_count - before


@tagged("post_install", "-at_install")
class TestBatchedInvoicing(QueryCountMixin, InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.service_invoice_warning_threshold = 20.0
        cls.monthly = cls.env["service.contract"]
        for __ in range(9):
            cls.monthly |= cls._contract(recurring_interval_number=1)
        # its last period is half a month: half the fee of the one before
        cls.ending = cls._contract(
            recurring_interval_number=1, date_end=date(2026, 2, 14)
        )
        cls.monthly |= cls.ending

    def _february_invoices(self):
        moves = self.Invoicing._invoice_contracts(
            date=date(2026, 2, 1), contracts=self.monthly
        )
        self.assertEqual(len(moves), 20)
        return moves.filtered(lambda m: m.service_period_start == date(2026, 2, 1))

    def test_warnings_of_all_invoices_in_one_query(self):
        february = self._february_invoices()
        warnings = self.Invoicing._invoice_warnings(february)
        ending = february.filtered(lambda m: m.service_contract_id == self.ending)
        self.assertEqual(
            warnings[ending],
            [
                "amount differs by 50% from the previous period",
                "the contract ends within this period",
            ],
        )
        self.assertEqual({tuple(warnings[move]) for move in february - ending}, {()})
        # January has no previous period to compare with
        january = self.env["account.move"].search(
            [
                ("service_contract_id", "=", self.ending.id),
                ("service_period_start", "=", date(2026, 1, 1)),
            ]
        )
        self.assertEqual(self.Invoicing._invoice_warnings(january), {january: []})
        # the same queries for one invoice or ten
        one = self._queries(lambda: self.Invoicing._invoice_warnings(ending))
        ten = self._queries(lambda: self.Invoicing._invoice_warnings(february))
        self.assertEqual(ten, one)

    def test_preview_warnings_do_not_grow_with_the_invoices(self):
        """The preview of ten contracts runs the queries of one, plus those
        of building the invoices: never one query per invoice for its
        warnings."""
        Invoicing = type(self.Invoicing)
        original = Invoicing._invoice_warnings
        costs = []

        def measured(invoicing, moves):
            before = self.cr.sql_log_count
            result = original(invoicing, moves)
            costs.append((len(moves), self.cr.sql_log_count - before))
            return result

        with patch.object(Invoicing, "_invoice_warnings", measured):
            self.Invoicing._preview(
                date(2026, 2, 1), contracts=self.ending, flows=("contracts",)
            )
            rows = self.Invoicing._preview(
                date(2026, 2, 1), contracts=self.monthly, flows=("contracts",)
            )
        self.assertEqual([count for count, __ in costs], [2, 20])
        self.assertEqual(costs[0][1], costs[1][1])
        warned = [row for row in rows if row["warnings"]]
        self.assertEqual(len(warned), 1)
        self.assertEqual(
            warned[0]["warnings"],
            "amount differs by 50% from the previous period; "
            "the contract ends within this period",
        )

    def test_cron_stops_when_its_time_is_spent(self):
        """The scheduled action commits each batch and stops when the cron's
        time is up; told what remains, the cron runs again for the rest."""
        Cron = type(self.env["ir.cron"])
        progress = []

        def time_is_up(cron, processed=0, *, remaining=None, deactivate=False):
            progress.append((processed, remaining))
            return 0.0

        with patch.object(Cron, "_commit_progress", time_is_up):
            first = self.Invoicing._invoice_contracts(
                date=date(2026, 1, 1), contracts=self.monthly, batch_size=4, commit=True
            )
        self.assertEqual(len(first), 4)
        self.assertEqual(progress, [(0, 10), (4, 6)])

        def time_left(cron, processed=0, *, remaining=None, deactivate=False):
            progress.append((processed, remaining))
            return 60.0

        progress.clear()
        with patch.object(Cron, "_commit_progress", time_left):
            rest = self.Invoicing._invoice_contracts(
                date=date(2026, 1, 1), contracts=self.monthly, batch_size=4, commit=True
            )
        self.assertEqual(progress, [(0, 6), (4, 2), (2, 0)])
        self.assertEqual((first | rest).service_contract_id, self.monthly)
        self.assertEqual(
            set(self.monthly.mapped("next_invoice_date")), {date(2026, 2, 1)}
        )

    def _renewal_notes(self, contract):
        return [
            html2plaintext(message.body)
            for message in contract.message_ids
            if "renewed" in message.body
        ]

    def test_renewals_index_fees_with_one_write_per_new_price(self):
        self.env.company.service_renewal_price_index = 2.0
        contracts = self.env["service.contract"]
        for __ in range(5):
            contracts |= self._contract(
                date_end=date(2026, 3, 31), auto_renew=True, renewal_months=12
            )
        two_fees = self._contract(
            date_end=date(2026, 3, 31),
            auto_renew=True,
            renewal_months=12,
            lines=[(self.fee, 1), (self.fee_2, 1)],
        )
        Line = type(self.env["service.contract.line"])
        original = Line.write
        writes = []

        def write(lines, vals):
            writes.append((len(lines), vals))
            return original(lines, vals)

        with patch.object(Line, "write", write):
            expired, renewed = self.env[
                "service.contract"
            ]._cron_service_contract_expiry(date=date(2026, 4, 1))
        self.assertEqual(expired, self.ending)
        self.assertEqual(renewed, contracts | two_fees)
        self.assertEqual(
            sorted(writes, key=lambda w: w[1]["price_unit"]),
            [(1, {"price_unit": 20.4}), (6, {"price_unit": 306.0})],
        )
        self.assertEqual(set(renewed.mapped("date_end")), {date(2027, 3, 31)})
        # one whole sentence on the chatter
        self.assertEqual(
            self._renewal_notes(two_fees),
            ["Contract renewed until 03/31/2027, fees indexed by 2%."],
        )

    def test_renewal_of_several_terms_indexes_each_term(self):
        self.env.company.service_renewal_price_index = 2.0
        late = self._contract(
            start=date(2023, 1, 1),
            date_end=date(2023, 12, 31),
            auto_renew=True,
            renewal_months=12,
        )
        self.env["service.contract"]._cron_service_contract_expiry(
            date=date(2026, 4, 1)
        )
        self.assertEqual(late.date_end, date(2026, 12, 31))
        # 300 x 1.02, rounded, three times
        self.assertEqual(late.line_ids.price_unit, 318.36)
        self.assertEqual(
            self._renewal_notes(late),
            [
                "Contract renewed 3 times, until 12/31/2026, fees indexed by 2% "
                "each time."
            ],
        )


@tagged("post_install", "-at_install")
class TestBatchedPartnerCounts(QueryCountMixin, ServiceStockCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.companies = Partner.create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(10)]
        )
        cls.contacts = Partner.create(
            [
                {"name": f"Contact {i}", "parent_id": company.id}
                for i, company in enumerate(cls.companies)
            ]
        )
        # a subsidiary is a customer of its own
        cls.subsidiary = Partner.create(
            {
                "name": "Subsidiary",
                "is_company": True,
                "parent_id": cls.companies[0].id,
            }
        )
        for company, contact in zip(cls.companies, cls.contacts, strict=True):
            cls.env["service.contract"].create(
                [
                    {"partner_id": contact.id, "contract_type": "warranty"},
                    {"partner_id": company.id, "contract_type": "warranty"},
                ]
            )
            cls.env["service.intervention"].create({"partner_id": contact.id})
            cls.env["stock.lot"].create(
                {
                    "name": f"SN-{company.id}",
                    "product_id": cls.boiler.id,
                    "service_partner_id": company.id,
                    "service_state": "installed",
                }
            )
        cls.env["service.contract"].create(
            {"partner_id": cls.subsidiary.id, "contract_type": "warranty"}
        )
        cls.env["service.intervention"].create({"partner_id": cls.subsidiary.id})

    def _counts(self, partners):
        return [
            (
                partner.service_lot_count,
                partner.service_contract_count,
                partner.service_intervention_count,
            )
            for partner in partners
        ]

    def test_counts_are_the_customers(self):
        # contacts show their company's documents; a subsidiary its own
        self.assertEqual(set(self._counts(self.companies | self.contacts)), {(1, 2, 1)})
        self.assertEqual(self._counts(self.subsidiary), [(0, 1, 1)])

    def test_counts_do_not_grow_with_the_partners(self):
        one = self._queries(lambda: self._counts(self.contacts[0]))
        ten = self._queries(lambda: self._counts(self.contacts))
        self.assertEqual(ten, one)
        # one query per count, whatever the number of partners
        partners = self.companies | self.contacts
        partners.mapped("commercial_partner_id.name")
        with self.assertQueryCount(3):
            self._counts(partners)
