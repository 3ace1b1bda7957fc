# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The intervention: a job done for a customer on some of his machines.

``service.intervention`` is this class plus the concerns listed by name in its
``_inherit`` (planning board, phone, practices, prepaid hours, SLA, execution),
each an abstract model in its own file. The concerns hold fields, computes and
steps; the one ``create``, ``write`` and workflow actions here call those
steps in the order they must happen."""

from collections import defaultdict
from datetime import date
from urllib.parse import quote_plus

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command

from .selections import COST_GROUPS, INVOICE_READERS, INVOICE_STATUSES
from .service_document_mixin import is_trusted
from .service_intervention_execution import PLANNED_POLICIES
from .service_intervention_planning import CONFLICT_FIELDS
from .service_write_policy_mixin import (
    ANYONE,
    OFFICER,
    SYSTEM,
    TECH_CREATES,
    TECHNICIAN,
)

__all__ = ["PLACES", "PLANNED_POLICIES", "ServiceIntervention"]

PLACES = [("on_site", "On Site"), ("in_house", "In House")]
# frozen once the customer has signed
SIGNED_FIELDS = frozenset(
    ("signature", "signed_by", "work_summary", "line_ids", "step_line_ids")
)
# "Create Invoice" on a job bills all its done work, lines dated ahead
# included (the invoicing run bills the work dated up to its day)
ALL_WORK_DATE = date.max


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
        # the concerns, each in its own file
        "service.intervention.planning",
        "service.intervention.phone",
        "service.intervention.practice",
        "service.intervention.allowance",
        "service.intervention.sla",
        "service.intervention.execution",
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
        compute="_compute_scheduled_end",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
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
        contracts = self._running_contracts()
        for intervention in self:
            customer = intervention.partner_id.commercial_partner_id
            mine = contracts.filtered(
                lambda c, i=intervention, customer=customer: (
                    c.partner_id.commercial_partner_id == customer
                    and c.company_id == i.company_id
                )
            )
            if intervention.contract_id not in mine:
                intervention.contract_id = intervention._proposed_contract(mine)

    def _running_contracts(self):
        """The running contracts of these jobs' customers, latest first."""
        return self.env["service.contract"].search(
            [
                ("partner_id", "child_of", self.partner_id.commercial_partner_id.ids),
                ("state", "=", "running"),
                ("company_id", "in", self.company_id.ids),
            ],
            order="date_start desc, id desc",
        )

    def _proposed_contract(self, contracts):
        """Of the customer's ``contracts``, the one covering one of the
        objects, else the assistance one."""
        lots = self.object_ids.lot_id
        covering = contracts.filtered(lambda c: c.lot_ids & lots)
        assistance = contracts.filtered(lambda c: c.contract_type == "assistance")
        return (covering or assistance)[:1]

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
            intervention.location_id = intervention._parts_location(warehouses)

    def _parts_location(self, warehouses):
        """The technician's van, else the stock of the company's warehouse."""
        warehouse = warehouses.filtered(lambda w: w.company_id == self.company_id)[:1]
        return self.technician_id.sudo().service_location_id or warehouse.lot_stock_id

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
            short = intervention._short_parts()
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

    def _parts_needed(self):
        """{product: quantity in its unit} of the done part lines not yet
        taken out of stock."""
        needed = defaultdict(float)
        for line in self.line_ids:
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
        return needed

    def _short_parts(self):
        """A sentence per part finishing would take below zero."""
        short = []
        # technicians may not read quants: only the totals are shown
        Quant = self.env["stock.quant"].sudo()
        location = self.location_id.sudo()
        for product, qty in self._parts_needed().items():
            available = Quant._get_available_quantity(
                product.sudo(), location, allow_negative=True
            )
            if product.uom_id.compare(qty, available) > 0:
                short.append(self._short_part(product, qty, available))
        return short

    def _short_part(self, product, qty, available):
        return self.env._(
            "%(product)s: %(needed)s needed, %(available)s in %(location)s",
            product=product.display_name,
            needed=f"{qty:g}",
            available=f"{available:g}",
            location=self.location_id.display_name,
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
            address = intervention._site_address_line()
            intervention.map_url = (
                f"https://www.google.com/maps/search/?api=1&query={quote_plus(address)}"
                if address
                else False
            )

    def _site_address_line(self):
        site = self.partner_shipping_id
        parts = (site.street, site.zip, site.city, site.country_id.name)
        return ", ".join(part for part in parts if part)

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
        interventions.filtered(lambda i: i.place == "in_house")._sync_lot_state()
        if any(CONFLICT_FIELDS & vals.keys() for vals in vals_list):
            self._recompute_conflicts(interventions._conflict_neighbours())
        return interventions

    def write(self, vals):
        vals = self._check_sla_write(vals)
        self._check_allowance_write(vals)
        self._check_planning_move(vals)
        moves = bool(CONFLICT_FIELDS & vals.keys())
        neighbours = self._conflict_neighbours() if moves else self.browse()
        self._check_signed(vals)
        target, vals = self._stamp_signature(vals)
        result = super(ServiceIntervention, target).write(vals)
        if "place" in vals:
            self._sync_lot_state()
        if moves:
            self._recompute_conflicts(neighbours | self._conflict_neighbours())
        if {"scheduled_start", "technician_id"} & vals.keys():
            self._follow_planned_work()
        return result

    def unlink(self):
        neighbours = self._conflict_neighbours()
        result = super().unlink()
        self._recompute_conflicts(neighbours)
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

    def _service_policy_allows(self, fname, rule, vals, mode):
        # a technician may open a job for himself, not for a colleague
        if mode == "create" and fname == "technician_id":
            return vals[fname] in self.env.user.employee_ids.ids
        return super()._service_policy_allows(fname, rule, vals, mode)

    def _check_signed(self, vals):
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

    def _stamp_signature(self, vals):
        """The signing time is the server's: check what the caller sent,
        then stamp it as the application.

        :return: the records to write on (trusted when signing) and values
        """
        if "signature" not in vals:
            return self, vals
        self._service_check_write_policy(vals)
        if not vals["signature"]:
            return self._service_trusted(), dict(vals, signed_on=False, signed_by=False)
        vals = dict(vals)
        vals.setdefault("signed_on", fields.Datetime.now())
        if not vals.get("signed_by") and len(self) == 1 and not self.signed_by:
            vals["signed_by"] = self.partner_id.name
        return self._service_trusted(), vals

    # ------------------------------------------------------------------
    # Actions: the workflow
    # ------------------------------------------------------------------
    def action_schedule(self):
        self._check_state(
            ("draft",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be scheduled."),
        )
        self._check_schedulable()
        self._service_trusted().write({"state": "scheduled"})
        self._sla_mark_responded()
        return True

    def action_start(self):
        self._check_state(
            ("draft", "scheduled"),
            self.env._("Intervention %(name)s is %(state)s: it cannot be started."),
        )
        now = fields.Datetime.now()
        self._service_trusted().write({"state": "in_progress", "actual_start": now})
        self._sla_mark_responded()
        return True

    def action_done(self):
        """Finish: check the work, then take the parts out of stock; the state
        change and the stock moves happen in one transaction."""
        self._check_state(
            ("in_progress",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be finished."),
        )
        self._record_running_timers()
        for intervention in self:
            intervention._check_finishable()
        self._prepare_done()
        # prices, coverage and costs are computed now, then frozen by the state
        self.line_ids.flush_recordset()
        self._service_trusted().write(
            {"state": "done", "actual_end": fields.Datetime.now()}
        )
        self.line_ids._create_part_moves()
        self._sync_lot_state()
        return True

    def action_reopen(self):
        self._check_state(
            ("done",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be re-opened."),
        )
        self._check_reopenable()
        self._log_signature_cleared()
        self._service_trusted().write(
            {
                "state": "in_progress",
                "actual_end": False,
                "signature": False,
                "signed_by": False,
                "signed_on": False,
            }
        )
        self._log_parts_stay_delivered()
        self._allowance_release()
        return True

    def action_cancel(self):
        self._check_state(
            ("draft", "scheduled", "in_progress"),
            self.env._("Intervention %(name)s is %(state)s: it cannot be cancelled."),
        )
        self._service_trusted().write({"state": "cancelled"})
        self._sync_lot_state()
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

    # ------------------------------------------------------------------
    # Actions: protocol, invoice, report, signature
    # ------------------------------------------------------------------
    def action_apply_protocol(self):
        """Turn the protocol's steps into activity lines (a checklist) and
        their spare parts into part lines, in one ``create`` for all jobs."""
        vals_list = []
        for intervention in self:
            intervention._check_protocol_applicable()
            vals_list += intervention._protocol_line_values()
        self.env["service.intervention.line"].create(vals_list)
        return True

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
            date=ALL_WORK_DATE, interventions=self
        )
        if not moves:
            raise UserError(
                self.env._("There is nothing left to invoice on these interventions.")
            )
        return self.env["service.invoice.wizard"]._action_open_invoices(moves)

    def action_send_report(self):
        """Email the intervention report to the customer (mail composer with
        the report attached)."""
        self.ensure_one()
        template = self.env.ref(
            "service_management.mail_template_service_intervention",
            raise_if_not_found=False,
        )
        context = {
            "default_model": self._name,
            "default_res_ids": self.ids,
            "default_template_id": template.id if template else False,
            "default_composition_mode": "comment",
            "default_email_layout_xmlid": "mail.mail_notification_light",
            "force_email": True,
        }
        return self._dialog(False, self.env["mail.compose.message"], context=context)

    def action_sign(self):
        """Open the intervention in the signature dialog."""
        self.ensure_one()
        return self._dialog(
            self.env._("Customer Signature"),
            self,
            view="service_management.service_intervention_view_form_sign",
        )

    def _dialog(self, name, records, view=None, context=None):
        """The window action opening ``records`` (a model when empty) in a
        dialog, in ``view`` (an XML id; by default the model's form)."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": records._name,
            "res_id": records.id,
            "view_mode": "form",
            "views": [(self.env.ref(view).id if view else False, "form")],
            "target": "new",
            "context": context or {},
        }

    # ------------------------------------------------------------------
    # Steps of the workflow
    # ------------------------------------------------------------------
    def _check_schedulable(self):
        for intervention in self:
            if not intervention.scheduled_start or not intervention.technician_id:
                raise UserError(
                    self.env._(
                        "Set the date and the technician of %(name)s before "
                        "scheduling it.",
                        name=intervention.name,
                    )
                )

    def _record_running_timers(self):
        """Timers still running (the job finished from the back office)
        record their time first."""
        Timer = self.env["service.intervention.timer"].sudo()
        for intervention in self:
            timers = Timer.search([("intervention_id", "=", intervention.id)])
            if timers:
                intervention._record_timers(timers)

    def _check_finishable(self):
        """The mandatory steps are ticked and some work is done (planned
        work is not work done)."""
        self.ensure_one()
        problem = self._missing_steps_problem() or self._no_work_problem()
        if problem:
            raise UserError(problem)

    def _missing_steps_problem(self):
        missing = self.line_ids.filtered(
            lambda line: line.protocol_step_id.mandatory and not line.done
        )
        return missing and self.env._(
            "Tick the mandatory steps of %(name)s before finishing it: %(steps)s.",
            name=self.name,
            steps=", ".join(missing.mapped("name")),
        )

    def _no_work_problem(self):
        return not self.line_ids.filtered("done") and self.env._(
            "Record the work done on %(name)s before finishing it.", name=self.name
        )

    def _prepare_done(self):
        """Called by ``action_done`` once the work is checked, before it is
        frozen (the lines can still be changed, under ``trusted``): the
        planned work left is dropped or moved to a follow-up job, then the
        prepaid hours and included visits are consumed. ``_preview_done``
        runs it in a savepoint rolled back to show what the customer pays.

        Extension point: e.g. split a line; call ``super()``."""
        self._settle_planned(self.env.context.get("service_planned_lines") or "drop")
        self._consume_allowances()

    def _check_reopenable(self):
        """Not invoiced, and re-opened by an officer: the work the customer
        signed for changes."""
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
        if not self._may_reopen():
            raise AccessError(
                self.env._(
                    "Only a service officer can re-open a finished intervention: "
                    "the work the customer signed for changes."
                )
            )

    def _may_reopen(self):
        return (
            self.env.su
            or is_trusted(self)
            or self.env.user.has_group("service_management.group_service_officer")
        )

    def _log_signature_cleared(self):
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

    def _log_parts_stay_delivered(self):
        for intervention in self.filtered(lambda i: i.line_ids.stock_move_id):
            intervention.message_post(
                body=self.env._(
                    "Re-opened: the spare parts already taken out of stock stay "
                    "delivered; only new part lines will move stock when it is "
                    "done again."
                )
            )

    def _sync_lot_state(self):
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
    # Protocol
    # ------------------------------------------------------------------
    def _check_protocol_applicable(self):
        self.ensure_one()
        if not self.protocol_id:
            raise UserError(
                self.env._("Choose the protocol to apply on %(name)s.", name=self.name)
            )
        self._check_state(
            ("draft", "scheduled", "in_progress"),
            self.env._(
                "Intervention %(name)s is %(state)s: no protocol can be applied to it."
            ),
        )

    def _protocol_line_values(self):
        """Values of the lines of the protocol's steps (and their parts) not
        yet applied to this job's objects."""
        self.ensure_one()
        protocol = self.protocol_id
        applied = {
            (line.protocol_step_id, line.object_id)
            for line in self.line_ids
            if line.protocol_step_id
        }
        vals_list = []
        for obj in self._protocol_objects(protocol):
            for step in protocol.step_ids:
                if (step, obj) in applied:
                    continue
                vals_list.append(self._prepare_step_line(step, "activity", obj))
                if step.product_id:
                    vals_list.append(self._prepare_step_line(step, "part", obj))
        return vals_list

    def _protocol_objects(self, protocol):
        """The objects a protocol's steps are done on: those of the product
        categories it applies to, else every object (a revision of each
        boiler), else none when the job has no object."""
        self.ensure_one()
        objects = self.object_ids
        if protocol.product_categ_ids:
            categories = protocol.product_categ_ids.ids
            objects = (
                objects.filtered_domain(
                    [("product_id.categ_id", "child_of", categories)]
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
            "date": self._planned_date(),
            "employee_id": self.technician_id.id,
        }
        values.update(self._step_work_values(step, line_type))
        return values

    @api.model
    def _step_work_values(self, step, line_type):
        """The work of a step: its activity, else its spare part."""
        if line_type == "activity":
            return {
                "name": step.name,
                "activity_type_id": step.activity_type_id.id,
                "quantity": step.planned_hours,
                "note": step.instructions,
            }
        return {
            "name": step.product_id.display_name,
            "product_id": step.product_id.id,
            "quantity": step.product_qty,
        }

    # ------------------------------------------------------------------
    # Invoice, portal
    # ------------------------------------------------------------------
    def _prepare_invoice_values(self, lines=None):
        """The values of one customer invoice of the executed work of these
        interventions: a single one, or those of one customer when the
        company invoices work per customer (see
        ``service.intervention.line._get_work_invoice_grouping_keys``). The
        header comes from the first of them (``_prepare_invoice_header``),
        the fiscal position maps the taxes of every line.

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
        Invoicing = self.env["service.invoicing"]
        fiscal_position = Invoicing._work_fiscal_position(self[:1])
        values = self._prepare_invoice_header(fiscal_position)
        values["invoice_line_ids"] = [
            Command.create(
                line._prepare_invoice_line_values(fiscal_position=fiscal_position)
            )
            for line in lines
        ]
        return values

    def _prepare_invoice_header(self, fiscal_position):
        """Invoice and service addresses, payment terms and salesperson (the
        intervention's responsible) of the first intervention; the origin
        names them all."""
        intervention = self[:1]
        partner = intervention.partner_invoice_id or intervention.partner_id
        company = intervention.company_id
        terms = partner.with_company(company).property_payment_term_id
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "partner_shipping_id": intervention.partner_shipping_id.id,
            "company_id": company.id,
            "currency_id": intervention.currency_id.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_payment_term_id": terms.id,
            # the intervention's responsible, not whoever runs the invoicing
            "invoice_user_id": intervention.user_id.id,
            "invoice_origin": ", ".join(self.mapped("name")),
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
        intervention._post_request(partner, body, attachments)
        return intervention.with_env(self.env)

    def _post_request(self, partner, body, attachments):
        """The customer follows the job and opens its conversation."""
        self.message_subscribe(partner_ids=partner.ids)
        self.message_post(
            body=body,
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=list(attachments or []),
        )

    def _get_report_base_filename(self):
        """Name of the PDF the customer downloads from the portal."""
        self.ensure_one()
        return self.env._("Intervention %(name)s", name=self.name)
