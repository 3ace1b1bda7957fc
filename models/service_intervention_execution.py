# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Planned and done work; what the customer signs; the report by email.

The lines of a protocol (and those typed ahead of the work) are the job's
to-do: planned, they cost nothing. Done, the job bills, consumes and takes
out of stock its done lines only; the planned ones left are dropped or
moved to a follow-up job. The amount the customer signs on Close Job is
computed by the very method Done runs, in a savepoint rolled back.

A concern of ``service.intervention`` (listed in its ``_inherit``): its
``write`` and ``action_done`` (through ``_prepare_done``) call the steps
below."""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import email_normalize

from .service_document_mixin import trusted
from .service_write_policy_mixin import OFFICER, SYSTEM

PLANNED_POLICIES = [
    ("drop", "Drop Them"),
    ("follow_up", "Keep Them in a Follow-up Job"),
]
# what a follow-up job copies of each planned line it carries on
FOLLOW_UP_LINE_FIELDS = (
    "line_type",
    "name",
    "activity_type_id",
    "protocol_step_id",
    "product_id",
    "lot_id",
    "uom_id",
    "quantity",
    "object_lot_id",
    "employee_id",
    "sequence",
)
OPEN_STATES = ("draft", "scheduled", "in_progress")


class _AmountPreview(Exception):
    """Rolls back the savepoint in which Done was tried to read its amount."""


class ServiceInterventionExecution(models.AbstractModel):
    _name = "service.intervention.execution"
    _description = "Intervention Execution"
    _write_policy = {
        # the amount signed on Close Job, and the job a follow-up carries on
        "signed_amount": SYSTEM,
        "follow_up_of_id": SYSTEM,
        # technicians give it on Close Job; officers correct it
        "report_email": OFFICER,
    }

    # the job's currency (defined in full by service.document.mixin)
    currency_id = fields.Many2one("res.currency")
    signed_amount = fields.Monetary(
        copy=False,
        readonly=True,
        help="What the customer signed to pay when the job was closed: the "
        "invoice of the job bills this amount.",
    )
    report_email = fields.Char(
        string="Send Report To",
        copy=False,
        help="Where the report of this job was sent when the customer has no "
        "email address: kept on the job, not on the contact.",
    )
    follow_up_of_id = fields.Many2one(
        "service.intervention",
        string="Follow-up Of",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The job whose planned work, not done, this job carries on.",
    )

    # ------------------------------------------------------------------
    # Planned work
    # ------------------------------------------------------------------
    def _planned_date(self):
        """The day the planned work of this job is dated: its scheduled day
        (in the user's time zone), else today."""
        self.ensure_one()
        if not self.scheduled_start:
            return fields.Date.context_today(self)
        return fields.Datetime.context_timestamp(self, self.scheduled_start).date()

    def _follow_planned_work(self):
        """Planned work follows the job's day and technician."""
        for intervention in self.filtered(lambda i: i.state in OPEN_STATES):
            planned = intervention.line_ids.filtered(lambda line: not line.done)
            if not planned:
                continue
            values = intervention._planned_work_values()
            changed = planned.filtered(
                lambda line, values=values: (
                    line.date != values["date"]
                    or line.employee_id.id
                    != values.get("employee_id", line.employee_id.id)
                )
            )
            if changed:
                changed.write(values)

    def _planned_work_values(self):
        """The day and technician of the job's planned work."""
        values = {"date": self._planned_date()}
        if self.technician_id:
            values["employee_id"] = self.technician_id.id
        return values

    def _settle_planned(self, policy):
        """Drop the planned work these jobs finish without, or move it to a
        follow-up job (``policy``: ``drop`` or ``follow_up``)."""
        for intervention in self:
            planned = intervention.line_ids.filtered(lambda line: not line.done)
            if not planned:
                continue
            body = intervention._settle_planned_lines(planned, policy)
            planned.unlink()
            intervention._message_log(body=body)

    def _settle_planned_lines(self, planned, policy):
        """Move ``planned`` to a follow-up job (``policy`` ``follow_up``);
        return what the job's chatter says of them."""
        names = ", ".join(planned.mapped("name"))
        if policy != "follow_up":
            return self.env._("Planned work not done, dropped: %(lines)s.", lines=names)
        follow_up = self._create_follow_up(planned)
        return self.env._(
            "Planned work not done, moved to %(job)s: %(lines)s.",
            job=follow_up.name,
            lines=names,
        )

    def _create_follow_up(self, planned):
        """A draft job for the same customer, objects and contract carrying
        the ``planned`` lines of this one, not done."""
        self.ensure_one()
        # the add-on's own bookkeeping of the close: the technician who
        # closes may not plan jobs (protocol, schedule) himself
        follow_up = self._service_trusted().create(
            self._prepare_follow_up_values(planned)
        )
        return follow_up.with_env(self.env)

    def _prepare_follow_up_values(self, planned):
        """The values of the follow-up job of ``planned`` lines.

        Extension point: override to add values; call ``super()``."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "contract_id": self.contract_id.id,
            "technician_id": self.technician_id.id,
            "place": self.place,
            "protocol_id": self.protocol_id.id,
            "follow_up_of_id": self.id,
            "description": self.description,
            "object_ids": [
                Command.create({"lot_id": o.lot_id.id, "product_id": o.product_id.id})
                for o in self.object_ids
            ],
            "line_ids": [
                Command.create(self._prepare_follow_up_line_values(line))
                for line in planned
            ],
        }

    def _prepare_follow_up_line_values(self, line):
        """The values of the follow-up job's copy of planned ``line``."""
        values = {
            fname: line[fname].id
            if isinstance(line[fname], models.BaseModel)
            else line[fname]
            for fname in FOLLOW_UP_LINE_FIELDS
        }
        values.update(done=False, note=line.note)
        return values

    # ------------------------------------------------------------------
    # What the customer signs, and the report
    # ------------------------------------------------------------------
    def _preview_done(self):
        """What the customer pays once this job is done: its lines after
        everything Done applies (planned work dropped, prepaid hours with the
        split line, included visits, coverage), computed by Done's own
        ``_prepare_done`` in a savepoint rolled back.

        :return: ``{"amount": total, "lines": [(description, quantity,
            amount, coverage), ...]}``
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                job = self.with_context(service_planned_lines="drop")
                job._prepare_done()
                raise _AmountPreview(job._done_amounts())
        except _AmountPreview as preview:
            return preview.args[0]

    def _done_amounts(self):
        return {
            "amount": self.amount_total,
            "lines": [
                (
                    line.name,
                    line.quantity,
                    line.price_subtotal,
                    line.coverage_reason or "",
                )
                for line in self.line_ids
            ],
        }

    def _send_report(self, email=None):
        """Send the job's report to the customer in one step: to the
        customer's address (a message on the job), else to ``email`` (stored
        on the job, never on the contact)."""
        self.ensure_one()
        template = self.env.ref("service_management.mail_template_service_intervention")
        email = (email or "").strip()
        if self.partner_id.email and (
            not email or email.lower() == self.partner_id.email.lower()
        ):
            return self.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        self._check_report_email(email)
        self._mail_report(template, email)
        return True

    def _mail_report(self, template, email):
        """Send the report to ``email``, kept on the job, and log it."""
        if email != self.report_email:
            trusted(self).write({"report_email": email})
        template.send_mail(
            self.id,
            email_values={"email_to": email, "recipient_ids": []},
            email_layout_xmlid="mail.mail_notification_light",
        )
        self._message_log(
            body=self.env._("Report sent to %(email)s.", email=email),
        )

    def _check_report_email(self, email):
        if not email:
            raise UserError(
                self.env._(
                    "%(customer)s has no email address: enter the address to "
                    "send the report of %(name)s to.",
                    customer=self.partner_id.display_name,
                    name=self.name,
                )
            )
        if not email_normalize(email):
            raise UserError(
                self.env._(
                    "%(email)s is not a valid email address: check it.", email=email
                )
            )
