# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The work lines of an intervention: hours, parts, travel, mileage and
expenses, priced, covered, costed, invoiced and taken out of stock.

``service.intervention.line`` is this class plus the concerns listed by name
in its ``_inherit`` (phone, practice, allowance, execution, report), each an
abstract model in its own file; the one ``write`` and the change checks here
call their steps."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_date

from .selections import COST_GROUPS, INVOICE_STATUSES
from .service_document_mixin import is_trusted, trusted
from .service_write_policy_mixin import OFFICER, SYSTEM, TECH_CREATES, TECHNICIAN

# planned work is the job's to-do (a protocol's steps and parts, lines typed
# ahead of the work): it costs nothing, moves no stock, consumes no prepaid
# hours and is never invoiced; it is done once the technician confirms it
EXECUTION_STATES = [
    ("planned", "Planned"),
    ("done", "Done"),
]
LINE_TYPES = [
    ("activity", "Activity"),
    ("part", "Spare Part"),
    ("travel", "Travel"),
    ("mileage", "Mileage"),
    ("expense", "Expense"),
]
# beyond these, a figure is a typing error (1e9 hours), not work
MAX_QUANTITY = 1_000_000
MAX_PRICE = 10_000_000


def implausible_figures(line):
    """The error for a line whose quantity or price is a typing error."""
    return ValidationError(
        line.env._(
            "%(line)s: a quantity of %(qty)s at %(price)s is not plausible. Check "
            "the figures (at most %(max_qty)s units at %(max_price)s each).",
            line=line.name,
            qty=f"{line.quantity:g}",
            price=f"{line.price_unit:g}",
            max_qty=f"{MAX_QUANTITY:,.0f}",
            max_price=f"{MAX_PRICE:,.0f}",
        )
    )


# which contract coverage applies to which kind of work
COVERAGE_FIELD = {
    "activity": "coverage_labor_pct",
    "part": "coverage_parts_pct",
    "travel": "coverage_travel_pct",
    "mileage": "coverage_travel_pct",
}
# fields that describe the work: frozen once the intervention is done or invoiced
WORK_FIELDS = {
    "line_type",
    "object_id",
    "object_lot_id",
    "activity_type_id",
    "employee_id",
    "date",
    "quantity",
    "product_id",
    "lot_id",
    "uom_id",
    "price_unit",
    "discount",
    "billable",
    "coverage_pct",
    "unit_cost",
    "done",
}
# a line's work, or the job it belongs to
LINE_FIELDS = WORK_FIELDS | {"intervention_id"}


