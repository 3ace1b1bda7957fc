# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_date, format_datetime, formatLang

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


class ServiceInterventionLine(models.Model):
    _name = "service.intervention.line"
    _inherit = [
        "service.priced.line.mixin",
        "analytic.mixin",
        "service.write.policy.mixin",
    ]
    _description = "Intervention Work Line"
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
        # phone
        "scan_code": TECHNICIAN,
        "van_shortage": SYSTEM,
        "outside_van": TECHNICIAN,
        "travel_kind": TECHNICIAN,
        "intervention_lot_ids": SYSTEM,
        # practices
        "step_deadline": SYSTEM,
        "step_late": SYSTEM,
        # prepaid hours
        "allowance_contract_id": SYSTEM,
        "allowance_hours": SYSTEM,
        "allowance_left": SYSTEM,
        "allowance_period_start": SYSTEM,
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
            if line.intervention_id and line._is_frozen():
                continue
            objects = line.intervention_id.object_ids
            if line.object_lot_id:
                match = objects.filtered(
                    lambda o, lot=line.object_lot_id: o.lot_id == lot
                )[:1]
                if match:
                    line.object_id = match
                    continue
            if line.object_id and line.object_id in objects:
                continue
            line.object_id = objects if len(objects) == 1 else False

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
            if line.quantity:
                continue
            if line.line_type == "activity":
                line.quantity = line.activity_type_id.default_duration
            elif line.line_type in ("mileage", "travel") and line.intervention_id:
                line.quantity = line.intervention_id._service_route_line_quantity(line)
            else:
                line.quantity = 1.0

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
    )
    def _compute_coverage(self):
        for line in self:
            if line._is_frozen():
                line.coverage_pct = line.coverage_pct
                line.coverage_reason = line.coverage_reason
                continue
            line.coverage_pct, line.coverage_reason = line._service_coverage()

    def _service_coverage(self):
        """(percentage, reason) of this work paid by warranty or contract.

        A line without an object gets the best coverage among the job's
        objects: the customer never pays for covered work because of how the
        line was typed."""
        self.ensure_one()
        lots = self.object_id.lot_id
        if not self.object_id:
            lots = self.intervention_id.object_ids.lot_id
        candidates = [self._service_coverage_for_lot(lot) for lot in lots]
        candidates.append(self._service_coverage_for_lot(lots.browse()))
        return max(candidates, key=lambda candidate: candidate[0])

    def _service_coverage_for_lot(self, lot):
        self.ensure_one()
        date = self.date or fields.Date.context_today(self)
        if (
            self.line_type in ("activity", "part")
            and lot.warranty_end_date
            and date <= lot.warranty_end_date
        ):
            return 100.0, self.env._(
                "Warranty until %(date)s",
                date=format_date(self.env, lot.warranty_end_date),
            )
        contract = self.intervention_id.contract_id
        field_name = COVERAGE_FIELD.get(self.line_type)
        if (
            contract
            and field_name
            and contract.state == "running"
            and contract[field_name]
        ):
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
        return 0.0, False

    @api.depends(
        "product_id",
        "intervention_id.partner_id",
        "intervention_id.contract_id.analytic_distribution",
    )
    def _compute_analytic_distribution(self):
        """The distribution of the intervention's contract, else that of the
        analytic distribution models for the product and the customer."""
        # technicians write work lines; they may not read distribution models
        Model = self.env["account.analytic.distribution.model"].sudo()
        cache = {}
        for line in self:
            if line._is_frozen():
                line.analytic_distribution = line.analytic_distribution
                continue
            intervention = line.intervention_id
            distribution = intervention.contract_id.analytic_distribution
            if not distribution:
                customer = intervention.partner_id.commercial_partner_id
                company = intervention.company_id or self.env.company
                arguments = (line.product_id, customer, company)
                if arguments not in cache:
                    cache[arguments] = Model._get_distribution(
                        {
                            "product_id": line.product_id.id,
                            "product_categ_id": line.product_id.categ_id.id,
                            "partner_id": customer.id,
                            "partner_category_id": customer.category_id.ids,
                            "company_id": company.id,
                        }
                    )
                distribution = cache[arguments]
            line.analytic_distribution = distribution or line.analytic_distribution

    @api.depends(
        "line_type", "product_id", "employee_id", "activity_type_id", "price_unit"
    )
    def _compute_unit_cost(self):
        for line in self:
            if line._is_frozen():
                line.unit_cost = line.sudo().unit_cost
            elif line.line_type == "activity":
                line.unit_cost = (
                    line.employee_id.sudo().hourly_cost
                    or line.activity_type_id.cost_per_hour
                )
            elif line.line_type == "expense":
                line.unit_cost = line.price_unit or line.product_id.standard_price
            else:
                line.unit_cost = line.product_id.standard_price

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
            invoiced = line.invoice_line_ids.filtered(
                lambda aml: aml.move_id.state != "cancel"
            )
            if invoiced:
                line.invoice_status = "invoiced"
            elif (
                line.intervention_id.state == "done"
                and line.done
                and line.billable
                and line.price_subtotal > 0
            ):
                line.invoice_status = "to_invoice"
            else:
                line.invoice_status = "no"

    @api.constrains("quantity", "line_type", "price_unit")
    def _check_quantity_bounds(self):
        for line in self:
            if line.line_type in ("activity", "travel") and line.quantity > 24:
                raise ValidationError(
                    self.env._(
                        "%(line)s: %(hours)s hours on one line is more than a day. "
                        "Record each day's work on its own line (24 hours at most).",
                        line=line.name,
                        hours=f"{line.quantity:g}",
                    )
                )
            if line.quantity > MAX_QUANTITY or line.price_unit > MAX_PRICE:
                raise implausible_figures(line)

    # ------------------------------------------------------------------
    # CRUD: done or invoiced work is not edited
    # ------------------------------------------------------------------
    def _check_editable(self, fnames=None):
        if is_trusted(self):
            return
        if fnames is not None and not (
            set(fnames) & (WORK_FIELDS | {"intervention_id"})
        ):
            return
        invoiced = self.filtered(lambda line: line.invoice_status == "invoiced")
        if invoiced:
            raise UserError(
                self.env._(
                    "Intervention %(names)s is invoiced: its work lines cannot be "
                    "changed. Cancel the invoice first.",
                    names=", ".join(invoiced.intervention_id.mapped("name")),
                )
            )
        closed = self.filtered(
            lambda line: line.intervention_id.state in ("done", "cancelled")
        )
        if closed:
            raise UserError(
                self.env._(
                    "Intervention %(names)s is done or cancelled: re-open it to "
                    "change its work lines.",
                    names=", ".join(closed.intervention_id.mapped("name")),
                )
            )
        moved = self.filtered("stock_move_id")
        if moved:
            raise UserError(
                self.env._(
                    "The spare parts %(parts)s already left stock: return them to "
                    "stock (Return to Stock) before changing or deleting the line.",
                    parts=", ".join(moved.mapped("name")),
                )
            )

    def _check_line_change(self, fnames=None):
        self._check_editable(fnames)
        self._check_signed_day(fnames)

    def _check_signed_day(self, fnames=None):
        """The hours of a work day the technician signed stay as signed."""
        if self.env.su or is_trusted(self):
            return
        if fnames is not None and not set(fnames) & WORK_FIELDS:
            return
        activities = self.filtered(
            lambda line: line.line_type == "activity" and line.employee_id
        )
        if not activities:
            return
        signed = {
            (day.employee_id, day.date)
            for day in self.env["service.work.day"]
            .sudo()
            .search(
                [
                    ("employee_id", "in", activities.employee_id.ids),
                    ("date", "in", list(set(activities.mapped("date")))),
                    ("signed_on", "!=", False),
                ]
            )
        }
        frozen = activities.filtered(
            lambda line: (line.employee_id, line.date) in signed
        )
        if frozen:
            raise UserError(
                self.env._(
                    "The work day of %(employee)s on %(date)s is signed: its "
                    "hours cannot change.",
                    employee=frozen[0].employee_id.name,
                    date=format_date(self.env, frozen[0].date),
                )
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
        in the customer's language (intervention, serviced object, date,
        technician, work, coverage), the price, the covered share as a
        discount, the taxes mapped by the invoice's fiscal position, and the
        analytic distribution. Its amount is the line's "Customer Pays".

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
        intervention = self.intervention_id
        if fiscal_position is None:
            fiscal_position = Invoicing._work_fiscal_position(intervention)
        reader_env = Invoicing._reader_env(intervention.partner_id)
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
        values = {
            "product_id": self.product_id.id,
            "name": name,
            "quantity": self.quantity,
            "product_uom_id": (self.uom_id or self.product_id.uom_id).id,
            "price_unit": self.price_unit,
            "discount": Invoicing._work_line_discount(self),
            "tax_ids": [
                Command.set(Invoicing._work_line_taxes(self, fiscal_position).ids)
            ],
            "service_intervention_line_ids": [Command.set(self.ids)],
        }
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        values.update(optional_values)
        return values

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _service_create_part_moves(self):
        """One validated stock move per part line, from the intervention's
        location to the customer, lots included."""
        parts = self.filtered(
            lambda line: (
                line.line_type == "part"
                and line.done
                and not line.stock_move_id
                and line.product_id.type == "consu"
                and line.quantity > 0
            )
        )
        if not parts:
            return self.env["stock.move"]
        missing_lot = parts.filtered(
            lambda line: line.product_id.tracking != "none" and not line.lot_id
        )
        if missing_lot:
            raise UserError(
                self.env._(
                    "Enter the serial/lot of the spare parts %(parts)s.",
                    parts=", ".join(missing_lot.mapped("product_id.display_name")),
                )
            )
        no_source = parts.intervention_id.filtered(lambda i: not i.location_id)
        if no_source:
            raise UserError(
                self.env._(
                    "Set the stock location the parts of %(name)s leave from.",
                    name=no_source[:1].name,
                )
            )
        vals_list = [line._prepare_part_move_values() for line in parts]
        moves = self.env["stock.move"].sudo().create(vals_list)
        moves._action_confirm(merge=False)
        moves.picked = True
        moves._action_done()
        # the links are bookkeeping of the system, as the moves are: the
        # user's right on the lines is checked once for all of them, then
        # each line gets its move (a value per line, which one write cannot
        # set) and the ORM saves them all with a single UPDATE
        parts.check_access("write")
        linked = trusted(parts).sudo()
        for line, move in zip(linked, moves, strict=True):
            line.stock_move_id = move
        return moves

    def _prepare_part_move_values(self):
        """The values of the stock move that takes the part of this line out
        of stock: from the intervention's location (the technician's van or
        the warehouse) to the customer's location, with its serial or lot,
        validated at once by ``_service_create_part_moves``.

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
                fields.Command.create(
                    {
                        "product_id": self.product_id.id,
                        "lot_id": self.lot_id.id,
                        "quantity": self.quantity,
                        "product_uom_id": uom.id,
                        "location_id": source.id,
                        "location_dest_id": dest.id,
                    }
                )
            ],
        }

    def action_return_part(self):
        """Reverse the stock move of these part lines (the part comes back
        from the customer to where it left from), so the lines of a re-opened
        intervention can be changed or deleted."""
        lines = self.filtered("stock_move_id")
        for line in lines:
            if line.intervention_id.state != "in_progress":
                raise UserError(
                    self.env._(
                        "Re-open intervention %(name)s before returning its parts "
                        "to stock.",
                        name=line.intervention_id.name,
                    )
                )
        vals_list = []
        for line in lines:
            move = line.stock_move_id.sudo()
            vals_list.append(
                {
                    "product_id": move.product_id.id,
                    "product_uom_qty": move.quantity,
                    "product_uom": move.product_uom.id,
                    "location_id": move.location_dest_id.id,
                    "location_dest_id": move.location_id.id,
                    "partner_id": move.partner_id.id,
                    "company_id": move.company_id.id,
                    "origin": move.origin,
                    "service_intervention_id": line.intervention_id.id,
                    "move_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": ml.product_id.id,
                                "lot_id": ml.lot_id.id,
                                "quantity": ml.quantity,
                                "product_uom_id": ml.product_uom_id.id,
                                "location_id": ml.location_dest_id.id,
                                "location_dest_id": ml.location_id.id,
                            }
                        )
                        for ml in move.move_line_ids
                    ],
                }
            )
        returns = self.env["stock.move"].sudo().create(vals_list)
        returns._action_confirm(merge=False)
        returns.picked = True
        returns._action_done()
        trusted(lines).write({"stock_move_id": False})
        for intervention in lines.intervention_id:
            intervention.message_post(
                body=self.env._(
                    "Spare parts returned to stock: %(parts)s.",
                    parts=", ".join(
                        lines.filtered(
                            lambda line, i=intervention: line.intervention_id == i
                        ).mapped("name")
                    ),
                )
            )
        return True

    # ------------------------------------------------------------------
    # Work reports
    # ------------------------------------------------------------------
    def _service_daily_groups(self):
        """Activity lines grouped by (technician, day), sorted, for the daily
        work report."""
        groups = defaultdict(lambda: self.browse())
        for line in self.filtered(
            lambda line: line.line_type == "activity" and line.done
        ):
            groups[(line.employee_id, line.date)] |= line
        return sorted(
            groups.items(),
            key=lambda item: (item[0][0].name or "", item[0][0].id, item[0][1]),
        )


# --------------------------------------------------------------------------
# Spare parts by scan and the phone dialogs
# --------------------------------------------------------------------------
#
# Spare parts by scan: the "Add part" dialog resolves a scanned or typed
# code (a serial or lot, a product barcode, an internal reference) into the
# product and its lot, preferring what is in the technician's van.
class ServiceInterventionLinePhone(models.Model):
    _inherit = "service.intervention.line"

    scan_code = fields.Char(
        string="Scan or Type a Code",
        store=False,
        help="Barcode, serial/lot number or internal reference of the part.",
    )
    intervention_lot_ids = fields.Many2many(related="intervention_id.lot_ids")
    # a part the technician's van does not hold is recorded once he says
    # where it came from: the warehouse then knows where to look
    van_shortage = fields.Char(
        compute="_compute_van_shortage",
        help="Why the part is not expected from the technician's van.",
    )
    outside_van = fields.Boolean(
        string="Brought From Elsewhere",
        help="The technician confirmed that this part did not come from his "
        "van (bought, borrowed, taken from the warehouse).",
    )
    # the "Add travel" dialog chooses between the two kinds only
    travel_kind = fields.Selection(
        [("travel", "Travel Time"), ("mileage", "Kilometres")],
        string="Record",
        compute="_compute_travel_kind",
        inverse="_inverse_travel_kind",
    )

    @api.depends("line_type")
    def _compute_travel_kind(self):
        for line in self:
            kind = line.line_type
            line.travel_kind = kind if kind in ("travel", "mileage") else False

    def _inverse_travel_kind(self):
        for line in self:
            if line.travel_kind and line.line_type != line.travel_kind:
                line.line_type = line.travel_kind

    @api.onchange("travel_kind")
    def _onchange_travel_kind(self):
        if self.travel_kind and self.line_type != self.travel_kind:
            # the product and quantity of the other kind do not carry over
            self.product_id = False
            self.quantity = 0.0
            self.line_type = self.travel_kind

    @api.depends("line_type", "product_id", "lot_id", "quantity", "intervention_id")
    @api.depends_context("uid")
    def _compute_van_shortage(self):
        for line in self:
            line.van_shortage = (
                line.line_type == "part"
                and not line.stock_move_id
                and line._service_van_warning(
                    line.product_id, line.lot_id, line._service_van_location()
                )
            )

    @api.constrains("product_id", "lot_id", "quantity", "outside_van")
    def _check_van_confirmed(self):
        """In the "Add part" dialog (its context asks for it), a part the
        van does not hold is saved only once the technician confirms he
        brought it from elsewhere."""
        if not self.env.context.get("service_confirm_van"):
            return
        for line in self.filtered(lambda rec: not rec.outside_van):
            if line.van_shortage:
                raise ValidationError(
                    self.env._(
                        "%(shortage)s Tick “Brought From Elsewhere” to record it.",
                        shortage=line.van_shortage,
                    )
                )

    @api.onchange("scan_code")
    def _onchange_scan_code(self):
        if not self.scan_code:
            return
        code = self.scan_code.strip()
        self.scan_code = False
        van = self._service_van_location()
        product, lot = self._service_lookup_code(code, van)
        message = self._service_part_lot_problem(product, lot)
        if message:
            raise UserError(message)
        self.line_type = "part"
        self.product_id = product
        self.lot_id = lot

    def _service_van_location(self):
        """The user's van (their employee's stock location), else where the
        job's parts leave from."""
        company = self.intervention_id.company_id or self.env.company
        employee = self.env.user.employee_ids.filtered(
            lambda e: e.company_id == company
        )[:1]
        # technicians may not read the van field of employees
        return (
            employee.sudo().service_location_id or self.intervention_id.location_id
        ).sudo()

    @api.model
    def _service_lookup_code(self, code, van=None):
        """(product, lot) of a scanned or typed code: a serial or lot number,
        a product barcode, or an internal reference; in the van first.

        :raise UserError: when no part has this code
        """
        code = (code or "").strip()
        company = self.intervention_id.company_id or self.env.company
        Lot = self.env["stock.lot"]
        Product = self.env["product.product"]
        company_domain = [("company_id", "in", (company.id, False))]
        lots = Lot.search([("name", "=", code), *company_domain])
        if lots:
            lot = self._service_in_van(lots, van, "lot_id")[:1]
            return lot.product_id, lot
        products = Product.search([("barcode", "=", code), *company_domain])
        if not products:
            products = Product.search(
                [("default_code", "=ilike", code), *company_domain]
            )
        if not products:
            raise UserError(
                self.env._(
                    "No spare part has the code %(code)s (serial, barcode or "
                    "internal reference): check it, or pick the product by name.",
                    code=code,
                )
            )
        product = self._service_in_van(products, van, "product_id")[:1]
        lot = Lot
        if product.tracking != "none" and van:
            quants = (
                self.env["stock.quant"]
                .sudo()
                .search(
                    [
                        ("product_id", "=", product.id),
                        ("location_id", "child_of", van.id),
                        ("lot_id", "!=", False),
                        ("quantity", ">", 0),
                    ],
                    order="in_date, id",
                    limit=1,
                )
            )
            lot = quants.lot_id.with_env(self.env)
        return product, lot

    def _service_in_van(self, records, van, field_name):
        """These products or lots, those with stock in the van first."""
        if not van or len(records) < 2:
            return records
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    (field_name, "in", records.ids),
                    ("location_id", "child_of", van.id),
                    ("quantity", ">", 0),
                ]
            )
        )
        stocked = quants[field_name].with_env(self.env)
        return (records & stocked) + (records - stocked)

    def _service_part_lot_problem(self, product, lot):
        """Why serial ``lot`` cannot be used as a spare part of ``product``
        on this job (a sentence saying where it is), or False."""
        if not lot:
            return False
        lot = lot.sudo()
        if product and lot.product_id != product:
            return self.env._(
                "Serial %(lot)s belongs to %(lot_product)s, not to %(product)s.",
                lot=lot.name,
                lot_product=lot.product_id.display_name,
                product=product.display_name,
            )
        customer = lot.service_partner_id.commercial_partner_id
        here = self.intervention_id.partner_id.commercial_partner_id
        if lot.service_state in ("installed", "in_repair") and customer != here:
            return self.env._(
                "Serial %(lot)s is installed at %(customer)s (%(site)s): it is "
                "not a spare part. Check the code, or ask an officer to move it.",
                lot=lot.name,
                customer=customer.display_name,
                site=(lot.service_address_id or customer).display_name,
            )
        if lot.service_state in ("returned", "scrapped"):
            return self.env._(
                "Serial %(lot)s was %(state)s (last at %(customer)s): it cannot "
                "be fitted as a spare part.",
                lot=lot.name,
                state=dict(
                    lot._fields["service_state"]._description_selection(self.env)
                )[lot.service_state],
                customer=customer.display_name or "-",
            )
        return False

    @api.constrains("lot_id", "product_id", "line_type")
    def _check_part_lot(self):
        for line in self.filtered(lambda rec: rec.line_type == "part" and rec.lot_id):
            if line.stock_move_id:
                continue  # already delivered: the serial moved with it
            message = line._service_part_lot_problem(line.product_id, line.lot_id)
            if message:
                raise ValidationError(message)

    def _service_van_warning(self, product, lot, van):
        """A sentence when the van does not hold the part (it may be used
        all the same once the technician says he brought it from elsewhere)."""
        if not product.is_storable or not van:
            return False
        available = (
            self.env["stock.quant"]
            .sudo()
            ._get_available_quantity(
                product.sudo(), van, lot_id=lot.sudo() or None, allow_negative=True
            )
        )
        if available >= (self.quantity or 1.0):
            return False
        if lot:
            return self.env._(
                "%(product)s %(lot)s is not in %(location)s.",
                product=product.display_name,
                lot=lot.name,
                location=van.display_name,
            )
        return self.env._(
            "%(location)s holds %(available)s of %(product)s, not %(quantity)s.",
            product=product.display_name,
            location=van.display_name,
            available=formatLang(self.env, max(available, 0.0), dp="Product Unit"),
            quantity=formatLang(self.env, self.quantity or 1.0, dp="Product Unit"),
        )

    # ------------------------------------------------------------------
    # The day's work report (rapportino)
    # ------------------------------------------------------------------
    def _service_daily_pages(self):
        """One page per technician and day of these activity lines: the jobs
        with their start and end times, the hours per activity type, the
        travel, km, parts and expenses of those jobs that day, the totals and
        the technician's signature of the day."""
        pages = []
        groups = self._service_daily_groups()
        if not groups:
            return pages
        jobs = self.intervention_id
        days = {day for (__, day), __ in groups}
        others = self.search(
            [
                ("intervention_id", "in", jobs.ids),
                ("date", "in", list(days)),
                ("line_type", "!=", "activity"),
                ("done", "=", True),
            ]
        )
        signed = {
            (work_day.employee_id, work_day.date): work_day
            for work_day in self.env["service.work.day"]
            .sudo()
            .search(
                [
                    ("employee_id", "in", [key[0].id for key, __ in groups]),
                    ("date", "in", list(days)),
                ]
            )
        }

        def total(lines, line_type):
            return sum(
                lines.filtered(lambda rec: rec.line_type == line_type).mapped(
                    "quantity"
                )
            )

        def time_of(value):
            return format_datetime(self.env, value, dt_format="HH:mm") if value else ""

        for (employee, day), activities in groups:
            day_jobs = activities.intervention_id
            hours_per_type = defaultdict(float)
            for line in activities:
                label = line.activity_type_id.name or line.name
                hours_per_type[label] += line.quantity
            extra = others.filtered(
                lambda line, day=day, day_jobs=day_jobs: (
                    line.date == day and line.intervention_id in day_jobs
                )
            )

            pages.append(
                {
                    "employee": employee,
                    "day": day,
                    "lines": activities,
                    "other_lines": extra,
                    "jobs": [
                        {
                            "job": job,
                            "start": time_of(job.actual_start),
                            "end": time_of(job.actual_end),
                        }
                        for job in day_jobs
                    ],
                    "hours_per_type": sorted(hours_per_type.items()),
                    "total_hours": sum(activities.mapped("quantity")),
                    "total_travel": total(extra, "travel"),
                    "total_km": total(extra, "mileage"),
                    "total_parts": total(extra, "part"),
                    "total_expenses": sum(
                        extra.filtered(lambda line: line.line_type == "expense").mapped(
                            "price_subtotal"
                        )
                    ),
                    "total_pays": sum((activities | extra).mapped("price_subtotal")),
                    "work_day": signed.get((employee, day)),
                }
            )
        return pages


