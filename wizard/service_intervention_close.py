# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..models.service_document_mixin import trusted
from ..models.service_intervention import PLANNED_POLICIES
from ..models.service_write_policy_mixin import ANYONE


class ServiceInterventionClose(models.TransientModel):
    """Close a job on the phone: the work done, what the customer pays once
    Done applies coverage and prepaid hours (computed when the screen opens
    by Done's own method), what becomes of the planned work left, the
    customer's signature and where the report goes. Nothing is written on
    the job until it is done: a job that cannot be finished keeps no
    signature."""

    _name = "service.intervention.close"
    _inherit = ["service.write.policy.mixin"]
    _description = "Close a Job"
    # the closing user's own screen; what it writes on the job is checked
    # when it closes
    _write_policy_default = ANYONE

    intervention_id = fields.Many2one(
        "service.intervention", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="intervention_id.company_id")
    currency_id = fields.Many2one(related="intervention_id.currency_id")
    partner_id = fields.Many2one(related="intervention_id.partner_id")
    partner_email = fields.Char(related="intervention_id.partner_id.email")
    done_line_ids = fields.Many2many(
        "service.intervention.line",
        compute="_compute_line_ids",
        string="Work Done",
    )
    planned_line_ids = fields.Many2many(
        "service.intervention.line",
        compute="_compute_line_ids",
        string="Planned Work Not Done",
    )
    preview_html = fields.Html(
        string="What the Customer Pays For",
        readonly=True,
        sanitize=True,
        help="The work lines as Done bills them: prepaid hours, split lines "
        "and coverage applied.",
    )
    amount_total = fields.Monetary(
        string="Customer Pays",
        readonly=True,
        help="The amount of the job once done: coverage, prepaid hours and "
        "included visits applied. The invoice bills this amount.",
    )
    planned_lines = fields.Selection(
        PLANNED_POLICIES,
        string="Planned Work Left",
        default="drop",
        required=True,
        help="What becomes of the planned work not done: dropped, or moved "
        "to a new job to schedule.",
    )
    work_summary = fields.Html(string="Work Done Summary")
    signed_by = fields.Char()
    signature = fields.Binary()
    report_email = fields.Char(
        string="Send Report To",
        help="The customer has no email address: where to send the report. "
        "Kept on the job, not on the contact.",
    )

    @api.depends("intervention_id.line_ids.done")
    def _compute_line_ids(self):
        for wizard in self:
            lines = wizard.intervention_id.line_ids
            wizard.done_line_ids = lines.filtered("done")
            wizard.planned_line_ids = lines - wizard.done_line_ids

    @api.model
    def _preview_table(self, lines, currency):
        """An HTML table of the ``lines`` of ``_preview_done``."""
        rows = Markup("").join(
            Markup(
                "<tr><td>%s<div class='small text-muted'>%s</div></td>"
                "<td class='text-end'>%s</td><td class='text-end text-nowrap'>%s"
                "</td></tr>"
            )
            % (
                name,
                coverage,
                f"{quantity:g}",
                format_amount(self.env, amount, currency),
            )
            for name, quantity, amount, coverage in lines
        )
        return Markup(
            "<table class='table table-sm o_service_close_preview'><thead><tr>"
            "<th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "</tr></thead><tbody>%s</tbody></table>"
        ) % (self.env._("Work"), self.env._("Qty"), self.env._("Pays"), rows)

    def action_done_and_send(self):
        """Sign, finish and send the report, in one transaction: if the job
        cannot be finished, nothing is stored."""
        self.ensure_one()
        job = self.intervention_id
        self._check_can_finish()
        # all or nothing, even for a caller that catches the error: a job
        # that cannot be finished keeps no signature
        with self.env.cr.savepoint():
            job.write(
                {
                    "signed_by": self.signed_by,
                    "signature": self.signature,
                    "work_summary": self.work_summary,
                }
            )
            if self.report_email:
                trusted(job).write({"report_email": self.report_email.strip()})
            job.with_context(service_planned_lines=self.planned_lines).action_done()
            self._check_signed_amount()
            trusted(job).write({"signed_amount": self.amount_total})
            job._send_report(job.report_email)
        return {"type": "ir.actions.act_window_close"}

    def _check_can_finish(self):
        """Signed, closable (the technician's timer stopped), and an address
        to send the report to."""
        job = self.intervention_id
        if not self.signature:
            raise UserError(
                self.env._(
                    "Ask the customer to sign %(name)s before finishing it.",
                    name=job.name,
                )
            )
        if job._my_timer():
            job._check_closable()
        if not job.partner_id.email and not (self.report_email or "").strip():
            raise UserError(
                self.env._(
                    "%(customer)s has no email address: enter the address to "
                    "send the report of %(name)s to.",
                    customer=job.partner_id.display_name,
                    name=job.name,
                )
            )

    def _check_signed_amount(self):
        """The work changed since the screen was opened: sign again."""
        job = self.intervention_id
        if not job.currency_id.compare_amounts(job.amount_total, self.amount_total):
            return
        raise UserError(
            self.env._(
                "The amount of %(name)s changed since the customer signed "
                "(%(signed)s, now %(amount)s): close the job again.",
                name=job.name,
                signed=format_amount(self.env, self.amount_total, job.currency_id),
                amount=format_amount(self.env, job.amount_total, job.currency_id),
            )
        )
