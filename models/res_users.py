# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

MY_DAY_ACTION = "service_management.action_service_my_day"


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._service_set_home_action()
        return users

    def write(self, vals):
        result = super().write(vals)
        if "group_ids" in vals:
            self._service_set_home_action()
        return result

    def _service_set_home_action(self):
        """Technicians (not dispatchers) without a home action land on their
        day's jobs when they open Odoo, as on a field-service app."""
        action = self.env.ref(MY_DAY_ACTION, raise_if_not_found=False)
        if not action:  # the add-on is being installed: see _service_init_home
            return
        technician = self.env.ref("service_management.group_service_technician")
        officer = self.env.ref("service_management.group_service_officer")
        users = self.filtered(
            lambda user: (
                not user.action_id
                and not user.share
                and technician in user.all_group_ids
                and officer not in user.all_group_ids
            )
        )
        if users:
            users.sudo().write({"action_id": action.id})

    @api.model
    def _service_init_home(self):
        """At install: the technicians already there get the home action."""
        technician = self.env.ref("service_management.group_service_technician")
        self.sudo().search(
            [("all_group_ids", "in", technician.ids), ("action_id", "=", False)]
        )._service_set_home_action()

    def _service_employee(self, companies):
        """The user's employee in ``companies`` (the one company of a job,
        or the companies of a record set), or no employee: the one lookup
        of the technician behind a user, for timers, vans and hours."""
        self.ensure_one()
        return self.employee_ids.filtered(lambda e: e.company_id in companies)[:1]
