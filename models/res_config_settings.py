# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .service_write_policy_mixin import ANYONE


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = ["res.config.settings", "service.write.policy.mixin"]
    _write_policy_default = ANYONE

    service_preventive_horizon_days = fields.Integer(
        related="company_id.service_preventive_horizon_days", readonly=False
    )
    service_preventive_next_from = fields.Selection(
        related="company_id.service_preventive_next_from", readonly=False
    )
    service_mileage_product_id = fields.Many2one(
        related="company_id.service_mileage_product_id", readonly=False
    )
    service_warranty_reminder_days = fields.Integer(
        related="company_id.service_warranty_reminder_days", readonly=False
    )
    service_renewal_price_index = fields.Float(
        related="company_id.service_renewal_price_index", readonly=False
    )
    service_contract_auto_start = fields.Boolean(
        related="company_id.service_contract_auto_start", readonly=False
    )
    service_warranty_contract_on_delivery = fields.Boolean(
        related="company_id.service_warranty_contract_on_delivery", readonly=False
    )
    service_allowance_alert_pct = fields.Float(
        related="company_id.service_allowance_alert_pct", readonly=False
    )
    service_time_increment = fields.Float(
        related="company_id.service_time_increment", readonly=False
    )
    service_travel_product_id = fields.Many2one(
        related="company_id.service_travel_product_id", readonly=False
    )
    service_invoice_prorata = fields.Boolean(
        related="company_id.service_invoice_prorata", readonly=False
    )
    service_work_invoice_grouping = fields.Selection(
        related="company_id.service_work_invoice_grouping", readonly=False
    )
    service_invoice_auto_post = fields.Boolean(
        related="company_id.service_invoice_auto_post", readonly=False
    )
    service_invoice_warning_threshold = fields.Float(
        related="company_id.service_invoice_warning_threshold", readonly=False
    )
    service_route_road_factor = fields.Float(
        related="company_id.service_route_road_factor", readonly=False
    )
    service_route_speed_kmh = fields.Float(
        related="company_id.service_route_speed_kmh", readonly=False
    )
    service_osrm_url = fields.Char(
        related="company_id.service_osrm_url", readonly=False
    )
    service_mileage_source = fields.Selection(
        related="company_id.service_mileage_source", readonly=False
    )
