# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .selections import COST_GROUPS
from .service_write_policy_mixin import MANAGER


class ServiceActivityType(models.Model):
    _name = "service.activity.type"
    _description = "Service Activity Type"
    _inherit = ["service.write.policy.mixin"]
    # configuration: the service administrator's
    _write_policy_default = MANAGER
    _order = "sequence, name, id"
    _check_company_auto = True
    # shown as "[code] name": typing the code finds it too
    _rec_names_search = ["name", "code"]

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Short code shown on reports and work lines.")
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        string="Service Product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Service product used to invoice the time spent on this activity "
        "(its unit should be hours).",
    )
    default_duration = fields.Float(
        string="Default Duration (h)",
        default=1.0,
        help="Hours proposed on a new work line or protocol step of this type.",
    )
    cost_per_hour = fields.Float(
        digits="Product Price",
        groups=COST_GROUPS,
        help="Internal cost of one hour, used when the technician has no hourly cost.",
    )
    place = fields.Selection(
        [("on_site", "On Site"), ("in_house", "In House"), ("any", "Anywhere")],
        required=True,
        default="any",
        help="Where this kind of work is normally carried out.",
    )
    billable = fields.Boolean(
        default=True, help="Time spent on this activity is invoiced to the customer."
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    note = fields.Html(string="Notes")

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)",
        "An activity type with this code already exists in this company: "
        "choose another code.",
    )
    _default_duration_positive = models.Constraint(
        "CHECK(default_duration >= 0)",
        "The default duration of an activity type cannot be negative.",
    )
    _cost_per_hour_positive = models.Constraint(
        "CHECK(cost_per_hour >= 0)",
        "The cost per hour of an activity type cannot be negative.",
    )

    @api.depends("name", "code")
    def _compute_display_name(self):
        for activity_type in self:
            if activity_type.code:
                activity_type.display_name = (
                    f"[{activity_type.code}] {activity_type.name or ''}"
                )
            else:
                activity_type.display_name = activity_type.name or ""
