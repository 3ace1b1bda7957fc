# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from .selections import COST_GROUPS, INVOICE_STATUSES
from .service_document_mixin import is_trusted, trusted

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
}


class ServiceInterventionLine(models.Model):
    _name = "service.intervention.line"
    _description = "Intervention Work Line"
    _order = "intervention_id, sequence, id"
    _check_company_auto = True

    intervention_id = fields.Many2one(
        "service.intervention", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="intervention_id.company_id", store=True)
    currency_id = fields.Many2one(related="intervention_id.currency_id")
    partner_id = fields.Many2one(
        related="intervention_id.partner_id", store=True, string="Customer"
    )
    intervention_state = fields.Selection(related="intervention_id.state")
    sequence = fields.Integer(default=10)
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
        compute="_compute_object_id",
        store=True,
        readonly=False,
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
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Part Serial/Lot",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_uom_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    price_unit = fields.Float(
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Price",
    )
    discount = fields.Float(string="Discount (%)", digits="Discount")
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
    done = fields.Boolean(copy=False)
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

    _quantity_positive = models.Constraint(
        "CHECK(quantity >= 0)",
        "Hours, quantities and km of a work line cannot be negative.",
    )
    _discount_range = models.Constraint(
        "CHECK(discount BETWEEN 0 AND 100)",
        "The discount of a work line must be between 0 and 100%.",
    )
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

    @api.depends("stock_move_id")
    def _compute_part_moved(self):
        for line in self:
            line.part_moved = bool(line.stock_move_id)

    @api.depends("line_type", "activity_type_id", "product_id")
    def _compute_name(self):
        for line in self:
            if line.line_type == "activity" and line.activity_type_id:
                line.name = line.name or line.activity_type_id.name
            elif line.product_id:
                line.name = line.product_id.display_name
            elif not line.name:
                line.name = dict(LINE_TYPES)[line.line_type]

    @api.depends("line_type", "intervention_id.technician_id")
    def _compute_employee_id(self):
        for line in self:
            if line.line_type == "activity" and not line.employee_id:
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
            elif line.line_type == "mileage":
                line.quantity = line.intervention_id.partner_id.service_distance_km
            else:
                line.quantity = 1.0

    @api.depends("product_id")
    def _compute_uom_id(self):
        for line in self:
            line.uom_id = line.product_id.uom_id or line.uom_id

    @api.depends("product_id", "quantity", "uom_id", "intervention_id.pricelist_id")
    def _compute_price_unit(self):
        for line in self:
            if line._is_frozen():
                line.price_unit = line.price_unit
                continue
            if not line.product_id:
                line.price_unit = line.price_unit or 0.0
                continue
            pricelist = line.intervention_id.pricelist_id
            line.price_unit = (
                pricelist._get_product_price(
                    line.product_id,
                    line.quantity or 1.0,
                    uom=line.uom_id,
                    date=line.date,
                )
                if pricelist
                else line.product_id.lst_price
            )

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
            label = {
                "coverage_labor_pct": self.env._("labour"),
                "coverage_parts_pct": self.env._("parts"),
                "coverage_travel_pct": self.env._("travel"),
            }[field_name]
            return contract[field_name], self.env._(
                "%(contract)s: %(kind)s %(pct)s%%",
                contract=contract.name,
                kind=label,
                pct=f"{contract[field_name]:g}",
            )
        return 0.0, False

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
        # the invoice rounds its lines together: so do their amounts
        "intervention_id.line_ids.quantity",
        "intervention_id.line_ids.price_unit",
        "intervention_id.line_ids.discount",
        "intervention_id.line_ids.coverage_pct",
        "intervention_id.line_ids.billable",
    )
    def _compute_amounts(self):
        # what the customer signs is what the invoice will bill, to the cent:
        # computed from the values the invoice lines receive (coverage folded
        # into their discount), as the invoice computes them
        subtotals = self.env["service.invoicing"]._work_lines_subtotals(self)
        for line in self:
            currency = line.currency_id or self.env.company.currency_id
            gross = line.quantity * line.price_unit * (1 - line.discount / 100.0)
            line.amount_gross = currency.round(gross)
            line.price_subtotal = subtotals.get(line, 0.0)
            # costs are restricted to officers; they are computed for anyone
            line.cost_subtotal = currency.round(line.quantity * line.sudo().unit_cost)
            line.margin = line.price_subtotal - line.cost_subtotal

    @api.depends(
        "intervention_id.state",
        "billable",
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

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_editable()
        return lines

    def write(self, vals):
        self._check_editable(vals)
        return super().write(vals)

    def unlink(self):
        self._check_editable()
        return super().unlink()

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _service_create_part_moves(self):
        """One validated stock move per part line, from the intervention's
        location to the customer, lots included."""
        parts = self.filtered(
            lambda line: (
                line.line_type == "part"
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
        customer_location = self.env.ref("stock.stock_location_customers")
        vals_list = []
        for line in parts:
            intervention = line.intervention_id
            source = intervention.location_id
            if not source:
                raise UserError(
                    self.env._(
                        "Set the stock location the parts of %(name)s leave from.",
                        name=intervention.name,
                    )
                )
            dest = (
                intervention.partner_shipping_id.property_stock_customer
                or customer_location
            )
            vals_list.append(
                {
                    "product_id": line.product_id.id,
                    "product_uom_qty": line.quantity,
                    "product_uom": (line.uom_id or line.product_id.uom_id).id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "partner_id": intervention.partner_shipping_id.id,
                    "company_id": intervention.company_id.id,
                    "origin": intervention.name,
                    "service_intervention_id": intervention.id,
                    "move_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": line.product_id.id,
                                "lot_id": line.lot_id.id,
                                "quantity": line.quantity,
                                "product_uom_id": (
                                    line.uom_id or line.product_id.uom_id
                                ).id,
                                "location_id": source.id,
                                "location_dest_id": dest.id,
                            }
                        )
                    ],
                }
            )
        moves = self.env["stock.move"].sudo().create(vals_list)
        moves._action_confirm(merge=False)
        moves.picked = True
        moves._action_done()
        for line, move in zip(parts, moves, strict=True):
            trusted(line).stock_move_id = move
        return moves

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
        for line in self.filtered(lambda line: line.line_type == "activity"):
            groups[(line.employee_id, line.date)] |= line
        return sorted(
            groups.items(),
            key=lambda item: (item[0][0].name or "", item[0][0].id, item[0][1]),
        )
