# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..models.service_write_policy_mixin import ANYONE


class ServicePreventivePreviewLine(models.TransientModel):
    _name = "service.preventive.preview.line"
    _description = "Preventive Job That Would Be Created"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE
    _order = "due_date, id"

    preview_id = fields.Many2one(
        "service.preventive.preview", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Customer")
    contract_id = fields.Many2one("service.contract")
    protocol_id = fields.Many2one("service.protocol")
    due_date = fields.Date()
    technician_id = fields.Many2one("hr.employee")
    object_count = fields.Integer(string="Objects")
