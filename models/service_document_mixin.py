# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError

# The action methods pass this object in the context to make the writes they
# guard (state changes, protected fields of running contracts, frozen work).
# An RPC caller can only send JSON values in its context: it cannot pass it.
_TRUSTED_WRITE = object()


def trusted(records):
    """``records`` allowed to make the writes only action methods may make."""
    return records.with_context(service_trusted_write=_TRUSTED_WRITE)


def is_trusted(records):
    return records.env.context.get("service_trusted_write") is _TRUSTED_WRITE


class ServiceDocumentMixin(models.AbstractModel):
    """What contracts and interventions share: a reference from their
    sequence, the customer's invoice and service addresses, and state checks
    with a message a user understands.

    The inheriting model defines ``name``, ``company_id``, ``partner_id``,
    ``partner_invoice_id``, ``partner_shipping_id`` (computed by
    ``_compute_partner_addresses``) and ``state``.
    """

    _name = "service.document.mixin"
    _description = "Service Document"
    _service_sequence_code = None

    @api.depends("partner_id")
    def _compute_partner_addresses(self):
        for record in self:
            addresses = record.partner_id.address_get(["invoice", "delivery"])
            record.partner_invoice_id = addresses["invoice"]
            record.partner_shipping_id = addresses["delivery"]

    @api.model_create_multi
    def create(self, vals_list):
        if not is_trusted(self) and any(
            vals.get("state", "draft") != "draft" for vals in vals_list
        ):
            raise UserError(
                self.env._(
                    "A new %(document)s starts as a draft: use its buttons to "
                    "move it on.",
                    document=self.env["ir.model"]._get(self._name).name,
                )
            )
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code(self._service_sequence_code)
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        if "state" in vals and not is_trusted(self):
            raise UserError(
                self.env._(
                    "The status of %(document)s %(names)s changes only through its "
                    "buttons (start, finish, cancel...), which check the work "
                    "and move stock and invoices with it.",
                    document=self.env["ir.model"]._get(self._name).name,
                    names=", ".join(self.mapped("name")),
                )
            )
        return super().write(vals)

    def _service_trusted(self):
        return trusted(self)

    def _service_is_trusted(self):
        return is_trusted(self)

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _check_state(self, allowed, action):
        """Refuse ``action`` (a translated past participle) on records whose
        state is not in ``allowed``."""
        for record in self:
            if record.state not in allowed:
                raise UserError(
                    self.env._(
                        "%(document)s %(name)s is %(state)s: it cannot be %(action)s.",
                        document=self.env["ir.model"]._get(self._name).name,
                        name=record.name,
                        state=record._state_label(),
                        action=action,
                    )
                )
