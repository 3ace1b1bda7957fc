# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .test_intervention import InterventionCommon


@tagged("post_install", "-at_install")
class TestPreventivePlanning(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Planning = cls.env["service.planning"]
        cls.revision = cls.env["service.protocol"].create(
            {
                "name": "Quarterly revision",
                "trigger": "periodic",
                "interval_number": 3,
                "interval_type": "month",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Check",
                            "activity_type_id": cls.activity_inspection.id,
                            "planned_hours": 1.0,
                        }
                    )
                ],
            }
        )
        cls.onboarding = cls.env["service.protocol"].create(
            {"name": "Start-up check", "trigger": "contract_start"}
        )
        cls.plan = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer.id,
                "contract_type": "warranty",
                "date_start": date(2026, 1, 10),
                "date_end": date(2026, 12, 31),
                "lot_ids": [Command.set(cls.boiler_lot.ids)],
                "protocol_ids": [Command.set((cls.revision | cls.onboarding).ids)],
            }
        )
        cls.plan.action_start()

    def _planned(self):
        return self.env["service.intervention"].search(
            [("contract_id", "=", self.plan.id), ("preventive_due_date", "!=", False)],
            order="preventive_due_date",
        )

    def test_interventions_planned_within_the_horizon(self):
        created = self.Planning._cron_service_preventive(date=date(2026, 3, 20))
        # 30-day horizon: the April 10 revision only
        self.assertEqual(created.mapped("preventive_due_date"), [date(2026, 4, 10)])
        self.assertEqual(created.protocol_id, self.revision)
        self.assertEqual(created.origin, "planned")
        self.assertEqual(created.object_ids.lot_id, self.boiler_lot)
        self.assertEqual(created.line_ids.name, "Check")
        self.assertEqual(created.state, "draft")

    def test_never_twice_and_contract_start_once(self):
        self.env.company.service_preventive_horizon_days = 365
        first = self.Planning._cron_service_preventive(date=date(2026, 1, 1))
        self.assertEqual(
            [
                (i.protocol_id.name, i.preventive_due_date)
                for i in first.sorted("preventive_due_date")
            ],
            [
                ("Start-up check", date(2026, 1, 10)),
                ("Quarterly revision", date(2026, 4, 10)),
                ("Quarterly revision", date(2026, 7, 10)),
                ("Quarterly revision", date(2026, 10, 10)),
            ],
        )
        # the contract ends on Dec 31: nothing beyond it; a rerun adds nothing
        self.assertFalse(self.Planning._cron_service_preventive(date=date(2026, 1, 2)))
        self.assertEqual(len(self._planned()), 4)
        # even a cancelled one is not planned again
        first[0].action_cancel()
        self.assertFalse(self.Planning._cron_service_preventive(date=date(2026, 1, 1)))

    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_duplicate(self):
        created = self.Planning._cron_service_preventive(date=date(2026, 3, 20))
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            created.copy({"preventive_due_date": created.preventive_due_date})
            self.env.flush_all()


