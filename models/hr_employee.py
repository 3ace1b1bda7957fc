# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    service_location_id = fields.Many2one(
        "stock.location",
        string="Van Stock",
        domain="[('usage', '=', 'internal')]",
        check_company=True,
        # not on hr.employee.public: readable by HR users only (read with sudo)
        groups="hr.group_hr_user",
        help="Spare parts used by this technician leave from this location.",
    )
