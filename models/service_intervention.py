# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import datetime, time, timedelta
from urllib.parse import quote_plus

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, email_normalize, float_compare, float_round, get_lang
from odoo.tools.intervals import Intervals

from .selections import COST_GROUPS, INVOICE_READERS, INVOICE_STATUSES
from .service_document_mixin import is_trusted, trusted
from .service_write_policy_mixin import (
    ANYONE,
    OFFICER,
    SYSTEM,
    TECH_CREATES,
    TECHNICIAN,
)

PLACES = [("on_site", "On Site"), ("in_house", "In House")]


# a line holds a day at most (see _check_quantity_bounds of the lines)
MAX_TIMER_HOURS = 24.0
# frozen once the customer has signed
SIGNED_FIELDS = frozenset(
    ("signature", "signed_by", "work_summary", "line_ids", "step_line_ids")
)


class ServiceIntervention(models.Model):
    _name = "service.intervention"
    _description = "Service Intervention"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "service.document.mixin",
        "service.write.policy.mixin",
        # technicians are chosen by users without HR rights
        "hr.mixin",
        "service.route.stop",
    ]
    _order = "priority desc, scheduled_start, id desc"
    _service_sequence_code = "service.intervention"
    _service_portal_path = "interventions"
    _check_company_auto = True
    # the dispatcher plans and covers, the technician records what he does
    # (his work summary and the customer's signature once, on Close Job);
    # what the application computes or audits only its own methods write
    _write_policy = {
        "name": {"create": ANYONE, "write": OFFICER},
        "partner_id": TECH_CREATES,
        "partner_invoice_id": TECH_CREATES,
        "partner_shipping_id": TECH_CREATES,
        "company_id": TECH_CREATES,
        "pricelist_id": OFFICER,
        "currency_id": SYSTEM,
        "contract_id": TECH_CREATES,
        "user_id": TECH_CREATES,
        # a technician may create a job for himself (_service_policy_allows)
        "technician_id": OFFICER,
        "technician_ids": OFFICER,
        "technician_user_id": SYSTEM,
        "origin": TECH_CREATES,
        "place": TECH_CREATES,
        "priority": TECH_CREATES,
        "description": TECH_CREATES,
        "state": SYSTEM,
        "invoice_status": SYSTEM,
        "date_request": TECH_CREATES,
        "date_request_reason": OFFICER,
        "scheduled_start": OFFICER,
        "scheduled_end": OFFICER,
        "scheduled_duration": OFFICER,
        "actual_start": SYSTEM,
        "actual_end": SYSTEM,
        "protocol_id": OFFICER,
        "preventive_due_date": OFFICER,
        "location_id": OFFICER,
        "work_summary": TECHNICIAN,
        "signature": TECHNICIAN,
        "signed_by": TECHNICIAN,
        "signed_on": SYSTEM,
        "object_ids": TECHNICIAN,
        "line_ids": TECHNICIAN,
        "note": TECHNICIAN,
        "invoice_ids": SYSTEM,
        "invoice_count": SYSTEM,
        "amount_total": SYSTEM,
        "cost_total": SYSTEM,
        "lot_ids": SYSTEM,
        "parts_warning": SYSTEM,
        "color": SYSTEM,
        # planning
        "has_conflict": SYSTEM,
        "conflict_reason": SYSTEM,
        # phone: timers only through the timer buttons
        "timer_ids": SYSTEM,
        "step_line_ids": TECHNICIAN,
        "day_rank": SYSTEM,
        # practices
        "launch_id": SYSTEM,
        "practice_key": SYSTEM,
        "step_progress": SYSTEM,
        "is_late": SYSTEM,
        # prepaid hours and visits
        "allowance_visit": SYSTEM,
        "allowance_visits_left": SYSTEM,
        "allowance_period_start": SYSTEM,
        "contract_allowance_hours": SYSTEM,
        "contract_hours_left": SYSTEM,
        # SLA
        "sla_response_deadline": SYSTEM,
        "sla_resolution_deadline": SYSTEM,
        "sla_responded_on": SYSTEM,
        "sla_result": SYSTEM,
        "sla_next_deadline": SYSTEM,
        "sla_risk_date": SYSTEM,
        "sla_state": SYSTEM,
    }

    partner_shipping_id = fields.Many2one(string="Site")
    contract_id = fields.Many2one(
        "service.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        tracking=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), "
        "('state', '=', 'running')]",
        index="btree_not_null",
    )
    user_id = fields.Many2one(string="Dispatcher")
    technician_id = fields.Many2one(
        "hr.employee",
        tracking=True,
        check_company=True,
        index="btree_not_null",
    )
    technician_ids = fields.Many2many(
        "hr.employee", string="Other Technicians", check_company=True
    )
    technician_user_id = fields.Many2one(
        related="technician_id.user_id", string="Technician User", store=True
    )
    origin = fields.Selection(
        [("planned", "Planned"), ("request", "Request")],
        required=True,
        default="request",
    )
    place = fields.Selection(PLACES, required=True, default="on_site", tracking=True)
    priority = fields.Selection(
        [("0", "Normal"), ("1", "Urgent")], default="0", index=True
    )
    state = fields.Selection(
        selection_add=[
            ("scheduled", "Scheduled"),
            ("in_progress", "In Progress"),
            ("done", "Done"),
            ("cancelled",),
        ],
        ondelete={
            "scheduled": "set default",
            "in_progress": "set default",
            "done": "set default",
        },
    )
    invoice_status = fields.Selection(
        INVOICE_STATUSES,
        compute="_compute_invoice_status",
        store=True,
        index=True,
    )
    date_request = fields.Datetime(
        string="Requested On",
        default=fields.Datetime.now,
        required=True,
        tracking=True,
    )
    scheduled_start = fields.Datetime(tracking=True)
    # indexed: the planning board reads a week by its end (history is past)
    scheduled_end = fields.Datetime(
        compute="_compute_scheduled_end", store=True, readonly=False, index=True
    )
    scheduled_duration = fields.Float(
        string="Planned Hours",
        compute="_compute_scheduled_duration",
        store=True,
        readonly=False,
    )
    actual_start = fields.Datetime(copy=False, readonly=True)
    actual_end = fields.Datetime(copy=False, readonly=True)
    protocol_id = fields.Many2one("service.protocol", check_company=True)
    preventive_due_date = fields.Date(
        copy=False,
        readonly=True,
        help="Due date of the periodic protocol this planned intervention was "
        "generated for.",
    )
    description = fields.Html(string="Request")
    work_summary = fields.Html(string="Work Done")
    signature = fields.Binary(copy=False, attachment=True)
    signed_by = fields.Char(copy=False)
    signed_on = fields.Datetime(copy=False)
    object_ids = fields.One2many(
        "service.intervention.object", "intervention_id", string="Objects", copy=True
    )
    line_ids = fields.One2many(
        "service.intervention.line", "intervention_id", string="Work Lines", copy=True
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Parts From",
        compute="_compute_location_id",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        help="Stock location the spare parts leave from when the intervention "
        "is done: the technician's van, else the company's warehouse.",
    )
    invoice_ids = fields.Many2many(
        "account.move",
        compute="_compute_invoice_ids",
        compute_sudo=True,
        string="Invoices",
        groups=INVOICE_READERS,
    )
    invoice_count = fields.Integer(
        compute="_compute_invoice_ids", compute_sudo=True, groups=INVOICE_READERS
    )
    amount_total = fields.Monetary(
        compute="_compute_amounts", store=True, string="Customer Pays"
    )
    cost_total = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        string="Cost",
        groups=COST_GROUPS,
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        compute="_compute_lot_ids",
        search="_search_lot_ids",
        string="Serials",
    )
    note = fields.Html(string="Notes", groups="base.group_user")
    parts_warning = fields.Text(
        compute="_compute_parts_warning",
        help="Spare parts that finishing would take below zero in their location.",
    )
    color = fields.Integer(related="technician_id.color")
    map_url = fields.Char(compute="_compute_map_url", string="Map")

    # preventive planning never creates the same visit twice
    _preventive_uniq = models.UniqueIndex(
        "(contract_id, protocol_id, preventive_due_date) "
        "WHERE preventive_due_date IS NOT NULL",
        "This preventive intervention was already planned.",
    )
    _schedule_order = models.Constraint(
        "CHECK(scheduled_end IS NULL OR scheduled_start IS NULL "
        "OR scheduled_end >= scheduled_start)",
        "An intervention cannot end before it starts: fix the scheduled dates.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("partner_id", "object_ids.lot_id")
    def _compute_contract_id(self):
        """Propose the running contract covering one of the objects, else the
        customer's running assistance contract."""
        customers = self.partner_id.commercial_partner_id
        contracts = self.env["service.contract"].search(
            [
                ("partner_id", "child_of", customers.ids),
                ("state", "=", "running"),
                ("company_id", "in", self.company_id.ids),
            ],
            order="date_start desc, id desc",
        )
        for intervention in self:
            customer = intervention.partner_id.commercial_partner_id
            mine = contracts.filtered(
                lambda c, i=intervention, customer=customer: (
                    c.partner_id.commercial_partner_id == customer
                    and c.company_id == i.company_id
                )
            )
            if intervention.contract_id in mine:
                continue
            lots = intervention.object_ids.lot_id
            covering = mine.filtered(lambda c, lots=lots: c.lot_ids & lots)
            assistance = mine.filtered(lambda c: c.contract_type == "assistance")
            intervention.contract_id = (covering or assistance)[:1]

    @api.depends("contract_id")
    def _compute_pricelist_id(self):
        """The contract's pricelist, else the customer's."""
        result = super()._compute_pricelist_id()
        for intervention in self.filtered("contract_id.pricelist_id"):
            intervention.pricelist_id = intervention.contract_id.pricelist_id
        return result

    @api.depends("technician_id", "company_id")
    def _compute_location_id(self):
        warehouses = self.env["stock.warehouse"].search(
            [("company_id", "in", self.company_id.ids)]
        )
        for intervention in self:
            warehouse = warehouses.filtered(
                lambda w, c=intervention.company_id: w.company_id == c
            )[:1]
            intervention.location_id = (
                intervention.technician_id.sudo().service_location_id
                or warehouse.lot_stock_id
            )

    @api.depends("scheduled_start", "scheduled_duration")
    def _compute_scheduled_end(self):
        for intervention in self:
            if intervention.scheduled_start:
                intervention.scheduled_end = fields.Datetime.add(
                    intervention.scheduled_start,
                    minutes=round((intervention.scheduled_duration or 1.0) * 60),
                )

    @api.depends("protocol_id")
    def _compute_scheduled_duration(self):
        for intervention in self:
            if intervention.protocol_id:
                intervention.scheduled_duration = intervention.protocol_id.planned_hours
            elif not intervention.scheduled_duration:
                intervention.scheduled_duration = 1.0

    @api.depends("line_ids.invoice_status")
    def _compute_invoice_status(self):
        for intervention in self:
            statuses = set(intervention.line_ids.mapped("invoice_status"))
            if "to_invoice" in statuses:
                intervention.invoice_status = "to_invoice"
            elif "invoiced" in statuses:
                intervention.invoice_status = "invoiced"
            else:
                intervention.invoice_status = "no"

    @api.depends("line_ids.price_subtotal", "line_ids.cost_subtotal")
    def _compute_amounts(self):
        for intervention in self:
            intervention.amount_total = sum(
                intervention.line_ids.mapped("price_subtotal")
            )
            # costs are restricted to officers; totals are computed for anyone
            intervention.cost_total = sum(
                intervention.line_ids.sudo().mapped("cost_subtotal")
            )

    @api.depends(
        "state",
        "location_id",
        "line_ids.line_type",
        "line_ids.product_id",
        "line_ids.quantity",
        "line_ids.lot_id",
        "line_ids.done",
    )
    def _compute_parts_warning(self):
        """Warn before finishing when parts would go below zero where they
        leave from (the stock moves are validated anyway, as on a delivery)."""
        for intervention in self:
            intervention.parts_warning = False
            if intervention.state in ("done", "cancelled") or not (
                intervention.location_id
            ):
                continue
            needed = defaultdict(float)
            for line in intervention.line_ids:
                if (
                    line.line_type == "part"
                    and line.done
                    and not line.stock_move_id
                    and line.product_id.is_storable
                ):
                    uom = line.uom_id or line.product_id.uom_id
                    needed[line.product_id] += uom._compute_quantity(
                        line.quantity, line.product_id.uom_id
                    )
            short = []
            # technicians may not read quants: only the totals are shown
            Quant = self.env["stock.quant"].sudo()
            location = intervention.location_id.sudo()
            for product, qty in needed.items():
                available = Quant._get_available_quantity(
                    product.sudo(), location, allow_negative=True
                )
                if product.uom_id.compare(qty, available) > 0:
                    short.append(
                        self.env._(
                            "%(product)s: %(needed)s needed, %(available)s in "
                            "%(location)s",
                            product=product.display_name,
                            needed=f"{qty:g}",
                            available=f"{available:g}",
                            location=intervention.location_id.display_name,
                        )
                    )
            if short:
                intervention.parts_warning = "\n".join(
                    [
                        self.env._(
                            "Finishing will take these parts below zero (check "
                            "the quantities or where the parts leave from):"
                        )
                    ]
                    + [f"• {line}" for line in short]
                )

    def _compute_invoice_ids(self):
        for intervention in self:
            moves = intervention.line_ids.invoice_line_ids.move_id
            intervention.invoice_ids = moves
            intervention.invoice_count = len(moves)

    @api.depends(
        "partner_shipping_id.street",
        "partner_shipping_id.city",
        "partner_shipping_id.zip",
        "partner_shipping_id.country_id",
    )
    def _compute_map_url(self):
        for intervention in self:
            site = intervention.partner_shipping_id
            address = ", ".join(
                part
                for part in (site.street, site.zip, site.city, site.country_id.name)
                if part
            )
            intervention.map_url = (
                f"https://www.google.com/maps/search/?api=1&query={quote_plus(address)}"
                if address
                else False
            )

    @api.depends("object_ids.lot_id")
    def _compute_lot_ids(self):
        for intervention in self:
            intervention.lot_ids = intervention.object_ids.lot_id

    def _search_lot_ids(self, operator, value):
        return [("object_ids.lot_id", operator, value)]

    # ------------------------------------------------------------------
    # Constraints and onchanges
    # ------------------------------------------------------------------
    @api.constrains("actual_start", "actual_end")
    def _check_actual_dates(self):
        for intervention in self:
            if (
                intervention.actual_start
                and intervention.actual_end
                and intervention.actual_end < intervention.actual_start
            ):
                raise ValidationError(
                    self.env._(
                        "Intervention %(name)s cannot end before it started.",
                        name=intervention.name,
                    )
                )

    @api.constrains("contract_id", "partner_id")
    def _check_contract_customer(self):
        for intervention in self:
            contract = intervention.contract_id
            customer = intervention.partner_id.commercial_partner_id
            if contract and contract.partner_id.commercial_partner_id != customer:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s belongs to %(holder)s, not to "
                        "%(customer)s: choose one of the customer's contracts.",
                        contract=contract.name,
                        holder=contract.partner_id.commercial_partner_id.display_name,
                        customer=customer.display_name,
                    )
                )

    @api.onchange("signature")
    def _onchange_signature(self):
        if self.signature and not self.signed_on:
            self.signed_on = fields.Datetime.now()
            self.signed_by = self.signed_by or self.partner_id.name

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        interventions = super().create(vals_list)
        interventions.filtered(
            lambda i: i.place == "in_house"
        )._service_sync_lot_state()
        return interventions

    def _service_check_signed(self, vals):
        """What the customer signed stays as signed: a correction goes
        through Re-open (an officer), which asks for a new signature."""
        if self.env.su or is_trusted(self) or not SIGNED_FIELDS & vals.keys():
            return
        signed = self.filtered("signed_on")
        if signed:
            raise UserError(
                self.env._(
                    "Intervention %(names)s is signed by the customer: its work, "
                    "summary and signature cannot change. An officer re-opens it "
                    "to correct it, and the customer signs again.",
                    names=", ".join(signed.mapped("name")),
                )
            )

    def _service_policy_allows(self, fname, rule, vals, mode):
        # a technician may open a job for himself, not for a colleague
        if mode == "create" and fname == "technician_id":
            return vals[fname] in self.env.user.employee_ids.ids
        return super()._service_policy_allows(fname, rule, vals, mode)

    def write(self, vals):
        self._service_check_signed(vals)
        target = self
        if "signature" in vals:
            # the signing time is the server's: check what the caller sent,
            # then stamp it as the application
            self._service_check_write_policy(vals)
            target = self._service_trusted()
            if vals["signature"]:
                vals = dict(vals)
                vals.setdefault("signed_on", fields.Datetime.now())
                if not vals.get("signed_by") and len(self) == 1 and not self.signed_by:
                    vals["signed_by"] = self.partner_id.name
            else:
                vals = dict(vals, signed_on=False, signed_by=False)
        result = super(ServiceIntervention, target).write(vals)
        if "place" in vals:
            self._service_sync_lot_state()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(i.state == "done" or i.invoice_status == "invoiced" for i in self):
            raise UserError(
                self.env._(
                    "Done or invoiced interventions cannot be deleted: cancel "
                    "them instead."
                )
            )

    def _service_sync_lot_state(self):
        """Serials follow the intervention: in repair while in house, back
        installed when the intervention returns on site or ends."""
        in_house = self.filtered(
            lambda i: i.place == "in_house" and i.state not in ("done", "cancelled")
        )
        lots_in_repair = in_house.object_ids.lot_id.filtered(
            lambda lot: lot.service_state == "installed"
        )
        back = (self - in_house).object_ids.lot_id.filtered(
            lambda lot: lot.service_state == "in_repair"
        )
        if lots_in_repair:
            lots_in_repair.sudo().write({"service_state": "in_repair"})
        if back:
            back.sudo().write({"service_state": "installed"})

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_schedule(self):
        self._check_state(
            ("draft",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be scheduled."),
        )
        for intervention in self:
            if not intervention.scheduled_start or not intervention.technician_id:
                raise UserError(
                    self.env._(
                        "Set the date and the technician of %(name)s before "
                        "scheduling it.",
                        name=intervention.name,
                    )
                )
        self._service_trusted().write({"state": "scheduled"})
        return True

    def action_start(self):
        self._check_state(
            ("draft", "scheduled"),
            self.env._("Intervention %(name)s is %(state)s: it cannot be started."),
        )
        self._service_trusted().write(
            {"state": "in_progress", "actual_start": fields.Datetime.now()}
        )
        return True

    def action_done(self):
        """Finish: check the work, then take the parts out of stock; the state
        change and the stock moves happen in one transaction."""
        self._check_state(
            ("in_progress",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be finished."),
        )
        # timers still running (finished from the back office) record their
        # time first
        for intervention in self:
            timers = (
                self.env["service.intervention.timer"]
                .sudo()
                .search([("intervention_id", "=", intervention.id)])
            )
            if timers:
                intervention._service_record_timers(timers)
        for intervention in self:
            missing = intervention.line_ids.filtered(
                lambda line: line.protocol_step_id.mandatory and not line.done
            )
            if missing:
                raise UserError(
                    self.env._(
                        "Tick the mandatory steps of %(name)s before finishing "
                        "it: %(steps)s.",
                        name=intervention.name,
                        steps=", ".join(missing.mapped("name")),
                    )
                )
            # planned work is not work done
            if not intervention.line_ids.filtered("done"):
                raise UserError(
                    self.env._(
                        "Record the work done on %(name)s before finishing it.",
                        name=intervention.name,
                    )
                )
        self._service_prepare_done()
        # prices, coverage and costs are computed now, then frozen by the state
        self.line_ids.flush_recordset()
        self._service_trusted().write(
            {"state": "done", "actual_end": fields.Datetime.now()}
        )
        self.line_ids._service_create_part_moves()
        self._service_sync_lot_state()
        return True

    def _service_prepare_done(self):
        """Extension point: called by ``action_done`` once the work is
        checked, before it is frozen (the lines can still be changed, under
        ``trusted``): e.g. consume prepaid hours, split a line."""

    def action_reopen(self):
        self._check_state(
            ("done",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be re-opened."),
        )
        invoiced = self.filtered(
            lambda i: any(line.invoice_status == "invoiced" for line in i.line_ids)
        )
        if invoiced:
            raise UserError(
                self.env._(
                    "Intervention %(names)s is already invoiced: it cannot be "
                    "re-opened. Cancel its invoice first.",
                    names=", ".join(invoiced.mapped("name")),
                )
            )
        if not (
            self.env.su
            or is_trusted(self)
            or self.env.user.has_group("service_management.group_service_officer")
        ):
            raise AccessError(
                self.env._(
                    "Only a service officer can re-open a finished intervention: "
                    "the work the customer signed for changes."
                )
            )
        for intervention in self.filtered("signed_on"):
            intervention.message_post(
                body=self.env._(
                    "Re-opened by %(user)s: the signature of %(signer)s given on "
                    "%(date)s is cleared; the customer signs the corrected work "
                    "again.",
                    user=self.env.user.name,
                    signer=intervention.signed_by or "",
                    date=fields.Datetime.to_string(intervention.signed_on),
                )
            )
        self._service_trusted().write(
            {
                "state": "in_progress",
                "actual_end": False,
                "signature": False,
                "signed_by": False,
                "signed_on": False,
            }
        )
        for intervention in self.filtered(lambda i: i.line_ids.stock_move_id):
            intervention.message_post(
                body=self.env._(
                    "Re-opened: the spare parts already taken out of stock stay "
                    "delivered; only new part lines will move stock when it is "
                    "done again."
                )
            )
        return True

    def action_cancel(self):
        self._check_state(
            ("draft", "scheduled", "in_progress"),
            self.env._("Intervention %(name)s is %(state)s: it cannot be cancelled."),
        )
        self._service_trusted().write({"state": "cancelled"})
        self._service_sync_lot_state()
        return True

    def action_draft(self):
        self._check_state(
            ("cancelled",),
            self.env._(
                "Intervention %(name)s is %(state)s: it cannot be reset to draft."
            ),
        )
        self._service_trusted().write({"state": "draft"})
        return True

    def action_apply_protocol(self):
        """Turn the protocol's steps into activity lines (with a checklist
        tick) and their spare parts into part lines (one ``create`` for the
        lines of all these interventions)."""
        vals_list = []
        for intervention in self:
            protocol = intervention.protocol_id
            if not protocol:
                raise UserError(
                    self.env._(
                        "Choose the protocol to apply on %(name)s.",
                        name=intervention.name,
                    )
                )
            if intervention.state in ("done", "cancelled"):
                intervention._check_state(
                    ("draft", "scheduled", "in_progress"),
                    self.env._(
                        "Intervention %(name)s is %(state)s: no protocol can be "
                        "applied to it."
                    ),
                )
            applied = {
                (line.protocol_step_id, line.object_id)
                for line in intervention.line_ids
                if line.protocol_step_id
            }
            for obj in intervention._protocol_objects(protocol):
                for step in protocol.step_ids:
                    if (step, obj) in applied:
                        continue
                    vals_list.append(
                        intervention._prepare_step_line(step, "activity", obj)
                    )
                    if step.product_id:
                        vals_list.append(
                            intervention._prepare_step_line(step, "part", obj)
                        )
        self.env["service.intervention.line"].create(vals_list)
        return True

    def _protocol_objects(self, protocol):
        """The objects a protocol's steps are done on: those of the product
        categories it applies to, else every object (a revision of each
        boiler), else none when the job has no object."""
        self.ensure_one()
        objects = self.object_ids
        if protocol.product_categ_ids:
            objects = (
                objects.filtered_domain(
                    [
                        (
                            "product_id.categ_id",
                            "child_of",
                            protocol.product_categ_ids.ids,
                        )
                    ]
                )
                or objects
            )
        return objects or [self.object_ids.browse()]

    def _prepare_step_line(self, step, line_type, obj):
        self.ensure_one()
        # the job's to-do: planned on the job's day, for its technician, done
        # (billed, taken out of stock) once the technician confirms it
        values = {
            "intervention_id": self.id,
            "line_type": line_type,
            "protocol_step_id": step.id,
            "object_id": obj.id,
            "object_lot_id": obj.lot_id.id,
            "sequence": step.sequence,
            "done": False,
            "date": self._service_planned_date(),
            "employee_id": self.technician_id.id,
        }
        if line_type == "activity":
            values.update(
                name=step.name,
                activity_type_id=step.activity_type_id.id,
                quantity=step.planned_hours,
                note=step.instructions,
            )
        else:
            values.update(
                name=step.product_id.display_name,
                product_id=step.product_id.id,
                quantity=step.product_qty,
            )
        return values

    def action_create_invoice(self):
        """Invoice the billable work of these done interventions."""
        not_done = self.filtered(lambda i: i.state != "done")
        if not_done:
            raise UserError(
                self.env._(
                    "Finish %(names)s before invoicing it.",
                    names=", ".join(not_done.mapped("name")),
                )
            )
        moves = self.env["service.invoicing"]._invoice_work(
            date=fields.Date.context_today(self) + timedelta(days=3650),
            interventions=self,
        )
        if not moves:
            raise UserError(
                self.env._("There is nothing left to invoice on these interventions.")
            )
        return self.env["service.invoice.wizard"]._action_open_invoices(moves)

    def _prepare_invoice_values(self, lines=None):
        """The values of one customer invoice of the executed work of these
        interventions.

        It is called on the interventions of one invoice: a single one, or
        those of one customer when the company invoices work per customer
        (see ``service.intervention.line._get_work_invoice_grouping_keys``).
        The header (invoice address, service address, fiscal position,
        payment terms, salesperson = the intervention's responsible) comes
        from the first of them, the origin names them all; the fiscal
        position maps the taxes of every line.

        Extension point: override it to add or change header values of the
        work invoices (journal, reference, narration, a custom field); call
        ``super()`` and update the dict. The lines come from
        ``service.intervention.line._prepare_invoice_line_values``.

        :param lines: the work lines to bill (``service.intervention.line``);
            by default the lines of these interventions still to invoice
        :return: values for ``account.move.create``
        """
        if lines is None:
            lines = self.line_ids.filtered(
                lambda line: line.invoice_status == "to_invoice"
            )
        intervention = self[:1]
        partner = intervention.partner_invoice_id or intervention.partner_id
        company = intervention.company_id
        fiscal_position = self.env["service.invoicing"]._work_fiscal_position(
            intervention
        )
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "partner_shipping_id": intervention.partner_shipping_id.id,
            "company_id": company.id,
            "currency_id": intervention.currency_id.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_payment_term_id": partner.with_company(
                company
            ).property_payment_term_id.id,
            # the intervention's responsible, not whoever runs the invoicing
            "invoice_user_id": intervention.user_id.id,
            "invoice_origin": ", ".join(self.mapped("name")),
            "invoice_line_ids": [
                Command.create(
                    line._prepare_invoice_line_values(fiscal_position=fiscal_position)
                )
                for line in lines
            ],
        }

    def action_send_report(self):
        """Email the intervention report to the customer (mail composer with
        the report attached)."""
        self.ensure_one()
        template = self.env.ref(
            "service_management.mail_template_service_intervention",
            raise_if_not_found=False,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }

    @api.model
    def _portal_request(self, partner, description, lot, attachments=None):
        """A customer's request from the portal: a draft intervention the
        dispatcher schedules. Its text opens the conversation: it is posted
        on the chatter by the customer, with the attached files.

        :param partner: the customer's contact who asks
        :param str description: the problem, as plain text
        :param lot: one of the customer's serials, or an empty recordset
        :param attachments: ``(name, content)`` pairs the caller checked
        """
        customer = partner.commercial_partner_id
        if lot and lot.service_partner_id.commercial_partner_id != customer:
            raise AccessError(self.env._("This product is not installed at your site."))
        body = Markup("<p>%s</p>") % Markup("<br/>").join(description.splitlines())
        intervention = self.sudo().create(
            {
                "partner_id": partner.id,
                "origin": "request",
                "description": body,
                "object_ids": [Command.create({"lot_id": lot.id})] if lot else [],
                "user_id": False,
            }
        )
        intervention.message_subscribe(partner_ids=partner.ids)
        intervention.message_post(
            body=body,
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=list(attachments or []),
        )
        return intervention.with_env(self.env)

    def action_sign(self):
        """Open the intervention in the signature dialog."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer Signature"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "service_management.service_intervention_view_form_sign"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    def _get_report_base_filename(self):
        """Name of the PDF the customer downloads from the portal."""
        self.ensure_one()
        return self.env._("Intervention %(name)s", name=self.name)


# --------------------------------------------------------------------------
# Planning board: conflicts, working hours, free slots
# --------------------------------------------------------------------------
#
# The dispatcher's board: conflicts of a job with the other jobs, working
# hours and leaves of its technician, and the free slots of technicians.
# jobs that still need their technician's time
OPEN_STATES = ("draft", "scheduled", "in_progress")
# a change of these fields may create or solve a conflict with other jobs
CONFLICT_FIELDS = frozenset(
    {
        "technician_id",
        "scheduled_start",
        "scheduled_end",
        "scheduled_duration",
        "state",
        "company_id",
    }
)
# what moving a job on the board writes
MOVE_FIELDS = ("technician_id", "scheduled_start", "scheduled_end")
QUARTER = timedelta(minutes=15)


def to_naive_utc(value):
    return value.astimezone(pytz.utc).replace(tzinfo=None)


def ceil_quarter(value):
    """The first quarter hour at or after ``value`` (naive datetime)."""
    floor = value.replace(minute=value.minute - value.minute % 15, second=0)
    floor = floor.replace(microsecond=0)
    return floor if floor == value else floor + QUARTER


class ServiceInterventionPlanning(models.Model):
    _inherit = "service.intervention"

    scheduled_end = fields.Datetime(tracking=True)
    has_conflict = fields.Boolean(
        string="Conflict",
        compute="_compute_has_conflict",
        store=True,
        index=True,
        help="The job overlaps another job of its technician, or falls outside "
        "their working hours or on their leave.",
    )
    conflict_reason = fields.Text(compute="_compute_has_conflict", store=True)

    @api.depends("partner_id")
    @api.depends_context("service_show_customer")
    def _compute_display_name(self):
        """On the calendar and the board a job reads "reference · customer"."""
        result = super()._compute_display_name()
        if self.env.context.get("service_show_customer"):
            for intervention in self.filtered("partner_id"):
                intervention.display_name = (
                    f"{intervention.name} · {intervention.partner_id.display_name}"
                )
        return result

    # ------------------------------------------------------------------
    # Availability of technicians
    # ------------------------------------------------------------------
    @api.model
    def _service_availability(self, employees, date_from, date_to, spans=True):
        """Working days and leaves of technicians between two naive UTC
        datetimes.

        :return: ``{employee id: (days, leaves)}``: ``days`` are the spans
            from the first to the last attendance of each working day (a
            lunch break inside a day is working time for a job; with
            ``spans=False`` the attendances themselves), ``leaves``
            the time off and public holidays; both ``Intervals`` of naive
            UTC datetimes
        """
        empty = self.browse()
        start = pytz.utc.localize(date_from)
        end = pytz.utc.localize(date_to)
        by_calendar = defaultdict(lambda: self.env["hr.employee"].sudo())
        for employee in employees.sudo():
            calendar = (
                employee.resource_calendar_id
                or employee.company_id.resource_calendar_id
                or self.env.company.resource_calendar_id
            )
            by_calendar[calendar] |= employee
        result = {}
        for calendar, calendar_employees in by_calendar.items():
            if not calendar:
                # no calendar at all: every hour is working time
                for employee in calendar_employees:
                    result[employee.id] = (
                        Intervals([(date_from, date_to, empty)]),
                        Intervals(),
                    )
                continue
            resources = calendar_employees.resource_id
            attendances = calendar._attendance_intervals_batch(start, end, resources)
            leaves = calendar._leave_intervals_batch(start, end, resources)
            for employee in calendar_employees:
                per_day = defaultdict(list)
                for att_start, att_stop, _meta in attendances[employee.resource_id.id]:
                    per_day[att_start.date()].append((att_start, att_stop))
                days = Intervals(
                    [
                        (
                            to_naive_utc(min(s for s, _e in day)),
                            to_naive_utc(max(e for _s, e in day)),
                            empty,
                        )
                        for day in per_day.values()
                    ]
                    if spans
                    else [
                        (to_naive_utc(s), to_naive_utc(e), empty)
                        for day in per_day.values()
                        for s, e in day
                    ]
                )
                off = Intervals(
                    [
                        (to_naive_utc(s), to_naive_utc(e), empty)
                        for s, e, _meta in leaves[employee.resource_id.id]
                        if s < e
                    ]
                )
                result[employee.id] = (days, off)
        return result

    @api.model
    def _service_busy(self, employees, date_from, date_to, exclude=None):
        """Jobs occupying these technicians between two naive UTC datetimes
        (one query): ``{employee id: Intervals}``."""
        jobs = self.sudo().search_fetch(
            [
                ("technician_id", "in", employees._origin.ids),
                ("state", "!=", "cancelled"),
                ("scheduled_start", "<", date_to),
                ("scheduled_end", ">", date_from),
                ("id", "not in", (exclude or self.browse()).ids),
            ],
            ["technician_id", "scheduled_start", "scheduled_end"],
        )
        busy = defaultdict(list)
        for job in jobs:
            busy[job.technician_id.id].append(
                (job.scheduled_start, job.scheduled_end, self.browse())
            )
        return {
            employee.id: Intervals(busy[employee.id]) for employee in employees._origin
        }

    @api.model
    def _service_first_free_slot(
        self, employees, hours, date_from, horizon_days=60, exclude=None
    ):
        """The earliest slot of ``hours`` from ``date_from`` (naive UTC) in
        which one of the technicians works, is not on leave and has no
        other job; slots start on a quarter hour.

        :return: ``(employee, start)`` or ``(empty employee, False)``
        """
        employees = employees._origin
        duration = timedelta(hours=hours or 1.0)
        date_to = date_from + timedelta(days=horizon_days)
        days_of = self._service_availability(employees, date_from, date_to)
        attendances_of = self._service_availability(
            employees, date_from, date_to, spans=False
        )
        busy = self._service_busy(employees, date_from, date_to, exclude=exclude)
        best = (employees.browse(), False)
        for employee in employees:
            days, leaves = days_of[employee.id]
            attendances = attendances_of[employee.id][0]
            taken = leaves | busy[employee.id]
            free_days = list(days - taken)
            # a job starts in working time (not in a break) and may run
            # through a break of the same day
            for work_start, work_stop, _meta in attendances - taken:
                start = ceil_quarter(max(work_start, date_from))
                if start >= work_stop:
                    continue
                if best[1] and start >= best[1]:
                    break
                span_stop = next(
                    (stop for s, stop, _m in free_days if s <= start < stop), None
                )
                if span_stop and span_stop - start >= duration:
                    best = (employee, start)
                    break
        return best

    # ------------------------------------------------------------------
    # Conflicts
    # ------------------------------------------------------------------
    @api.depends("technician_id", "scheduled_start", "scheduled_end", "state")
    def _compute_has_conflict(self):
        """Overlaps with other jobs of the technician in the same company,
        time outside their working days, time on their leave. One query for
        the other jobs of the whole batch, one per calendar for the hours."""
        jobs = self.filtered(
            lambda i: (
                i.technician_id
                and i.scheduled_start
                and i.scheduled_end
                and i.state in OPEN_STATES
            )
        )
        for intervention in self - jobs:
            intervention.has_conflict = False
            intervention.conflict_reason = False
        if not jobs:
            return
        date_from = min(jobs.mapped("scheduled_start"))
        date_to = max(jobs.mapped("scheduled_end"))
        technicians = jobs.technician_id._origin
        others = self.sudo().search_fetch(
            [
                ("technician_id", "in", technicians.ids),
                ("state", "!=", "cancelled"),
                ("scheduled_start", "<", date_to),
                ("scheduled_end", ">", date_from),
                ("company_id", "in", jobs.company_id._origin.ids),
            ],
            ["name", "technician_id", "scheduled_start", "scheduled_end", "company_id"],
        )
        others_of = defaultdict(list)
        for other in others:
            others_of[other.technician_id.id].append(other)
        availability = self._service_availability(
            technicians, date_from - timedelta(days=1), date_to + timedelta(days=1)
        )
        empty = self.browse()
        for job in jobs:
            technician = job.technician_id._origin.sudo()
            start, stop = job.scheduled_start, job.scheduled_end
            reasons = []
            overlapping = [
                other.name
                for other in others_of[technician.id]
                if other.id != job._origin.id
                and other.company_id == job.company_id._origin
                and other.scheduled_start < stop
                and other.scheduled_end > start
            ]
            if overlapping:
                reasons.append(
                    self.env._(
                        "%(technician)s has another job at that time: %(jobs)s.",
                        technician=technician.name,
                        jobs=", ".join(overlapping),
                    )
                )
            days, leaves = availability[technician.id]
            span = Intervals([(start, stop, empty)]) if stop > start else Intervals()
            if span & leaves:
                reasons.append(
                    self.env._(
                        "%(technician)s is on leave at that time.",
                        technician=technician.name,
                    )
                )
            elif span - days:
                reasons.append(
                    self.env._(
                        "The job falls outside the working hours of %(technician)s.",
                        technician=technician.name,
                    )
                )
            job.has_conflict = bool(reasons)
            job.conflict_reason = "\n".join(reasons) or False

    def _service_conflict_neighbours(self):
        """Open jobs of the same technicians overlapping these (one query):
        their conflicts change when these move."""
        jobs = self.filtered(
            lambda i: i.technician_id and i.scheduled_start and i.scheduled_end
        )
        if not jobs:
            return self.browse()
        candidates = self.sudo().search_fetch(
            [
                ("technician_id", "in", jobs.technician_id.ids),
                ("state", "in", OPEN_STATES),
                ("scheduled_start", "<", max(jobs.mapped("scheduled_end"))),
                ("scheduled_end", ">", min(jobs.mapped("scheduled_start"))),
                ("id", "not in", self.ids),
            ],
            ["technician_id", "scheduled_start", "scheduled_end"],
        )
        return candidates.filtered(
            lambda n: any(
                job.technician_id == n.technician_id
                and job.scheduled_start < n.scheduled_end
                and job.scheduled_end > n.scheduled_start
                for job in jobs
            )
        )

    def _service_recompute_conflicts(self, neighbours):
        neighbours = neighbours.exists()
        if neighbours:
            for name in ("has_conflict", "conflict_reason"):
                self.env.add_to_compute(self._fields[name], neighbours)

    def _check_planning_move(self, vals):
        """Done and cancelled jobs stay where they happened."""
        for intervention in self.filtered(lambda i: i.state in ("done", "cancelled")):
            changed = any(
                (
                    intervention[name].id != (vals[name] or False)
                    if name == "technician_id"
                    else intervention[name] != fields.Datetime.to_datetime(vals[name])
                )
                for name in MOVE_FIELDS
                if name in vals
            )
            if changed:
                raise UserError(
                    self.env._(
                        "Intervention %(name)s is %(state)s: it cannot be moved "
                        "or given to another technician. Reset it to draft or "
                        "re-open it first.",
                        name=intervention.name,
                        state=dict(
                            intervention._fields["state"]._description_selection(
                                self.env
                            )
                        )[intervention.state],
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        interventions = super().create(vals_list)
        if any(CONFLICT_FIELDS & vals.keys() for vals in vals_list):
            self._service_recompute_conflicts(
                interventions._service_conflict_neighbours()
            )
        return interventions

    def write(self, vals):
        if any(name in vals for name in MOVE_FIELDS):
            self._check_planning_move(vals)
        tracked = bool(CONFLICT_FIELDS & vals.keys())
        before = self._service_conflict_neighbours() if tracked else self.browse()
        result = super().write(vals)
        if tracked:
            self._service_recompute_conflicts(
                before | self._service_conflict_neighbours()
            )
        return result

    def unlink(self):
        neighbours = self._service_conflict_neighbours()
        result = super().unlink()
        self._service_recompute_conflicts(neighbours)
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_plan(self):
        """Open the planning wizard on the first free slot."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan %(name)s", name=self.name),
            "res_model": "service.intervention.plan",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_intervention_id": self.id},
        }


