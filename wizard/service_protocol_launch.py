# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, split_every
from odoo.tools.safe_eval import safe_eval

from ..models.service_document_mixin import reopen_wizard
from ..models.service_write_policy_mixin import ANYONE

PREVIEW_NAMES = 20


class ServiceProtocolLaunch(models.TransientModel):
    """Launch a protocol on many customers or contracts at once: one job
    each, with the protocol applied, all following one launch."""

    _name = "service.protocol.launch"
    _description = "Launch a Practice"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE

    # jobs created and protocols applied per create: bounded memory and
    # statements, whatever the number of customers
    _batch_size = 200

    protocol_id = fields.Many2one(
        "service.protocol",
        required=True,
        domain="[('company_id', 'in', (company_id, False))]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    target = fields.Selection(
        [
            ("contracts", "Contracts"),
            ("domain", "Contracts matching"),
            ("partners", "Customers"),
        ],
        string="Launch On",
        required=True,
        default="contracts",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers")
    contract_ids = fields.Many2many(
        "service.contract",
        string="Contracts",
        domain="[('state', '=', 'running'), ('company_id', '=', company_id)]",
    )
    contract_domain = fields.Char(
        string="Contracts Matching",
        default="[('state', '=', 'running')]",
        help="Every running contract matching these conditions gets one job.",
    )
    date_deadline = fields.Date(
        string="Deadline", help="The jobs not done by this day show as late."
    )
    technician_id = fields.Many2one(
        "hr.employee",
        domain="[('company_id', 'in', (company_id, False))]",
        help="Given to every job; left empty, each contract's usual technician.",
    )
    dry_run = fields.Boolean(
        string="Preview Only",
        help="Show how many jobs would be created and for whom, create nothing.",
    )
    preview_count = fields.Integer(compute="_compute_preview", string="Jobs")
    preview_names = fields.Text(compute="_compute_preview", string="For")
    batch_id = fields.Many2one(
        "service.protocol.launch.batch", string="Launch", readonly=True
    )

    @api.depends(
        "target", "partner_ids", "contract_ids", "contract_domain", "company_id"
    )
    def _compute_preview(self):
        for wizard in self:
            targets = wizard._targets()
            wizard.preview_count = len(targets)
            wizard.preview_names = "\n".join(self._preview_lines(targets))

    @api.model
    def _preview_lines(self, targets):
        """The names of the first targets, then how many are listed."""
        names = [
            contract.display_name if contract else partner.display_name
            for partner, contract in targets[:PREVIEW_NAMES]
        ]
        if len(targets) > PREVIEW_NAMES:
            names.append(
                self.env._(
                    "… the first %(shown)s of %(count)s are listed.",
                    shown=PREVIEW_NAMES,
                    count=len(targets),
                )
            )
        return names

    def _target_contracts(self):
        Contract = self.env["service.contract"]
        domain = Domain("state", "=", "running") & Domain(
            "company_id", "=", self.company_id.id
        )
        if self.target == "contracts":
            return self.contract_ids.filtered_domain(domain)
        try:
            extra = safe_eval(self.contract_domain or "[]")
            domain &= Domain(extra)
        except (ValueError, SyntaxError, NameError, TypeError) as error:
            raise self._unreadable_conditions(error) from error
        try:
            return Contract.search(domain, order="id")
        except ValueError as error:
            # e.g. a field that does not exist (any more)
            raise self._unreadable_conditions(error) from error

    def _unreadable_conditions(self, error):
        return UserError(
            self.env._(
                "The conditions on contracts cannot be read (%(error)s): "
                "edit them with the condition editor.",
                error=error,
            )
        )

    def _targets(self):
        """(customer, contract) pairs, one job each: a contract each, or a
        customer each (with no contract: the job finds the customer's)."""
        self.ensure_one()
        if self.target == "partners":
            partners = self.partner_ids.filtered(
                lambda p: not p.company_id or p.company_id == self.company_id
            )
            return [(partner, self.env["service.contract"]) for partner in partners]
        return [
            (contract.partner_id, contract) for contract in self._target_contracts()
        ]

    def action_launch(self):
        """Create one job per target in batches, or only preview them."""
        self.ensure_one()
        self._lock_wizard()
        if self.batch_id:
            return self.batch_id.get_formview_action()
        targets = self._targets()
        self._check_targets(targets)
        if self.dry_run:
            return reopen_wizard(self)
        batch = self._launch(targets)
        return batch.get_formview_action()

    def _check_targets(self, targets):
        if not targets:
            raise UserError(
                self.env._(
                    "Nobody to launch %(protocol)s on: choose customers or "
                    "running contracts.",
                    protocol=self.protocol_id.display_name,
                )
            )

    def _lock_wizard(self):
        """A double click, or the same wizard submitted twice, launches once:
        the second request waits for the first (a blocking row lock), is
        retried by the server as a concurrent update, and finds its launch."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = %s FOR UPDATE",
                SQL.identifier(self._table),
                self.id,
            ),
            log_exceptions=False,
        )
        self.invalidate_recordset(["batch_id"])

    def _launch(self, targets):
        """Run in the request, batch by batch: a launch on a thousand
        customers takes seconds (see tools/bench_planning.py) and is all or
        nothing; no partial launch is left if it fails."""
        protocol = self.protocol_id
        Batch = self.env["service.protocol.launch.batch"]
        batch = Batch.create(self._prepare_batch_values())
        Planning = self.env["service.planning"]
        # names are the users': escaped, never markup
        description = Markup("<p>%s</p>") % self.env._(
            "%(protocol)s (launch %(launch)s).",
            protocol=protocol.name,
            launch=batch.name,
        )
        created = 0
        for chunk in split_every(self._batch_size, targets):
            vals_list = [
                self._prepare_launch_values(batch, partner, contract, description)
                for partner, contract in chunk
            ]
            created += len(Planning._create_practices(vals_list))
        self._report_launch(batch, created, len(targets) - created)
        self.batch_id = batch
        return batch

    def _prepare_launch_values(self, batch, partner, contract, description):
        """The values of the job of this launch for ``partner`` (and its
        ``contract``)."""
        values = self.env["service.planning"]._prepare_practice_values(
            self.protocol_id,
            partner,
            contract=contract,
            key=self._practice_key(partner, contract),
            technician=self.technician_id,
        )
        values.update(
            launch_id=batch.id, company_id=self.company_id.id, description=description
        )
        return values

    def _prepare_batch_values(self):
        Batch = self.env["service.protocol.launch.batch"]
        return {
            "name": Batch._default_name(self.protocol_id),
            "protocol_id": self.protocol_id.id,
            "date_deadline": self.date_deadline,
            "company_id": self.company_id.id,
        }

    def _practice_key(self, partner, contract):
        """The event of a launch: this protocol for this customer (and
        contract) today. Two launches of the same protocol on the same
        customers the same day, from two wizards or two officers at once,
        create each job once (the practice key is unique per protocol)."""
        today = fields.Date.context_today(self)
        return f"launch:{today}:{partner.id}:{contract.id or 0}"

    def _report_launch(self, batch, created, skipped):
        """Say on the launch what it created and what another launch of
        today had already created; refuse a launch that creates nothing."""
        protocol = self.protocol_id.display_name
        if not created:
            raise UserError(
                self.env._(
                    "%(protocol)s was already launched today on every one of "
                    "these customers (by another launch): nothing to create.",
                    protocol=protocol,
                )
            )
        batch.message_post(body=self._launch_summary(protocol, created, skipped))

    def _launch_summary(self, protocol, created, skipped):
        body = self.env._(
            "%(count)s jobs created for %(protocol)s.",
            count=created,
            protocol=protocol,
        )
        if skipped:
            body = self.env._(
                "%(count)s jobs created for %(protocol)s; %(skipped)s skipped: "
                "another launch created them today.",
                count=created,
                protocol=protocol,
                skipped=skipped,
            )
        return body
