# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A technician's day on a phone: today's jobs, the job timer, the short
"add hours / part / travel" dialogs and the close-out step.

A concern of ``service.intervention`` (listed in its ``_inherit``); all of it
is driven by the user at hand (``uid`` in the context)."""

from datetime import datetime, time

import pytz
from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, get_lang

from .service_document_mixin import trusted
from .service_write_policy_mixin import SYSTEM, TECHNICIAN

JOB_VIEWS = ("form", "list", "kanban")
# a line holds a day at most (see _check_quantity_bounds of the lines)
MAX_TIMER_HOURS = 24.0
LINE_KIND_VIEWS = {
    "activity": "service_management.service_intervention_line_view_form_hours",
    "part": "service_management.service_intervention_line_view_form_part",
    "travel": "service_management.service_intervention_line_view_form_travel",
    "mileage": "service_management.service_intervention_line_view_form_travel",
}


class ServiceInterventionPhone(models.AbstractModel):
    _name = "service.intervention.phone"
    _description = "Intervention on a Phone"
    _write_policy = {
        # timers only through the timer buttons
        "timer_ids": SYSTEM,
        "step_line_ids": TECHNICIAN,
        "day_rank": SYSTEM,
    }

    timer_ids = fields.One2many("service.intervention.timer", "intervention_id")
    # the protocol steps as a checklist to tick (the same work lines)
    # every item of the protocol, its parts included: what Done requires is
    # what the technician sees
    step_line_ids = fields.One2many(
        "service.intervention.line",
        "intervention_id",
        domain=[("protocol_step_id", "!=", False)],
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
            intervention.timer_hours = timer._hours(now)

    @api.depends_context("tz")
    def _compute_day_rank(self):
        start = self._today_start()
        for intervention in self:
            scheduled = intervention.scheduled_start
            intervention.day_rank = 0 if not scheduled or scheduled >= start else 1

    @api.depends(
        "scheduled_start",
        "partner_id.phone",
        "partner_shipping_id.street",
        "partner_shipping_id.city",
        "partner_shipping_id.phone",
        "object_ids.lot_id",
        "object_ids.product_id",
    )
    @api.depends_context("tz", "lang")
    def _compute_phone_labels(self):
        tz = self._user_tz()
        today = datetime.now(tz).date()
        # the date in the user's language format, as the web client shows
        # it; the time on 24 hours (the card's big "09:00")
        date_format = get_lang(self.env).date_format
        for intervention in self:
            intervention.schedule_label = intervention._schedule_label(
                tz, today, date_format
            )
            site = intervention.partner_shipping_id or intervention.partner_id
            intervention.site_address = intervention._site_address(site)
            intervention.site_phone = (
                site.phone or intervention.partner_id.phone or False
            )
            intervention.objects_label = intervention._objects_label()

    @api.model
    def _site_address(self, site):
        """ "street, street2 – zip city" on one line."""
        street = ", ".join(filter(None, (site.street, site.street2)))
        city = " ".join(filter(None, (site.zip, site.city)))
        return " – ".join(filter(None, (street, city))) or False

    def _schedule_label(self, tz, today, date_format):
        """ "09:00" today, the date and the time on another day."""
        if not self.scheduled_start:
            return False
        local = pytz.UTC.localize(self.scheduled_start).astimezone(tz)
        label = local.strftime("%H:%M")
        if local.date() != today:
            label = f"{local.strftime(date_format)} {label}"
        return label

    def _objects_label(self):
        return (
            ", ".join(
                obj.lot_id.display_name
                and f"{obj.product_id.display_name} ({obj.lot_id.name})"
                or obj.product_id.display_name
                for obj in self.object_ids
                if obj.product_id
            )
            or False
        )

    def _user_tz(self):
        return pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

    def _today_start(self):
        """Midnight of the user's today, as a naive UTC datetime."""
        tz = self._user_tz()
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
                self._today_start(),
            )
        return super()._field_to_sql(alias, field_expr, query)

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

    # ------------------------------------------------------------------
    # Actions: the timer
    # ------------------------------------------------------------------
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
        self._run_my_timer()
        return True

    def _run_my_timer(self):
        """Create my timer running, or resume it."""
        timer = self._my_timer()
        if not timer:
            trusted(self.env["service.intervention.timer"]).create(
                {"intervention_id": self.id, "date_running": fields.Datetime.now()}
            )
        elif not timer.date_running:
            trusted(timer).date_running = fields.Datetime.now()

    def action_timer_pause(self):
        self.ensure_one()
        timer = self._my_timer()
        if timer.date_running:
            trusted(timer).write({"elapsed": timer._hours(), "date_running": False})
        return True

    def action_timer_stop(self):
        """Stop my timer: its time becomes my activity line, rounded up to the
        company's minimum increment; the line opens to be checked."""
        self.ensure_one()
        timer = self._my_timer()
        if not timer:
            raise UserError(
                self.env._("Your timer on %(name)s is not running.", name=self.name)
            )
        employee = self._my_employee()
        line = self._record_timers(timer, employee)
        return self._line_dialog("activity", line)

    # ------------------------------------------------------------------
    # Actions: short dialogs and close-out
    # ------------------------------------------------------------------
    def action_add_hours(self):
        self.ensure_one()
        self._check_open()
        return self._line_dialog("activity")

    def action_add_part(self):
        self.ensure_one()
        self._check_open()
        return self._line_dialog("part")

    def action_add_travel(self):
        self.ensure_one()
        self._check_open()
        return self._line_dialog("travel")

    def action_close_job(self):
        """The close-out screen: the work done, what the customer pays once
        Done applies coverage and prepaid hours, the planned work left, the
        signature, then "Done and Send Report"."""
        self.ensure_one()
        self._check_state(
            ("in_progress",),
            self.env._("Intervention %(name)s is %(state)s: it cannot be closed."),
        )
        Close = self.env["service.intervention.close"]
        wizard = Close.create(self._prepare_close_values(self._preview_done()))
        return self._dialog(
            self.env._("Close %(name)s", name=self.name),
            wizard,
            view="service_management.service_intervention_close_view_form",
        )

    def _prepare_close_values(self, preview):
        """The close-out screen's values from what Done would bill
        (``_preview_done``)."""
        return {
            "intervention_id": self.id,
            "amount_total": preview["amount"],
            "preview_html": self.env["service.intervention.close"]._preview_table(
                preview["lines"], self.currency_id
            ),
            "signed_by": self.signed_by or self.partner_id.name,
            "work_summary": self.work_summary,
            "report_email": self.report_email,
        }

    def action_done_and_send(self):
        """Finish the job (the customer has signed), then send its report to
        the customer in one step."""
        self.ensure_one()
        self._check_closable()
        self.action_done()
        self._send_report(self.report_email)
        return True

    def action_register_object(self):
        """Open the dialog adding a machine not yet in the installed base."""
        self.ensure_one()
        self._check_open()
        return self._dialog(
            self.env._("New Machine"),
            self.env["service.lot.register"],
            context={"default_intervention_id": self.id},
        )

    # ------------------------------------------------------------------
    # Timers
    # ------------------------------------------------------------------
    def _my_timer(self):
        self.ensure_one()
        return self.env["service.intervention.timer"].search(
            [("intervention_id", "=", self.id), ("user_id", "=", self.env.uid)]
        )

    def _record_timers(self, timers, employee=None):
        """Stop ``timers`` of this job: each one's time becomes an activity
        line of its user, rounded up to the company's increment; a timer left
        running longer than a day records a day, and says so on the job.
        Return the lines."""
        self.ensure_one()
        lines = self.env["service.intervention.line"]
        for timer in timers:
            lines |= self._record_timer(
                timer,
                employee or timer.user_id.sudo()._service_employee(self.company_id),
            )
        return lines.with_env(self.env)

    def _record_timer(self, timer, employee):
        """Stop ``timer``: its time becomes an activity line of ``employee``
        (none without an employee, which the job's chatter says)."""
        hours = self._timer_hours(timer)
        user = timer.user_id
        timer.sudo().unlink()
        # the application records the time (also on a day already signed:
        # a timer never blocks finishing a job)
        Line = trusted(self.env["service.intervention.line"])
        if not employee:
            self._log_timer_lost(user)
            return Line
        return Line.create(
            {
                "intervention_id": self.id,
                "line_type": "activity",
                "activity_type_id": self._proposed_activity_type().id,
                "employee_id": employee.id,
                "quantity": hours,
            }
        )

    def _timer_hours(self, timer):
        """The hours ``timer`` records: rounded up to the company's increment,
        a day at most (which the job's chatter says)."""
        # times are stored to the second: a timer started and stopped
        # within the same second still counts (one increment)
        counted = max(timer._hours(), 1 / 3600)
        hours = timer._round_up(counted, self.company_id.service_time_increment)
        if hours <= MAX_TIMER_HOURS:
            return hours
        self._log_timer_capped(timer.user_id, counted)
        return MAX_TIMER_HOURS

    def _log_timer_capped(self, user, counted):
        self.message_post(
            body=self.env._(
                "The timer of %(user)s ran for %(counted)s hours: "
                "%(hours)s hours are recorded (a day at most on one "
                "line). Correct the line with the real time.",
                user=user.name,
                counted=f"{counted:.2f}",
                hours=f"{MAX_TIMER_HOURS:g}",
            )
        )

    def _log_timer_lost(self, user):
        self.message_post(
            body=self.env._(
                "The timer of %(user)s was stopped without recording "
                "its time: the user is not linked to an employee.",
                user=user.name,
            )
        )

    def _my_employee(self):
        self.ensure_one()
        employee = self.env.user._service_employee(self.company_id)
        if not employee:
            raise UserError(
                self.env._(
                    "Your user is not linked to an employee of %(company)s: ask "
                    "your manager to link it, then record your time.",
                    company=self.company_id.name,
                )
            )
        return employee

    def _proposed_activity_type(self):
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
        return self._place_activity_type()

    def _place_activity_type(self):
        return self.env["service.activity.type"].search(
            [
                ("place", "in", (self.place, "any")),
                ("company_id", "in", (self.company_id.id, False)),
            ],
            limit=1,
        )

    # ------------------------------------------------------------------
    # Dialogs and close-out
    # ------------------------------------------------------------------
    def _line_dialog(self, line_type, line=None):
        """The short dialog adding (or checking) a ``line_type`` line."""
        self.ensure_one()
        titles = {
            "activity": self.env._("Hours"),
            "part": self.env._("Spare Part"),
            "travel": self.env._("Travel and Mileage"),
            "mileage": self.env._("Travel and Mileage"),
        }
        return self._dialog(
            titles[line_type],
            line or self.env["service.intervention.line"],
            view=LINE_KIND_VIEWS[line_type],
            context=self._line_dialog_context(line_type),
        )

    def _line_dialog_context(self, line_type):
        context = {"default_intervention_id": self.id, "default_line_type": line_type}
        employee = self.env.user._service_employee(self.company_id)
        if line_type == "activity" and employee:
            # the hours of whoever records them
            context["default_employee_id"] = employee.id
        if line_type == "part":
            # a part the van does not hold asks where it came from
            context["service_confirm_van"] = True
        return context

    def _check_open(self):
        self._check_state(
            ("draft", "scheduled", "in_progress"),
            self.env._("Intervention %(name)s is %(state)s: no work can be added."),
        )

    def _check_closable(self):
        """Refuse to close the job with my timer running or without the
        customer's signature."""
        self.ensure_one()
        problem = self._timer_running_problem() or self._unsigned_problem()
        if problem:
            raise UserError(problem)

    def _timer_running_problem(self):
        return self._my_timer() and self.env._(
            "Stop your timer on %(name)s before closing it: its time "
            "becomes your activity line.",
            name=self.name,
        )

    def _unsigned_problem(self):
        return not self.signature and self.env._(
            "Ask the customer to sign %(name)s before finishing it.",
            name=self.name,
        )
