# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .service_write_policy_mixin import OFFICER, groups


class HrEmployee(models.Model):
    _name = "hr.employee"
    _inherit = ["hr.employee", "service.write.policy.mixin"]
    _write_policy = {
        "service_location_id": groups(OFFICER, "hr.group_hr_user"),
        "service_route_start_partner_id": groups(OFFICER, "hr.group_hr_user"),
        "service_route_end_partner_id": groups(OFFICER, "hr.group_hr_user"),
    }

    service_location_id = fields.Many2one(
        "stock.location",
        string="Van Stock",
        domain="[('usage', '=', 'internal')]",
        check_company=True,
        # not on hr.employee.public: readable by HR users only (read with sudo)
        groups="hr.group_hr_user",
        help="Spare parts used by this technician leave from this location.",
    )
    # home or depot; read with sudo by the routes (not on hr.employee.public)
    service_route_start_partner_id = fields.Many2one(
        "res.partner",
        string="Route Start",
        groups="hr.group_hr_user",
        help="Where the technician's day starts (home or depot); empty: the "
        "company's address.",
    )
    service_route_end_partner_id = fields.Many2one(
        "res.partner",
        string="Route End",
        groups="hr.group_hr_user",
        help="Where the technician's day ends (home or depot); empty: the "
        "company's address.",
    )
