# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .selections import INTERVAL_TYPES
from .service_write_policy_mixin import MANAGER


class ServiceProtocol(models.Model):
    _name = "service.protocol"
    _description = "Service Protocol"
    _inherit = ["mail.thread", "service.write.policy.mixin"]
    # configuration: the service administrator's
    _write_policy_default = MANAGER
    _order = "name, id"
    _check_company_auto = True
    # shown as "[code] name": typing the code finds it too
    _rec_names_search = ["name", "code"]

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(copy=False)
    description = fields.Html()
    step_ids = fields.One2many(
        "service.protocol.step", "protocol_id", string="Steps", copy=True
    )
    trigger = fields.Selection(
        [
            ("manual", "Manual"),
            ("periodic", "Periodic"),
            ("contract_start", "At Contract Start"),
            ("new_customer", "New Customer"),
            ("fiscal_period", "Fiscal Period"),
        ],
        required=True,
        default="manual",
        tracking=True,
        help="Manual: applied by hand on an intervention, or launched on many "
        "customers at once. Periodic: planned every interval on the contracts "
        "that include it. At contract start: planned once when a contract "
        "starts. New customer: planned once when a customer's first contract "
        "that includes it starts running. Fiscal period: planned once per "
        "customer at the start of each fiscal year or quarter of the company, "
        "for the customers with a running contract that includes it.",
    )
    fiscal_period_unit = fields.Selection(
        [("year", "Fiscal Year"), ("quarter", "Fiscal Quarter")],
        string="Every",
        default="year",
        required=True,
        help="Fiscal periods follow the company's fiscal year end "
        "(Accounting settings).",
    )
    interval_number = fields.Integer(string="Repeat Every", default=12, tracking=True)
    interval_type = fields.Selection(
        INTERVAL_TYPES, string="Interval Unit", default="month", required=True
    )
    product_categ_ids = fields.Many2many(
        "product.category",
        string="Applies To",
        help="Product categories of the objects this protocol is meant for; "
        "empty means any object.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    step_count = fields.Integer(compute="_compute_step_stats", string="Steps Count")
    planned_hours = fields.Float(compute="_compute_step_stats")

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)",
        "A protocol with this code already exists in this company: "
        "choose another code.",
    )

    @api.depends("name", "code")
    def _compute_display_name(self):
        for protocol in self:
            if protocol.code:
                protocol.display_name = f"[{protocol.code}] {protocol.name or ''}"
            else:
                protocol.display_name = protocol.name or ""

    @api.depends("step_ids.planned_hours")
    def _compute_step_stats(self):
        for protocol in self:
            protocol.step_count = len(protocol.step_ids)
            protocol.planned_hours = sum(protocol.step_ids.mapped("planned_hours"))

    @api.constrains("trigger", "interval_number")
    def _check_interval(self):
        for protocol in self:
            if protocol.trigger == "periodic" and protocol.interval_number <= 0:
                raise ValidationError(protocol._interval_error())

    def _interval_error(self):
        return self.env._(
            "Protocol '%(name)s' is periodic: its interval must be "
            "at least 1 (it is %(interval)s).",
            name=self.name,
            interval=self.interval_number,
        )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if default and "name" in default:
            return vals_list
        return [
            dict(vals, name=self.env._("%s (copy)", protocol.name))
            for protocol, vals in zip(self, vals_list, strict=True)
        ]

    def action_open_launch(self):
        """Open the launch wizard on this protocol."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Launch Practice"),
            "res_model": "service.protocol.launch",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_protocol_id": self.id},
        }

    def action_duplicate(self):
        """Copy the protocol with its steps and open the copy."""
        self.ensure_one()
        return self.copy()._action_open_form()

    def _action_open_form(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
