# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Service profitability: revenue and cost per source, as the officers and
accountants who analyse it see them, and nobody else."""

from datetime import date, datetime

from lxml import etree

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

REPORT = "service.profitability.report"


@tagged("post_install", "-at_install")
class TestProfitability(AccountTestInvoicingCommon):
    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.quick_ref(
            "service_management.group_service_manager"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        cls.company_a = cls.env.company
        cls.company_b = cls.company_data_2["company"]
        cls.Invoicing = cls.env["service.invoicing"]
        no_tax = cls.env["account.tax"]
        cls.customer, cls.customer_b = cls.env["res.partner"].create(
            [
                {"name": "Hotel Aurora", "is_company": True},
                {"name": "Beta Hotel", "is_company": True},
            ]
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Anna Aurora", "parent_id": cls.customer.id}
        )
        cls.fee = cls._create_product(
            name="Maintenance fee", type="service", lst_price=130.0, taxes_id=no_tax
        )
        cls.labour = cls._create_product(
            name="Labour", type="service", lst_price=50.0, taxes_id=no_tax
        )
        cls.travel = cls._create_product(
            name="Travel",
            type="service",
            lst_price=40.0,
            standard_price=15.0,
            taxes_id=no_tax,
        )
        cls.mileage = cls._create_product(
            name="Mileage",
            type="service",
            lst_price=0.5,
            standard_price=0.3,
            taxes_id=no_tax,
        )
        cls.company_a.write(
            {
                "service_travel_product_id": cls.travel.id,
                "service_mileage_product_id": cls.mileage.id,
            }
        )
        cls.part = cls._create_product(
            name="Nozzle",
            type="consu",
            is_storable=True,
            lst_price=20.0,
            standard_price=8.0,
            taxes_id=no_tax,
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_a.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.part, cls.warehouse.lot_stock_id, 50
        )
        cls.boilers = cls.env["product.category"].create({"name": "Boilers"})
        cls.boiler = cls._create_product(
            name="Boiler",
            type="consu",
            is_storable=True,
            tracking="serial",
            categ_id=cls.boilers.id,
        )
        cls.old_lot, cls.new_lot = cls.env["stock.lot"].create(
            [
                {
                    "name": name,
                    "product_id": cls.boiler.id,
                    "service_partner_id": cls.customer.id,
                    "warranty_end_date": end,
                }
                for name, end in (
                    ("BX-OLD", date(2024, 12, 31)),
                    ("BX-NEW", date(2027, 12, 31)),
                )
            ]
        )
        cls.repair = cls.env["service.activity.type"].create(
            {"name": "Repair", "code": "P-REP", "product_id": cls.labour.id}
        )
        cls.technician = (
            cls.env["hr.employee"]
            .sudo()
            .create(
                {
                    "name": "Tess Technician",
                    "company_id": cls.company_a.id,
                    "hourly_cost": 30.0,
                }
            )
        )
        cls.contract = cls._contract()
        # users, each with one role only
        cls.officer = new_test_user(
            cls.env,
            login="pr_officer",
            groups="service_management.group_service_officer",
            company_id=cls.company_a.id,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="pr_accountant",
            groups="account.group_account_invoice",
            company_id=cls.company_a.id,
        )
        cls.tech_user = new_test_user(
            cls.env,
            login="pr_technician",
            groups="service_management.group_service_technician",
            company_id=cls.company_a.id,
        )
        cls.salesman = new_test_user(
            cls.env,
            login="pr_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_a.id,
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @classmethod
    def _contract(cls, partner=None, contract_type="maintenance", **values):
        """A running monthly contract from 2026-01-01, fee 130, that covers
        nothing of the executed work."""
        contract = cls.env["service.contract"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "contract_type": contract_type,
                "billing_method": "flat_rate",
                "date_start": date(2026, 1, 1),
                "recurring_interval_number": 1,
                "recurring_interval_type": "month",
                "coverage_labor_pct": 0.0,
                "coverage_parts_pct": 0.0,
                "coverage_travel_pct": 0.0,
                "line_ids": [
                    Command.create(
                        {"product_id": cls.fee.id, "quantity": 1, "price_unit": 130}
                    )
                ],
                **values,
            }
        )
        contract.action_start()
        return contract

    def _job(self, lines, lot=None, done=True, **values):
        """An intervention of the contract on ``lot`` (the old boiler) on
        2026-02-10 with ``lines`` (values of work lines)."""
        lot = lot or self.old_lot
        job = self.env["service.intervention"].create(
            {
                "partner_id": self.customer.id,
                "contract_id": self.contract.id,
                "technician_id": self.technician.id,
                "scheduled_start": datetime(2026, 2, 10, 9, 0),
                "object_ids": [Command.create({"lot_id": lot.id})],
                **values,
            }
        )
        job.line_ids = [
            Command.create({"date": date(2026, 2, 10), **line}) for line in lines
        ]
        job.action_start()
        if done:
            job.action_done()
        return job

    def _full_job(self):
        """Labour 2 h (50/h, cost 30/h), 3 parts (20 each, cost 8 when
        recorded, valued at 10 when they leave stock), a travel (40, cost 15)
        and 42 km (0.5/km, cost 0.3/km)."""
        job = self._job(
            [
                {"line_type": "activity", "activity_type_id": self.repair.id},
                {"line_type": "part", "product_id": self.part.id, "quantity": 3},
                {"line_type": "travel"},
                {"line_type": "mileage", "quantity": 42},
            ],
            done=False,
        )
        job.line_ids.filtered(lambda line: line.line_type == "activity").quantity = 2
        # the stock valuation, not the cost the line was recorded with
        self.part.standard_price = 10.0
        job.action_done()
        return job

    def _figures(self, domain, user=None, groupby=("source",)):
        """{group: (revenue, cost)} of the report as ``user``."""
        env = self.env(user=user) if user else self.env
        groups = env[REPORT]._read_group(
            domain, list(groupby), ["revenue:sum", "cost:sum"]
        )
        return {
            (group[0] if len(groupby) == 1 else tuple(group)): (
                round(revenue, 2),
                round(cost, 2),
            )
            for *group, revenue, cost in groups
        }

    # ------------------------------------------------------------------
    # Revenue and cost per source
    # ------------------------------------------------------------------
    def test_revenue_and_cost_per_source(self):
        fee_invoice = self.Invoicing._invoice_contracts(
            date=date(2026, 1, 15), contracts=self.contract, post=True
        )
        job = self._full_job()
        # revenue is posted revenue (drafts: see test_draft_is_not_revenue)
        work_invoice = self.Invoicing._invoice_work(
            date=date(2026, 2, 28), interventions=job, post=True
        )
        self.assertEqual(fee_invoice.state, "posted")
        self.assertEqual(work_invoice.state, "posted")
        self.assertEqual(
            self._figures([("contract_id", "=", self.contract.id)]),
            {
                "contract_fee": (130.0, 0.0),
                # 2 h x 50 + 3 x 20 + 40 + 42 km x 0.5
                "work": (221.0, 0.0),
                # 2 h x 30 + 3 x 10 (stock valuation) + 15 + 42 km x 0.3
                "work_cost": (0.0, 117.6),
            },
        )
        rows = self.env[REPORT].search(
            [("contract_id", "=", self.contract.id), ("source", "!=", "contract_fee")]
        )
        labour = rows.filtered(lambda r: r.activity_type_id == self.repair)
        self.assertEqual(
            sorted(labour.mapped("source")), ["work", "work_cost"], "billed and cost"
        )
        self.assertEqual(labour.employee_id, self.technician)
        self.assertEqual(rows.lot_id, self.old_lot)
        self.assertEqual(rows.partner_id, self.customer)
        self.assertEqual(labour.product_categ_id, self.boilers)
        self.assertEqual(set(rows.mapped("contract_type")), {"maintenance"})
        self.assertEqual(
            set(rows.filtered(lambda r: r.source == "work").mapped("invoice_state")),
            {"posted"},
        )
        # the contract, its customer (and the customer's contacts) and the
        # serviced product show the same figures
        for record in (self.contract, self.customer, self.contact):
            record.invalidate_recordset()
            self.assertEqual(
                (record.service_revenue, record.service_cost, record.service_margin),
                (351.0, 117.6, 233.4),
                record.display_name,
            )
        self.assertAlmostEqual(self.contract.service_margin_percent, 66.5, places=1)
        # their smart buttons open the report on them (a contact: its company)
        for record, domain in (
            (self.contract, [("contract_id", "=", self.contract.id)]),
            (self.contact, [("partner_id", "=", self.customer.id)]),
            (self.old_lot, [("lot_id", "=", self.old_lot.id)]),
        ):
            action = record.with_user(self.officer).action_view_service_profitability()
            self.assertEqual(action["domain"], domain)
            self.assertEqual(
                self.env[REPORT].search_count(action["domain"]),
                # 4 work lines billed and at cost, and the fee
                8 if record == self.old_lot else 9,
            )
        self.assertEqual(
            (self.old_lot.service_revenue, self.old_lot.service_cost), (221.0, 117.6)
        )
        # margin % of a group: its margin over its revenue, not an average
        [(margin_percent,)] = self.env[REPORT]._read_group(
            [("contract_id", "=", self.contract.id)], [], ["margin_percent:avg"]
        )
        self.assertAlmostEqual(margin_percent, 233.4 / 351.0 * 100, places=6)
        # month by month: revenue at the accounting date, cost at the work date
        invoiced_month = work_invoice.date.replace(day=1)
        self.assertEqual(
            self._figures(
                [("contract_id", "=", self.contract.id)],
                groupby=("date:month", "amount_type"),
            ),
            {
                (date(2026, 1, 1), "revenue"): (130.0, 0.0),
                (invoiced_month, "revenue"): (221.0, 0.0),
                (date(2026, 2, 1), "cost"): (0.0, 117.6),
            },
        )

    def test_credit_note_reduces_revenue(self):
        invoice = self.Invoicing._invoice_contracts(
            date=date(2026, 1, 15), contracts=self.contract, post=True
        )
        refund = invoice._reverse_moves(
            [{"invoice_date": date(2026, 1, 20), "ref": "Goodwill"}]
        )
        refund.invoice_line_ids.price_unit = 30.0
        refund.action_post()
        self.assertEqual(
            self._figures([("contract_id", "=", self.contract.id)]),
            {"contract_fee": (100.0, 0.0)},
        )

    def test_warranty_work_is_cost_without_revenue(self):
        job = self._job(
            [{"line_type": "activity", "activity_type_id": self.repair.id}],
            lot=self.new_lot,
        )
        self.assertEqual(job.line_ids.coverage_pct, 100.0)
        self.assertFalse(
            self.Invoicing._invoice_work(date=date(2026, 2, 28), interventions=job)
        )
        rows = self.env[REPORT].search([("intervention_id", "=", job.id)])
        self.assertEqual(rows.mapped("source"), ["work_cost"])
        self.assertTrue(rows.warranty)
        self.assertEqual(rows.cost, 30.0)  # 1 h (the default duration) x 30
        # the cost of warranty per installed product and category
        self.assertEqual(
            self._figures([("warranty", "=", True)], groupby=("lot_id",)),
            {self.new_lot: (0.0, 30.0)},
        )
        self.assertEqual(
            self._figures([("warranty", "=", True)], groupby=("product_categ_id",)),
            {self.boilers: (0.0, 30.0)},
        )
        self.assertEqual(
            (self.new_lot.service_revenue, self.new_lot.service_margin), (0.0, -30.0)
        )

    def test_cancelled_invoice_is_not_counted(self):
        invoice = self.Invoicing._invoice_contracts(
            date=date(2026, 1, 15), contracts=self.contract, post=True
        )
        job = self._job([{"line_type": "activity", "activity_type_id": self.repair.id}])
        work_invoice = self.Invoicing._invoice_work(
            date=date(2026, 2, 28), interventions=job, post=True
        )
        self.assertEqual(self.contract.service_revenue, 180.0)
        (invoice | work_invoice).button_draft()
        (invoice | work_invoice).button_cancel()
        self.contract.invalidate_recordset()
        self.assertEqual(
            self._figures([("contract_id", "=", self.contract.id)]),
            {"work_cost": (0.0, 30.0)},
        )
        self.assertEqual(self.contract.service_revenue, 0.0)

    def test_revenue_is_posted_revenue(self):
        """Drafts are not revenue yet, cancelled invoices never are; posted
        invoices count at their accounting date."""
        job = self._job([{"line_type": "activity", "activity_type_id": self.repair.id}])
        domain = [("intervention_id", "=", job.id)]
        work_invoice = self.Invoicing._invoice_work(
            date=date(2026, 3, 5), interventions=job, post=False
        )
        self.assertEqual(work_invoice.state, "draft")
        self.assertEqual(self._figures(domain), {"work_cost": (0.0, 30.0)})
        self.assertEqual(self.contract.service_revenue, 0.0)
        work_invoice.action_post()
        month = work_invoice.date.replace(day=1)
        self.assertEqual(
            self._figures(domain, groupby=("source", "date:month")),
            {
                ("work", month): (50.0, 0.0),
                ("work_cost", date(2026, 2, 1)): (0.0, 30.0),
            },
        )
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.service_revenue, 50.0)
        work_invoice.button_draft()
        work_invoice.button_cancel()
        self.assertEqual(self._figures(domain), {"work_cost": (0.0, 30.0)})

    def test_reopened_work_is_not_counted(self):
        job = self._job([{"line_type": "activity", "activity_type_id": self.repair.id}])
        self.assertEqual(self.contract.service_cost, 30.0)
        job.action_reopen()
        self.contract.invalidate_recordset()
        self.assertFalse(self.env[REPORT].search([("intervention_id", "=", job.id)]))
        self.assertEqual(self.contract.service_cost, 0.0)
        # done again: counted again, once
        job.action_done()
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.service_cost, 30.0)

    # ------------------------------------------------------------------
    # Companies and roles
    # ------------------------------------------------------------------
    def test_figures_follow_the_users_companies(self):
        self.Invoicing._invoice_contracts(
            date=date(2026, 1, 15), contracts=self.contract, post=True
        )
        contract_b = self._contract(
            partner=self.customer_b, company_id=self.company_b.id
        )
        self.Invoicing._invoice_contracts(
            date=date(2026, 1, 15), contracts=contract_b, post=True
        )
        both = new_test_user(
            self.env,
            login="pr_officer_ab",
            groups="service_management.group_service_officer",
            company_id=self.company_a.id,
            company_ids=[Command.set((self.company_a | self.company_b).ids)],
        )
        by_company = {
            company: figures
            for company, figures in self._figures(
                [], user=both, groupby=("company_id",)
            ).items()
        }
        self.assertEqual(by_company[self.company_b], (130.0, 0.0))
        # an officer of company A sees A's figures only, even when asking
        self.assertEqual(
            self._figures([], user=self.officer, groupby=("company_id",)),
            {self.company_a: (130.0, 0.0)},
        )
        report = self.env(user=self.officer)[REPORT]
        self.assertFalse(report.search([("contract_id", "=", contract_b.id)]))
        # the company B user with both companies allowed sees both
        both_env = self.env(
            user=both,
            context={"allowed_company_ids": (self.company_a | self.company_b).ids},
        )
        self.assertEqual(
            both_env[REPORT].search([]).company_id, self.company_a | self.company_b
        )

    def test_technicians_and_salesmen_see_no_profitability(self):
        self._job([{"line_type": "activity", "activity_type_id": self.repair.id}])
        for user in (self.tech_user, self.salesman):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env(user=user)[REPORT].search([])
                with self.assertRaises(AccessError):
                    self.contract.with_user(user).read(["service_cost"])
                with self.assertRaises(AccessError):
                    self.customer.with_user(user).read(["service_margin"])
        # their forms open without the figures
        form = Form(self.contract.with_user(self.tech_user))
        self.assertEqual(form.name, self.contract.name)
        arch = self.env(user=self.tech_user)["service.contract"].get_views(
            [(False, "form")]
        )["views"]["form"]["arch"]
        self.assertNotIn("service_margin", arch)
        self.assertNotIn("action_view_service_profitability", arch)
        partner_arch = self.env(user=self.salesman)["res.partner"].get_views(
            [(False, "form")]
        )["views"]["form"]["arch"]
        self.assertNotIn("service_margin", partner_arch)
        self.customer.with_user(self.salesman).web_read({"name": {}})

    def test_officer_and_accountant_open_the_pivot(self):
        self.Invoicing._invoice_contracts(
            date=date(2026, 1, 15), contracts=self.contract, post=True
        )
        self._full_job()
        for user in (self.officer, self.accountant):
            with self.subTest(user=user.login):
                env = self.env(user=user)
                action = env["ir.actions.act_window"]._for_xml_id(
                    "service_management.action_service_profitability_report"
                )
                views = env[REPORT].get_views(
                    [
                        (False, "pivot"),
                        (False, "graph"),
                        (False, "list"),
                        (action["search_view_id"][0], "search"),
                    ]
                )
                pivot = etree.fromstring(views["views"]["pivot"]["arch"])
                measures = [
                    f"{node.get('name')}:"
                    + (
                        views["models"][REPORT]["fields"][node.get("name")].get(
                            "aggregator"
                        )
                        or "sum"
                    )
                    for node in pivot.xpath("//field[@type='measure']")
                ]
                self.assertEqual(
                    measures,
                    ["revenue:sum", "cost:sum", "margin:sum", "margin_percent:avg"],
                )
                groups = env[REPORT].formatted_read_group(
                    [], ["contract_id", "date:month"], ["__count", *measures]
                )
                february = next(
                    group
                    for group in groups
                    if group["date:month"][1] == "February 2026"
                )
                self.assertEqual(february["contract_id"][0], self.contract.id)
                self.assertAlmostEqual(february["revenue:sum"], 0.0)
                self.assertAlmostEqual(february["cost:sum"], 117.6)
                # no revenue: no margin percentage (not -100 %, not 0)
                self.assertFalse(february["margin_percent:avg"])
                listed = env[REPORT].web_read_group(
                    [], ["employee_id"], ["revenue:sum", "cost:sum"]
                )
                self.assertEqual(listed["length"], 2)  # the technician, none
                # the contract's smart button opens its monthly graph
                button = self.contract.with_user(
                    user
                ).action_view_service_profitability()
                self.assertEqual(button["res_model"], REPORT)
                self.assertEqual(
                    button["domain"], [("contract_id", "=", self.contract.id)]
                )
                self.assertEqual(button["views"][0][1], "graph")
                graph = env[REPORT].formatted_read_group(
                    button["domain"], ["date:month", "amount_type"], ["amount:sum"]
                )
                self.assertEqual(
                    {
                        (g["date:month"][1], g["amount_type"]): g["amount:sum"]
                        for g in graph
                    },
                    {
                        ("January 2026", "revenue"): 130.0,
                        ("February 2026", "cost"): 117.6,
                    },
                )

    def test_contract_figures_in_one_query(self):
        contracts = self.contract | self._contract() | self._contract()
        self.Invoicing._invoice_contracts(
            date=date(2026, 1, 15), contracts=contracts, post=True
        )
        contracts = contracts.with_user(self.officer)
        self.assertEqual(contracts.mapped("service_margin"), [130.0] * 3)
        figures = ["service_revenue", "service_cost", "service_margin"]
        contracts.invalidate_recordset(figures)
        # the access check of read, then one query for the three figures of
        # all the contracts
        with self.assertQueryCount(2):
            contracts.read(figures)
        self.assertEqual(contracts[1].service_revenue, 130.0)