class ServiceInterventionLine(models.Model):
    _name = "service.intervention.line"
    _inherit = [
        "service.priced.line.mixin",
        "analytic.mixin",
        "service.write.policy.mixin",
        # the concerns, each in its own file
        "service.intervention.line.phone",
        "service.intervention.line.practice",
        "service.intervention.line.allowance",
        "service.intervention.line.execution",
        "service.intervention.line.report",
    ]
    _description = "Intervention Work Line"
    _analytic_depends = (
        "intervention_id.partner_id",
        "intervention_id.contract_id.analytic_distribution",
    )
    _order = "intervention_id, sequence, id"
    # the technician records what he does; the dispatcher prices and covers
    # (as sale's price and discount); stock, invoicing and prepaid hours are
    # written by the application's own methods only
    _write_policy = {
        "intervention_id": TECH_CREATES,
        "sequence": TECHNICIAN,
        "company_id": SYSTEM,
        "currency_id": SYSTEM,
        "partner_id": SYSTEM,
        "intervention_state": SYSTEM,
        "object_lot_id": TECHNICIAN,
        "object_id": TECHNICIAN,
        "line_type": TECHNICIAN,
        "name": TECHNICIAN,
        "activity_type_id": TECHNICIAN,
        "protocol_step_id": TECHNICIAN,
        "mandatory": SYSTEM,
        "employee_id": TECHNICIAN,
        "date": TECHNICIAN,
        "quantity": TECHNICIAN,
        "product_id": TECHNICIAN,
        "uom_id": TECHNICIAN,
        "lot_id": TECHNICIAN,
        "done": TECHNICIAN,
        # follows the tick
        "execution_state": SYSTEM,
        "note": TECHNICIAN,
        "price_unit": OFFICER,
        "discount": OFFICER,
        "billable": OFFICER,
        "coverage_pct": OFFICER,
        "coverage_reason": OFFICER,
        "unit_cost": OFFICER,
        "analytic_distribution": OFFICER,
        "amount_gross": SYSTEM,
        "price_subtotal": SYSTEM,
        "cost_subtotal": SYSTEM,
        "margin": SYSTEM,
        "stock_move_id": SYSTEM,
        "part_moved": SYSTEM,
        "invoice_line_ids": SYSTEM,
        "invoice_status": SYSTEM,
    }
    _numeric_bounds = {
        "discount": (0, 100),
        "coverage_pct": (0, 100),
        "unit_cost": (0, None),
    }

    intervention_id = fields.Many2one(
        "service.intervention", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="intervention_id.company_id", store=True)
    currency_id = fields.Many2one(related="intervention_id.currency_id")
    partner_id = fields.Many2one(
        related="intervention_id.partner_id", store=True, string="Customer"
    )
    intervention_state = fields.Selection(related="intervention_id.state")
    # the serial of the object is what users pick, also on a job not yet
    # saved (its objects have no id yet); the object follows from it
    object_lot_id = fields.Many2one(
        "stock.lot",
        string="Object",
        compute="_compute_object_lot_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        help="Serviced object this work is for: warranty and contract coverage "
        "depend on it. Left empty, the best coverage of the job's objects holds.",
    )
    object_id = fields.Many2one(
        "service.intervention.object",
        string="Serviced Object",
        compute="_compute_object_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('intervention_id', '=', intervention_id)]",
        ondelete="set null",
    )
    line_type = fields.Selection(LINE_TYPES, required=True, default="activity")
    name = fields.Char(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
    )
    activity_type_id = fields.Many2one("service.activity.type", check_company=True)
    protocol_step_id = fields.Many2one(
        "service.protocol.step", ondelete="set null", check_company=True
    )
    mandatory = fields.Boolean(related="protocol_step_id.mandatory")
    employee_id = fields.Many2one(
        "hr.employee",
        string="Technician",
        compute="_compute_employee_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        index="btree_not_null",
    )
    date = fields.Date(default=fields.Date.context_today, required=True, index=True)
    quantity = fields.Float(
        compute="_compute_quantity",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Unit",
        help="Hours for activities, km for mileage, units otherwise.",
    )
    product_id = fields.Many2one(
        compute="_compute_product_id", store=True, readonly=False, precompute=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Part Serial/Lot",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    billable = fields.Boolean(
        compute="_compute_billable", store=True, readonly=False, precompute=True
    )
    coverage_pct = fields.Float(
        string="Coverage (%)",
        compute="_compute_coverage",
        store=True,
        readonly=False,
        precompute=True,
    )
    coverage_reason = fields.Char(
        compute="_compute_coverage", store=True, readonly=False, precompute=True
    )
    amount_gross = fields.Monetary(
        compute="_compute_amounts", store=True, string="Amount Before Coverage"
    )
    price_subtotal = fields.Monetary(
        compute="_compute_amounts", store=True, string="Customer Pays"
    )
    # not precomputed: technicians create lines, only officers see costs
    unit_cost = fields.Float(
        groups=COST_GROUPS,
        compute="_compute_unit_cost",
        store=True,
        readonly=False,
        digits="Product Price",
    )
    cost_subtotal = fields.Monetary(
        compute="_compute_amounts", store=True, string="Cost", groups=COST_GROUPS
    )
    margin = fields.Monetary(compute="_compute_amounts", store=True, groups=COST_GROUPS)
    stock_move_id = fields.Many2one("stock.move", copy=False, readonly=True)
    part_moved = fields.Boolean(
        compute="_compute_part_moved",
        help="The part already left stock: return it to stock to change the line.",
    )
    done = fields.Boolean(
        default=True,
        copy=False,
        help="Confirmed by the technician: the work was done (a step ticked, "
        "time recorded, a part confirmed with the quantity used). Work not "
        "confirmed is planned: it is neither billed nor taken out of stock.",
    )
    execution_state = fields.Selection(
        EXECUTION_STATES,
        compute="_compute_execution_state",
        store=True,
        index=True,
        string="Execution",
        help="Planned: the job's to-do, billed and consumed only once done. "
        "Done: work the technician confirmed.",
    )
    invoice_line_ids = fields.Many2many(
        "account.move.line",
        "service_intervention_line_account_move_line_rel",
        "intervention_line_id",
        "move_line_id",
        string="Invoice Lines",
        copy=False,
        readonly=True,
    )
    invoice_status = fields.Selection(
        INVOICE_STATUSES,
        compute="_compute_invoice_status",
        store=True,
        index=True,
    )
    note = fields.Html(string="Notes", groups="base.group_user")

    _coverage_range = models.Constraint(
        "CHECK(coverage_pct BETWEEN 0 AND 100)",
        "The coverage of a work line must be between 0 and 100%.",
    )
    _price_positive = models.Constraint(
        "CHECK(price_unit >= 0 AND unit_cost >= 0)",
        "Prices and costs of a work line cannot be negative.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _is_frozen(self):
        """Values of done or invoiced work are history: never recomputed."""
        self.ensure_one()
        return self.intervention_id.state == "done" or self.invoice_line_ids

    @api.depends("object_id")
    def _compute_object_lot_id(self):
        for line in self:
            if line.object_id.lot_id:
                line.object_lot_id = line.object_id.lot_id

    @api.depends("object_lot_id", "intervention_id.object_ids.lot_id")
    def _compute_object_id(self):
        """The object of the chosen serial, else the job's only object."""
        for line in self:
            if not (line.intervention_id and line._is_frozen()):
                line.object_id = line._proposed_object()

    def _proposed_object(self):
        objects = self.intervention_id.object_ids
        if self.object_lot_id:
            match = objects.filtered(lambda o: o.lot_id == self.object_lot_id)[:1]
            if match:
                return match
        if self.object_id and self.object_id in objects:
            return self.object_id
        return objects if len(objects) == 1 else False

    @api.depends("done")
    def _compute_execution_state(self):
        for line in self:
            line.execution_state = "done" if line.done else "planned"

    @api.depends("stock_move_id")
    def _compute_part_moved(self):
        for line in self:
            line.part_moved = bool(line.stock_move_id)

    @api.depends("line_type", "activity_type_id", "product_id")
    def _compute_name(self):
        generic = dict(self._fields["line_type"]._description_selection(self.env))
        for line in self:
            if line.line_type == "activity" and line.activity_type_id:
                # a line typed as "Activity" before its type was chosen is
                # named after the type (never just "Activity")
                if not line.name or line.name == generic["activity"]:
                    line.name = line.activity_type_id.name
            elif line.product_id:
                line.name = line.product_id.display_name
            elif not line.name:
                # in the user's language: the name is stored as typed
                line.name = dict(
                    self._fields["line_type"]._description_selection(self.env)
                )[line.line_type]

    @api.depends("line_type", "intervention_id.technician_id")
    def _compute_employee_id(self):
        # whoever did the work, by default the job's technician, for every
        # kind of work (never the user who typed or applied it)
        for line in self:
            if not line.employee_id:
                line.employee_id = line.intervention_id.technician_id

    @api.depends("line_type", "activity_type_id")
    def _compute_product_id(self):
        for line in self:
            company = line.intervention_id.company_id or self.env.company
            if line.line_type == "activity" and line.activity_type_id.product_id:
                line.product_id = line.activity_type_id.product_id
            elif line.line_type == "mileage" and not line.product_id:
                line.product_id = company.service_mileage_product_id
            elif line.line_type == "travel" and not line.product_id:
                line.product_id = company.service_travel_product_id

    @api.depends("line_type", "activity_type_id", "intervention_id.partner_id")
    def _compute_quantity(self):
        for line in self:
            if not line.quantity:
                line.quantity = line._default_quantity()

    def _default_quantity(self):
        """The activity's duration, the job's route for travel and mileage,
        else one."""
        if self.line_type == "activity":
            return self.activity_type_id.default_duration
        if self.line_type in ("mileage", "travel") and self.intervention_id:
            return self.intervention_id._route_line_quantity(self)
        return 1.0

    @api.depends("intervention_id.pricelist_id")
    def _compute_price_unit(self):
        return super()._compute_price_unit()

    def _get_pricing_context(self):
        self.ensure_one()
        return self.intervention_id.pricelist_id, self.date

    def _is_price_frozen(self):
        return self._is_frozen()

    @api.depends("line_type", "activity_type_id")
    def _compute_billable(self):
        for line in self:
            if line._is_frozen():
                line.billable = line.billable
            elif line.line_type == "activity" and line.activity_type_id:
                line.billable = line.activity_type_id.billable
            else:
                line.billable = True

    @api.depends(
        "line_type",
        "date",
        "object_id.lot_id.warranty_end_date",
        "intervention_id.object_ids.lot_id.warranty_end_date",
        "intervention_id.contract_id",
        "intervention_id.contract_id.state",
        "intervention_id.contract_id.coverage_labor_pct",
        "intervention_id.contract_id.coverage_parts_pct",
        "intervention_id.contract_id.coverage_travel_pct",
        "allowance_hours",
        "allowance_left",
        "intervention_id.allowance_visit",
        "intervention_id.allowance_visits_left",
    )
    def _compute_coverage(self):
        for line in self:
            if line._is_frozen():
                line.coverage_pct = line.coverage_pct
                line.coverage_reason = line.coverage_reason
                continue
            line.coverage_pct, line.coverage_reason = line._coverage()

    def _coverage(self):
        """(percentage, reason) of this work paid by prepaid hours or an
        included visit (the whole line), else by warranty or contract.

        A line without an object gets the best coverage among the job's
        objects: the customer never pays for covered work because of how the
        line was typed."""
        self.ensure_one()
        prepaid = self._allowance_coverage()
        if prepaid:
            return prepaid
        lots = self.object_id.lot_id
        if not self.object_id:
            lots = self.intervention_id.object_ids.lot_id
        candidates = [self._coverage_for_lot(lot) for lot in lots]
        candidates.append(self._coverage_for_lot(lots.browse()))
        return max(candidates, key=lambda candidate: candidate[0])

    def _coverage_for_lot(self, lot):
        self.ensure_one()
        if self._under_warranty(lot):
            return 100.0, self.env._(
                "Warranty until %(date)s",
                date=format_date(self.env, lot.warranty_end_date),
            )
        return self._contract_coverage()

    def _under_warranty(self, lot):
        """Whether the work or part of the line is under ``lot``'s warranty."""
        date = self.date or fields.Date.context_today(self)
        return (
            self.line_type in ("activity", "part")
            and lot.warranty_end_date
            and date <= lot.warranty_end_date
        )

    def _contract_coverage(self):
        """(percentage, reason) of this work the running contract covers."""
        contract = self.intervention_id.contract_id
        field_name = COVERAGE_FIELD.get(self.line_type)
        if not (contract and field_name and contract.state == "running"):
            return 0.0, False
        if not contract[field_name]:
            return 0.0, False
        # one whole phrase per kind of work for translators
        reason = {
            "coverage_labor_pct": self.env._("%(contract)s: labour %(pct)s%%"),
            "coverage_parts_pct": self.env._("%(contract)s: parts %(pct)s%%"),
            "coverage_travel_pct": self.env._("%(contract)s: travel %(pct)s%%"),
        }[field_name]
        return contract[field_name], reason % {
            "contract": contract.name,
            "pct": f"{contract[field_name]:g}",
        }

    def _get_analytic_context(self):
        self.ensure_one()
        intervention = self.intervention_id
        return (
            intervention.contract_id,
            intervention.partner_id.commercial_partner_id,
            intervention.company_id or self.env.company,
        )

    @api.depends(
        "line_type", "product_id", "employee_id", "activity_type_id", "price_unit"
    )
    def _compute_unit_cost(self):
        for line in self:
            if line._is_frozen():
                line.unit_cost = line.sudo().unit_cost
            else:
                line.unit_cost = line._default_unit_cost()

    def _default_unit_cost(self):
        """The technician's hourly cost (else the activity's), what an
        expense costs, else the product's cost."""
        if self.line_type == "activity":
            return self._hourly_cost()
        if self.line_type == "expense":
            return self.price_unit or self.product_id.standard_price
        return self.product_id.standard_price

    def _hourly_cost(self):
        return (
            self.employee_id.sudo().hourly_cost or self.activity_type_id.cost_per_hour
        )

    @api.depends(
        "quantity",
        "price_unit",
        "discount",
        "coverage_pct",
        "billable",
        "unit_cost",
        "product_id",
        "uom_id",
        "done",
        # the invoice rounds its lines together: so do their amounts
        "intervention_id.line_ids.quantity",
        "intervention_id.line_ids.price_unit",
        "intervention_id.line_ids.discount",
        "intervention_id.line_ids.coverage_pct",
        "intervention_id.line_ids.billable",
        "intervention_id.line_ids.done",
    )
    def _compute_amounts(self):
        # what the customer signs is what the invoice will bill, to the cent:
        # computed from the values the invoice lines receive (coverage folded
        # into their discount), as the invoice computes them
        subtotals = self.env["service.invoicing"]._work_lines_subtotals(self)
        for line in self:
            currency = line.currency_id or self.env.company.currency_id
            if not line.done:
                # planned work costs nothing until it is done
                line.amount_gross = line.price_subtotal = 0.0
                line.cost_subtotal = line.margin = 0.0
                continue
            gross = line.quantity * line.price_unit * (1 - line.discount / 100.0)
            line.amount_gross = currency.round(gross)
            line.price_subtotal = subtotals.get(line, 0.0)
            # costs are restricted to officers; they are computed for anyone;
            # in the company's currency, shown in the line's like its price
            line.cost_subtotal = line._cost_in_line_currency(
                line.quantity * line.sudo().unit_cost, currency
            )
            line.margin = line.price_subtotal - line.cost_subtotal

    def _cost_in_line_currency(self, cost, currency):
        """``cost`` (company currency) in ``currency``, at the line's date:
        margins subtract amounts of one currency."""
        company = self.company_id or self.env.company
        if currency == company.currency_id:
            return currency.round(cost)
        return company.currency_id._convert(
            cost, currency, company, self.date or fields.Date.context_today(self)
        )

    @api.depends(
        "intervention_id.state",
        "billable",
        "done",
        "price_subtotal",
        "invoice_line_ids.move_id.state",
    )
    def _compute_invoice_status(self):
        for line in self:
            line.invoice_status = line._get_invoice_status()

    def _get_invoice_status(self):
        if self.invoice_line_ids.filtered(lambda aml: aml.move_id.state != "cancel"):
            return "invoiced"
        if self._is_to_invoice():
            return "to_invoice"
        return "no"

    def _is_to_invoice(self):
        """Done billable work of a done job, with something to pay."""
        return (
            self.intervention_id.state == "done"
            and self.done
            and self.billable
            and self.price_subtotal > 0
        )

    @api.constrains("quantity", "line_type", "price_unit")
    def _check_quantity_bounds(self):
        for line in self:
            if line.line_type in ("activity", "travel") and line.quantity > 24:
                raise ValidationError(line._more_than_a_day_error())
            if line.quantity > MAX_QUANTITY or line.price_unit > MAX_PRICE:
                raise implausible_figures(line)

    def _more_than_a_day_error(self):
        return self.env._(
            "%(line)s: %(hours)s hours on one line is more than a day. "
            "Record each day's work on its own line (24 hours at most).",
            line=self.name,
            hours=f"{self.quantity:g}",
        )

    # ------------------------------------------------------------------
    # CRUD: done or invoiced work is not edited
    # ------------------------------------------------------------------
    def write(self, vals):
        confirmed = self._confirmed_by(vals)
        if confirmed:
            # confirmed now: the work is dated today, by whoever did it
            super(ServiceInterventionLine, confirmed).write(
                confirmed._confirm_values(vals)
            )
        return super().write(vals)

    def _check_line_change(self, fnames=None):
        self._check_allowance_change(fnames)
        self._check_editable(fnames)
        self._check_signed_day(fnames)

    def _check_editable(self, fnames=None):
        if is_trusted(self):
            return
        if fnames is not None and not set(fnames) & LINE_FIELDS:
            return
        if problem := self._edit_problem():
            raise UserError(problem)

    def _edit_problem(self):
        """Why the work of these lines cannot change, or False."""
        return (
            self._invoiced_problem() or self._closed_problem() or self._moved_problem()
        )

    def _invoiced_problem(self):
        invoiced = self.filtered(lambda line: line.invoice_status == "invoiced")
        return invoiced and self.env._(
            "Intervention %(names)s is invoiced: its work lines cannot be "
            "changed. Cancel the invoice first.",
            names=", ".join(invoiced.intervention_id.mapped("name")),
        )

    def _closed_problem(self):
        closed = self.filtered(
            lambda line: line.intervention_id.state in ("done", "cancelled")
        )
        return closed and self.env._(
            "Intervention %(names)s is done or cancelled: re-open it to "
            "change its work lines.",
            names=", ".join(closed.intervention_id.mapped("name")),
        )

    def _moved_problem(self):
        moved = self.filtered("stock_move_id")
        return moved and self.env._(
            "The spare parts %(parts)s already left stock: return them to "
            "stock (Return to Stock) before changing or deleting the line.",
            parts=", ".join(moved.mapped("name")),
        )

    def _check_signed_day(self, fnames=None):
        """The hours of a work day the technician signed stay as signed."""
        if self.env.su or is_trusted(self):
            return
        if fnames is not None and not set(fnames) & WORK_FIELDS:
            return
        frozen = self._on_signed_days()
        if frozen:
            raise UserError(frozen._signed_day_error())

    def _on_signed_days(self):
        """The activity lines of a work day their technician signed."""
        activities = self.filtered(
            lambda line: line.line_type == "activity" and line.employee_id
        )
        if not activities:
            return activities
        signed = activities._signed_days()
        return activities.filtered(lambda line: (line.employee_id, line.date) in signed)

    def _signed_day_error(self):
        return self.env._(
            "The work day of %(employee)s on %(date)s is signed: its "
            "hours cannot change.",
            employee=self[0].employee_id.name,
            date=format_date(self.env, self[0].date),
        )

    def _signed_days(self):
        """{(employee, day)} of the signed work days of these lines."""
        WorkDay = self.env["service.work.day"].sudo()
        days = WorkDay.search(self._signed_days_domain())
        return {(day.employee_id, day.date) for day in days}

    def _signed_days_domain(self):
        return [
            ("employee_id", "in", self.employee_id.ids),
            ("date", "in", list(set(self.mapped("date")))),
            ("signed_on", "!=", False),
        ]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_return_part(self):
        """Reverse the stock move of these part lines (back to where the part
        left from), so a re-opened job's lines can be changed or deleted."""
        lines = self.filtered("stock_move_id")
        lines._check_returnable()
        self._validate_moves(lines._create_return_moves())
        trusted(lines).write({"stock_move_id": False})
        lines._log_returns()
        return True

    def _create_return_moves(self):
        vals_list = [line._prepare_part_return_values() for line in self]
        return self.env["stock.move"].sudo().create(vals_list)

    def _log_returns(self):
        for intervention in self.intervention_id:
            returned = self.filtered(
                lambda line, i=intervention: line.intervention_id == i
            )
            intervention.message_post(body=returned._returned_message())

    def _returned_message(self):
        return self.env._(
            "Spare parts returned to stock: %(parts)s.",
            parts=", ".join(self.mapped("name")),
        )

    def _check_returnable(self):
        for line in self:
            if line.intervention_id.state != "in_progress":
                raise UserError(line._not_reopened_error())

    def _not_reopened_error(self):
        return self.env._(
            "Re-open intervention %(name)s before returning its parts to stock.",
            name=self.intervention_id.name,
        )

    # ------------------------------------------------------------------
    # Invoicing hooks (service.invoicing selects, locks, groups and posts)
    # ------------------------------------------------------------------
    def _get_work_invoice_grouping_keys(self):
        """The field paths, from this work line, whose values the lines of
        one invoice of executed work share: the invoicing makes one invoice
        per distinct combination. One invoice per intervention, or, when the
        company invoices work per customer, per invoice address, currency
        and company.

        Extension point: override it to split or merge work invoices (e.g.
        add ``"intervention_id.contract_id"`` for one invoice per contract).
        The lines of one invoice should share what its header is read from
        (see ``service.intervention._prepare_invoice_values``).

        :return: list of field paths, e.g. ``["intervention_id"]``
        """
        self.ensure_one()
        if self.company_id.service_work_invoice_grouping == "customer":
            return [
                "intervention_id.partner_invoice_id",
                "intervention_id.currency_id",
                "intervention_id.company_id",
            ]
        return ["intervention_id"]

    def _prepare_invoice_line_values(self, fiscal_position=None, **optional_values):
        """The values of the invoice line of this work line: a description
        in the customer's language (``_invoice_line_name``), the price, the
        covered share as a discount, the taxes mapped by the invoice's fiscal
        position, and the analytic distribution. Its amount is the line's
        "Customer Pays".

        Extension point: override it to add or change values of the invoice
        lines of executed work (an account, a label, a custom field); call
        ``super()`` and update the dict. ``optional_values`` are added to it.
        Changing the price, discount or taxes here makes the invoice differ
        from the "Customer Pays" amount the customer signed.

        :param fiscal_position: the fiscal position of the invoice
            (``account.fiscal.position``); by default the intervention's
        :return: values for ``account.move.line`` (in ``Command.create``)
        """
        self.ensure_one()
        Invoicing = self.env["service.invoicing"]
        if fiscal_position is None:
            fiscal_position = Invoicing._work_fiscal_position(self.intervention_id)
        taxes = Invoicing._work_line_taxes(self, fiscal_position)
        values = {
            "product_id": self.product_id.id,
            "name": self._invoice_line_name(),
            "quantity": self.quantity,
            "product_uom_id": (self.uom_id or self.product_id.uom_id).id,
            "price_unit": self.price_unit,
            "discount": Invoicing._work_line_discount(self),
            "tax_ids": [Command.set(taxes.ids)],
            "service_intervention_line_ids": [Command.set(self.ids)],
        }
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        values.update(optional_values)
        return values

    def _invoice_line_name(self):
        """Intervention – serviced object – date – technician – work
        (coverage), in the customer's language."""
        intervention = self.intervention_id
        reader_env = self.env["service.invoicing"]._reader_env(intervention.partner_id)
        # the invoicing user reads the work lines (checked by the caller); the
        # serials and technicians they name are read as admin (billing users
        # may not read employees), product names in the customer's language
        described = self.with_env(reader_env).sudo()
        parts = [intervention.name]
        if described.object_id.lot_id:
            parts.append(
                f"{described.object_id.product_id.name} "
                f"({described.object_id.lot_id.name})"
            )
        parts.append(format_date(reader_env, self.date))
        if described.employee_id:
            parts.append(described.employee_id.name)
        # one separator throughout: no stray colon when the work is unnamed
        name = " – ".join(filter(None, [*parts, self.name]))
        if self.coverage_pct:
            name += f" ({self.coverage_reason})"
        return name

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _create_part_moves(self):
        """One validated stock move per part line, from the intervention's
        location to the customer, lots included."""
        parts = self._parts_to_move()
        if not parts:
            return self.env["stock.move"]
        parts._check_parts_movable()
        vals_list = [line._prepare_part_move_values() for line in parts]
        moves = self._validate_moves(self.env["stock.move"].sudo().create(vals_list))
        # the links are bookkeeping of the system, as the moves are: the
        # user's right on the lines is checked once for all of them, then
        # each line gets its move (a value per line, which one write cannot
        # set) and the ORM saves them all with a single UPDATE
        parts.check_access("write")
        for line, move in zip(trusted(parts).sudo(), moves, strict=True):
            line.stock_move_id = move
        return moves

    def _parts_to_move(self):
        return self.filtered(
            lambda line: (
                line.line_type == "part"
                and line.done
                and not line.stock_move_id
                and line.product_id.type == "consu"
                and line.quantity > 0
            )
        )

    def _check_parts_movable(self):
        """Tracked parts have their serial, the job where they leave from."""
        missing_lot = self.filtered(
            lambda line: line.product_id.tracking != "none" and not line.lot_id
        )
        if missing_lot:
            raise UserError(
                self.env._(
                    "Enter the serial/lot of the spare parts %(parts)s.",
                    parts=", ".join(missing_lot.mapped("product_id.display_name")),
                )
            )
        no_source = self.intervention_id.filtered(lambda i: not i.location_id)
        if no_source:
            raise UserError(
                self.env._(
                    "Set the stock location the parts of %(name)s leave from.",
                    name=no_source[:1].name,
                )
            )

    @api.model
    def _validate_moves(self, moves):
        """Confirm and validate ``moves`` at once (the parts left, or came
        back, when the technician says so)."""
        moves._action_confirm(merge=False)
        moves.picked = True
        moves._action_done()
        return moves

    def _prepare_part_move_values(self):
        """The values of the stock move that takes the part of this line out
        of stock: from the intervention's location (the technician's van or
        the warehouse) to the customer's location, with its serial or lot,
        validated at once by ``_create_part_moves``; returned to stock, the
        move is these values reversed (``_prepare_part_return_values``).

        Extension point: override it to change where parts go or what their
        moves carry (a picking type, a route, a custom field); call
        ``super()`` and update the dict. Keep one move line per move: its
        quantity is what leaves stock.

        :return: values for ``stock.move.create``
        """
        self.ensure_one()
        intervention = self.intervention_id
        source = intervention.location_id
        dest = intervention.partner_shipping_id.property_stock_customer or (
            self.env.ref("stock.stock_location_customers")
        )
        uom = self.uom_id or self.product_id.uom_id
        return {
            "product_id": self.product_id.id,
            "product_uom_qty": self.quantity,
            "product_uom": uom.id,
            "location_id": source.id,
            "location_dest_id": dest.id,
            "partner_id": intervention.partner_shipping_id.id,
            "company_id": intervention.company_id.id,
            "origin": intervention.name,
            "service_intervention_id": intervention.id,
            "move_line_ids": [
                Command.create(self._prepare_part_move_line_values(source, dest, uom))
            ],
        }

    def _prepare_part_move_line_values(self, source, dest, uom):
        """The one move line of the part's move: its serial or lot and the
        quantity that leaves stock."""
        return {
            "product_id": self.product_id.id,
            "lot_id": self.lot_id.id,
            "quantity": self.quantity,
            "product_uom_id": uom.id,
            "location_id": source.id,
            "location_dest_id": dest.id,
        }

    def _prepare_part_return_values(self):
        """The values of the stock move returning the part of this line:
        ``_prepare_part_move_values`` reversed, from where the part went back
        to where it left from, with the quantity and lots that moved."""
        self.ensure_one()
        move = self.stock_move_id.sudo()
        values = self._prepare_part_move_values()
        values.update(
            product_id=move.product_id.id,
            product_uom_qty=move.quantity,
            product_uom=move.product_uom.id,
            location_id=move.location_dest_id.id,
            location_dest_id=move.location_id.id,
            partner_id=move.partner_id.id,
            company_id=move.company_id.id,
            origin=move.origin,
            move_line_ids=[
                Command.create(self._prepare_return_move_line_values(ml))
                for ml in move.move_line_ids
            ],
        )
        return values

    @api.model
    def _prepare_return_move_line_values(self, move_line):
        """``move_line`` of the part's move, reversed."""
        return {
            "product_id": move_line.product_id.id,
            "lot_id": move_line.lot_id.id,
            "quantity": move_line.quantity,
            "product_uom_id": move_line.product_uom_id.id,
            "location_id": move_line.location_dest_id.id,
            "location_dest_id": move_line.location_id.id,
        }
