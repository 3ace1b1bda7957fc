# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import ServiceCommon


@tagged("post_install", "-at_install")
class TestActivityType(ServiceCommon):
    def test_form_defaults_and_display_name(self):
        with Form(self.env["service.activity.type"]) as form:
            form.name = "Emissions test"
            form.code = "EMI"
            self.assertEqual(form.place, "any")
            self.assertTrue(form.billable)
            self.assertEqual(form.default_duration, 1.0)
        activity = form.record
        self.assertEqual(activity.company_id, self.env.company)
        self.assertEqual(activity.display_name, "[EMI] Emissions test")

    @mute_logger("odoo.sql_db")
    def test_code_unique_per_company(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["service.activity.type"].create(
                {"name": "Another inspection", "code": "T-INSP"}
            )
        # the same code is fine in another company
        other = self.env["service.activity.type"].create(
            {
                "name": "Inspection",
                "code": "T-INSP",
                "company_id": self.other_company.id,
            }
        )
        self.assertEqual(other.company_id, self.other_company)

    @mute_logger("odoo.sql_db")
    def test_negative_duration_and_cost_refused(self):
        for field in ("default_duration", "cost_per_hour"):
            with self.subTest(field=field):
                with self.assertRaises(IntegrityError), self.cr.savepoint():
                    self.activity_inspection.write({field: -1.0})
                    self.activity_inspection.flush_recordset()
        self.assertEqual(self.activity_inspection.default_duration, 1.5)

    def test_archive_hides_from_search(self):
        self.activity_repair.action_archive()
        found = self.env["service.activity.type"].search([("code", "like", "T-")])
        self.assertEqual(found, self.activity_inspection)

    def test_access_rights(self):
        as_technician = self.activity_inspection.with_user(self.user_technician)
        self.assertEqual(as_technician.name, "Inspection")
        with self.assertRaises(AccessError), self.cr.savepoint():
            as_technician.write({"name": "Renamed"})
        as_manager = self.env["service.activity.type"].with_user(self.user_manager)
        created = as_manager.create({"name": "Installation", "code": "T-INST"})
        self.assertEqual(created.create_uid, self.user_manager)

    def test_multi_company_rule(self):
        other = self.env["service.activity.type"].create(
            {"name": "Hidden", "company_id": self.other_company.id}
        )
        visible = (
            self.env["service.activity.type"]
            .with_user(self.user_manager)
            .search([("name", "=", "Hidden")])
        )
        self.assertFalse(visible)
        self.user_manager.company_ids |= self.other_company
        visible = (
            self.env["service.activity.type"]
            .with_user(self.user_manager)
            .with_context(allowed_company_ids=self.other_company.ids)
            .search([("name", "=", "Hidden")])
        )
        self.assertEqual(visible, other)
