# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .service_write_policy_mixin import ANYONE

# bounds of the renewal price index (%): beyond them a typo (-100, 150...)
# would zero, turn negative or multiply the fees of every renewed contract
RENEWAL_PRICE_INDEX_MIN = -50.0
RENEWAL_PRICE_INDEX_MAX = 100.0


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "service.write.policy.mixin"]
    # the company's settings: whoever may edit the company
    _write_policy_default = ANYONE
    _numeric_bounds = {
        "service_preventive_horizon_days": (0, 3660),
        "service_warranty_reminder_days": (0, 3660),
        "service_time_increment": (0, 24),
        "service_allowance_alert_pct": (0, 100),
        "service_route_road_factor": (1, 5),
        "service_route_speed_kmh": (1, 200),
    }

    service_preventive_horizon_days = fields.Integer(
        string="Preventive Planning Horizon (days)",
        default=30,
        help="Preventive interventions are generated this many days ahead.",
    )
    service_preventive_next_from = fields.Selection(
        [
            ("due_date", "The due date"),
            ("done_date", "The last done intervention"),
        ],
        string="Next Preventive Visit From",
        default="due_date",
        required=True,
        help="The due date: every interval from the contract start, whatever "
        "happened. The last done intervention: one interval after the last "
        "visit was done (one visit planned at a time).",
    )
    service_mileage_product_id = fields.Many2one(
        "product.product",
        string="Mileage Product",
        help="Product (unit: km) used to price mileage lines of interventions.",
    )

    service_warranty_reminder_days = fields.Integer(
        string="Warranty Reminder (days)",
        default=30,
        help="A to-do is scheduled this many days before an installed "
        "product's warranty ends.",
    )

    service_travel_product_id = fields.Many2one(
        "product.product",
        string="Travel Product",
        help="Service product that prices travel lines of interventions.",
    )
    service_invoice_prorata = fields.Boolean(
        string="Pro-rata Partial Periods",
        default=True,
        help="A period cut by the contract's end, its close or a renewal is "
        "invoiced for its days only, and closing a contract credits the days "
        "already invoiced after its close. Off: every period is invoiced in "
        "full once, and stays so.",
    )
    service_work_invoice_grouping = fields.Selection(
        [
            ("intervention", "One invoice per intervention"),
            ("customer", "One invoice per customer"),
        ],
        string="Executed Work Invoices",
        default="intervention",
        required=True,
    )
    service_invoice_auto_post = fields.Boolean(
        string="Post Service Invoices",
        help="Post the invoices created by the scheduled actions, except those "
        "with a warning.",
    )
    service_invoice_warning_threshold = fields.Float(
        string="Amount Change Warning (%)",
        default=20.0,
        help="Warn when a contract invoice differs from the previous period by "
        "more than this percentage.",
    )
    service_renewal_price_index = fields.Float(
        string="Renewal Price Index (%)",
        help="Fee lines of renewed contracts are raised by this percentage "
        "(between -50% and +100%).",
    )
    service_contract_auto_start = fields.Boolean(
        string="Start Sold Contracts",
        default=True,
        help="Contracts created by a confirmed sale order start running at once.",
    )
    service_warranty_contract_on_delivery = fields.Boolean(
        string="Warranty Contracts at Delivery",
        help="Create one warranty contract per customer and delivery covering "
        "the delivered serials until their warranty ends.",
    )

    service_allowance_alert_pct = fields.Float(
        string="Prepaid Hours Alert (%)",
        default=80.0,
        help="When this share of a contract's prepaid hours or visits of a "
        "period is used, its responsible gets an activity (once per period). "
        "0: no alert.",
    )
    service_time_increment = fields.Float(
        string="Minimum Time Increment (hours)",
        default=0.25,
        help="The time of a technician's timer becomes an activity line rounded "
        "up to this increment (0.25 = a quarter of an hour; 0 = to the minute).",
    )

    # day routes
    service_route_road_factor = fields.Float(
        string="Road Factor",
        default=1.3,
        help="Roads are this much longer than the straight line between two "
        "places (used when no OSRM server is set, or when it fails).",
    )
    service_route_speed_kmh = fields.Float(
        string="Average Speed (km/h)",
        default=50.0,
        help="Average driving speed used to estimate driving times.",
    )
    service_osrm_url = fields.Char(
        string="OSRM Server",
        help="URL of an OSRM server (e.g. https://osrm.example.com) giving "
        "road distances and driving times; empty: estimated from the "
        "coordinates, and no request leaves the server.",
    )
    service_mileage_source = fields.Selection(
        [
            ("customer", "The customer's fixed distance"),
            ("route", "The leg of the day route"),
        ],
        string="Mileage From",
        default="customer",
        required=True,
        help="Kilometres proposed on a job's mileage and travel lines: the "
        "customer's fixed distance, or the job's leg of its technician's day "
        "route (from the previous stop or the start place; the customer's "
        "distance when the job has no leg).",
    )

    _service_time_increment_range = models.Constraint(
        "CHECK(service_time_increment >= 0 AND service_time_increment <= 8)",
        "The minimum time increment must be between 0 and 8 hours.",
    )
    _service_warranty_reminder_days_positive = models.Constraint(
        "CHECK(service_warranty_reminder_days >= 0)",
        "The warranty reminder delay cannot be negative.",
    )
    _service_preventive_horizon_positive = models.Constraint(
        "CHECK(service_preventive_horizon_days >= 0)",
        "The preventive planning horizon cannot be negative.",
    )

    @api.constrains("service_renewal_price_index")
    def _check_service_renewal_price_index(self):
        for company in self:
            index = company.service_renewal_price_index
            if not RENEWAL_PRICE_INDEX_MIN <= index <= RENEWAL_PRICE_INDEX_MAX:
                raise ValidationError(
                    self.env._(
                        "The renewal price index of %(company)s must be between "
                        "%(min)s%% and +%(max)s%%; %(index)s%% is not possible.",
                        company=company.name,
                        min=f"{RENEWAL_PRICE_INDEX_MIN:g}",
                        max=f"{RENEWAL_PRICE_INDEX_MAX:g}",
                        index=f"{index:g}",
                    )
                )