# --------------------------------------------------------------------------
# A technician's day on a phone
# --------------------------------------------------------------------------
#
# The technician's screens on a phone: today's jobs, the job timer, the
# short "add hours / part / travel" dialogs and the close-out step.
#
# Kept apart from ``service_intervention.py`` (the document and its workflow):
# everything here is driven by the user at hand (``uid`` in the context).
LINE_KIND_VIEWS = {
    "activity": "service_management.service_intervention_line_view_form_hours",
    "part": "service_management.service_intervention_line_view_form_part",
    "travel": "service_management.service_intervention_line_view_form_travel",
    "mileage": "service_management.service_intervention_line_view_form_travel",
}


class ServiceInterventionPhone(models.Model):
    _inherit = "service.intervention"

    timer_ids = fields.One2many("service.intervention.timer", "intervention_id")
    # the protocol steps as a checklist to tick (the same work lines)
    # every item of the protocol, its parts included: what Done requires is
    # what the technician sees
    step_line_ids = fields.One2many(
        "service.intervention.line",
        "intervention_id",
        domain=[("protocol_step_id", "!=", False)],
        string="Checklist",
    )
    timer_state = fields.Selection(
        [("stopped", "Stopped"), ("running", "Running"), ("paused", "Paused")],
        compute="_compute_timer",
        string="My Timer",
    )
    timer_hours = fields.Float(
        compute="_compute_timer",
        string="My Time",
        help="Hours counted by your timer on this job, pauses excluded.",
    )
    day_rank = fields.Integer(
        compute="_compute_day_rank",
        help="0 for today's and later jobs, 1 for overdue ones: today's jobs "
        "come first on the technician's day.",
    )
    schedule_label = fields.Char(compute="_compute_phone_labels", string="When")
    site_address = fields.Char(compute="_compute_phone_labels", string="Address")
    site_phone = fields.Char(compute="_compute_phone_labels", string="Phone")
    objects_label = fields.Char(
        compute="_compute_phone_labels", string="Objects Summary"
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("timer_ids.date_running", "timer_ids.elapsed")
    @api.depends_context("uid")
    def _compute_timer(self):
        now = fields.Datetime.now()
        timers = self.env["service.intervention.timer"].search(
            [("intervention_id", "in", self.ids), ("user_id", "=", self.env.uid)]
        )
        by_job = {timer.intervention_id: timer for timer in timers}
        for intervention in self:
            timer = by_job.get(intervention)
            if not timer:
                intervention.timer_state = "stopped"
                intervention.timer_hours = 0.0
                continue
            intervention.timer_state = "running" if timer.date_running else "paused"
            intervention.timer_hours = timer._service_hours(now)

    @api.depends_context("tz")
    def _compute_day_rank(self):
        start = self._service_today_start()
        for intervention in self:
            scheduled = intervention.scheduled_start
            intervention.day_rank = 0 if not scheduled or scheduled >= start else 1

    def _service_today_start(self):
        """Midnight of the user's today, as a naive UTC datetime."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = datetime.now(tz).date()
        return (
            tz.localize(datetime.combine(today, time.min))
            .astimezone(pytz.UTC)
            .replace(tzinfo=None)
        )

    def _field_to_sql(self, alias, field_expr, query=None):
        # the technician's day is ordered by "today first, then overdue"
        if field_expr == "day_rank":
            return SQL(
                "(CASE WHEN %s < %s THEN 1 ELSE 0 END)",
                SQL.identifier(alias, "scheduled_start"),
                self._service_today_start(),
            )
        return super()._field_to_sql(alias, field_expr, query)

    @api.depends(
        "scheduled_start",
        "partner_id.phone",
        "partner_shipping_id.street",
        "partner_shipping_id.city",
        "partner_shipping_id.phone",
        "object_ids.lot_id",
        "object_ids.product_id",
    )
    @api.depends_context("tz", "lang")
    def _compute_phone_labels(self):
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = datetime.now(tz).date()
        # the date in the user's language format, as the web client shows
        # it; the time on 24 hours (the card's big "09:00")
        lang = get_lang(self.env)
        for intervention in self:
            label = False
            if intervention.scheduled_start:
                local = pytz.UTC.localize(intervention.scheduled_start).astimezone(tz)
                label = local.strftime("%H:%M")
                if local.date() != today:
                    label = f"{local.strftime(lang.date_format)} {label}"
            intervention.schedule_label = label
            site = intervention.partner_shipping_id or intervention.partner_id
            street = ", ".join(filter(None, (site.street, site.street2)))
            city = " ".join(filter(None, (site.zip, site.city)))
            intervention.site_address = (
                " – ".join(filter(None, (street, city))) or False
            )
            intervention.site_phone = (
                site.phone or intervention.partner_id.phone or False
            )
            intervention.objects_label = (
                ", ".join(
                    obj.lot_id.display_name
                    and f"{obj.product_id.display_name} ({obj.lot_id.name})"
                    or obj.product_id.display_name
                    for obj in intervention.object_ids
                    if obj.product_id
                )
                or False
            )

    # ------------------------------------------------------------------
    # Timer
    # ------------------------------------------------------------------
    def _service_my_timer(self):
        self.ensure_one()
        return self.env["service.intervention.timer"].search(
            [("intervention_id", "=", self.id), ("user_id", "=", self.env.uid)]
        )

    def action_timer_start(self):
        """Start (or resume) my timer; a job not yet started starts too."""
        self.ensure_one()
        if self.state in ("draft", "scheduled"):
            self.action_start()
        self._check_state(
            ("in_progress",),
            self.env._(
                "Intervention %(name)s is %(state)s: its timer cannot be started."
            ),
        )
        timer = self._service_my_timer()
        if not timer:
            trusted(self.env["service.intervention.timer"]).create(
                {"intervention_id": self.id, "date_running": fields.Datetime.now()}
            )
        elif not timer.date_running:
            trusted(timer).date_running = fields.Datetime.now()
        return True

    def action_timer_pause(self):
        self.ensure_one()
        timer = self._service_my_timer()
        if timer.date_running:
            trusted(timer).write(
                {"elapsed": timer._service_hours(), "date_running": False}
            )
        return True

    def action_timer_stop(self):
        """Stop my timer: its time becomes my activity line, rounded up to the
        company's minimum increment; the line opens to be checked."""
        self.ensure_one()
        timer = self._service_my_timer()
        if not timer:
            raise UserError(
                self.env._("Your timer on %(name)s is not running.", name=self.name)
            )
        employee = self._service_my_employee()
        line = self._service_record_timers(timer, employee)
        return self._service_line_dialog("activity", line)

    def _service_record_timers(self, timers, employee=None):
        """Stop ``timers`` of this job: each one's time becomes an activity
        line of its user, rounded up to the company's increment; a timer left
        running longer than a day records a day, and says so on the job.
        Return the lines."""
        self.ensure_one()
        # the application records the time (also on a day already signed:
        # a timer never blocks finishing a job)
        Line = trusted(self.env["service.intervention.line"])
        lines = Line
        for timer in timers:
            user_employee = (
                employee
                or timer.user_id.sudo().employee_ids.filtered(
                    lambda e: e.company_id == self.company_id
                )[:1]
            )
            # times are stored to the second: a timer started and stopped
            # within the same second still counts (one increment)
            counted = max(timer._service_hours(), 1 / 3600)
            hours = timer._service_round_up(
                counted, self.company_id.service_time_increment
            )
            if hours > MAX_TIMER_HOURS:
                hours = MAX_TIMER_HOURS
                self.message_post(
                    body=self.env._(
                        "The timer of %(user)s ran for %(counted)s hours: "
                        "%(hours)s hours are recorded (a day at most on one "
                        "line). Correct the line with the real time.",
                        user=timer.user_id.name,
                        counted=f"{counted:.2f}",
                        hours=f"{hours:g}",
                    )
                )
            user = timer.user_id
            timer.sudo().unlink()
            if not user_employee:
                self.message_post(
                    body=self.env._(
                        "The timer of %(user)s was stopped without recording "
                        "its time: the user is not linked to an employee.",
                        user=user.name,
                    )
                )
                continue
            lines |= Line.create(
                {
                    "intervention_id": self.id,
                    "line_type": "activity",
                    "activity_type_id": self._service_proposed_activity_type().id,
                    "employee_id": user_employee.id,
                    "quantity": hours,
                }
            )
        return lines.with_env(self.env)

    def _service_my_employee(self):
        self.ensure_one()
        employee = self.env.user.employee_ids.filtered(
            lambda e: e.company_id == self.company_id
        )[:1]
        if not employee:
            raise UserError(
                self.env._(
                    "Your user is not linked to an employee of %(company)s: ask "
                    "your manager to link it, then record your time.",
                    company=self.company_id.name,
                )
            )
        return employee

    def _service_proposed_activity_type(self):
        """The activity of the first protocol step still to tick, else the
        protocol's first activity, else the last activity recorded on the job,
        else the first activity type of the job's place."""
        self.ensure_one()
        activities = self.line_ids.filtered(
            lambda line: line.line_type == "activity" and line.activity_type_id
        )
        pending = activities.filtered(
            lambda line: line.protocol_step_id and not line.done
        )
        if pending:
            return pending[0].activity_type_id
        step_types = self.protocol_id.step_ids.activity_type_id
        if step_types:
            return step_types[0]
        if activities:
            return activities[-1].activity_type_id
        return self.env["service.activity.type"].search(
            [
                ("place", "in", (self.place, "any")),
                ("company_id", "in", (self.company_id.id, False)),
            ],
            limit=1,
        )

    # ------------------------------------------------------------------
    # Short dialogs and close-out
    # ------------------------------------------------------------------
    def _service_line_dialog(self, line_type, line=None):
        self.ensure_one()
        titles = {
            "activity": self.env._("Hours"),
            "part": self.env._("Spare Part"),
            "travel": self.env._("Travel and Mileage"),
            "mileage": self.env._("Travel and Mileage"),
        }
        context = {
            "default_intervention_id": self.id,
            "default_line_type": line_type,
        }
        employee = self.env.user.employee_ids.filtered(
            lambda e: e.company_id == self.company_id
        )[:1]
        if line_type == "activity" and employee:
            # the hours of whoever records them
            context["default_employee_id"] = employee.id
        if line_type == "part":
            # a part the van does not hold asks where it came from
            context["service_confirm_van"] = True
        return {
            "type": "ir.actions.act_window",
            "name": titles[line_type],
            "res_model": "service.intervention.line",
            "res_id": line.id if line else False,
            "views": [(self.env.ref(LINE_KIND_VIEWS[line_type]).id, "form")],
            "target": "new",
            "context": context,
        }

    def _service_check_open(self):
        self._check_state(
            ("draft", "scheduled", "in_progress"),
            self.env._("Intervention %(name)s is %(state)s: no work can be added."),
        )

    def action_add_hours(self):
        self.ensure_one()
        self._service_check_open()
        return self._service_line_dialog("activity")

    def action_add_part(self):
        self.ensure_one()
        self._service_check_open()
        return self._service_line_dialog("part")

    def action_add_travel(self):
        self.ensure_one()
        self._service_check_open()
        return self._service_line_dialog("travel")

    def action_close_job(self):
        """The close-out screen: the work done, what the customer pays once
        Done applies coverage and prepaid hours, the planned work left, the
        signature, then "Done and Send Report"."""
        self.ensure_one()
        self._check_state(
            ("in_progress",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be closed."),
        )
        preview = self._service_preview_done()
        wizard = self.env["service.intervention.close"].create(
            {
                "intervention_id": self.id,
                "amount_total": preview["amount"],
                "preview_html": self.env["service.intervention.close"]._preview_table(
                    preview["lines"], self.currency_id
                ),
                "signed_by": self.signed_by or self.partner_id.name,
                "work_summary": self.work_summary,
                "report_email": self.report_email,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close %(name)s", name=self.name),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "views": [
                (
                    self.env.ref(
                        "service_management.service_intervention_close_view_form"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
        }

    def action_done_and_send(self):
        """Finish the job (the customer has signed), then send its report to
        the customer in one step."""
        self.ensure_one()
        self._service_check_closable()
        self.action_done()
        self._service_send_report(self.report_email)
        return True

    def _service_check_closable(self):
        """Refuse to close the job with my timer running or without the
        customer's signature."""
        self.ensure_one()
        if self._service_my_timer():
            raise UserError(
                self.env._(
                    "Stop your timer on %(name)s before closing it: its time "
                    "becomes your activity line.",
                    name=self.name,
                )
            )
        if not self.signature:
            raise UserError(
                self.env._(
                    "Ask the customer to sign %(name)s before finishing it.",
                    name=self.name,
                )
            )

    def action_register_object(self):
        """Open the dialog adding a machine not yet in the installed base."""
        self.ensure_one()
        self._service_check_open()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Machine"),
            "res_model": "service.lot.register",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_intervention_id": self.id},
        }


# --------------------------------------------------------------------------
# Practices: launches, event keys, step progress
# --------------------------------------------------------------------------
class ServiceInterventionPractice(models.Model):
    """Practices on interventions: the launch they belong to, the event key
    that keeps a triggered practice from being created twice, and the
    progress of the protocol's steps."""

    _inherit = "service.intervention"

    launch_id = fields.Many2one(
        "service.protocol.launch.batch",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The launch of a protocol on many customers this job belongs to.",
    )
    practice_key = fields.Char(
        readonly=True,
        copy=False,
        help="The event that created this job (new customer, fiscal period): "
        "the same event never creates it twice.",
    )
    step_progress = fields.Float(
        string="Steps Done (%)",
        compute="_compute_step_progress",
        store=True,
        aggregator="avg",
        help="Share of the protocol's items (steps and their parts) done.",
    )
    is_late = fields.Boolean(
        string="Late",
        compute="_compute_is_late",
        search="_search_is_late",
        help="Not finished, and past the deadline of its launch or of one of "
        "its steps.",
    )

    _practice_key_uniq = models.UniqueIndex(
        "(protocol_id, practice_key) WHERE practice_key IS NOT NULL",
        "This practice was already created for this event.",
    )

    @api.depends("line_ids.done", "line_ids.protocol_step_id", "line_ids.line_type")
    def _compute_step_progress(self):
        for intervention in self:
            # the checklist's items: the steps and their parts
            steps = intervention.line_ids.filtered("protocol_step_id")
            intervention.step_progress = (
                100.0 * len(steps.filtered("done")) / len(steps) if steps else 0.0
            )

    @api.depends(
        "state",
        "launch_id.date_deadline",
        "line_ids.step_late",
    )
    def _compute_is_late(self):
        today = fields.Date.context_today(self)
        for intervention in self:
            deadline = intervention.launch_id.date_deadline
            intervention.is_late = intervention.state not in (
                "done",
                "cancelled",
            ) and (
                bool(deadline and deadline < today)
                or any(intervention.line_ids.mapped("step_late"))
            )

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        late_ids = self._late_ids()
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", late_ids)]

    @api.model
    def _late_ids(self, domain=None):
        """Ids of the open jobs (within ``domain``) past their launch's
        deadline or with a step past its deadline, in two queries."""
        today = fields.Date.context_today(self)
        base = [("state", "not in", ("done", "cancelled"))] + (domain or [])
        late = set(self.search(base + [("launch_id.date_deadline", "<", today)]).ids)
        lines = self.env["service.intervention.line"].search(
            [
                ("intervention_id", "any", base),
                ("done", "=", False),
                ("line_type", "=", "activity"),
                ("protocol_step_id.deadline_days", ">", 0),
            ]
        )
        late.update(lines.filtered("step_late").intervention_id.ids)
        return list(late)

    def _step_start_date(self):
        """The day the steps' deadlines count from: the planned start, else
        the day the job was requested or launched."""
        self.ensure_one()
        start = self.scheduled_start or self.date_request
        return fields.Date.to_date(fields.Datetime.context_timestamp(self, start))

    def action_view_launch(self):
        self.ensure_one()
        return self.launch_id.get_formview_action()


# --------------------------------------------------------------------------
# Prepaid hours and visits consumed by the job
# --------------------------------------------------------------------------
# written by the consumption and the actions, never by hand
ALLOWANCE_FIELDS = {
    "allowance_visit",
    "allowance_visits_left",
    "allowance_period_start",
}


class ServiceInterventionAllowance(models.Model):
    _inherit = "service.intervention"

    # a visit of the contract's included visits, consumed when done
    allowance_visit = fields.Boolean(string="Included Visit", copy=False, readonly=True)
    allowance_visits_left = fields.Integer(copy=False, readonly=True)
    allowance_period_start = fields.Date(copy=False, readonly=True)
    contract_allowance_hours = fields.Float(
        related="contract_id.allowance_hours", string="Contract Prepaid Hours"
    )
    contract_hours_left = fields.Float(
        related="contract_id.allowance_hours_left", string="Prepaid Hours Left"
    )

    def write(self, vals):
        if ALLOWANCE_FIELDS & set(vals) and not is_trusted(self):
            raise UserError(
                self.env._(
                    "The included visits an intervention uses are counted when "
                    "it is done: they cannot be changed by hand."
                )
            )
        return super().write(vals)

    def _service_prepare_done(self):
        result = super()._service_prepare_done()
        buckets = self._allowance_consume()
        if buckets:
            contracts = self.env["service.contract"].union(*buckets)
            contracts._allowance_check_threshold(buckets)
        return result

    def action_reopen(self):
        result = super().action_reopen()
        self._allowance_release()
        return result

    # ------------------------------------------------------------------
    # Consumption
    # ------------------------------------------------------------------
    def _allowance_consume(self):
        """Consume the prepaid hours and included visits of the contracts of
        these interventions, which are being finished: their billable labour,
        by date then intervention and line order, while hours remain; the line
        that crosses the limit is split into a covered line and the rest,
        billed at the contract's normal coverage. Stored on the lines and
        interventions, so it is frozen with them and invoiced like any line.

        :return: {contract: period start} of the contracts consumed
        """
        jobs = self.filtered(
            lambda i: (
                i.contract_id.state == "running"
                and (i.contract_id.allowance_hours or i.contract_id.allowance_visits)
            )
        )
        if not jobs:
            return {}
        # two jobs of one contract finished at once never share an hour
        jobs.contract_id._allowance_lock()
        usage = jobs.contract_id._allowance_usage()
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        buckets = {}
        lines = jobs.line_ids.filtered(
            lambda line: (
                line.line_type == "activity"
                and line.done
                and line.billable
                and line.quantity > 0
                and line.coverage_pct < 100
                and not line.allowance_hours
                and line.intervention_id.contract_id.allowance_hours
            )
        )
        updates, splits = [], []
        for line in lines.sorted(
            lambda line: (line.date, line.intervention_id.id, line.sequence, line.id)
        ):
            contract = line.intervention_id.contract_id
            bucket = contract._allowance_bucket(line.date)
            left, __ = contract._allowance_available(bucket, usage)
            if float_compare(left, 0, precision_digits=digits) <= 0:
                continue
            used = min(line.quantity, float_round(left, precision_digits=digits))
            usage[contract.id]["hours"][bucket] += used
            buckets[contract] = bucket
            values = {
                "allowance_contract_id": contract.id,
                "allowance_hours": used,
                "allowance_left": float_round(left - used, precision_digits=digits),
                "allowance_period_start": bucket,
            }
            if float_compare(used, line.quantity, precision_digits=digits) < 0:
                splits.append(line._allowance_overage_values(line.quantity - used))
                # the price stays what it was for the whole line
                values.update(quantity=used, price_unit=line.price_unit)
            updates.append((line, values))
        for line, values in updates:
            trusted(line).write(values)
        if splits:
            self.env["service.intervention.line"].create(splits)
        visits = jobs.filtered(
            lambda i: (
                i.contract_id.allowance_visits
                and i.place == "on_site"
                and not i.allowance_visit
            )
        )
        today = fields.Date.context_today(self)
        for job in visits.sorted(
            lambda i: (min(i.line_ids.mapped("date") or [today]), i.id)
        ):
            contract = job.contract_id
            bucket = contract._allowance_bucket(
                min(job.line_ids.mapped("date") or [today])
            )
            __, left = contract._allowance_available(bucket, usage)
            if left <= 0:
                continue
            usage[contract.id]["visits"][bucket] += 1
            buckets.setdefault(contract, bucket)
            trusted(job).write(
                {
                    "allowance_visit": True,
                    "allowance_visits_left": left - 1,
                    "allowance_period_start": bucket,
                }
            )
        return buckets

    def _allowance_release(self):
        """Give back what these re-opened interventions consumed: done again,
        they consume what is left then."""
        lines = self.line_ids.filtered("allowance_hours")
        if lines:
            trusted(lines).write(
                {
                    "allowance_contract_id": False,
                    "allowance_hours": 0.0,
                    "allowance_left": 0.0,
                    "allowance_period_start": False,
                }
            )
        visits = self.filtered("allowance_visit")
        if visits:
            trusted(visits).write(
                {
                    "allowance_visit": False,
                    "allowance_visits_left": 0,
                    "allowance_period_start": False,
                }
            )


# --------------------------------------------------------------------------
# Response-time commitments (SLA)
# --------------------------------------------------------------------------
#
# Response-time commitments (SLA) of the requests a contract covers.
#
# The deadlines are stored when the request is created, in working hours of
# the company's calendar. What happened is stored too (``sla_result``: pending,
# met or breached, known from the dates of response and resolution), so it is
# reported per contract and month. Whether a pending request is at risk or
# already late depends on the current time: ``sla_state`` is computed on the
# fly and searched through the stored ``sla_next_deadline`` (the deadline
# still to meet) and ``sla_risk_date`` (when it becomes at risk: 80 % of its
# window, from the request to the deadline, has passed).
SLA_STATES = [
    ("none", "No Commitment"),
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("met", "Met"),
    ("breached", "Breached"),
]
SLA_RESULTS = [
    ("pending", "Pending"),
    ("met", "Met"),
    ("breached", "Breached"),
]
# a pending commitment is at risk when less than this share of its window is left
SLA_RISK_SHARE = 0.2


class ServiceInterventionSla(models.Model):
    _inherit = "service.intervention"

    sla_response_deadline = fields.Datetime(
        string="Respond By",
        compute="_compute_sla_deadlines",
        store=True,
        copy=False,
        help="The request is answered when its intervention is scheduled or "
        "started: the contract promises it by then (working hours).",
    )
    sla_resolution_deadline = fields.Datetime(
        string="Resolve By",
        compute="_compute_sla_deadlines",
        store=True,
        copy=False,
        help="The contract promises the intervention done by then (working hours).",
    )
    sla_responded_on = fields.Datetime(string="Responded On", copy=False, readonly=True)
    sla_result = fields.Selection(
        SLA_RESULTS,
        string="SLA Result",
        compute="_compute_sla_result",
        store=True,
        index="btree_not_null",
    )
    sla_next_deadline = fields.Datetime(
        string="Next SLA Deadline", compute="_compute_sla_result", store=True
    )
    sla_risk_date = fields.Datetime(compute="_compute_sla_result", store=True)
    sla_state = fields.Selection(
        SLA_STATES,
        string="SLA",
        compute="_compute_sla_state",
        search="_search_sla_state",
    )
    sla_time_left = fields.Char(string="SLA Time Left", compute="_compute_sla_state")
    # asked when the request date of an answered request changes (logged)
    date_request_reason = fields.Char(
        string="Reason for the New Request Date", store=False
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("contract_id", "date_request", "priority", "origin")
    def _compute_sla_deadlines(self):
        """Deadlines of requests from the contract's commitments at the time
        the request is made; later changes of the contract do not move them."""
        for intervention in self:
            if intervention.sla_responded_on and (
                intervention.sla_response_deadline
                or intervention.sla_resolution_deadline
            ):
                # answered: the commitments of the request are history
                continue
            contract = intervention.contract_id
            response = resolution = False
            if (
                intervention.origin == "request"
                and contract
                and intervention.date_request
            ):
                response_hours, resolution_hours = contract._sla_hours(
                    intervention.priority
                )
                company = intervention.company_id or self.env.company
                response = intervention._sla_plan(company, response_hours)
                resolution = intervention._sla_plan(company, resolution_hours)
            intervention.sla_response_deadline = response
            intervention.sla_resolution_deadline = resolution

    def _sla_plan(self, company, hours):
        """The moment ``hours`` working hours of the company's calendar after
        the request (clock hours without a calendar)."""
        self.ensure_one()
        if not hours:
            return False
        calendar = company.resource_calendar_id
        if not calendar:
            return self.date_request + timedelta(hours=hours)
        return calendar.sudo().plan_hours(hours, self.date_request, compute_leaves=True)

    @api.depends(
        "sla_response_deadline",
        "sla_resolution_deadline",
        "sla_responded_on",
        "actual_end",
        "state",
    )
    def _compute_sla_result(self):
        for intervention in self:
            response = intervention.sla_response_deadline
            resolution = intervention.sla_resolution_deadline
            responded = intervention.sla_responded_on
            resolved = intervention.state == "done" and intervention.actual_end
            result = next_deadline = risk = False
            if (response or resolution) and intervention.state != "cancelled":
                if (response and responded and responded > response) or (
                    resolution and resolved and resolved > resolution
                ):
                    result = "breached"
                elif resolved:
                    result = "met"
                else:
                    result = "pending"
                    if response and not responded:
                        next_deadline = response
                    else:
                        next_deadline = resolution
                    if next_deadline:
                        window = next_deadline - intervention.date_request
                        risk = next_deadline - window * SLA_RISK_SHARE
            if (
                intervention.sla_result == "breached"
                and intervention.state != "cancelled"
            ):
                # a breach once recorded stays recorded
                result = "breached"
            intervention.sla_result = result
            intervention.sla_next_deadline = next_deadline
            intervention.sla_risk_date = risk

    @api.depends("sla_result", "sla_next_deadline", "sla_risk_date")
    def _compute_sla_state(self):
        now = fields.Datetime.now()
        for intervention in self:
            state = intervention.sla_result or "none"
            deadline = intervention.sla_next_deadline
            if state == "pending":
                if deadline and now > deadline:
                    state = "breached"
                elif intervention.sla_risk_date and now >= intervention.sla_risk_date:
                    state = "at_risk"
                else:
                    state = "on_track"
            intervention.sla_state = state
            intervention.sla_time_left = (
                intervention._sla_format_delta(deadline - now)
                if intervention.sla_result == "pending" and deadline
                else False
            )

    def _sla_format_delta(self, delta):
        minutes = int(abs(delta.total_seconds()) // 60)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        if days:
            span = self.env._("%(days)s d %(hours)s h", days=days, hours=hours)
        else:
            span = self.env._(
                "%(hours)s h %(minutes)02d min", hours=hours, minutes=minutes
            )
        if delta.total_seconds() < 0:
            return self.env._("%(span)s late", span=span)
        return self.env._("%(span)s left", span=span)

    def _search_sla_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        now = fields.Datetime.now()
        pending = Domain("sla_result", "=", "pending")
        late = pending & Domain("sla_next_deadline", "<", now)
        domains = {
            "none": Domain("sla_result", "=", False),
            "met": Domain("sla_result", "=", "met"),
            "breached": Domain("sla_result", "=", "breached") | late,
            "at_risk": pending
            & Domain("sla_risk_date", "<=", now)
            & Domain("sla_next_deadline", ">=", now),
            "on_track": pending
            & (
                Domain("sla_next_deadline", "=", False)
                | Domain("sla_risk_date", ">", now)
            ),
        }
        domain = Domain.OR(domains[state] for state in value if state in domains)
        return ~domain if operator == "not in" else domain

    def write(self, vals):
        reason = (vals.get("date_request_reason") or "").strip()
        if "date_request" in vals and not (self.env.su or is_trusted(self)):
            self._service_check_write_policy(vals)
            answered = self.filtered("sla_responded_on")
            if answered and not reason:
                raise UserError(
                    self.env._(
                        "Request %(names)s is already answered: enter the reason "
                        "for changing its request date. Its response and "
                        "resolution deadlines, and a breach already recorded, "
                        "stay as they are.",
                        names=", ".join(answered.mapped("name")),
                    )
                )
            new = fields.Datetime.to_datetime(vals["date_request"])
            for job in answered.filtered(lambda i: i.date_request != new):
                job.message_post(
                    body=self.env._(
                        "Request date changed from %(old)s to %(new)s: %(reason)s",
                        old=fields.Datetime.to_string(job.date_request),
                        new=fields.Datetime.to_string(new),
                        reason=reason,
                    )
                )
        if "date_request_reason" in vals:
            vals = dict(vals)
            del vals["date_request_reason"]
        if "sla_responded_on" in vals and not is_trusted(self):
            raise UserError(
                self.env._(
                    "A request is answered when its intervention is scheduled or "
                    "started: schedule or start it instead of writing the date."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions: the request is answered when scheduled or started
    # ------------------------------------------------------------------
    def action_schedule(self):
        result = super().action_schedule()
        self._sla_mark_responded()
        return result

    def action_start(self):
        result = super().action_start()
        self._sla_mark_responded()
        return result

    def _sla_mark_responded(self):
        answered = self.filtered(
            lambda i: not i.sla_responded_on and i.sla_response_deadline
        )
        if answered:
            trusted(answered).write({"sla_responded_on": fields.Datetime.now()})


# --------------------------------------------------------------------------
# Planned and done work; what the customer signs; the report by email
# --------------------------------------------------------------------------
#
# The lines of a protocol (and those typed ahead of the work) are the job's
# to-do: planned, they cost nothing. Done, the job bills, consumes and takes
# out of stock its done lines only; the planned ones left are dropped or
# moved to a follow-up job. The amount the customer signs on Close Job is
# computed by the very method Done runs, in a savepoint rolled back.
PLANNED_POLICIES = [
    ("drop", "Drop Them"),
    ("follow_up", "Keep Them in a Follow-up Job"),
]


class _AmountPreview(Exception):
    """Rolls back the savepoint in which Done was tried to read its amount."""


class ServiceInterventionExecution(models.Model):
    _inherit = "service.intervention"

    _write_policy = {
        # the amount signed on Close Job, and the job a follow-up carries on
        "signed_amount": SYSTEM,
        "follow_up_of_id": SYSTEM,
        # technicians give it on Close Job; officers correct it
        "report_email": OFFICER,
    }

    signed_amount = fields.Monetary(
        copy=False,
        readonly=True,
        help="What the customer signed to pay when the job was closed: the "
        "invoice of the job bills this amount.",
    )
    report_email = fields.Char(
        string="Send Report To",
        copy=False,
        help="Where the report of this job was sent when the customer has no "
        "email address: kept on the job, not on the contact.",
    )
    follow_up_of_id = fields.Many2one(
        "service.intervention",
        string="Follow-up Of",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The job whose planned work, not done, this job carries on.",
    )

    def _service_planned_date(self):
        """The day the planned work of this job is dated: its scheduled day
        (in the user's time zone), else today."""
        self.ensure_one()
        if not self.scheduled_start:
            return fields.Date.context_today(self)
        return fields.Datetime.context_timestamp(self, self.scheduled_start).date()

    def write(self, vals):
        result = super().write(vals)
        if {"scheduled_start", "technician_id"} & set(vals):
            # planned work follows the job's day and technician
            for intervention in self.filtered(
                lambda i: i.state in ("draft", "scheduled", "in_progress")
            ):
                planned = intervention.line_ids.filtered(lambda line: not line.done)
                if not planned:
                    continue
                values = {"date": intervention._service_planned_date()}
                if intervention.technician_id:
                    values["employee_id"] = intervention.technician_id.id
                changed = planned.filtered(
                    lambda line, values=values: (
                        line.date != values["date"]
                        or line.employee_id.id
                        != values.get("employee_id", line.employee_id.id)
                    )
                )
                if changed:
                    changed.write(values)
        return result

    def _service_prepare_done(self):
        self._service_settle_planned(
            self.env.context.get("service_planned_lines") or "drop"
        )
        return super()._service_prepare_done()

    def _service_settle_planned(self, policy):
        """Drop the planned work these jobs finish without, or move it to a
        follow-up job (``policy``: ``drop`` or ``follow_up``)."""
        for intervention in self:
            planned = intervention.line_ids.filtered(lambda line: not line.done)
            if not planned:
                continue
            names = ", ".join(planned.mapped("name"))
            if policy == "follow_up":
                follow_up = intervention._service_create_follow_up(planned)
                body = self.env._(
                    "Planned work not done, moved to %(job)s: %(lines)s.",
                    job=follow_up.name,
                    lines=names,
                )
            else:
                body = self.env._(
                    "Planned work not done, dropped: %(lines)s.", lines=names
                )
            planned.unlink()
            intervention._message_log(body=body)

    def _service_create_follow_up(self, planned):
        """A draft job for the same customer, objects and contract carrying
        the ``planned`` lines of this one, not done."""
        self.ensure_one()
        # the add-on's own bookkeeping of the close: the technician who
        # closes may not plan jobs (protocol, schedule) himself
        follow_up = self._service_trusted().create(
            self._prepare_follow_up_values(planned)
        )
        return follow_up.with_env(self.env)

    def _prepare_follow_up_values(self, planned):
        """The values of the follow-up job of ``planned`` lines.

        Extension point: override to add values; call ``super()``."""
        self.ensure_one()
        line_fields = (
            "line_type",
            "name",
            "activity_type_id",
            "protocol_step_id",
            "product_id",
            "lot_id",
            "uom_id",
            "quantity",
            "object_lot_id",
            "employee_id",
            "sequence",
        )
        lines = []
        for line in planned:
            values = {
                fname: line[fname].id
                if isinstance(line[fname], models.BaseModel)
                else line[fname]
                for fname in line_fields
            }
            values.update(done=False, note=line.note)
            lines.append(Command.create(values))
        return {
            "partner_id": self.partner_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "contract_id": self.contract_id.id,
            "technician_id": self.technician_id.id,
            "place": self.place,
            "protocol_id": self.protocol_id.id,
            "follow_up_of_id": self.id,
            "description": self.description,
            "object_ids": [
                Command.create(
                    {"lot_id": obj.lot_id.id, "product_id": obj.product_id.id}
                )
                for obj in self.object_ids
            ],
            "line_ids": lines,
        }

    def _service_preview_done(self):
        """What the customer pays once this job is done: its lines after
        everything Done applies (planned work dropped, prepaid hours with the
        split line, included visits, coverage), computed by Done's own
        ``_service_prepare_done`` in a savepoint rolled back.

        :return: ``{"amount": total, "lines": [(description, quantity,
            amount, coverage), ...]}``
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                job = self.with_context(service_planned_lines="drop")
                job._service_prepare_done()
                raise _AmountPreview(
                    {
                        "amount": job.amount_total,
                        "lines": [
                            (
                                line.name,
                                line.quantity,
                                line.price_subtotal,
                                line.coverage_reason or "",
                            )
                            for line in job.line_ids
                        ],
                    }
                )
        except _AmountPreview as preview:
            return preview.args[0]

    def _service_amount_at_done(self):
        """The total of ``_service_preview_done``."""
        return self._service_preview_done()["amount"]

    def _service_send_report(self, email=None):
        """Send the job's report to the customer in one step: to the
        customer's address (a message on the job), else to ``email`` (stored
        on the job, never on the contact)."""
        self.ensure_one()
        template = self.env.ref("service_management.mail_template_service_intervention")
        email = (email or "").strip()
        if self.partner_id.email and (
            not email or email.lower() == self.partner_id.email.lower()
        ):
            return self.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        if not email:
            raise UserError(
                self.env._(
                    "%(customer)s has no email address: enter the address to "
                    "send the report of %(name)s to.",
                    customer=self.partner_id.display_name,
                    name=self.name,
                )
            )
        if not email_normalize(email):
            raise UserError(
                self.env._(
                    "%(email)s is not a valid email address: check it.", email=email
                )
            )
        if email != self.report_email:
            trusted(self).write({"report_email": email})
        template.send_mail(
            self.id,
            email_values={"email_to": email, "recipient_ids": []},
            email_layout_xmlid="mail.mail_notification_light",
        )
        self._message_log(
            body=self.env._("Report sent to %(email)s.", email=email),
        )
        return True
