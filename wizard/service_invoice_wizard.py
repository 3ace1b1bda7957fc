# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_date

from ..models.service_document_mixin import reopen_wizard
from ..models.service_write_policy_mixin import ANYONE


class ServiceInvoiceWizard(models.TransientModel):
    _name = "service.invoice.wizard"
    _description = "Create Service Invoices"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE

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
    # after a run with failures: what went wrong, and the invoices created
    result = fields.Text(readonly=True)
    invoice_ids = fields.Many2many(
        "account.move", string="Created Invoices", readonly=True
    )

    @api.constrains("date")
    def _check_date(self):
        """Invoices are due by their date: a year ahead at most (a preview
        "up to 2100" would build hundreds of invoices per contract)."""
        limit = fields.Date.context_today(self) + relativedelta(years=1)
        for wizard in self:
            if wizard.date > limit:
                raise ValidationError(wizard._get_date_error(limit))

    def _get_date_error(self, limit):
        return self.env._(
            "Invoice up to %(date)s is too far ahead: choose a date before %(limit)s.",
            date=format_date(self.env, self.date),
            limit=format_date(self.env, limit),
        )

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
        # the previous preview's rows are the user's own (nobody else can see
        # a wizard): drop them even without the right to delete preview rows
        self.line_ids.sudo().unlink()
        self.write(
            {
                "previewed": True,
                "line_ids": [Command.create(row) for row in rows],
            }
        )
        return self._reopen()

    def action_create_invoices(self):
        """Create (and post when asked) the invoices. What cannot be invoiced,
        and invoices that could not be posted (they stay in draft), do not
        stop the others: they are listed in the wizard's result, with the
        created invoices one click away."""
        self.ensure_one()
        errors, post_errors = {}, {}
        moves = self._run_flows(errors, post_errors)
        if not moves and not errors:
            raise UserError(
                self.env._("Nothing to invoice up to %(date)s.", date=self.date)
            )
        if not errors and not post_errors:
            return self._action_open_invoices(moves)
        self.write(
            {
                "result": self._result_message(moves, errors, post_errors),
                "invoice_ids": [Command.set(moves.ids)],
                "previewed": False,
            }
        )
        return self._reopen()

    def _run_flows(self, errors, post_errors):
        """Run the chosen invoicing flows; ``errors`` and ``post_errors``
        are filled as ``service.invoicing`` does."""
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
                errors=errors,
                post_errors=post_errors,
            )
        if "work" in flows:
            moves |= invoicing._invoice_work(
                date=self.date,
                partners=self.partner_ids or None,
                post=post,
                errors=errors,
                post_errors=post_errors,
            )
        return moves

    def _result_message(self, moves, errors, post_errors):
        lines = [self.env._("%(count)s invoice(s) created.", count=len(moves))]
        lines += [
            self.env._(
                "%(document)s cannot be invoiced: %(error)s",
                document=record.display_name,
                error=message,
            )
            for record, message in errors.items()
        ]
        lines += [
            self.env._(
                "%(invoice)s (%(customer)s) could not be posted and stays in "
                "draft: %(error)s",
                invoice=move.display_name,
                customer=move.partner_id.display_name,
                error=message,
            )
            for move, message in post_errors.items()
        ]
        return "\n".join(lines)

    def action_open_created_invoices(self):
        self.ensure_one()
        return self._action_open_invoices(self.invoice_ids)

    def _reopen(self):
        return reopen_wizard(self, name=self.env._("Create Service Invoices"))

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
