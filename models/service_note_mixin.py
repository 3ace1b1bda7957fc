# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ServiceNoteMixin(models.AbstractModel):
    """A free notes sheet for Odoo records the service team works on.

    Extended Odoo models (products, serials) get it as ``service_note`` so it
    never clashes with their own ``note``/``description`` fields.
    """

    _name = "service.note.mixin"
    _description = "Service Notes Sheet"

    service_note = fields.Html(
        string="Service Notes",
        groups="base.group_user",
        help="Notes sheet of the service team: history, access, settings, "
        "anything worth knowing before the next visit.",
    )
