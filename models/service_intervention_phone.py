# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The technician's screens on a phone: today's jobs, the job timer, the
short "add hours / part / travel" dialogs and the close-out step.

Kept apart from ``service_intervention.py`` (the document and its workflow):
everything here is driven by the user at hand (``uid`` in the context)."""

from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

LINE_KIND_VIEWS = {
    "activity": "service_management.service_intervention_line_view_form_hours",
    "part": "service_management.service_intervention_line_view_form_part",
    "travel": "service_management.service_intervention_line_view_form_travel",
    "mileage": "service_management.service_intervention_line_view_form_travel",
}


class ServiceIntervention(models.Model):
    _inherit = "service.intervention"

    timer_ids = fields.One2many("service.intervention.timer", "intervention_id")
    # the protocol steps as a checklist to tick (the same work lines)
    step_line_ids = fields.One2many(
        "service.intervention.line",
        "intervention_id",
        domain=[("protocol_step_id", "!=", False), ("line_type", "=", "activity")],
        string="Checklist",
    )
    timer_state = fields.Selection(
        [("stopped", "Stopped"), ("running", "Running"), ("paused", "Paused")],
        compute="_compute_timer",
        string="My Timer",
    )
    timer_hours = fields.Float(
        compute="_compute_timer",
        string="My Time",
        help="Hours counted by your timer on this job, pauses excluded.",
    )
    day_rank = fields.Integer(
        compute="_compute_day_rank",
        help="0 for today's and later jobs, 1 for overdue ones: today's jobs "
        "come first on the technician's day.",
    )
    schedule_label = fields.Char(compute="_compute_phone_labels", string="When")
    site_address = fields.Char(compute="_compute_phone_labels", string="Address")
    site_phone = fields.Char(compute="_compute_phone_labels", string="Phone")
    objects_label = fields.Char(
        compute="_compute_phone_labels", string="Objects Summary"
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("timer_ids.date_running", "timer_ids.elapsed")
    @api.depends_context("uid")
    def _compute_timer(self):
        now = fields.Datetime.now()
        timers = self.env["service.intervention.timer"].search(
            [("intervention_id", "in", self.ids), ("user_id", "=", self.env.uid)]
        )
        by_job = {timer.intervention_id: timer for timer in timers}
        for intervention in self:
            timer = by_job.get(intervention)
            if not timer:
                intervention.timer_state = "stopped"
                intervention.timer_hours = 0.0
                continue
            intervention.timer_state = "running" if timer.date_running else "paused"
            intervention.timer_hours = timer._service_hours(now)

    @api.depends_context("tz")
    def _compute_day_rank(self):
        start = self._service_today_start()
        for intervention in self:
            scheduled = intervention.scheduled_start
            intervention.day_rank = 0 if not scheduled or scheduled >= start else 1

    def _service_today_start(self):
        """Midnight of the user's today, as a naive UTC datetime."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = datetime.now(tz).date()
        return (
            tz.localize(datetime.combine(today, time.min))
            .astimezone(pytz.UTC)
            .replace(tzinfo=None)
        )

    def _field_to_sql(self, alias, field_expr, query=None):
        # the technician's day is ordered by "today first, then overdue"
        if field_expr == "day_rank":
            return SQL(
                "(CASE WHEN %s < %s THEN 1 ELSE 0 END)",
                SQL.identifier(alias, "scheduled_start"),
                self._service_today_start(),
            )
        return super()._field_to_sql(alias, field_expr, query)

    @api.depends(
        "scheduled_start",
        "partner_id.phone",
        "partner_shipping_id.street",
        "partner_shipping_id.city",
        "partner_shipping_id.phone",
        "object_ids.lot_id",
        "object_ids.product_id",
    )
    @api.depends_context("tz")
    def _compute_phone_labels(self):
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = datetime.now(tz).date()
        for intervention in self:
            label = False
            if intervention.scheduled_start:
                local = pytz.UTC.localize(intervention.scheduled_start).astimezone(tz)
                label = local.strftime("%H:%M")
                if local.date() != today:
                    label = f"{fields.Date.to_string(local.date())} {label}"
            intervention.schedule_label = label
            site = intervention.partner_shipping_id or intervention.partner_id
            street = ", ".join(filter(None, (site.street, site.street2)))
            city = " ".join(filter(None, (site.zip, site.city)))
            intervention.site_address = (
                " – ".join(filter(None, (street, city))) or False
            )
            intervention.site_phone = (
                site.phone or intervention.partner_id.phone or False
            )
            intervention.objects_label = (
                ", ".join(
                    obj.lot_id.display_name
                    and f"{obj.product_id.display_name} ({obj.lot_id.name})"
                    or obj.product_id.display_name
                    for obj in intervention.object_ids
                    if obj.product_id
                )
                or False
            )

    # ------------------------------------------------------------------
    # Timer
    # ------------------------------------------------------------------
    def _service_my_timer(self):
        self.ensure_one()
        return self.env["service.intervention.timer"].search(
            [("intervention_id", "=", self.id), ("user_id", "=", self.env.uid)]
        )

    def action_timer_start(self):
        """Start (or resume) my timer; a job not yet started starts too."""
        self.ensure_one()
        if self.state in ("draft", "scheduled"):
            self.action_start()
        self._check_state(
            ("in_progress",),
            self.env._(
                "Intervention %(name)s is %(state)s: its timer cannot be started."
            ),
        )
        timer = self._service_my_timer()
        if not timer:
            self.env["service.intervention.timer"].create(
                {"intervention_id": self.id, "date_running": fields.Datetime.now()}
            )
        elif not timer.date_running:
            timer.date_running = fields.Datetime.now()
        return True

    def action_timer_pause(self):
        self.ensure_one()
        timer = self._service_my_timer()
        if timer.date_running:
            timer.write({"elapsed": timer._service_hours(), "date_running": False})
        return True

    def action_timer_stop(self):
        """Stop my timer: its time becomes my activity line, rounded up to the
        company's minimum increment; the line opens to be checked."""
        self.ensure_one()
        timer = self._service_my_timer()
        if not timer:
            raise UserError(
                self.env._("Your timer on %(name)s is not running.", name=self.name)
            )
        employee = self._service_my_employee()
        hours = timer._service_round_up(
            timer._service_hours(), self.company_id.service_time_increment
        )
        timer.unlink()
        if not hours:
            return True
        line = self.env["service.intervention.line"].create(
            {
                "intervention_id": self.id,
                "line_type": "activity",
                "activity_type_id": self._service_proposed_activity_type().id,
                "employee_id": employee.id,
                "quantity": hours,
            }
        )
        return self._service_line_dialog("activity", line)

    def _service_my_employee(self):
        self.ensure_one()
        employee = self.env.user.employee_ids.filtered(
            lambda e: e.company_id == self.company_id
        )[:1]
        if not employee:
            raise UserError(
                self.env._(
                    "Your user is not linked to an employee of %(company)s: ask "
                    "your manager to link it, then record your time.",
                    company=self.company_id.name,
                )
            )
        return employee

    def _service_proposed_activity_type(self):
        """The activity of the first protocol step still to tick, else the
        protocol's first activity, else the last activity recorded on the job,
        else the first activity type of the job's place."""
        self.ensure_one()
        activities = self.line_ids.filtered(
            lambda line: line.line_type == "activity" and line.activity_type_id
        )
        pending = activities.filtered(
            lambda line: line.protocol_step_id and not line.done
        )
        if pending:
            return pending[0].activity_type_id
        step_types = self.protocol_id.step_ids.activity_type_id
        if step_types:
            return step_types[0]
        if activities:
            return activities[-1].activity_type_id
        return self.env["service.activity.type"].search(
            [
                ("place", "in", (self.place, "any")),
                ("company_id", "in", (self.company_id.id, False)),
            ],
            limit=1,
        )

    # ------------------------------------------------------------------
    # Short dialogs and close-out
    # ------------------------------------------------------------------
    def _service_line_dialog(self, line_type, line=None):
        self.ensure_one()
        titles = {
            "activity": self.env._("Hours"),
            "part": self.env._("Spare Part"),
            "travel": self.env._("Travel and Mileage"),
            "mileage": self.env._("Travel and Mileage"),
        }
        context = {
            "default_intervention_id": self.id,
            "default_line_type": line_type,
        }
        employee = self.env.user.employee_ids.filtered(
            lambda e: e.company_id == self.company_id
        )[:1]
        if line_type == "activity" and employee:
            # the hours of whoever records them
            context["default_employee_id"] = employee.id
        return {
            "type": "ir.actions.act_window",
            "name": titles[line_type],
            "res_model": "service.intervention.line",
            "res_id": line.id if line else False,
            "views": [(self.env.ref(LINE_KIND_VIEWS[line_type]).id, "form")],
            "target": "new",
            "context": context,
        }

    def _service_check_open(self):
        self._check_state(
            ("draft", "scheduled", "in_progress"),
            self.env._("Intervention %(name)s is %(state)s: no work can be added."),
        )

    def action_add_hours(self):
        self.ensure_one()
        self._service_check_open()
        return self._service_line_dialog("activity")

    def action_add_part(self):
        self.ensure_one()
        self._service_check_open()
        return self._service_line_dialog("part")

    def action_add_travel(self):
        self.ensure_one()
        self._service_check_open()
        return self._service_line_dialog("travel")

    def action_close_job(self):
        """The close-out screen: what was done, what the customer pays, the
        signature, then "Done and Send Report"."""
        self.ensure_one()
        self._check_state(
            ("in_progress",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be closed."),
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close %(name)s", name=self.name),
            "res_model": self._name,
            "res_id": self.id,
            "views": [
                (
                    self.env.ref(
                        "service_management.service_intervention_view_form_close"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
        }

    def action_done_and_send(self):
        """Finish the job (the customer has signed), then open the report
        email to the customer."""
        self.ensure_one()
        if self._service_my_timer():
            raise UserError(
                self.env._(
                    "Stop your timer on %(name)s before closing it: its time "
                    "becomes your activity line.",
                    name=self.name,
                )
            )
        if not self.signature:
            raise UserError(
                self.env._(
                    "Ask the customer to sign %(name)s before finishing it.",
                    name=self.name,
                )
            )
        self.action_done()
        return self.action_send_report()

    def action_register_object(self):
        """Open the dialog adding a machine not yet in the installed base."""
        self.ensure_one()
        self._service_check_open()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Machine"),
            "res_model": "service.lot.register",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_intervention_id": self.id},
        }
