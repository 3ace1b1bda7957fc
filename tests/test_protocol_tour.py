# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestProtocolTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["service.activity.type"].create(
            [
                {"name": "Tour Inspection", "code": "TOUR-I", "default_duration": 0.5},
                {"name": "Tour Repair", "code": "TOUR-R", "default_duration": 2.0},
            ]
        )

    def test_create_protocol_with_three_steps(self):
        self.start_tour(
            "/odoo/action-service_management.service_protocol_action",
            "service_protocol_create_tour",
            login="admin",
        )
        protocol = self.env["service.protocol"].search(
            [("name", "=", "Quarterly heat pump check")]
        )
        self.assertEqual(len(protocol), 1)
        self.assertEqual(
            protocol.step_ids.mapped("name"),
            [
                "Check refrigerant pressure",
                "Clean the filters",
                "Test the defrost cycle",
            ],
        )
        self.assertEqual(
            [step.activity_type_id.code for step in protocol.step_ids],
            ["TOUR-I", "TOUR-R", "TOUR-I"],
        )
        # hours come from each activity type's default duration
        self.assertEqual(protocol.step_ids.mapped("planned_hours"), [0.5, 2.0, 0.5])
        self.assertEqual(protocol.trigger, "periodic")
        self.assertEqual(protocol.interval_number, 3)
