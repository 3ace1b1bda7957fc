# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import api, models

JOB_VIEWS = ("form", "list", "kanban")


class ServiceIntervention(models.Model):
    _inherit = "service.intervention"

    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        """A technician works on the jobs he is given: no "New" on the jobs'
        form, list and cards (the dispatchers, officers, create jobs). A view
        attribute cannot depend on groups, so it is set here, after the
        cache."""
        result = super().get_view(view_id, view_type, **options)
        if view_type in JOB_VIEWS and not self.env.user.has_group(
            "service_management.group_service_officer"
        ):
            arch = etree.fromstring(result["arch"])
            if arch.tag == view_type:
                arch.set("create", "0")
                result["arch"] = etree.tostring(arch, encoding="unicode")
        return result
