# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict
from datetime import date

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import float_round, format_date

from .selections import (
    BILLING_METHODS,
    CONTRACT_TYPES,
    INTERVAL_TYPES,
    INVOICE_READERS,
    MAX_INTERVAL_NUMBER,
    WORK_READERS,
    interval_delta,
    period_bounds,
)
from .service_contract_line import changes_fees
from .service_document_mixin import count_by, open_action, trusted
from .service_write_policy_mixin import (
    ANYONE,
    BILLING,
    CONTRACT_TERMS,
    OFFICER,
    SYSTEM,
    groups,
)

_logger = logging.getLogger(__name__)

# what each contract type proposes: billing method and coverage of executed work
TYPE_DEFAULTS = {
    "warranty": {
        "billing_method": "none",
        "coverage_labor_pct": 100.0,
        "coverage_parts_pct": 100.0,
        "coverage_travel_pct": 0.0,
    },
    "maintenance": {
        "billing_method": "flat_rate",
        "coverage_labor_pct": 100.0,
        "coverage_parts_pct": 0.0,
        "coverage_travel_pct": 100.0,
    },
    "assistance": {
        "billing_method": "time_and_materials",
        "coverage_labor_pct": 0.0,
        "coverage_parts_pct": 0.0,
        "coverage_travel_pct": 0.0,
    },
}
# editing these on a running contract needs a reason, logged on the chatter
PROTECTED_FIELDS = {
    "date_start",
    "date_end",
    "line_ids",
    "recurring_interval_number",
    "recurring_interval_type",
    "recurring_invoicing_mode",
    "billing_method",
    "next_invoice_date",
    "pricelist_id",
    "currency_id",
    "fiscal_position_id",
}
# changing these moves the next invoice date to the next due period
BILLING_FIELDS = {
    "date_end",
    "recurring_interval_number",
    "recurring_interval_type",
    "recurring_invoicing_mode",
    "billing_method",
}
# a run "on" this date invoices nothing: what is due when, without billing
EARLIEST = date.min
MONTHS_PER_UNIT = {"day": 12 / 365.0, "week": 12 / 52.0, "month": 1.0, "year": 12.0}


