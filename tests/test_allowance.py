# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .test_intervention import InterventionCommon


class AllowanceCommon(InterventionCommon):
    """An assistance contract of Beta Hotel (labour not covered, 50/h) with
    10 prepaid hours per monthly period from 1 January 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_accountant = new_test_user(
            cls.env,
            login="sm_allowance_accountant",
            groups="account.group_account_invoice",
        )
        cls.package = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer_b.id,
                "contract_type": "assistance",
                "date_start": date(2026, 1, 1),
                "allowance_hours": 10,
                "user_id": cls.user_officer.id,
            }
        )
        cls.package.action_start()

    @classmethod
    def _job(cls, hours, day, extra=()):
        """A done job of Beta Hotel with one labour line per figure of ``hours``
        on ``day``, and the lines of values ``extra``."""
        job = cls._intervention(
            partner_id=cls.customer_b.id,
            object_ids=[],
            scheduled_start=datetime.combine(day, datetime.min.time()),
            line_ids=[
                Command.create(
                    {
                        "line_type": "activity",
                        "activity_type_id": cls.activity_repair.id,
                        "quantity": quantity,
                        "date": day,
                        "sequence": index,
                    }
                )
                for index, quantity in enumerate(hours)
            ]
            + [Command.create(values) for values in extra],
        )
        job.action_start()
        job.action_done()
        return job

    def _labour(self, job):
        return job.line_ids.filtered(lambda line: line.line_type == "activity").sorted(
            lambda line: (line.sequence, line.id)
        )


@tagged("post_install", "-at_install")
class TestAllowanceConsumption(AllowanceCommon):
    @freeze_time("2026-03-20")
    def test_consumed_in_order_and_the_crossing_line_split(self):
        first = self._job([4.0], date(2026, 3, 2))
        self.assertEqual(first.contract_id, self.package)
        line = self._labour(first)
        self.assertEqual(line.allowance_hours, 4.0)
        self.assertEqual(line.coverage_pct, 100)
        self.assertEqual(
            line.coverage_reason, "Prepaid hours: 6 of 10 h left after this line"
        )
        self.assertEqual(line.price_subtotal, 0.0)

        second = self._job([3.5, 4.0], date(2026, 3, 3))
        covered, crossing, overage = self._labour(second)
        self.assertEqual(covered.allowance_hours, 3.5)
        self.assertEqual(
            covered.coverage_reason, "Prepaid hours: 2.5 of 10 h left after this line"
        )
        # the 4 h line crosses the limit: 2.5 h covered, 1.5 h billed
        self.assertEqual(crossing.quantity, 2.5)
        self.assertEqual(crossing.allowance_hours, 2.5)
        self.assertEqual(crossing.price_subtotal, 0.0)
        self.assertEqual(
            crossing.coverage_reason, "Prepaid hours: 0 of 10 h left after this line"
        )
        self.assertEqual(overage.quantity, 1.5)
        self.assertEqual(overage.allowance_hours, 0.0)
        self.assertEqual(overage.coverage_pct, 0)
        self.assertEqual(overage.price_unit, 50.0)
        self.assertEqual(overage.price_subtotal, 75.0)
        self.assertEqual(overage.invoice_status, "to_invoice")
        self.assertEqual(second.amount_total, 75.0)
        # nothing left: the next job is billed at the contract's rates
        third = self._job([2.0], date(2026, 3, 4))
        self.assertEqual(self._labour(third).price_subtotal, 100.0)
        self.assertEqual(self.package.allowance_hours_used, 10.0)
        self.assertEqual(self.package.allowance_hours_left, 0.0)
        self.assertEqual(self.package.allowance_period_start, date(2026, 3, 1))

    @freeze_time("2026-04-15")
    def test_each_period_starts_again(self):
        self._job([8.0], date(2026, 3, 10))
        april = self._job([5.0], date(2026, 4, 2))
        line = self._labour(april)
        self.assertEqual(line.allowance_hours, 5.0)
        self.assertEqual(line.allowance_period_start, date(2026, 4, 1))
        self.assertEqual(
            line.coverage_reason, "Prepaid hours: 5 of 10 h left after this line"
        )
        self.assertEqual(self.package.allowance_hours_used, 5.0)
        self.assertEqual(self.package.allowance_hours_left, 5.0)

    @freeze_time("2026-04-15")
    def test_term_allowance_is_consumed_once(self):
        self.package.allowance_period = "term"
        self._job([8.0], date(2026, 3, 10))
        april = self._job([5.0], date(2026, 4, 2))
        covered, overage = self._labour(april)
        self.assertEqual((covered.quantity, covered.allowance_hours), (2.0, 2.0))
        self.assertEqual(overage.quantity, 3.0)
        self.assertEqual(april.amount_total, 150.0)
        self.assertEqual(self.package.allowance_hours_used, 10.0)

    @freeze_time("2026-04-15")
    def test_unused_hours_roll_over_only_when_the_contract_says_so(self):
        self._job([8.0], date(2026, 3, 10))
        april = self._job([11.0], date(2026, 4, 2))
        # no rollover: 10 h in April, 1 h billed
        self.assertEqual(april.amount_total, 50.0)
        self.package.allowance_rollover = True
        april.action_reopen()
        april.action_done()
        # January and February left 20 h, March 2 h: 32 h in April
        self.assertEqual(april.amount_total, 0.0)
        self.assertEqual(self.package.allowance_hours_left, 32 - 11)
        self.assertEqual(self.package.allowance_hours_available, 32.0)

    @freeze_time("2026-03-20")
    def test_reopen_releases_the_hours(self):
        job = self._job([4.0], date(2026, 3, 2))
        self.assertEqual(self.package.allowance_hours_used, 4.0)
        job.action_reopen()
        self.package.invalidate_recordset()
        self.assertEqual(self.package.allowance_hours_used, 0.0)
        line = self._labour(job)
        self.assertEqual(line.allowance_hours, 0.0)
        self.assertEqual(line.coverage_pct, 0.0)
        self.assertEqual(line.price_subtotal, 200.0)
        # another job done meanwhile takes the hours first
        self._job([8.0], date(2026, 3, 5))
        job.action_done()
        covered, overage = self._labour(job)
        self.assertEqual((covered.quantity, overage.quantity), (2.0, 2.0))
        self.assertEqual(job.amount_total, 100.0)

    @freeze_time("2026-03-20")
    def test_overage_invoiced_exactly_once(self):
        job = self._job([12.5], date(2026, 3, 2))
        Invoicing = self.env["service.invoicing"].with_user(self.user_accountant)
        moves = Invoicing._invoice_work(date=date(2026, 3, 31))
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.invoice_line_ids.mapped("quantity"), [2.5])
        self.assertEqual(moves.amount_untaxed, 125.0)
        self.assertEqual(moves.amount_untaxed, job.amount_total)
        self.assertFalse(Invoicing._invoice_work(date=date(2026, 3, 31)))
        covered, overage = self._labour(job)
        self.assertEqual(covered.invoice_status, "no")
        self.assertEqual(overage.invoice_status, "invoiced")

    @freeze_time("2026-03-20")
    def test_threshold_activity_once_per_period(self):
        self.assertEqual(self.company.service_allowance_alert_pct, 80.0)
        todo = self.env.ref("mail.mail_activity_data_todo")

        def activities():
            return self.package.activity_ids.filtered(
                lambda a: a.activity_type_id == todo
            )

        self._job([7.0], date(2026, 3, 2))
        self.assertFalse(activities())
        self._job([1.5], date(2026, 3, 3))
        self.assertEqual(len(activities()), 1)
        self.assertEqual(activities().user_id, self.user_officer)
        self.assertIn("8.5 of 10 prepaid hours", str(activities().note))
        self._job([1.0], date(2026, 3, 4))
        self.assertEqual(len(activities()), 1)

    @freeze_time("2026-03-20")
    def test_included_visits_pay_the_travel(self):
        self.package.write({"allowance_hours": 0, "allowance_visits": 1})
        first = self._job([1.0], date(2026, 3, 2), extra=[{"line_type": "travel"}])
        travel = first.line_ids.filtered(lambda line: line.line_type == "travel")
        self.assertTrue(first.allowance_visit)
        self.assertEqual(travel.coverage_pct, 100)
        self.assertEqual(travel.coverage_reason, "Included visit: 0 of 1 left")
        second = self._job([1.0], date(2026, 3, 3), extra=[{"line_type": "travel"}])
        travel = second.line_ids.filtered(lambda line: line.line_type == "travel")
        self.assertFalse(second.allowance_visit)
        self.assertEqual(travel.price_subtotal, 40.0)
        self.assertEqual(self.package.allowance_visits_used, 1)
        self.assertEqual(self.package.allowance_visits_left, 0)


@tagged("post_install", "-at_install")
class TestAllowanceRoles(AllowanceCommon):
    @freeze_time("2026-03-20")
    def test_technician_finishes_and_reads_the_hours_left(self):
        self._job([6.0], date(2026, 3, 2))
        job = self._intervention(
            partner_id=self.customer_b.id,
            object_ids=[],
            line_ids=[
                Command.create(
                    {
                        "line_type": "activity",
                        "activity_type_id": self.activity_repair.id,
                        "quantity": 5.0,
                        "date": date(2026, 3, 5),
                    }
                )
            ],
        )
        job = job.with_user(self.tech_user)
        # the technician sees the hours left on the job, not their cost
        with Form(job) as form:
            self.assertEqual(form.contract_hours_left, 4.0)
        job.action_start()
        job.action_done()
        covered, overage = self._labour(job)
        self.assertEqual(covered.quantity, 4.0)
        self.assertEqual(overage.quantity, 1.0)
        self.assertEqual(overage.price_subtotal, 50.0)
        with self.assertRaises(AccessError):
            overage.read(["cost_subtotal"])
        self.assertEqual(overage.sudo().cost_subtotal, 28.0)
        self.assertEqual(job.contract_hours_left, 0.0)

    @freeze_time("2026-03-20")
    def test_nobody_writes_the_consumption_by_hand(self):
        job = self._job([2.0], date(2026, 3, 2)).with_user(self.user_officer)
        job.action_reopen()
        line = self._labour(job)
        with self.assertRaisesRegex(UserError, "cannot be changed by hand"):
            line.allowance_hours = 0.5
        with self.assertRaisesRegex(UserError, "cannot be changed by hand"):
            job.allowance_visit = True
        self.assertEqual(line.allowance_hours, 0.0)

    @freeze_time("2026-03-20")
    def test_officer_reads_the_usage_on_the_contract_form(self):
        self._job([2.5], date(2026, 3, 2))
        with Form(self.package.with_user(self.user_officer)) as form:
            self.assertEqual(form.allowance_hours_used, 2.5)
            self.assertEqual(form.allowance_hours_left, 7.5)
            self.assertEqual(form.allowance_hours_available, 10.0)

    def test_usage_of_a_batch_in_few_queries(self):
        contracts = self.env["service.contract"].create(
            [
                {
                    "partner_id": self.customer_b.id,
                    "contract_type": "assistance",
                    "date_start": date(2026, 1, 1),
                    "allowance_hours": 10,
                    "allowance_visits": 2,
                }
                for __ in range(20)
            ]
        )
        contracts.flush_recordset()
        # as many queries for one contract as for twenty
        for batch, hours in ((contracts[:1], 10.0), (contracts, 200.0)):
            self.env.invalidate_all()
            with self.assertQueryCount(4):
                self.assertEqual(sum(batch.mapped("allowance_hours_left")), hours)

    def test_package_sold_from_a_sale_order(self):
        package = self.env["product.product"].create(
            {
                "name": "10 prepaid hours",
                "type": "service",
                "list_price": 450.0,
                "service_contract_product": True,
                "service_contract_type": "assistance",
                "service_billing_method": "flat_rate",
                "service_recurring_interval_type": "year",
                "service_allowance_hours": 10,
                "service_allowance_period": "term",
                "service_sla_response_hours": 8,
                "service_sla_resolution_hours": 16,
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer_b.id,
                "order_line": [
                    Command.create({"product_id": package.id, "product_uom_qty": 2})
                ],
            }
        )
        order.action_confirm()
        contract = order.service_contract_ids
        self.assertEqual(contract.allowance_hours, 20.0)
        self.assertEqual(contract.allowance_period, "term")
        self.assertEqual(
            (contract.sla_response_hours, contract.sla_resolution_hours), (8.0, 16.0)
        )