# --------------------------------------------------------------------------
# Deadlines of protocol steps
# --------------------------------------------------------------------------
class ServiceInterventionLinePractice(models.Model):
    """Deadlines of protocol steps on the work lines of a job."""

    _inherit = "service.intervention.line"

    step_deadline = fields.Date(
        compute="_compute_step_deadline",
        help="The start of the job plus the step's deadline in days.",
    )
    step_late = fields.Boolean(
        compute="_compute_step_deadline",
        string="Late Step",
        help="A protocol step not done by its deadline.",
    )

    @api.depends(
        "done",
        "protocol_step_id.deadline_days",
        "intervention_id.scheduled_start",
        "intervention_id.date_request",
        "intervention_id.state",
    )
    @api.depends_context("tz")
    def _compute_step_deadline(self):
        today = fields.Date.context_today(self)
        for line in self:
            days = line.protocol_step_id.deadline_days
            intervention = line.intervention_id
            if not days or not intervention:
                line.step_deadline = False
                line.step_late = False
                continue
            start = intervention._step_start_date()
            line.step_deadline = fields.Date.add(start, days=days) if start else False
            line.step_late = bool(
                line.step_deadline
                and not line.done
                and intervention.state not in ("done", "cancelled")
                and line.step_deadline < today
            )


# --------------------------------------------------------------------------
# Prepaid hours consumed by a line
# --------------------------------------------------------------------------
# written by the consumption when the intervention is done, never by hand
ALLOWANCE_FIELDS = {
    "allowance_contract_id",
    "allowance_hours",
    "allowance_left",
    "allowance_period_start",
}


