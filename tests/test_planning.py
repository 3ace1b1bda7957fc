# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from psycopg2 import IntegrityError

from odoo.fields import Command
from odoo.tests import tagged
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
