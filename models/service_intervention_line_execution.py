# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Planned and done work of a line, and its measures each in its unit.

A concern of ``service.intervention.line`` (listed in its ``_inherit``): its
``write`` dates and assigns the lines confirmed now with the steps below."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .service_write_policy_mixin import SYSTEM

TIME_TYPES = ("activity", "travel")


class ServiceInterventionLineExecution(models.AbstractModel):
    _name = "service.intervention.line.execution"
    _description = "Work Line Execution"
    # measures computed from the done work, per unit
    _write_policy = {
        "hours": SYSTEM,
        "distance_km": SYSTEM,
        "part_qty": SYSTEM,
        "expense_amount": SYSTEM,
    }

    # the line's currency (defined in full by service.intervention.line)
    currency_id = fields.Many2one("res.currency")
    # the measures of the work reports: hours are summed over time lines
    # only, never with kilometres, part units or expenses; planned work
    # counts in none of them
    hours = fields.Float(
        compute="_compute_measures",
        store=True,
        digits="Product Unit",
        help="Hours of work and travel done.",
    )
    distance_km = fields.Float(
        string="Kilometres",
        compute="_compute_measures",
        store=True,
        digits="Product Unit",
    )
    part_qty = fields.Float(
        string="Part Units",
        compute="_compute_measures",
        store=True,
        digits="Product Unit",
    )
    expense_amount = fields.Monetary(
        string="Expenses",
        compute="_compute_measures",
        store=True,
        help="Amount of the expenses done, before coverage.",
    )

    @api.depends("line_type", "quantity", "done", "amount_gross")
    def _compute_measures(self):
        for line in self:
            done = line.done
            kind = line.line_type
            line.hours = line.quantity if done and kind in TIME_TYPES else 0
            line.distance_km = line.quantity if done and kind == "mileage" else 0
            line.part_qty = line.quantity if done and kind == "part" else 0
            line.expense_amount = line.amount_gross if done and kind == "expense" else 0

    @api.constrains("quantity", "line_type", "done")
    def _check_part_quantity(self):
        for line in self:
            # a planned part confirmed at 0 was not used; a part added by
            # hand is used: its quantity is what left the van
            if line.line_type == "part" and (
                line.quantity < 0 or (not line.protocol_step_id and not line.quantity)
            ):
                raise ValidationError(
                    self.env._(
                        "%(part)s: enter the quantity used (more than 0).",
                        part=line.name,
                    )
                )

    def _confirmed_by(self, vals):
        """The planned lines ``vals`` confirms as done without saying when
        or by whom."""
        if vals.get("done") and not {"date", "employee_id"} <= set(vals):
            return self.filtered(lambda line: not line.done)
        return self.browse()

    def _confirm_values(self, vals):
        """The date and technician of these planned lines being confirmed
        as done: today and the user's employee when they work on the job;
        the job's technician otherwise."""
        values = {}
        if "date" not in vals:
            values["date"] = fields.Date.context_today(self)
        employee = self.env.user._service_employee(self.company_id)
        jobs = self.intervention_id
        if (
            "employee_id" not in vals
            and employee
            and employee in (jobs.technician_id | jobs.technician_ids)
        ):
            values["employee_id"] = employee.id
        return values
