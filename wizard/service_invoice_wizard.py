# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class ServiceInvoiceWizard(models.TransientModel):
    _name = "service.invoice.wizard"
    _description = "Create Service Invoices"

    date = fields.Date(
        string="Invoice up to", required=True, default=fields.Date.context_today
    )
    invoice_contracts = fields.Boolean(string="Contracts due", default=True)
    invoice_work = fields.Boolean(string="Executed work", default=True)
    partner_ids = fields.Many2many("res.partner", string="Customers")
    contract_ids = fields.Many2many("service.contract", string="Contracts")
    post = fields.Boolean(string="Post the invoices")
    line_ids = fields.One2many(
        "service.invoice.wizard.line", "wizard_id", string="Preview", readonly=True
    )
    previewed = fields.Boolean(readonly=True)
    warning_count = fields.Integer(compute="_compute_warning_count")

    @api.depends("line_ids.warnings")
    def _compute_warning_count(self):
        for wizard in self:
            wizard.warning_count = len(wizard.line_ids.filtered("warnings"))

    def _flows(self):
        self.ensure_one()
        flows = []
        if self.invoice_contracts:
            flows.append("contracts")
        if self.invoice_work and not self.contract_ids:
            flows.append("work")
        if not flows:
            raise UserError(
                self.env._("Choose what to invoice: contracts, work or both.")
            )
        return flows

    def action_preview(self):
        self.ensure_one()
        rows = self.env["service.invoicing"]._preview(
            self.date,
            contracts=self.contract_ids or None,
            partners=self.partner_ids or None,
            flows=self._flows(),
        )
        self.write(
            {
                "previewed": True,
                "line_ids": [Command.clear()] + [Command.create(row) for row in rows],
            }
        )
        return self._reopen()

    def action_create_invoices(self):
        self.ensure_one()
        flows = self._flows()
        invoicing = self.env["service.invoicing"]
        moves = self.env["account.move"]
        post = True if self.post else None
        if "contracts" in flows:
            moves |= invoicing._invoice_contracts(
                date=self.date,
                contracts=self.contract_ids or None,
                partners=self.partner_ids or None,
                post=post,
            )
        if "work" in flows:
            moves |= invoicing._invoice_work(
                date=self.date, partners=self.partner_ids or None, post=post
            )
        if not moves:
            raise UserError(
                self.env._("Nothing to invoice up to %(date)s.", date=self.date)
            )
        return self._action_open_invoices(moves)

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Create Service Invoices"),
        }

    @api.model
    def _action_open_invoices(self, moves):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(moves) == 1:
            action.update(
                views=[(self.env.ref("account.view_move_form").id, "form")],
                res_id=moves.id,
            )
        else:
            action["domain"] = [("id", "in", moves.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action