@tagged("post_install", "-at_install")
class TestPreventiveRules(InterventionCommon):
    """Intervals, horizon edges, categories, the next-due rule, the usual
    technician, the preview and batched queries of the preventive cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Planning = cls.env["service.planning"]
        cls.env.company.service_preventive_horizon_days = 30
        cls.valve_categ = cls.env["product.category"].create({"name": "Valves"})
        cls.valve = cls.env["product.product"].create(
            {
                "name": "Gas valve",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "categ_id": cls.valve_categ.id,
            }
        )
        cls.valve_lot = cls._make_lots(cls.valve, ["GV-0001"])
        cls.valve_lot.write(
            {"service_partner_id": cls.customer.id, "service_state": "installed"}
        )
        cls.check = cls.env["service.protocol"].create(
            {
                "name": "Check",
                "trigger": "periodic",
                "interval_number": 1,
                "interval_type": "month",
                "step_ids": [
                    Command.create(
                        {"name": "Look", "activity_type_id": cls.activity_inspection.id}
                    )
                ],
            }
        )

    def _contract(self, protocols, start=date(2026, 1, 1), **values):
        contract = self.env["service.contract"].create(
            {
                "partner_id": self.customer.id,
                "contract_type": "warranty",
                "billing_method": "none",
                "date_start": start,
                "lot_ids": [Command.set((self.boiler_lot | self.valve_lot).ids)],
                "protocol_ids": [Command.set(protocols.ids)],
                **values,
            }
        )
        contract.action_start()
        return contract

    def _protocol(self, number, unit, **values):
        return self.env["service.protocol"].create(
            {
                "name": f"Every {number} {unit}",
                "trigger": "periodic",
                "interval_number": number,
                "interval_type": unit,
                **values,
            }
        )

    def test_intervals_in_days_weeks_months_years(self):
        cases = [
            (
                10,
                "day",
                date(2026, 3, 1),
                [
                    date(2026, 3, 2),
                    date(2026, 3, 12),
                    date(2026, 3, 22),
                    date(2026, 4, 1),
                ],
            ),
            (2, "week", date(2026, 3, 1), [date(2026, 3, 12), date(2026, 3, 26)]),
            (1, "month", date(2026, 3, 1), [date(2026, 3, 1), date(2026, 4, 1)]),
            (1, "year", date(2026, 12, 20), [date(2027, 1, 1)]),
        ]
        for number, unit, today, expected in cases:
            with self.subTest(unit=unit):
                contract = self._contract(self._protocol(number, unit))
                created = self.Planning._generate_preventive(
                    date=today, horizon_days=31, contracts=contract
                )
                self.assertEqual(
                    sorted(created.mapped("preventive_due_date")), expected
                )

    def test_horizon_edges_included(self):
        contract = self._contract(self._protocol(7, "day"))
        # due on Jan 8, 15, 22...: today and today + horizon both count
        created = self.Planning._generate_preventive(
            date=date(2026, 1, 8), horizon_days=7, contracts=contract
        )
        self.assertEqual(
            created.mapped("preventive_due_date"),
            [date(2026, 1, 8), date(2026, 1, 15)],
        )
        created = self.Planning._generate_preventive(
            date=date(2026, 1, 16), horizon_days=5, contracts=contract
        )
        self.assertFalse(created, "Jan 22 is one day beyond the horizon")

    def test_objects_of_the_protocols_categories_only(self):
        valves_only = self._protocol(1, "month", product_categ_ids=self.valve_categ.ids)
        contract = self._contract(valves_only | self.check)
        created = self.Planning._generate_preventive(
            date=date(2026, 1, 20), contracts=contract
        )
        by_protocol = {job.protocol_id: job for job in created}
        self.assertEqual(by_protocol[valves_only].object_ids.lot_id, self.valve_lot)
        self.assertEqual(
            by_protocol[self.check].object_ids.lot_id, self.boiler_lot | self.valve_lot
        )

    def test_usual_technician_proposed(self):
        contract = self._contract(self.check, technician_id=self.technician.id)
        created = self.Planning._generate_preventive(
            date=date(2026, 1, 20), contracts=contract
        )
        self.assertEqual(created.technician_id, self.technician)
        self.assertEqual(created.line_ids.employee_id, self.technician)

    def test_officer_sets_the_usual_technician_on_the_form(self):
        contract = self._contract(self.check)
        with Form(contract.with_user(self.user_officer)) as form:
            form.technician_id = self.technician_2
        self.assertEqual(contract.technician_id, self.technician_2)

    def _finish(self, job, day):
        job.line_ids.done = True
        job.action_start()
        job.action_done()
        moment = datetime.combine(day, datetime.min.time())
        job.write({"actual_start": moment, "actual_end": moment})

    def test_next_due_from_the_due_date(self):
        contract = self._contract(self.check)
        first = self.Planning._generate_preventive(
            date=date(2026, 1, 20), contracts=contract
        )
        self.assertEqual(first.preventive_due_date, date(2026, 2, 1))
        self._finish(first, date(2026, 2, 20))
        nxt = self.Planning._generate_preventive(
            date=date(2026, 2, 21), contracts=contract
        )
        self.assertEqual(nxt.preventive_due_date, date(2026, 3, 1))

    def test_next_due_from_the_last_done_visit(self):
        self.env.company.service_preventive_next_from = "done_date"
        contract = self._contract(self.check)
        first = self.Planning._generate_preventive(
            date=date(2026, 1, 20), contracts=contract
        )
        self.assertEqual(first.preventive_due_date, date(2026, 2, 1))
        # one visit at a time: nothing more while it is open
        self.assertFalse(
            self.Planning._generate_preventive(
                date=date(2026, 2, 5), horizon_days=60, contracts=contract
            )
        )
        self._finish(first, date(2026, 2, 20))
        nxt = self.Planning._generate_preventive(
            date=date(2026, 2, 21), contracts=contract
        )
        self.assertEqual(nxt.preventive_due_date, date(2026, 3, 20))
        # overdue (done long ago): planned for today
        self._finish(nxt, date(2026, 3, 20))
        late = self.Planning._generate_preventive(
            date=date(2026, 6, 1), contracts=contract
        )
        self.assertEqual(late.preventive_due_date, date(2026, 6, 1))

    def test_setting_in_settings(self):
        settings = Form(self.env["res.config.settings"])
        settings.service_preventive_next_from = "done_date"
        settings.save().execute()
        self.assertEqual(self.env.company.service_preventive_next_from, "done_date")

    def test_no_duplicate_after_reschedule_cancel_done(self):
        contract = self._contract(self.check)
        jobs = self.Planning._generate_preventive(
            date=date(2026, 1, 1), horizon_days=90, contracts=contract
        ).sorted("preventive_due_date")
        self.assertEqual(len(jobs), 3)  # Feb 1, Mar 1, Apr 1
        jobs[0].write(
            {
                "scheduled_start": datetime(2026, 2, 14, 9, 0),
                "technician_id": self.technician.id,
            }
        )
        jobs[1].action_cancel()
        self._finish(jobs[2], date(2026, 1, 5))
        for today in (date(2026, 1, 1), date(2026, 1, 2)):
            self.assertFalse(
                self.Planning._generate_preventive(
                    date=today, horizon_days=90, contracts=contract
                )
            )

    def test_preview_shows_without_creating(self):
        self._contract(self.check, technician_id=self.technician.id)
        Intervention = self.env["service.intervention"]
        before = Intervention.search_count([])
        preview = Form(
            self.env["service.preventive.preview"].with_user(self.user_officer)
        )
        preview.days = 45
        wizard = preview.save()
        with freeze_time("2026-01-20"):
            wizard.action_preview()
        self.assertEqual(Intervention.search_count([]), before)
        self.assertEqual(
            [
                (line.protocol_id, line.due_date, line.technician_id)
                for line in wizard.line_ids
            ],
            [
                (self.check, date(2026, 2, 1), self.technician),
                (self.check, date(2026, 3, 1), self.technician),
            ],
        )


@tagged("post_install", "-at_install")
class TestPreventiveQueries(InterventionCommon):
    """The preventive cron reads each batch of contracts in a constant number
    of queries: its cost per contract does not grow with the contracts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.protocols = cls.env["service.protocol"].create(
            [
                {
                    "name": name,
                    "trigger": "periodic",
                    "interval_number": 1,
                    "interval_type": "month",
                    "step_ids": [Command.create({"name": "Step", "planned_hours": 1})],
                }
                for name in ("Monthly A", "Monthly B")
            ]
        )
        customers = cls.env["res.partner"].create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(20)]
        )
        cls.contracts = cls.env["service.contract"].create(
            [
                {
                    "partner_id": customer.id,
                    "contract_type": "warranty",
                    "billing_method": "none",
                    "date_start": date(2026, 1, 1),
                    "protocol_ids": [Command.set(cls.protocols.ids)],
                }
                for customer in customers
            ]
        )
        cls.contracts.action_start()

    def _queries(self, contracts):
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        created = self.env["service.planning"]._generate_preventive(
            date=date(2026, 1, 20), contracts=contracts
        )
        self.assertEqual(len(created), 2 * len(contracts))
        return self.cr.sql_log_count - before

    def test_queries_do_not_grow_with_the_contracts(self):
        small = self._queries(self.contracts[:5])
        large = self._queries(self.contracts[5:])
        # 10 more contracts, 20 more jobs: only the per-record statements
        # (sequence numbers, chatter messages) grow, no search per contract
        per_extra_contract = (large - small) / 10
        self.assertLess(per_extra_contract, 8, f"{small} vs {large} queries")
