# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

# re-exported: the add-on's modules import them from here
from .service_write_policy_mixin import is_trusted, trusted  # noqa: F401


def open_action(env, xmlid, domain, context=None):
    """The window action ``xmlid`` showing the records of ``domain``."""
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    action["domain"] = domain
    action["context"] = context or {}
    return action


def count_by(records, model, field):
    """{record of ``records``: how many ``model`` records point to it by
    ``field``}, in one query (the counts of smart buttons)."""
    return dict(
        records.env[model]._read_group(
            [(field, "in", records.ids)], [field], ["__count"]
        )
    )


def reopen_wizard(wizard, **values):
    """The action that shows ``wizard`` again (its result, its next step),
    with ``values`` added (e.g. its title)."""
    return {
        "type": "ir.actions.act_window",
        "res_model": wizard._name,
        "res_id": wizard.id,
        "view_mode": "form",
        "views": [(False, "form")],
        "target": "new",
        **values,
    }


class ServiceDocumentMixin(models.AbstractModel):
    """What contracts and interventions share: a reference from their
    sequence, the customer with invoice and service addresses, company,
    pricelist and currency, the responsible user, the portal URL, and state
    changes that only the action methods make, refused with a message a user
    understands.

    The inheriting model defines ``state`` (starting at ``draft``), ``invoice_ids``,
    ``_service_sequence_code`` and ``_service_portal_path``; it may override
    ``_compute_pricelist_id`` (e.g. to prefer a contract's pricelist).
    """

    _name = "service.document.mixin"
    _inherit = ["portal.mixin", "service.write.policy.mixin"]
    _description = "Service Document"
    _service_sequence_code = None
    # the customer portal's URL of these documents: /my/service/<path>/<id>
    _service_portal_path = None

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    # a document starts as a draft and may be cancelled; each model adds its
    # own states between the two (selection_add)
    state = fields.Selection(
        [("draft", "Draft"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        copy=False,
        tracking=True,
        index=True,
    )

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        check_company=True,
        index=True,
    )
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id")
    partner_invoice_id = fields.Many2one(
        "res.partner",
        string="Invoice Address",
        compute="_compute_partner_addresses",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    partner_shipping_id = fields.Many2one(
        "res.partner",
        string="Service Address",
        compute="_compute_partner_addresses",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        compute="_compute_pricelist_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        tracking=True,
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        help="Currency of the prices: the pricelist's, else the company's.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )

    @api.depends("partner_id")
    def _compute_partner_addresses(self):
        for record in self:
            addresses = record.partner_id.address_get(["invoice", "delivery"])
            record.partner_invoice_id = addresses["invoice"]
            record.partner_shipping_id = addresses["delivery"]

    @api.depends("partner_id", "company_id")
    def _compute_pricelist_id(self):
        for record in self:
            if record.partner_id:
                record.pricelist_id = record.partner_id.with_company(
                    record.company_id
                ).property_product_pricelist

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for record in self:
            record.currency_id = (
                record.pricelist_id.currency_id or record.company_id.currency_id
            )

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for record in self:
            record.access_url = f"/my/service/{self._service_portal_path}/{record.id}"
        return result

    @api.model_create_multi
    def create(self, vals_list):
        self._check_created_drafts(vals_list)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self._service_next_name(vals)
        return super().create(vals_list)

    @api.model
    def _check_created_drafts(self, vals_list):
        if not is_trusted(self) and any(
            vals.get("state", "draft") != "draft" for vals in vals_list
        ):
            raise UserError(self._service_draft_refusal())

    @api.model
    def _service_draft_refusal(self):
        return self.env._(
            "A new %(document)s starts as a draft: use its buttons to move it on.",
            document=self.env["ir.model"]._get(self._name).name,
        )

    @api.model
    def _service_next_name(self, vals):
        """The next reference of the sequence, in the company of ``vals``."""
        company = self.env["res.company"].browse(
            vals.get("company_id") or self.env.company.id
        )
        Sequence = self.env["ir.sequence"].with_company(company)
        return Sequence.next_by_code(self._service_sequence_code) or "/"

    def write(self, vals):
        if "state" in vals and not is_trusted(self):
            raise UserError(self._service_refusal("state", None))
        return super().write(vals)

    def _service_refusal(self, fname, rule):
        if fname == "state":
            return self._service_state_refusal()
        return super()._service_refusal(fname, rule)

    def _service_state_refusal(self):
        return self.env._(
            "The status of %(document)s %(names)s changes only through its "
            "buttons (start, finish, cancel...), which check the work "
            "and move stock and invoices with it.",
            document=self.env["ir.model"]._get(self._name).name,
            names=", ".join(self.mapped("name")),
        )

    def action_view_invoices(self):
        self.ensure_one()
        return open_action(
            self.env,
            "account.action_move_out_invoice_type",
            [("id", "in", self.invoice_ids.ids)],
            {"default_move_type": "out_invoice", "create": False},
        )

    def _service_trusted(self):
        return trusted(self)

    def _service_is_trusted(self):
        return is_trusted(self)

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _check_state(self, allowed, message):
        """Refuse an action on records whose state is not in ``allowed``;
        ``message`` is the whole translated sentence with ``%(name)s`` and
        ``%(state)s``: one sentence per refused action for translators."""
        for record in self:
            if record.state not in allowed:
                raise UserError(
                    message % {"name": record.name, "state": record._state_label()}
                )
