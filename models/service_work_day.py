# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .service_write_policy_mixin import OFFICER, SYSTEM, TECHNICIAN


class ServiceWorkDay(models.Model):
    """A technician's signature of their day's work report (rapportino)."""

    _name = "service.work.day"
    _description = "Technician's Signed Work Day"
    _inherit = ["service.write.policy.mixin"]
    # the technician signs his day once; the day and its time are the
    # application's
    _write_policy = {
        "employee_id": OFFICER,
        "user_id": SYSTEM,
        "date": OFFICER,
        "company_id": OFFICER,
        "signature": TECHNICIAN,
        "signed_on": SYSTEM,
        "line_ids": SYSTEM,
        "hours": SYSTEM,
    }
    _order = "date desc, employee_id"
    _rec_name = "date"
    _check_company_auto = True

    employee_id = fields.Many2one(
        "hr.employee",
        string="Technician",
        required=True,
        check_company=True,
        index=True,
        ondelete="cascade",
    )
    user_id = fields.Many2one(related="employee_id.user_id", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    signature = fields.Binary(copy=False, attachment=True)
    signed_on = fields.Datetime(copy=False, readonly=True)
    line_ids = fields.Many2many(
        "service.intervention.line",
        compute="_compute_line_ids",
        string="Work of the Day",
    )
    hours = fields.Float(compute="_compute_line_ids")
    route_km = fields.Float(
        string="Route (km)",
        compute="_compute_route_km",
        digits=(16, 1),
        help="Kilometres of the day's route: from the start place through "
        "the day's jobs to the end place.",
    )

    _day_uniq = models.Constraint(
        "unique(employee_id, date)",
        "A technician signs each day's work report once.",
    )

    @api.depends("employee_id", "date")
    def _compute_line_ids(self):
        for day in self:
            lines = self.env["service.intervention.line"].search(
                [
                    ("employee_id", "=", day.employee_id.id),
                    ("date", "=", day.date),
                    ("line_type", "=", "activity"),
                    ("done", "=", True),
                ]
            )
            day.line_ids = lines
            day.hours = sum(lines.mapped("quantity"))

    def _compute_route_km(self):
        totals = self._service_route_totals(
            {(day.employee_id.id, day.date) for day in self}
        )
        for day in self:
            day.route_km = totals.get((day.employee_id.id, day.date), (0.0, 0.0))[0]

    @api.model
    def _service_route_totals(self, day_keys):
        """{(employee id, date): (km, minutes)} of the days' routes."""
        return (
            self.env["service.intervention"]
            .sudo()
            ._route_compute(day_keys, with_totals=True)[1]
        )

    @api.model
    def _service_route_day_km(self, employee, day):
        """Kilometres of an employee's route on a day (the work report)."""
        if not employee or not day:
            return 0.0
        key = (employee.id, fields.Date.to_date(day))
        return round(self._service_route_totals({key}).get(key, (0.0, 0.0))[0], 1)

    def write(self, vals):
        if "signature" not in vals:
            return super().write(vals)
        if not (self.env.su or self._service_is_trusted()):
            self._service_check_write_policy(vals)
            signed = self.filtered("signed_on")
            if signed:
                raise UserError(
                    self.env._(
                        "Your work day of %(dates)s is already signed: it cannot "
                        "be signed again or changed.",
                        dates=", ".join(
                            fields.Date.to_string(day.date) for day in signed
                        ),
                    )
                )
        vals = dict(
            vals,
            signed_on=fields.Datetime.now() if vals["signature"] else False,
        )
        return super(ServiceWorkDay, self._service_trusted()).write(vals)

    @api.model
    def action_open_my_day(self):
        """Today's work day of the current user, to sign (created on demand)."""
        employee = self.env.user.employee_id
        if not employee:
            raise UserError(
                self.env._(
                    "Your user is not linked to an employee: ask your manager to "
                    "link it to sign your work reports."
                )
            )
        today = fields.Date.context_today(self)
        day = self.search([("employee_id", "=", employee.id), ("date", "=", today)])
        if not day:
            day = self._service_trusted().create(
                {
                    "employee_id": employee.id,
                    "date": today,
                    "company_id": employee.company_id.id,
                }
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sign My Day"),
            "res_model": self._name,
            "res_id": day.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_print(self):
        lines = self.env["service.intervention.line"].search(
            [
                ("employee_id", "in", self.employee_id.ids),
                ("date", "in", self.mapped("date")),
                ("line_type", "=", "activity"),
                ("done", "=", True),
            ]
        )
        if not lines:
            raise UserError(self.env._("No work is recorded on this day yet."))
        return self.env.ref(
            "service_management.action_report_service_work"
        ).report_action(lines)