class ServiceInterventionLineAllowance(models.Model):
    _inherit = "service.intervention.line"

    # consumption of the contract's prepaid hours, written when the
    # intervention is done (service.intervention._allowance_consume), cleared
    # when it is re-opened
    allowance_contract_id = fields.Many2one(
        "service.contract",
        string="Prepaid Hours Of",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    allowance_hours = fields.Float(
        string="Prepaid Hours Used", copy=False, readonly=True, digits="Product Unit"
    )
    allowance_left = fields.Float(
        string="Prepaid Hours Left After",
        copy=False,
        readonly=True,
        digits="Product Unit",
    )
    allowance_period_start = fields.Date(copy=False, readonly=True)

    @api.depends(
        "allowance_hours",
        "allowance_left",
        "intervention_id.allowance_visit",
        "intervention_id.allowance_visits_left",
    )
    def _compute_coverage(self):
        return super()._compute_coverage()

    def _service_coverage(self):
        """Prepaid hours and included visits pay the whole line."""
        self.ensure_one()
        if self.line_type == "activity" and self.allowance_hours:
            return 100.0, self.env._(
                "Prepaid hours: %(left)s of %(total)s h left after this line",
                left=f"{self.allowance_left:g}",
                total=f"{self.allowance_contract_id.allowance_hours:g}",
            )
        if (
            self.line_type in ("travel", "mileage")
            and self.intervention_id.allowance_visit
        ):
            contract = self.intervention_id.contract_id
            return 100.0, self.env._(
                "Included visit: %(left)s of %(total)s left",
                left=self.intervention_id.allowance_visits_left,
                total=contract.allowance_visits,
            )
        return super()._service_coverage()

    def _check_line_change(self, fnames=None):
        if (
            fnames is not None
            and ALLOWANCE_FIELDS & set(fnames)
            and not is_trusted(self)
        ):
            raise UserError(
                self.env._(
                    "The prepaid hours a line uses are counted when its "
                    "intervention is done: they cannot be changed by hand."
                )
            )
        return super()._check_line_change(fnames)

    def _allowance_overage_values(self, quantity):
        """The values of the line that bills the ``quantity`` of this line
        beyond the prepaid hours: the same work, at the same price, covered
        as the contract covers labour."""
        self.ensure_one()
        values = {
            "intervention_id": self.intervention_id.id,
            "line_type": self.line_type,
            "activity_type_id": self.activity_type_id.id,
            "protocol_step_id": self.protocol_step_id.id,
            "date": self.date,
            "name": self.name,
            "quantity": quantity,
            "price_unit": self.price_unit,
            "discount": self.discount,
            "product_id": self.product_id.id,
            "uom_id": self.uom_id.id,
            "employee_id": self.employee_id.id,
            "object_lot_id": self.object_lot_id.id,
            "object_id": self.object_id.id,
            "billable": self.billable,
            "done": self.done,
            "sequence": self.sequence,
        }
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        return values


# --------------------------------------------------------------------------
# Planned and done work; measures each in its unit
# --------------------------------------------------------------------------
class ServiceInterventionLineExecution(models.Model):
    _inherit = "service.intervention.line"

    # measures computed from the done work, per unit
    _write_policy = {
        "hours": SYSTEM,
        "distance_km": SYSTEM,
        "part_qty": SYSTEM,
        "expense_amount": SYSTEM,
    }

    # the measures of the work reports: hours are summed over time lines
    # only, never with kilometres, part units or expenses; planned work
    # counts in none of them
    hours = fields.Float(
        compute="_compute_measures",
        store=True,
        digits="Product Unit",
        help="Hours of work and travel done.",
    )
    distance_km = fields.Float(
        string="Kilometres",
        compute="_compute_measures",
        store=True,
        digits="Product Unit",
    )
    part_qty = fields.Float(
        string="Part Units",
        compute="_compute_measures",
        store=True,
        digits="Product Unit",
    )
    expense_amount = fields.Monetary(
        string="Expenses",
        compute="_compute_measures",
        store=True,
        help="Amount of the expenses done, before coverage.",
    )

    @api.depends("line_type", "quantity", "done", "amount_gross")
    def _compute_measures(self):
        for line in self:
            done = line.done
            kind = line.line_type
            line.hours = line.quantity if done and kind in ("activity", "travel") else 0
            line.distance_km = line.quantity if done and kind == "mileage" else 0
            line.part_qty = line.quantity if done and kind == "part" else 0
            line.expense_amount = line.amount_gross if done and kind == "expense" else 0

    @api.constrains("quantity", "line_type", "done")
    def _check_part_quantity(self):
        for line in self:
            # a planned part confirmed at 0 was not used; a part added by
            # hand is used: its quantity is what left the van
            if line.line_type == "part" and (
                line.quantity < 0 or (not line.protocol_step_id and not line.quantity)
            ):
                raise ValidationError(
                    self.env._(
                        "%(part)s: enter the quantity used (more than 0).",
                        part=line.name,
                    )
                )

    def write(self, vals):
        if vals.get("done") and not {"date", "employee_id"} <= set(vals):
            # confirmed now: the work is dated today, by whoever did it
            confirmed = self.filtered(lambda line: not line.done)
            if confirmed:
                super(ServiceInterventionLineExecution, confirmed).write(
                    confirmed._service_confirm_values(vals)
                )
        return super().write(vals)

    def _service_confirm_values(self, vals):
        """The date and technician of these planned lines being confirmed
        as done: today and the user's employee when they work on the job;
        the job's technician otherwise."""
        values = {}
        if "date" not in vals:
            values["date"] = fields.Date.context_today(self)
        employee = self.env.user.employee_ids.filtered(
            lambda e: e.company_id in self.company_id
        )[:1]
        jobs = self.intervention_id
        if (
            "employee_id" not in vals
            and employee
            and employee in (jobs.technician_id | jobs.technician_ids)
        ):
            values["employee_id"] = employee.id
        return values