class ServiceContract(models.Model):
    _name = "service.contract"
    _description = "Service Contract"
    _inherit = [
        # prepaid hours and response times (a concern on mail.thread: first)
        "service.contract.allowance.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "service.document.mixin",
        "service.write.policy.mixin",
        "analytic.mixin",
        "service.profitability.mixin",
    ]
    _order = "date_start desc, id desc"
    _service_profitability_field = "contract_id"
    _service_sequence_code = "service.contract"
    _service_portal_path = "contracts"
    _check_company_auto = True
    # the officer and the salesperson (his own contracts, by record rule)
    # write the terms; invoicing and the sale link are the application's
    _write_policy = {
        "name": {"create": ANYONE, "write": CONTRACT_TERMS},
        "partner_id": CONTRACT_TERMS,
        "partner_invoice_id": CONTRACT_TERMS,
        "partner_shipping_id": CONTRACT_TERMS,
        "company_id": CONTRACT_TERMS,
        "pricelist_id": CONTRACT_TERMS,
        "currency_id": CONTRACT_TERMS,
        "user_id": CONTRACT_TERMS,
        "active": CONTRACT_TERMS,
        "fiscal_position_id": CONTRACT_TERMS,
        "payment_term_id": CONTRACT_TERMS,
        "contract_type": CONTRACT_TERMS,
        "billing_method": CONTRACT_TERMS,
        "date_start": CONTRACT_TERMS,
        "date_end": CONTRACT_TERMS,
        "state": SYSTEM,
        "auto_renew": CONTRACT_TERMS,
        "renewal_months": CONTRACT_TERMS,
        "recurring_interval_number": CONTRACT_TERMS,
        "recurring_interval_type": CONTRACT_TERMS,
        "recurring_invoicing_mode": CONTRACT_TERMS,
        # postponed by billing users or officers, with a reason when running
        "next_invoice_date": groups(BILLING, OFFICER),
        # moved by the invoicing engine and renewals only
        "invoiced_until": SYSTEM,
        "date_term_start": SYSTEM,
        "line_ids": CONTRACT_TERMS,
        "amount_untaxed": SYSTEM,
        "recurring_monthly": SYSTEM,
        "coverage_labor_pct": CONTRACT_TERMS,
        "coverage_parts_pct": CONTRACT_TERMS,
        "coverage_travel_pct": CONTRACT_TERMS,
        "lot_ids": CONTRACT_TERMS,
        "lot_count": SYSTEM,
        "protocol_ids": CONTRACT_TERMS,
        "technician_id": CONTRACT_TERMS,
        "invoice_ids": SYSTEM,
        "intervention_ids": SYSTEM,
        "intervention_count": SYSTEM,
        "invoice_count": SYSTEM,
        "sale_order_id": SYSTEM,
        "sale_line_id": SYSTEM,
        "change_reason": CONTRACT_TERMS,
        "note": CONTRACT_TERMS,
        "analytic_distribution": CONTRACT_TERMS,
        # prepaid hours, visits and response times
        "allowance_hours": CONTRACT_TERMS,
        "allowance_visits": CONTRACT_TERMS,
        "allowance_period": CONTRACT_TERMS,
        "allowance_rollover": CONTRACT_TERMS,
        "allowance_hours_available": SYSTEM,
        "allowance_hours_used": SYSTEM,
        "allowance_hours_left": SYSTEM,
        "allowance_hours_used_pct": SYSTEM,
        "allowance_visits_available": SYSTEM,
        "allowance_visits_used": SYSTEM,
        "allowance_visits_left": SYSTEM,
        "allowance_period_start": SYSTEM,
        "allowance_alert_period": SYSTEM,
        "sla_response_hours": CONTRACT_TERMS,
        "sla_resolution_hours": CONTRACT_TERMS,
        "sla_urgent_response_hours": CONTRACT_TERMS,
        "sla_urgent_resolution_hours": CONTRACT_TERMS,
    }
    # (coverage percentages: a database constraint)
    _numeric_bounds = {
        "allowance_hours": (0, None),
        "allowance_visits": (0, None),
        "renewal_months": (0, 1200),
        "sla_response_hours": (0, 100000),
        "sla_resolution_hours": (0, 100000),
        "sla_urgent_response_hours": (0, 100000),
        "sla_urgent_resolution_hours": (0, 100000),
    }

    active = fields.Boolean(default=True)
    # the sale order may set a currency other than its pricelist's
    currency_id = fields.Many2one(readonly=False)
    fiscal_position_id = fields.Many2one(
        "account.fiscal.position",
        compute="_compute_fiscal_position_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        compute="_compute_payment_term_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    contract_type = fields.Selection(
        CONTRACT_TYPES,
        required=True,
        default="maintenance",
        tracking=True,
    )
    billing_method = fields.Selection(
        BILLING_METHODS,
        required=True,
        compute="_compute_type_defaults",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Flat rate: the fee lines are invoiced every period (a forfait). "
        "Time and materials: the executed work is invoiced (a consuntivo), "
        "less the coverage below.",
    )
    date_start = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    date_end = fields.Date(tracking=True)
    state = fields.Selection(
        selection_add=[
            ("running", "Running"),
            ("expired", "Expired"),
            ("closed", "Closed"),
            ("cancelled",),
        ],
        ondelete={
            "running": "set default",
            "expired": "set default",
            "closed": "set default",
        },
    )
    auto_renew = fields.Boolean(tracking=True)
    renewal_months = fields.Integer(
        string="Renewal Term (months)",
        default=12,
        help="At its end date a contract with automatic renewal runs this many "
        "months more.",
    )
    recurring_interval_number = fields.Integer(
        string="Invoice Every", default=1, required=True
    )
    recurring_interval_type = fields.Selection(
        INTERVAL_TYPES, string="Invoicing Unit", default="month", required=True
    )
    recurring_invoicing_mode = fields.Selection(
        [("in_advance", "In Advance"), ("in_arrears", "In Arrears")],
        string="Invoicing Mode",
        default="in_advance",
        required=True,
        help="In advance: a period is invoiced on its first day. "
        "In arrears: the day after it ends.",
    )
    # tracked for people; the invoicing engine moves it without tracking
    next_invoice_date = fields.Date(
        copy=False,
        index=True,
        tracking=True,
        help="When the next invoice is issued. Invoicing sets it; moving it "
        "later postpones the next invoice (no day is skipped: the periods due "
        "by then are invoiced together).",
    )
    invoiced_until = fields.Date(
        string="Invoiced Up To",
        copy=False,
        readonly=True,
        help="The last day of the contract already invoiced: the next invoice "
        "starts the day after.",
    )
    date_term_start = fields.Date(
        string="Current Term From",
        copy=False,
        readonly=True,
        help="First day of the current term: the start, then the day after "
        "the previous end at each renewal. Prepaid hours per term refill then.",
    )
    line_ids = fields.One2many(
        "service.contract.line", "contract_id", string="Fee Lines", copy=True
    )
    amount_untaxed = fields.Monetary(
        compute="_compute_amounts", store=True, string="Fee per Period"
    )
    recurring_monthly = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        string="Monthly Recurring Revenue",
        help="The periodic fee expressed per month, for revenue analysis.",
    )
    coverage_labor_pct = fields.Float(
        string="Labour Coverage (%)",
        compute="_compute_type_defaults",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    coverage_parts_pct = fields.Float(
        string="Parts Coverage (%)",
        compute="_compute_type_defaults",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    coverage_travel_pct = fields.Float(
        string="Travel Coverage (%)",
        compute="_compute_type_defaults",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        "service_contract_stock_lot_rel",
        "contract_id",
        "lot_id",
        string="Covered Products",
        check_company=True,
        domain="[('service_partner_id', '=', commercial_partner_id)]",
    )
    lot_count = fields.Integer(compute="_compute_lot_count")
    protocol_ids = fields.Many2many(
        "service.protocol", string="Planned Protocols", check_company=True
    )
    technician_id = fields.Many2one(
        "hr.employee",
        string="Usual Technician",
        check_company=True,
        help="Proposed on the preventive interventions and practices of this contract.",
    )
    invoice_ids = fields.One2many(
        "account.move",
        "service_contract_id",
        string="Invoices",
        readonly=True,
        groups=INVOICE_READERS,
    )
    intervention_ids = fields.One2many(
        "service.intervention",
        "contract_id",
        string="Interventions",
        readonly=True,
        groups=WORK_READERS,
    )
    intervention_count = fields.Integer(
        compute="_compute_intervention_count", groups=WORK_READERS
    )
    invoice_count = fields.Integer(
        compute="_compute_invoice_count", compute_sudo=True, groups=INVOICE_READERS
    )
    sale_order_id = fields.Many2one(
        "sale.order", copy=False, index="btree_not_null", check_company=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Sale Order Line", copy=False, check_company=True
    )
    change_reason = fields.Char(
        string="Reason for Change",
        copy=False,
        help="Changing the dates, invoicing or fee lines of a running contract "
        "needs a reason: it is logged on the chatter.",
    )
    note = fields.Html(string="Notes", groups="base.group_user")

    _coverage_labor_range = models.Constraint(
        "CHECK(coverage_labor_pct BETWEEN 0 AND 100)",
        "Coverage percentages must be between 0 and 100.",
    )
    _coverage_parts_range = models.Constraint(
        "CHECK(coverage_parts_pct BETWEEN 0 AND 100)",
        "Coverage percentages must be between 0 and 100.",
    )
    _coverage_travel_range = models.Constraint(
        "CHECK(coverage_travel_pct BETWEEN 0 AND 100)",
        "Coverage percentages must be between 0 and 100.",
    )
    _renewal_months_positive = models.Constraint(
        "CHECK(renewal_months BETWEEN 1 AND 120)",
        "The renewal term of a contract must be between 1 and 120 months.",
    )
    # the contracts due for invoicing (service.invoicing._due_contract_domain)
    _due_invoice_idx = models.Index(
        "(state, billing_method, next_invoice_date) WHERE next_invoice_date IS NOT NULL"
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("partner_id", "partner_shipping_id", "company_id")
    def _compute_fiscal_position_id(self):
        for contract in self:
            contract.fiscal_position_id = contract._get_invoice_fiscal_position()

    def _get_invoice_fiscal_position(self):
        """The fiscal position of the customer's invoices (none without one)."""
        FiscalPosition = self.env["account.fiscal.position"].with_company(
            self.company_id
        )
        if not self.partner_id:
            return FiscalPosition
        return FiscalPosition._get_fiscal_position(
            self.partner_invoice_id or self.partner_id,
            delivery=self.partner_shipping_id,
        )

    @api.depends("partner_id", "company_id")
    def _compute_payment_term_id(self):
        for contract in self:
            contract.payment_term_id = contract.partner_id.with_company(
                contract.company_id
            ).property_payment_term_id

    @api.depends("contract_type")
    def _compute_type_defaults(self):
        for contract in self:
            defaults = TYPE_DEFAULTS.get(contract.contract_type, {})
            for fname, value in defaults.items():
                contract[fname] = value

    @api.depends(
        "line_ids.price_subtotal",
        "billing_method",
        "recurring_interval_number",
        "recurring_interval_type",
    )
    def _compute_amounts(self):
        for contract in self:
            amount = sum(contract.line_ids.mapped("price_subtotal"))
            contract.amount_untaxed = amount
            contract.recurring_monthly = contract._get_recurring_monthly(amount)

    def _get_recurring_monthly(self, amount):
        """Monthly value of a flat rate billing ``amount`` per period (else 0)."""
        self.ensure_one()
        months = self.recurring_interval_number * MONTHS_PER_UNIT.get(
            self.recurring_interval_type, 1.0
        )
        billed = self.billing_method == "flat_rate" and months > 0
        return float_round(amount / months, precision_digits=2) if billed else 0.0

    @api.depends("lot_ids")
    def _compute_lot_count(self):
        for contract in self:
            contract.lot_count = len(contract.lot_ids)

    def _compute_intervention_count(self):
        counts = count_by(self, "service.intervention", "contract_id")
        for contract in self:
            contract.intervention_count = counts.get(contract, 0)

    def _compute_invoice_count(self):
        counts = count_by(self, "account.move", "service_contract_id")
        for contract in self:
            contract.invoice_count = counts.get(contract, 0)

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(contract._get_dates_error())

    def _get_dates_error(self):
        """The message of a contract that ends before it starts."""
        return self.env._(
            "Contract %(name)s ends (%(end)s) before it starts (%(start)s): "
            "fix the dates.",
            name=self.name,
            end=self.date_end,
            start=self.date_start,
        )

    @api.constrains("recurring_interval_number", "recurring_interval_type")
    def _check_interval(self):
        for contract in self:
            if contract.recurring_interval_number <= 0:
                raise ValidationError(
                    self.env._(
                        "Contract %(name)s: invoice every %(number)s periods is "
                        "not possible; enter 1 or more.",
                        name=contract.name,
                        number=contract.recurring_interval_number,
                    )
                )
            limit = MAX_INTERVAL_NUMBER[contract.recurring_interval_type]
            if contract.recurring_interval_number > limit:
                raise ValidationError(
                    self.env._(
                        "Contract %(name)s: invoice every %(number)s %(unit)s is "
                        "too long; enter at most %(limit)s (ten years).",
                        name=contract.name,
                        number=contract.recurring_interval_number,
                        unit=dict(
                            self._fields[
                                "recurring_interval_type"
                            ]._description_selection(self.env)
                        )[contract.recurring_interval_type],
                        limit=limit,
                    )
                )

    @api.constrains("lot_ids", "partner_id")
    def _check_lot_partner(self):
        for contract in self:
            foreign = contract._get_foreign_lots()
            if foreign:
                raise ValidationError(contract._get_foreign_lots_error(foreign))

    def _get_foreign_lots(self):
        """The covered products installed at another customer."""
        customer = self.partner_id.commercial_partner_id
        return self.lot_ids.filtered(lambda lot: lot.service_partner_id != customer)

    def _get_foreign_lots_error(self, foreign):
        return self.env._(
            "Contract %(name)s can only cover products installed at "
            "%(customer)s; these are not: %(lots)s.",
            name=self.name,
            customer=self.partner_id.commercial_partner_id.display_name,
            lots=", ".join(foreign.mapped("display_name")),
        )

    @api.constrains("billing_method", "line_ids", "state")
    def _check_fee_lines(self):
        for contract in self:
            if contract.billing_method != "flat_rate":
                continue
            if contract.line_ids.filtered(lambda line: not line.product_id):
                raise ValidationError(
                    self.env._(
                        "Contract %(name)s is billed at a flat rate: every fee line "
                        "needs a product.",
                        name=contract.name,
                    )
                )
            if contract.state == "running" and not contract.line_ids:
                raise ValidationError(
                    self.env._(
                        "Contract %(name)s is billed at a flat rate: add at least "
                        "one fee line before starting it.",
                        name=contract.name,
                    )
                )

    @api.constrains(
        "state", "next_invoice_date", "billing_method", "date_start", "date_end"
    )
    def _check_next_invoice_date(self):
        if self.env.context.get("service_next_invoice_pending"):
            return  # set again right after, from the new terms
        for contract in self:
            next_date = contract.next_invoice_date
            if (
                contract.state == "running"
                and contract.billing_method == "flat_rate"
                and not next_date
                and not contract._is_fully_invoiced()
            ):
                raise ValidationError(
                    self.env._(
                        "Running contract %(name)s is billed at a flat rate: set "
                        "its next invoice date.",
                        name=contract.name,
                    )
                )
            if not next_date:
                continue
            # in arrears the last period is invoiced the day after the end
            last = contract.date_end and contract.date_end + relativedelta(days=1)
            if next_date < contract.date_start or (last and next_date > last):
                raise ValidationError(
                    self.env._(
                        "Contract %(name)s: the next invoice date (%(date)s) must "
                        "be between its start (%(start)s) and the day after its "
                        "end (%(end)s).",
                        name=contract.name,
                        date=format_date(self.env, next_date),
                        start=format_date(self.env, contract.date_start),
                        end=format_date(self.env, last) if last else "-",
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        # the trusted write below must not skip the write policy
        self._service_check_write_policy(vals)
        vals = dict(vals)
        reason = (vals.pop("change_reason", None) or "").strip()
        protected = self._protected_in(vals)
        running = self._running_to_justify(protected)
        if not running:
            return super().write(vals)
        running._check_change_reason(reason, protected)
        running._check_running_change(vals)
        before = {c: c._protected_values(protected) for c in running}
        # the reason lets through the protected fields it was given for,
        # nothing else: the other values are written with the user's rights
        changes = {fname: vals.pop(fname) for fname in protected}
        if vals:
            # first what needs no reason, with the user's rights: a refused
            # value leaves the protected ones unwritten too
            super().write(vals)
        self._write_protected(running, changes, protected)
        for contract in running:
            after = contract._protected_values(protected)
            contract._log_change(before[contract], after, reason)
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        for contract in self:
            if contract.sudo().invoice_ids or contract._has_interventions():
                raise UserError(contract._get_unlink_history_error())

    def _get_unlink_history_error(self):
        return self.env._(
            "Contract %(name)s has invoices or interventions: archive it "
            "instead of deleting it.",
            name=self.name,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_interventions(self):
        self.ensure_one()
        return open_action(
            self.env,
            "service_management.action_service_intervention",
            [("contract_id", "=", self.id)],
            {"default_contract_id": self.id, "default_partner_id": self.partner_id.id},
        )

    def action_reprice_fees(self):
        """Price the fee lines of running contracts again from their
        pricelist, with the reason given in the context (the form passes its
        Reason for Change); logged on the chatter."""
        reason = (self.env.context.get("service_change_reason") or "").strip()
        running = self.filtered(lambda c: c.state == "running")
        if running and not reason:
            raise UserError(
                self.env._(
                    "Contract %(names)s is running: enter a reason for changing "
                    "its fees before updating the prices.",
                    names=", ".join(running.mapped("name")),
                )
            )
        for contract in self:
            before = contract._protected_values({"line_ids"})
            for line in contract.line_ids.filtered("product_id"):
                trusted(line).write({"price_unit": line._get_pricelist_price()})
            if contract in running:
                contract._log_change(
                    before, contract._protected_values({"line_ids"}), reason
                )
        return True

    def action_start(self):
        self._check_state(
            ("draft",),
            self.env._("Only draft contracts can be started; %(name)s is %(state)s."),
        )
        for contract in self:
            # a flat-rate contract needs a positive fee per period
            self.env["service.invoicing"]._check_contract_fee(contract)
        for contract in self:
            vals = {"state": "running"}
            if not contract.date_term_start:
                vals["date_term_start"] = contract.date_start
            if contract.billing_method == "flat_rate":
                vals["next_invoice_date"] = contract._next_due_date()
            contract._service_trusted().write(vals)
        # a customer's first running contract starts their "new customer"
        # practices
        self.env["service.planning"]._plan_new_customer(self)
        return True

    def action_close(self):
        return self._close(fields.Date.context_today(self))

    def action_cancel(self):
        self._check_state(
            ("draft", "running"),
            self.env._("Contract %(name)s is %(state)s: it cannot be cancelled."),
        )
        self._service_trusted().write(
            {"state": "cancelled", "next_invoice_date": False}
        )
        return True

    def action_draft(self):
        self._check_state(
            ("cancelled",),
            self.env._("Contract %(name)s is %(state)s: it cannot be reset to draft."),
        )
        self._service_trusted().write({"state": "draft", "next_invoice_date": False})
        return True

    def action_renew(self):
        """Extend the contracts one renewal term, on the same records: covered
        products and planned protocols carry over."""
        self._check_state(
            ("running", "expired"),
            self.env._(
                "Only running or expired contracts can be renewed; %(name)s is "
                "%(state)s."
            ),
        )
        self._renew({contract: contract._renewal_plan() for contract in self})
        return True

    def action_create_invoice(self):
        """Invoice the periods of these contracts due today (never later
        periods: the date is not something a client may choose)."""
        moves = self.env["service.invoicing"]._invoice_contracts(contracts=self)
        if not moves:
            raise UserError(self._get_nothing_due_error())
        return self.env["service.invoice.wizard"]._action_open_invoices(moves)

    def _get_nothing_due_error(self):
        """The message when none of these contracts is due today."""
        dates = ", ".join(str(d) for d in self.mapped("next_invoice_date") if d)
        return self.env._(
            "Nothing to invoice on %(names)s today: the next invoice is due "
            "on %(dates)s.",
            names=", ".join(self.mapped("name")),
            dates=dates or "-",
        )

    def action_view_lots(self):
        self.ensure_one()
        return open_action(
            self.env,
            "service_management.action_service_installed_base",
            [("id", "in", self.lot_ids.ids)],
            {"create": False},
        )

    def action_view_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Changes to running contracts (write)
    # ------------------------------------------------------------------
    def _protected_in(self, vals):
        """The fields of ``vals`` that need a reason on a running contract
        (fee lines only when their prices or quantities change)."""
        protected = PROTECTED_FIELDS.intersection(vals)
        if "line_ids" in protected and not changes_fees(vals["line_ids"]):
            protected.discard("line_ids")
        return protected

    def _running_to_justify(self, protected):
        """The running contracts whose change of ``protected`` needs a
        reason: none when the application itself writes."""
        if not protected or self._service_is_trusted():
            return self.browse()
        return self.filtered(lambda c: c.state == "running")

    def _check_change_reason(self, reason, protected):
        if reason:
            return
        raise UserError(
            self.env._(
                "Contract %(names)s is running: enter a reason for changing "
                "%(fields)s.",
                names=", ".join(self.mapped("name")),
                fields=", ".join(
                    self._fields[f].get_description(self.env)["string"]
                    for f in sorted(protected)
                ),
            )
        )

    def _write_protected(self, running, changes, protected):
        """Write the protected ``changes`` the reason was given for: trusted
        and not tracked on ``running`` (the change is logged with the
        reason), as usual on the others; then move the next invoice date
        when the billing terms changed."""
        reset = "next_invoice_date" not in changes and bool(protected & BILLING_FIELDS)
        # the next invoice date is set again below, from the new terms
        quiet = running._service_trusted().with_context(
            tracking_disable=True, service_next_invoice_pending=reset
        )
        super(ServiceContract, quiet).write(
            dict(changes, next_invoice_date=False) if reset else changes
        )
        if self - running:
            super(ServiceContract, self - running).write(changes)
        if reset:
            running._reset_next_invoice_date()
        return True

    def _check_running_change(self, vals):
        """What a reason cannot justify on a running contract: moving the
        start or the end over days already invoiced, or changing the
        currency of its invoices."""
        for contract in self:
            invoiced = contract.invoiced_until
            start = vals.get("date_start")
            if start and invoiced and fields.Date.to_date(start) != contract.date_start:
                raise UserError(
                    self.env._(
                        "Contract %(name)s is invoiced up to %(date)s: its start "
                        "cannot move any more. Close it and start a new one.",
                        name=contract.name,
                        date=format_date(self.env, invoiced),
                    )
                )
            end = vals.get("date_end")
            if end and invoiced and fields.Date.to_date(end) < invoiced:
                raise UserError(
                    self.env._(
                        "Contract %(name)s is invoiced up to %(date)s: its end "
                        "cannot be earlier. Close it on the day it ends instead: "
                        "the days invoiced after are credited.",
                        name=contract.name,
                        date=format_date(self.env, invoiced),
                    )
                )
            if (
                "currency_id" in vals
                and vals["currency_id"] != contract.currency_id.id
                and contract.invoiced_until
            ):
                raise UserError(
                    self.env._(
                        "Contract %(name)s already has invoices in %(currency)s: "
                        "its currency cannot change.",
                        name=contract.name,
                        currency=contract.currency_id.name,
                    )
                )

    def _protected_values(self, fnames):
        """{label: displayed value} of ``fnames``, to log what changed."""
        self.ensure_one()
        values = {}
        for fname in sorted(fnames):
            field = self._fields[fname]
            label = field.get_description(self.env)["string"]
            if fname == "line_ids":
                values[label] = (
                    ", ".join(
                        f"{line.name} {line.quantity:g} × {line.price_unit:.2f}"
                        for line in self.line_ids
                    )
                    + f" = {self.amount_untaxed:.2f}"
                )
            elif field.type == "selection":
                values[label] = dict(field._description_selection(self.env)).get(
                    self[fname], ""
                )
            elif field.type == "date":
                values[label] = format_date(self.env, self[fname]) or "-"
            else:
                values[label] = str(self[fname])
        return values

    def _log_change(self, before, after, reason):
        body = Markup("%s<ul>%s</ul>%s") % (
            self.env._("Running contract changed:"),
            Markup().join(self._get_change_lines(before, after)),
            self.env._("Reason: %s", reason),
        )
        self.message_post(body=body)

    @api.model
    def _get_change_lines(self, before, after):
        """The ``<li>`` of each value that changed (``{label: value}``)."""
        return [
            Markup("<li>%s: %s → %s</li>") % (label, before[label], after[label])
            for label in before
            if before[label] != after[label]
        ]

    def _has_interventions(self):
        self.ensure_one()
        return bool(self.sudo().intervention_ids)

    # ------------------------------------------------------------------
    # Invoicing periods
    # ------------------------------------------------------------------
    def _is_fully_invoiced(self):
        """True when every day up to the end of the contract is invoiced."""
        self.ensure_one()
        return bool(
            self.date_end
            and self.invoiced_until
            and self.invoiced_until >= self.date_end
        )

    def _interval_delta(self):
        self.ensure_one()
        return interval_delta(
            self.recurring_interval_number, self.recurring_interval_type
        )

    def _period_bounds(self, day):
        """(first day, last day) of the invoicing period containing ``day``:
        periods are counted from the start, never chained (see
        ``selections.period_bounds``). Prepaid hours per period use the same
        boundaries."""
        self.ensure_one()
        return period_bounds(
            self.date_start,
            self.recurring_interval_number or 1,
            self.recurring_interval_type or "month",
            day,
        )

    def _next_unbilled_day(self):
        self.ensure_one()
        if self.invoiced_until and self.invoiced_until >= self.date_start:
            return self.invoiced_until + relativedelta(days=1)
        return self.date_start

    def _due_periods(self, date, covered=(), limit=500):
        """The pieces of the contract to invoice on ``date``, oldest first,
        and the markers after them.

        A piece is the part of an invoicing period (see ``_period_bounds``)
        not yet invoiced and within the contract: from the day after the last
        invoiced day to the end of its period, the end of the contract or the
        next span already invoiced (``covered``, after a cancelled invoice),
        whichever comes first (``_due_piece``).

        :param covered: [(first day, last day)] of this contract's invoices
            at or after the next unbilled day
        :param limit: pieces at most (the next run goes on)
        :return: ([{start, end, invoice_date, ratio, days, period_days,
            remainder}], {next_invoice_date, invoiced_until})
        :raise OverflowError, ValueError: dates out of the calendar
        """
        self.ensure_one()
        one = relativedelta(days=1)
        spans = sorted(covered or ())
        day = self._next_unbilled_day()
        periods = []
        while self._covers(day) and len(periods) < limit:
            span = next((b for a, b in spans if a <= day <= b), None)
            if span:
                day = span + one
                continue
            due, period = self._due_piece(day, spans)
            if due > date:
                until = day - one if day > self.date_start else False
                return periods, {"next_invoice_date": due, "invoiced_until": until}
            periods.append(period)
            day = period["end"] + one
        # past the limit the rest is due as well: the next run goes on
        more = len(periods) >= limit and self._covers(day)
        return periods, {
            "next_invoice_date": day if more else False,
            "invoiced_until": day - one,
        }

    def _covers(self, day):
        """Whether ``day`` is before the contract's end (if any)."""
        return not self.date_end or day <= self.date_end

    def _due_piece(self, day, spans):
        """(due date, piece) of the piece starting on ``day``: up to the end
        of its period, of the contract or the next of ``spans`` (invoiced).
        In advance a piece is due from the first day of its period, in
        arrears the day after it."""
        one = relativedelta(days=1)
        in_advance = self.recurring_invoicing_mode == "in_advance"
        period_start, period_end = self._period_bounds(day)
        end = min(period_end, self.date_end) if self.date_end else period_end
        end = min([end] + [a - one for a, b in spans if a > day])
        piece = {
            "start": day,
            "end": end,
            "invoice_date": day if in_advance else end + one,
            "ratio": 1.0,
            "days": None,
            "period_days": None,
            "remainder": False,
        }
        self._prorate(piece, period_start, period_end)
        return (period_start if in_advance else end + one), piece

    def _prorate(self, piece, period_start, period_end):
        """A piece shorter than its period bills the share of its days
        (pro-rata, the company's setting), else the whole fee once per
        period: a piece whose period was already billed in full bills
        nothing."""
        days = (piece["end"] - piece["start"]).days + 1
        period_days = (period_end - period_start).days + 1
        if days == period_days:
            return
        if self.company_id.service_invoice_prorata:
            piece.update(ratio=days / period_days, days=days, period_days=period_days)
        elif piece["start"] != period_start:
            # its period's fee was billed in full with its first days
            piece.update(ratio=0.0, remainder=True)

    def _next_due_date(self, covered=None):
        """When the first piece not yet invoiced is due (False: none left)."""
        self.ensure_one()
        __, markers = self._due_periods(EARLIEST, covered)
        return markers["next_invoice_date"]

    def _reset_next_invoice_date(self):
        """Set the next invoice date to when the next piece is due (none when
        every day to the end is invoiced): after a start, a renewal, a close,
        a change of the dates or the invoicing, a cancelled invoice."""
        billed = self.filtered(
            lambda c: (
                c.state in ("running", "expired", "closed")
                and c.billing_method == "flat_rate"
            )
        )
        covered = self.env["service.invoicing"]._covered_spans(billed)
        ids_by_date = defaultdict(list)
        for contract in self:
            next_date = False
            if contract in billed:
                try:
                    next_date = contract._next_due_date(covered.get(contract.id))
                except (OverflowError, ValueError):
                    continue  # reported by the invoicing run
            if contract.next_invoice_date != next_date:
                ids_by_date[next_date].append(contract.id)
        for next_date, ids in ids_by_date.items():
            self.browse(ids)._service_trusted().with_context(
                tracking_disable=True
            ).write({"next_invoice_date": next_date})

    # ------------------------------------------------------------------
    # Close and renew
    # ------------------------------------------------------------------
    def _close(self, date):
        """Close the contracts on ``date``, their last day under contract:
        nothing is invoiced after it. With pro-rata, days already invoiced
        after it (in advance) are credited."""
        self._check_state(
            ("running", "expired"),
            self.env._("Contract %(name)s is %(state)s: it cannot be closed."),
        )
        for contract in self:
            if date < contract.date_start:
                raise UserError(
                    self.env._(
                        "Contract %(name)s starts on %(start)s: it cannot close "
                        "before. Cancel it instead.",
                        name=contract.name,
                        start=format_date(self.env, contract.date_start),
                    )
                )
        for contract in self:
            vals = {"state": "closed", "next_invoice_date": False}
            if not contract.date_end or contract.date_end > date:
                vals["date_end"] = date
            contract._service_trusted().write(vals)
        self.env["service.invoicing"]._credit_after_close(self)
        self._reset_next_invoice_date()
        return True

    def _renewal_plan(self, until=None):
        """What renewing this contract changes, computed without writing
        anything: one renewal term, or as many as needed for its end to reach
        ``until``; its fees are indexed by the company's renewal price index
        at each term.

        :raise UserError: when it cannot renew: its fee per period would not
            be positive, or the price index is out of bounds
        :return: dict of ``values`` (of the contract), ``prices`` ({fee
            line: new unit price}) and ``body`` (the note on its chatter)
        """
        self.ensure_one()
        # an index set before it was bounded would still zero the fees
        self.company_id._check_service_renewal_price_index()
        index = self.company_id.service_renewal_price_index
        end = self.date_end or fields.Date.context_today(self)
        term_start = self.date_term_start or self.date_start
        prices = {line: line.price_unit for line in self.line_ids}
        terms = 0
        while not terms or (until and end < until):
            # a flat-rate contract renews with a positive fee per period only
            self.env["service.invoicing"]._check_contract_fee(
                self, index=index, prices=prices
            )
            term_start = end + relativedelta(days=1)
            end = self._renewal_end(end)
            prices = self._indexed_prices(prices, index)
            terms += 1
        return {
            "values": {
                "date_end": end,
                "state": "running",
                "date_term_start": term_start,
            },
            "prices": prices if index else {},
            "body": self._renewal_note(end, index, terms),
        }

    def _renewal_end(self, end):
        """The end of the term after the one ending on ``end``."""
        try:
            return end + relativedelta(months=self.renewal_months)
        except (OverflowError, ValueError) as error:
            raise UserError(self._get_renewal_overflow_error()) from error

    def _get_renewal_overflow_error(self):
        return self.env._(
            "Contract %(name)s cannot renew by %(months)s months: its end "
            "would leave the calendar. Enter a shorter renewal term.",
            name=self.name,
            months=self.renewal_months,
        )

    @api.model
    def _indexed_prices(self, prices, index):
        """{fee line: unit price} raised by ``index`` percent (none: as is)."""
        if not index:
            return prices
        return {
            line: line.currency_id.round(price * (1 + index / 100.0))
            for line, price in prices.items()
        }

    def _renewal_note(self, end, index, terms):
        date = format_date(self.env, end)
        if not index:
            return self.env._("Contract renewed until %(date)s.", date=date)
        if terms == 1:
            return self.env._(
                "Contract renewed until %(date)s, fees indexed by %(index)s%%.",
                date=date,
                index=f"{index:g}",
            )
        return self.env._(
            "Contract renewed %(terms)s times, until %(date)s, fees indexed "
            "by %(index)s%% each time.",
            terms=terms,
            date=date,
            index=f"{index:g}",
        )

    def _renew(self, plans):
        """Apply renewal plans ({contract: ``_renewal_plan()``}) with few
        writes, whatever the number of contracts: one per distinct new price
        on the fee lines, one per distinct set of values on the contracts,
        and the chatter notes in one batch."""
        line_ids_by_price = defaultdict(list)
        contract_ids_by_values = defaultdict(list)
        for contract, plan in plans.items():
            for line, price in plan["prices"].items():
                line_ids_by_price[price].append(line.id)
            key = tuple(sorted(plan["values"].items()))
            contract_ids_by_values[key].append(contract.id)
        # the next invoice date is set again below, from the new end
        trusted_self = self._service_trusted().with_context(
            service_next_invoice_pending=True
        )
        Line = trusted_self.env["service.contract.line"]
        for price, line_ids in line_ids_by_price.items():
            Line.browse(line_ids).write({"price_unit": price})
        for key, contract_ids in contract_ids_by_values.items():
            trusted_self.browse(contract_ids).write(dict(key))
        renewed = self.browse([contract.id for contract in plans])
        # invoicing goes on from the day after the last invoiced day
        renewed._reset_next_invoice_date()
        renewed._message_log_batch(
            bodies={contract.id: plan["body"] for contract, plan in plans.items()}
        )

    def _auto_start(self):
        """Start the contracts (just sold) of the companies that start them
        on the sale's confirmation; a flat rate sold at no charge stays a
        draft to complete, the order is confirmed all the same."""
        auto = self.filtered(lambda c: c.company_id.service_contract_auto_start)
        free = auto.filtered(
            lambda c: (
                c.billing_method == "flat_rate"
                and c.currency_id.compare_amounts(c.amount_untaxed, 0) <= 0
            )
        )
        (auto - free).action_start()
        for contract in free:
            contract.message_post(
                body=self.env._(
                    "Left in draft: its fee per period is not positive. Enter the "
                    "fees, then start it."
                )
            )

    # ------------------------------------------------------------------
    # Invoicing hooks: service.invoicing selects, locks and posts, these say
    # what the invoice holds
    # ------------------------------------------------------------------
    def _prepare_invoice_values(self, period):
        """The values of the customer invoice of this contract for ``period``.

        Extension point: override it to add or change header values of the
        contract invoices (journal, reference, narration, a custom field);
        call ``super()`` and update the dict. The lines come from
        ``service.contract.line._prepare_invoice_line_values``.

        :param dict period: a due period, as
            ``service.invoicing._contract_periods`` gives it (``start``,
            ``end``, ``invoice_date``, ``ratio``, ``days``, ``period_days``)
        :return: values for ``account.move.create``
        """
        self.ensure_one()
        partner = self.partner_invoice_id or self.partner_id
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "invoice_payment_term_id": self.payment_term_id.id,
            # the contract's responsible, not whoever runs the invoicing
            "invoice_user_id": self.user_id.id,
            "invoice_date": period["invoice_date"],
            "invoice_origin": self.name,
            "service_contract_id": self.id,
            "service_period_start": period["start"],
            "service_period_end": period["end"],
            "invoice_line_ids": [
                Command.create(line._prepare_invoice_line_values(period))
                for line in self.line_ids
            ],
        }

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    @api.model
    def _cron_service_contract_expiry(self, date=None):
        """Expire running contracts whose end date passed, or renew them (as
        many terms as needed to cover ``date``) when they renew automatically.

        :return: (expired contracts, renewed contracts)
        """
        today = fields.Date.to_date(date) or fields.Date.context_today(self)
        ended = self.search(
            [
                ("state", "=", "running"),
                ("date_end", "!=", False),
                ("date_end", "<", today),
            ]
        )
        renewing = ended.filtered("auto_renew")
        refused = renewing._renew_until(today)
        renewing = renewing.filtered(lambda contract: contract not in refused)
        expiring = ended - renewing
        expiring._expire()
        return expiring, renewing

    def _renew_until(self, until):
        """Renew these contracts until ``until``: all at once, else one by
        one. A contract that cannot renew (e.g. its fee would be zero)
        expires, with the reason on its chatter.

        :return: {refused contract: reason}
        """
        plans, refused = {}, {}
        for contract in self:
            try:
                plans[contract] = contract._renewal_plan(until=until)
            except (UserError, ValidationError) as error:
                refused[contract] = error.args[0]
        try:
            with self.env.cr.savepoint():
                self._renew(plans)
        except (UserError, ValidationError):
            _logger.info("renewing %s contracts failed, one by one", len(plans))
            refused.update(self._renew_one_by_one(plans))
        for contract, error in refused.items():
            contract.message_post(
                body=self.env._(
                    "Automatic renewal failed: %(error)s The contract expires.",
                    error=error,
                )
            )
        return refused

    def _renew_one_by_one(self, plans):
        """:return: {contract whose renewal failed: reason}"""
        refused = {}
        for contract, plan in plans.items():
            error = self._get_renewal_error(contract, plan)
            if error:
                refused[contract] = error
        return refused

    def _get_renewal_error(self, contract, plan):
        """Renew one contract in a savepoint: why it failed, or None."""
        try:
            with self.env.cr.savepoint():
                self._renew({contract: plan})
        except (UserError, ValidationError) as error:
            return error.args[0]
        return None

    def _expire(self):
        if not self:
            return
        self._service_trusted().write({"state": "expired"})
        self._message_log_batch(bodies=self._get_expiry_notes())

    def _get_expiry_notes(self):
        """``{contract id: note}`` of these expired contracts."""
        return {
            contract.id: self.env._(
                "Contract expired on %(date)s.",
                date=format_date(self.env, contract.date_end),
            )
            for contract in self
        }

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    def _get_report_base_filename(self):
        """Name of the PDF the customer downloads from the portal."""
        self.ensure_one()
        return self.env._("Contract %(name)s", name=self.name)
